"""The real server (granian) and its click writer: buffered clicks survive a graceful
stop, a hard kill of the server loses at most the last hand-off interval (250 ms by
default), and a hard kill of the writer loses nothing and writes nothing twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
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
from yutang.links.clickwriter import lock_holder
from yutang.links.schemas import LinkIn
from yutang.models.links import Click, Link

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
    assert server.proc.wait(60) == 0  # a busy 2-core machine (CI) once took more than 20 s
    assert await _clicks(engine) == VISITS


async def test_hard_kill_loses_at_most_the_last_interval(
    engine: AsyncEngine, tmp_path: Path, server_factory: list[Server]
) -> None:
    port = free_port()
    await _setup(engine, port)
    server = Server(_url(engine), port, tmp_path, interval=0.25)
    server_factory.append(server)
    _visit(port, VISITS)
    # One interval plus the time to append the batch, then SIGKILL the whole process
    # group — server and writer. The clicks were handed off: the next writer writes them.
    time.sleep(0.25 + 0.1)
    server.kill()
    _drain(engine, tmp_path)
    assert await _clicks(engine) == VISITS


def _drain(engine: AsyncEngine, var: Path) -> None:
    """``yutang clicks-writer --drain``: what a restart does first."""
    env = os.environ | {
        "YUTANG_DATABASE_URL": _url(engine),
        "YUTANG_VAR_DIR": str(var),
        "YUTANG_SECRET_KEY": "test",
    }
    done = subprocess.run(
        [sys.executable, "-m", "yutang", "clicks-writer", "--drain"],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")


class Hammer:
    """Threads sending redirects with a unique referrer each, until stopped; remembers
    the tag of every one answered with a 302."""

    def __init__(self, port: int, hosts: list[str], paths: list[str], threads: int = 4) -> None:
        self.port, self.hosts, self.paths = port, hosts, paths
        self.answered: list[tuple[int, str, str]] = []
        self.stopped = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(w,)) for w in range(threads)]
        for t in self.threads:
            t.start()

    def _run(self, worker: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=5) as c:
            n = 0
            while not self.stopped.is_set():
                n += 1
                tag = worker * 1_000_000 + n
                host, path = self.hosts[n % len(self.hosts)], self.paths[(n // 3) % len(self.paths)]
                try:
                    r = c.get(
                        path,
                        headers={
                            "host": host,
                            "user-agent": "Mozilla/5.0 (iPhone)",
                            "referer": f"https://ref.example/{tag}",
                        },
                    )
                except httpx.HTTPError:
                    return
                if r.status_code == 302:
                    self.answered.append((tag, host, path))

    def wait_for(self, n: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.answered) < n and time.monotonic() < deadline:
            time.sleep(0.02)

    def stop(self) -> None:
        self.stopped.set()
        for t in self.threads:
            t.join(10)


def _writer_pid(var: Path, other_than: int | None = None, timeout: float = 30) -> int:
    """The running click writer's pid (a new one, when ``other_than`` is given)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = lock_holder(var / "clicks")
        if pid is not None and pid > 0 and pid != other_than:
            return pid
        time.sleep(0.02)
    raise AssertionError("no click writer running")


async def test_killed_writers_lose_nothing_and_write_nothing_twice(
    engine: AsyncEngine, tmp_path: Path, server_factory: list[Server]
) -> None:
    """Under load, the click writer is SIGKILLed three times at random moments (in a
    transaction or between two); `yutang serve` starts it again each time. Every
    answered click ends up written exactly once, every link counter agrees."""
    port = free_port()
    await _setup(engine, port)
    server = Server(_url(engine), port, tmp_path, interval=0.25)
    server_factory.append(server)
    load = Hammer(port, [f"127.0.0.1:{port}"], ["/go"])
    rng = random.Random(12)
    pid = _writer_pid(tmp_path)
    killed = 0
    try:
        for _ in range(3):
            load.wait_for(len(load.answered) + 50)
            time.sleep(rng.uniform(0.0, 0.3))
            os.kill(pid, signal.SIGKILL)
            killed += 1
            pid = _writer_pid(tmp_path, other_than=pid)  # the keeper's restart
        load.wait_for(len(load.answered) + 50)
    finally:
        server.proc.send_signal(signal.SIGTERM)
        code = server.proc.wait(60)
        load.stop()
    assert code == 0, server.output()
    async with unit_of_work(readonly=True, engine=engine) as s:
        refs = list((await s.scalars(select(Click.referrer))).all())
        counted = await s.scalar(select(func.sum(Link.click_count)))
    assert killed == 3 and len(load.answered) > 200
    assert len(refs) == len(set(refs))  # nothing written twice
    assert {f"https://ref.example/{t}" for t, _, _ in load.answered} <= set(refs)  # nothing lost
    assert counted == len(refs)
    assert sorted(os.listdir(tmp_path / "clicks")) == ["writer.lock"]


async def test_many_links_and_workspaces_through_the_server(
    engine: AsyncEngine, tmp_path: Path, server_factory: list[Server]
) -> None:
    """Three workspaces on their own domains, eight links each, clicked at once, and the
    server stopped (SIGTERM) while requests still arrive: every answered click lands
    once, on its link and workspace; each counter is its link's clicks."""
    port = free_port()
    hosts, paths = [], [f"/s{i}" for i in range(8)]
    links: dict[tuple[str, str], tuple[int, int]] = {}
    for w in range(3):
        host = f"w{w}.test:{port}"
        hosts.append(host)
        tenant = await make_tenant(engine, f"ws{w}", host)
        async with unit_of_work(engine=engine) as s:
            for path in paths:
                link = await links_service.create_link(
                    Ctx(s, tenant.id, SYSTEM), LinkIn(url=f"https://{w}.example{path}", slug=path[1:])
                )
                links[(host, path)] = (link.id, tenant.id)
    server = Server(_url(engine), port, tmp_path, interval=0.25)
    server_factory.append(server)
    load = Hammer(port, hosts, paths)
    load.wait_for(600)
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(60) == 0
    load.stop()
    async with unit_of_work(readonly=True, engine=engine) as s:
        rows = (await s.execute(select(Click.referrer, Click.link_id, Click.workspace_id))).all()
        counters = dict((await s.execute(select(Link.id, Link.click_count))).all())
    by_ref = {ref: (link_id, ws_id) for ref, link_id, ws_id in rows}
    assert len(by_ref) == len(rows)  # nothing twice
    for tag, host, path in load.answered:
        assert by_ref[f"https://ref.example/{tag}"] == links[(host, path)]
    per_link: dict[int, int] = {}
    for link_id, _ in by_ref.values():
        per_link[link_id] = per_link.get(link_id, 0) + 1
    assert {k: v for k, v in counters.items() if v} == per_link
    assert len(per_link) == 24
