"""The outbox: events commit with their change, handlers run once per event."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.conftest import Tenant
from yutang.kit import events, jobs
from yutang.kit.context import SYSTEM, Ctx
from yutang.kit.db import unit_of_work
from yutang.links import service as links_service
from yutang.links.events import ChannelCreated
from yutang.links.schemas import ChannelIn
from yutang.models.platform import EventReceipt, OutboxEvent

seen: list[tuple[str, int]] = []


class DrinkOrdered(events.Event, type_name="drink.ordered"):
    """An event only this test module emits."""

    name: str


@pytest.fixture
def recording_handler() -> Iterator[list[tuple[str, int]]]:
    seen.clear()

    @events.on(ChannelCreated, name="test.recorder")
    async def record(session: AsyncSession, ev: OutboxEvent) -> None:
        seen.append((ev.type, int(ev.payload["channel_id"])))

    yield seen
    events.unregister("test.recorder")


async def _count(engine: AsyncEngine) -> int:
    async with unit_of_work(readonly=True, engine=engine) as s:
        return int(await s.scalar(select(func.count()).select_from(OutboxEvent)) or 0)


async def test_event_commits_with_the_change(engine: AsyncEngine, tenant: Tenant) -> None:
    async with unit_of_work(engine=engine) as s:
        ch = await links_service.create_channel(Ctx(s, tenant.id, SYSTEM), ChannelIn(name="cards"))
    async with unit_of_work(readonly=True, engine=engine) as s:
        ev = await s.scalar(select(OutboxEvent).where(OutboxEvent.type == "channel.created"))
    assert ev is not None
    assert ev.payload["channel_id"] == ch.id
    assert ev.workspace_id == tenant.id


async def test_rolled_back_change_leaves_no_event(engine: AsyncEngine, tenant: Tenant) -> None:
    before = await _count(engine)
    with pytest.raises(RuntimeError):
        async with unit_of_work(engine=engine) as s:
            await links_service.create_channel(Ctx(s, tenant.id, SYSTEM), ChannelIn(name="cards"))
            raise RuntimeError("boom")
    assert await _count(engine) == before


async def test_dispatch_runs_each_handler_once_even_when_redelivered(
    engine: AsyncEngine, tenant: Tenant, recording_handler: list[tuple[str, int]]
) -> None:
    async with unit_of_work(engine=engine) as s:
        ch = await links_service.create_channel(Ctx(s, tenant.id, SYSTEM), ChannelIn(name="cards"))
    assert await events.dispatch_pending(engine) >= 1
    assert recording_handler == [("channel.created", ch.id)]
    # Redeliver: as if the worker crashed after the handler but before marking the event.
    async with unit_of_work(engine=engine) as s:
        ev = await s.scalar(select(OutboxEvent).where(OutboxEvent.type == "channel.created"))
        assert ev is not None and ev.dispatched_at is not None
        ev.dispatched_at = None
    await events.dispatch_pending(engine)
    assert recording_handler == [("channel.created", ch.id)]
    async with unit_of_work(readonly=True, engine=engine) as s:
        receipts = (await s.scalars(select(EventReceipt.handler))).all()
    assert receipts.count("test.recorder") == 1


async def test_a_failing_handler_is_retried_and_does_not_block_others(
    engine: AsyncEngine, tenant: Tenant, recording_handler: list[tuple[str, int]]
) -> None:
    calls = {"n": 0}

    @events.on(ChannelCreated, name="test.flaky")
    async def flaky(session: AsyncSession, ev: OutboxEvent) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ValueError("first time fails")

    try:
        async with unit_of_work(engine=engine) as s:
            await links_service.create_channel(Ctx(s, tenant.id, SYSTEM), ChannelIn(name="cards"))
        assert await events.dispatch_pending(engine) == 0
        assert len(recording_handler) == 1
        async with unit_of_work(readonly=True, engine=engine) as s:
            ev = await s.scalar(select(OutboxEvent).where(OutboxEvent.type == "channel.created"))
        assert ev is not None and ev.attempts == 1 and "first time fails" in (ev.last_error or "")
        assert ev.dispatched_at is None
        assert await events.dispatch_pending(engine) == 1
        assert calls["n"] == 2
        assert len(recording_handler) == 1  # the recorder did not run again
    finally:
        events.unregister("test.flaky")


def _wait_for(predicate: object, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("storage", ["sqlite", "redis"])
async def test_the_huey_worker_dispatches_after_commit(
    engine: AsyncEngine,
    tenant: Tenant,
    recording_handler: list[tuple[str, int]],
    storage: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    from yutang.config import Settings

    if storage == "redis":
        settings = Settings(redis_url=request.getfixturevalue("redis_url"), var_dir=tmp_path)
    else:
        settings = Settings(var_dir=tmp_path)
    huey = jobs.make_huey(settings)
    huey.flush()
    url = engine.url.render_as_string(hide_password=False)
    tasks = jobs.register_tasks(huey, url)
    worker = jobs.InProcessWorker(huey)
    worker.start()
    previous = events.wake_dispatcher
    events.wake_dispatcher = lambda: huey.enqueue(tasks["dispatch_outbox"].s())
    try:
        async with unit_of_work(engine=engine) as s:
            ch = await links_service.create_channel(Ctx(s, tenant.id, SYSTEM), ChannelIn(name="cards"))
        done = threading.Event()
        assert _wait_for(lambda: ("channel.created", ch.id) in recording_handler or done.is_set())
    finally:
        events.wake_dispatcher = previous
        worker.stop()
        huey.flush()
    assert recording_handler == [("channel.created", ch.id)]


async def test_serve_wiring_wakes_the_configured_worker_after_commit(
    engine: AsyncEngine,
    tenant: Tenant,
    recording_handler: list[tuple[str, int]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What `yutang serve` does: the queue from settings, the wake-up hook, the worker."""
    from yutang.config import reset_settings

    monkeypatch.setenv("YUTANG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("YUTANG_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("YUTANG_REDIS_URL", raising=False)
    reset_settings()
    jobs.reset()
    previous = events.wake_dispatcher
    jobs.install_wakeup()
    # No periodic sweep: only the wake-up after commit can deliver the event.
    worker = jobs.InProcessWorker(jobs.get_huey(), periodic=False)
    worker.start()
    try:
        async with unit_of_work(engine=engine) as s:
            ch = await links_service.create_channel(Ctx(s, tenant.id, SYSTEM), ChannelIn(name="cards"))
        assert _wait_for(lambda: ("channel.created", ch.id) in recording_handler, timeout=10)
    finally:
        events.wake_dispatcher = previous
        worker.stop()
        jobs.reset()


async def test_a_batch_filter_keeps_events_from_a_catch_all_handler(
    engine: AsyncEngine, tenant: Tenant
) -> None:
    """One filter call per batch; filtered-out events reach neither the handler nor the
    receipts table, the others are handled once."""
    calls: list[int] = []
    got: list[str] = []

    async def only_tea(session: AsyncSession, batch: list[OutboxEvent]) -> set[int]:
        calls.append(len(batch))
        return {ev.id for ev in batch if ev.payload.get("name") == "tea"}

    @events.on("*", name="test.filtered", batch_filter=only_tea)
    async def handle(session: AsyncSession, ev: OutboxEvent) -> None:
        got.append(str(ev.payload.get("name")))

    try:
        async with unit_of_work(engine=engine) as s:
            for name in ("coffee", "tea", "milk"):
                events.emit(Ctx(s, tenant.id, SYSTEM), DrinkOrdered(name=name))
        await events.dispatch_pending(engine)
        assert got == ["tea"] and len(calls) == 1
        async with unit_of_work(readonly=True, engine=engine) as s:
            receipts = await s.scalar(
                select(func.count()).select_from(EventReceipt).where(EventReceipt.handler == "test.filtered")
            )
        assert receipts == 1
    finally:
        events.unregister("test.filtered")
