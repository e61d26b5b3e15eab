"""The real server (granian): buffered clicks survive a graceful stop, and a hard kill
loses at most the last flush interval (250 ms by default)."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import make_tenant
from tests.servers import Server, free_port, server_factory
from yutang.kit.context import SYSTEM, Ctx
from yutang.kit.db import unit_of_work
from yutang.links import service as links_service
from yutang.links.schemas import LinkIn
from yutang.models.links import Click

pytestmark = pytest.mark.server
__all__ = ["server_factory"]  # the fixture, used by the tests below
VISITS = 60


async def _setup(engine: AsyncEngine, port: int) -> None:
    tenant = await make_tenant(engine, "srv", f"127.0.0.1:{port}")
    async with unit_of_work(engine=engine) as s:
        await links_service.create_link(
            Ctx(s, tenant.id, SYSTEM), LinkIn(url="https://a.example/", slug="go")
        )


def _visit(port: int, n: int) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", follow_redirects=False) as c:
        for _ in range(n):
            assert c.get("/go", headers={"user-agent": "Mozilla/5.0 (iPhone)"}).status_code == 302


async def _clicks(engine: AsyncEngine) -> int:
    async with unit_of_work(readonly=True, engine=engine) as s:
        return int(await s.scalar(select(func.count()).select_from(Click)) or 0)


def _url(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=False)


async def test_sigterm_writes_every_buffered_click(
    engine: AsyncEngine, tmp_path: Path, server_factory: list[Server]
) -> None:
    port = free_port()
    await _setup(engine, port)
    # A long interval: nothing is flushed by the timer, only by the graceful stop.
    server = Server(_url(engine), port, tmp_path, interval=5.0)
    server_factory.append(server)
    _visit(port, VISITS)
    assert await _clicks(engine) == 0
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(20) == 0
    assert await _clicks(engine) == VISITS


async def test_hard_kill_loses_at_most_the_last_interval(
    engine: AsyncEngine, tmp_path: Path, server_factory: list[Server]
) -> None:
    port = free_port()
    await _setup(engine, port)
    server = Server(_url(engine), port, tmp_path, interval=0.25)
    server_factory.append(server)
    _visit(port, VISITS)
    # One interval plus the time to write the batch, then SIGKILL the whole process group.
    time.sleep(0.25 + 0.35)
    server.kill()
    assert await _clicks(engine) == VISITS


async def test_sigterm_under_load_loses_nothing_and_writes_nothing_twice(
    engine: AsyncEngine, tmp_path: Path, server_factory: list[Server]
) -> None:

    port = free_port()
    await _setup(engine, port)
    server = Server(_url(engine), port, tmp_path, interval=0.25)
    server_factory.append(server)
    answered: list[int] = []
    stop = threading.Event()

    def hammer(worker: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as c:
            n = 0
            while not stop.is_set():
                n += 1
                tag = worker * 1_000_000 + n
                try:
                    r = c.get(
                        "/go",
                        headers={
                            "user-agent": "Mozilla/5.0 (iPhone)",
                            "referer": f"https://ref.example/{tag}",
                        },
                    )
                except httpx.HTTPError:
                    return  # the server is going away
                if r.status_code == 302:
                    answered.append(tag)

    threads = [threading.Thread(target=hammer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    # Under load: a hundred redirects answered (however busy the machine is), then stop.
    deadline = time.monotonic() + 30
    while len(answered) < 100 and time.monotonic() < deadline:
        time.sleep(0.02)
    server.proc.send_signal(signal.SIGTERM)  # while requests are still arriving
    assert server.proc.wait(30) == 0
    stop.set()
    for t in threads:
        t.join(10)
    async with unit_of_work(readonly=True, engine=engine) as s:
        refs = list((await s.scalars(select(Click.referrer))).all())
    assert len(answered) > 100
    assert len(refs) == len(set(refs))  # nothing written twice
    assert {f"https://ref.example/{t}" for t in answered} <= set(refs)  # every answered click kept
