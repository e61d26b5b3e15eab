"""The overview's figures per day, checked against a plain reading of the rows: many
members, orders, refunds, points and clicks over several days in a workspace on Shanghai
time (rows minutes either side of local midnight), beside another workspace whose rows
must not count; and the period before, for the change."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.factories import in_tx, member, order, refund
from yutang.analytics import sync
from yutang.analytics.clickhouse import ClickHouseTarget
from yutang.analytics.clicks import daily
from yutang.analytics.engines import DuckReader, Reader
from yutang.kit.context import SYSTEM, Ctx
from yutang.kit.db import unit_of_work
from yutang.links import service as links
from yutang.links.schemas import LinkIn
from yutang.loyalty import service as points
from yutang.models.links import Click
from yutang.models.loyalty import PointsEntry
from yutang.models.members import Member
from yutang.models.workspaces import Workspace
from yutang.overview import trends

SHANGHAI = ZoneInfo("Asia/Shanghai")
START, END = date(2026, 11, 10), date(2026, 11, 16)


def _local(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


@pytest.mark.parametrize("store", ["duckdb", "chdb"])
async def test_the_figures_of_each_day_are_those_of_the_rows(
    engine: AsyncEngine, tenant: Tenant, other_tenant: Tenant, tmp_path: Path, store: str
) -> None:
    if store == "chdb" and engine.dialect.name != "sqlite":
        pytest.skip("the ClickHouse side is the same whatever the source database")
    async with unit_of_work(engine=engine) as s:
        await s.execute(update(Workspace).where(Workspace.id == tenant.id).values(timezone="Asia/Shanghai"))
    # Instants around the range: local midnights ± a few minutes, and days inside.
    base = datetime(2026, 11, 2, 16, 0, tzinfo=UTC)  # 2026-11-03 00:00 in Shanghai
    moments = [base + timedelta(days=d, minutes=m) for d in range(16) for m in (-3, 2, 700)]
    ids = []
    for i in range(len(moments)):
        ids.append(await member(engine, tenant, phone=f"1380000{i:04d}"))
        await member(engine, other_tenant, phone=f"1390000{i:04d}")
    async with unit_of_work(engine=engine) as s:
        for mid, at in zip(ids, moments, strict=True):
            await s.execute(update(Member).where(Member.id == mid).values(joined_at=at))
    orders = []
    for i, (mid, at) in enumerate(zip(ids, moments, strict=True)):
        if i % 2 == 0:
            oid = await order(engine, tenant, mid, 10_000 + i, paid_at=at)
            orders.append((oid, at, 10_000 + i))
            if i % 4 == 0:
                await refund(engine, tenant, oid, 3_000)

    async def spend_some(ctx: Ctx) -> None:
        for mid in ids[::5]:
            await points.adjust(ctx, mid, 40, reason="bonus")
            await points.spend(ctx, mid, 15, reason="coffee")

    await in_tx(engine, tenant, spend_some)
    async with unit_of_work(engine=engine) as s:  # the entries spread over the days
        entry_ids = (
            await s.scalars(select(PointsEntry.id).where(PointsEntry.workspace_id == tenant.id))
        ).all()
        assert len(entry_ids) >= 20
        for n, entry_id in enumerate(entry_ids):
            at = moments[(n * 7) % len(moments)]
            await s.execute(update(PointsEntry).where(PointsEntry.id == entry_id).values(created_at=at))
    link = await in_tx(engine, tenant, lambda ctx: links.create_link(ctx, LinkIn(url="https://a.example/")))
    async with unit_of_work(engine=engine) as s:
        for i, at in enumerate(moments):
            s.add(
                Click(
                    workspace_id=tenant.id,
                    link_id=link.id,
                    occurred_at=at,
                    visitor_id=f"v{i % 7}",
                    is_bot=i % 9 == 0,
                )
            )

    # The clicks are counted by the event store, synced as the worker does.
    reader: Reader
    if store == "chdb":
        target = ClickHouseTarget(f"chdb://memory/o_{uuid.uuid4().hex[:12]}")
        await sync.sync(engine, target)
        reader = target.reader()
    else:
        await sync.sync(engine, tmp_path / "facts.duckdb")
        reader = DuckReader(tmp_path / "facts.duckdb")
    async with unit_of_work(readonly=True, engine=engine) as s:
        got = await trends.trends(Ctx(s, tenant.id, SYSTEM), START, END, daily(reader, tenant.id))
        entries = (await s.scalars(select(PointsEntry).where(PointsEntry.workspace_id == tenant.id))).all()
        clicks = (await s.scalars(select(Click).where(Click.workspace_id == tenant.id))).all()

    days = [START + timedelta(days=i) for i in range(7)]
    assert got.days == days
    joined = Counter(_local(at) for at in moments)
    assert got.daily["new_members"] == [joined[d] for d in days]
    paid = Counter(_local(at) for _, at, _ in orders)
    assert got.daily["orders"] == [paid[d] for d in days]
    gmv: Counter[date] = Counter()
    for i, (_, at, total) in enumerate(orders):
        gmv[_local(at)] += total - (3_000 if (2 * i) % 4 == 0 else 0)
    assert got.daily["gmv_cents"] == [gmv[d] for d in days]
    issued: Counter[date] = Counter()
    redeemed: Counter[date] = Counter()
    for e in entries:
        when = _local(e.created_at.replace(tzinfo=UTC) if e.created_at.tzinfo is None else e.created_at)
        if e.kind == "earn" or (e.kind == "adjust" and e.amount > 0):
            issued[when] += e.amount + (e.pending_delta if e.kind == "earn" else 0)
        if e.kind == "spend":
            redeemed[when] -= e.amount
    assert got.daily["points_issued"] == [issued[d] for d in days] and sum(got.daily["points_issued"]) > 0
    assert (
        got.daily["points_redeemed"] == [redeemed[d] for d in days] and sum(got.daily["points_redeemed"]) > 0
    )
    humans = [c for c in clicks if not c.is_bot and START <= _local(_aware(c.occurred_at)) <= END]
    per_day = Counter(_local(_aware(c.occurred_at)) for c in humans)
    assert got.daily["clicks"] == [per_day[d] for d in days]
    seen = {d: {c.visitor_id for c in humans if _local(_aware(c.occurred_at)) == d} for d in days}
    assert got.daily["visitors"] == [len(seen[d]) for d in days] and sum(got.daily["clicks"]) > 0
    assert got.totals["visitors"] == len({c.visitor_id for c in humans})
    assert got.totals["new_members"] == sum(joined[d] for d in days)
    # The period before is the 7 days just before, with its own totals.
    assert (got.previous.start, got.previous.end) == (date(2026, 11, 3), date(2026, 11, 9))
    before = [START - timedelta(days=i) for i in range(1, 8)]
    assert got.previous_totals["new_members"] == sum(joined[d] for d in before)
    assert got.change("new_members") == (
        (got.totals["new_members"] - got.previous_totals["new_members"]) / got.previous_totals["new_members"]
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
