"""Engines, sessions and the unit of work.

One request, CLI command or job opens ONE transaction through :func:`unit_of_work`.
Services take the session and never commit; the boundary commits or rolls back,
then runs the callbacks registered with :func:`after_commit` (cache invalidation,
waking the outbox dispatcher) — never before the data they announce is visible.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from yutang.config import get_settings

Hook = Callable[[], Awaitable[None] | None]

_engines: dict[str, AsyncEngine] = {}
#: JSON columns keep Chinese text readable (and searchable) in the database.
_dumps = partial(json.dumps, ensure_ascii=False)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, record: ConnectionPoolEntry) -> None:
        # Take transaction control from the driver so we can BEGIN IMMEDIATE below.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front: a deferred transaction that reads and
        # then writes fails with SQLITE_BUSY instead of waiting its turn.
        if conn.get_execution_options().get("yutang_readonly"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(url: str) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:":
            from pathlib import Path

            Path(db).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, pool_size=8, max_overflow=8, json_serializer=_dumps)
        _configure_sqlite(engine)
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True, json_serializer=_dumps)


def get_engine(url: str | None = None) -> AsyncEngine:
    """The process-wide engine for ``url`` (default: the configured database)."""
    key = url or get_settings().resolved_database_url()
    engine = _engines.get(key)
    if engine is None:
        engine = _engines[key] = create_engine(key)
    return engine


async def dispose_engines() -> None:
    engines = list(_engines.values())
    _engines.clear()
    for key in [k for k in _makers if k[0] in engines]:
        del _makers[key]
    for engine in engines:
        await engine.dispose()


def is_sqlite(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def after_commit(session: AsyncSession, hook: Hook) -> None:
    """Run ``hook`` once the current unit of work has committed (skipped on rollback)."""
    session.info.setdefault("after_commit", []).append(hook)


_makers: dict[tuple[AsyncEngine, bool], async_sessionmaker[AsyncSession]] = {}


def _maker(engine: AsyncEngine, readonly: bool) -> async_sessionmaker[AsyncSession]:
    """One session factory per engine and mode, not one per unit of work."""
    maker = _makers.get((engine, readonly))
    if maker is None:
        bind = engine.execution_options(yutang_readonly=True) if readonly else engine
        maker = _makers[(engine, readonly)] = async_sessionmaker(bind, expire_on_commit=False, autoflush=True)
    return maker


@asynccontextmanager
async def unit_of_work(
    *, readonly: bool = False, engine: AsyncEngine | None = None
) -> AsyncIterator[AsyncSession]:
    """One transaction: commit on success, roll back on any exception."""
    maker = _maker(engine or get_engine(), readonly)
    async with maker() as session:
        try:
            yield session
            if readonly:
                # Keep what was loaded usable after the block, then end the transaction.
                session.expunge_all()
                await session.rollback()
            else:
                await session.commit()
        except BaseException:
            await session.rollback()
            raise
        hooks: list[Hook] = session.info.pop("after_commit", [])
    for hook in hooks:
        result = hook()
        if asyncio.iscoroutine(result):
            await result
