"""Waiting on conditions instead of sleeping: a test that arranges a race waits until the
other side is where it must be (blocked on a lock, holding a batch), never for a guessed
number of milliseconds that is too short on a busy machine and wasted on an idle one."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from yutang.kit.db import unit_of_work


async def until(predicate: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Return as soon as ``predicate()`` holds; fail naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        await asyncio.sleep(0.005)


async def until_blocked_on_a_lock(engine: AsyncEngine, waiters: int = 1, timeout: float = 10.0) -> None:
    """Return once ``waiters`` other transactions of this database wait for a lock — on
    PostgreSQL, seen in ``pg_stat_activity``. SQLite shows no waiters: a second writer
    blocks in ``BEGIN IMMEDIATE`` (its busy timeout); there the task is given time to get
    there, which is all SQLite lets a test know."""
    if engine.dialect.name != "postgresql":
        await asyncio.sleep(0.3)
        return
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    )
    deadline = time.monotonic() + timeout
    while True:
        async with unit_of_work(readonly=True, engine=engine) as s:
            if int(await s.scalar(query) or 0) >= waiters:
                return
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {waiters} transaction(s) to wait on a lock")
        await asyncio.sleep(0.01)
