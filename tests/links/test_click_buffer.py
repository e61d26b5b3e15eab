"""The click buffer's own guarantees, independent of the server around it."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.waits import until
from yutang.kit.context import SYSTEM, Ctx
from yutang.kit.db import unit_of_work
from yutang.links import service as links_service
from yutang.links.clicks import ClickBuffer, classify
from yutang.links.schemas import LinkIn
from yutang.models.links import Click, Link

UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


async def _link(engine: AsyncEngine, tenant: Tenant) -> int:
    async with unit_of_work(engine=engine) as s:
        link = await links_service.create_link(Ctx(s, tenant.id, SYSTEM), LinkIn(url="https://a.example/"))
    return link.id


async def test_stop_during_a_write_neither_loses_nor_duplicates(engine: AsyncEngine, tenant: Tenant) -> None:
    link_id = await _link(engine, tenant)
    buffer = ClickBuffer(engine, "secret", interval=0.05, batch_size=1_000_000)
    n = 20_000
    now = time.time()
    for i in range(n):
        buffer.add(
            (
                now,
                link_id,
                tenant.id,
                None,
                None,
                f"v{i}",
                "198.51.100.1",
                f"https://r.example/{i}",
                UA,
                False,
            )
        )
    buffer.start()
    # Stop while the flusher has taken the batch and is writing it.
    await until(lambda: not buffer.pending, "the flusher to take the batch")
    await buffer.stop()
    async with unit_of_work(readonly=True, engine=engine) as s:
        rows = await s.scalar(select(func.count()).select_from(Click))
        distinct = await s.scalar(select(func.count(func.distinct(Click.referrer))))
        counted = await s.scalar(select(Link.click_count).where(Link.id == link_id))
    assert rows == distinct == counted == n


async def test_a_failed_write_keeps_the_batch_for_the_next_try(engine: AsyncEngine, tenant: Tenant) -> None:
    link_id = await _link(engine, tenant)
    buffer = ClickBuffer(engine, "secret", interval=1, batch_size=100)
    buffer.add((time.time(), 999_999_999, tenant.id, None, None, "v", None, None, UA, False))  # no such link
    with pytest.raises(IntegrityError):  # the foreign key refuses it
        await buffer.flush()
    assert len(buffer.pending) == 1
    buffer.pending.clear()
    buffer.add((time.time(), link_id, tenant.id, None, None, "v", None, None, UA, False))
    assert await buffer.flush() == 1


def test_user_agents_are_classified() -> None:
    assert classify(UA).device_type == "mobile"
    assert classify(
        "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"
    ).is_bot
    assert classify(None).is_bot
    desktop = classify(
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"
    )
    assert (desktop.device_type, desktop.os, desktop.browser) == ("desktop", "Windows", "Chrome")
    ipad = classify(
        "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "Version/17.4 Mobile/15E148 Safari/604.1"
    )
    assert ipad.device_type == "tablet"


async def test_the_row_by_row_path_for_older_sqlite_writes_the_same(
    engine: AsyncEngine, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yutang.links import clicks as clicks_mod

    monkeypatch.setattr(clicks_mod, "_SQLITE_JSON", False)
    link_id = await _link(engine, tenant)
    buffer = ClickBuffer(engine, "secret", interval=1, batch_size=100)
    for i in range(5):
        buffer.add((time.time(), link_id, tenant.id, None, None, f"v{i}", "198.51.100.1", None, UA, i == 0))
    assert await buffer.flush() == 5
    async with unit_of_work(readonly=True, engine=engine) as s:
        bots = (await s.scalars(select(Click.is_bot).order_by(Click.id))).all()
        counted = await s.scalar(select(Link.click_count).where(Link.id == link_id))
    assert bots == [True, False, False, False, False]
    assert counted == 4
