"""The one place tests make what they need: a transaction on a workspace, members (through
the service or the API), orders and refunds. A domain's conftest keeps only what is its
own (campaigns, distributors, points helpers) and builds on these."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, run_events
from yutang.commerce import service as commerce
from yutang.commerce.schemas import OrderIn, RefundIn
from yutang.kit.context import SYSTEM, Ctx
from yutang.kit.db import unit_of_work
from yutang.members import service as members
from yutang.members.schemas import MemberIn
from yutang.models.base import utcnow

T = TypeVar("T")
_refs = itertools.count(1)


async def in_tx(engine: AsyncEngine, tenant: Tenant, fn: Callable[[Ctx], Awaitable[T]]) -> T:
    """Run ``fn`` in one transaction on the tenant's workspace, acting as the system."""
    async with unit_of_work(engine=engine) as s:
        return await fn(Ctx(s, tenant.id, SYSTEM))


async def member(engine: AsyncEngine, tenant: Tenant, phone: str | None = None, **extra: Any) -> int:
    """A member created through the service (``phone`` and/or other identities in ``extra``)."""

    async def make(ctx: Ctx) -> int:
        return (await members.create_member(ctx, MemberIn(phone=phone, **extra))).id

    return await in_tx(engine, tenant, make)


async def new_member(engine: AsyncEngine, tenant: Tenant, customer_id: str = "C1") -> int:
    """A member known by the shop's customer id only."""
    return await member(engine, tenant, customer_id=customer_id)


async def api_member(
    client: httpx.AsyncClient, tenant: Tenant, phone: str = "13800138000", **extra: Any
) -> int:
    """A member created through ``POST /api/v1/members``, as an integration would."""
    r = await client.post("/api/v1/members", json={"phone": phone, **extra}, headers=tenant.headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def order(
    engine: AsyncEngine,
    tenant: Tenant,
    member_id: int,
    total: int,
    *,
    items: list[dict[str, Any]] | None = None,
    paid_at: datetime | None = None,
) -> int:
    """A paid order of ``total`` cents, its events handled; returns its id."""

    async def go(ctx: Ctx) -> int:
        data = OrderIn(
            external_id=f"O-{next(_refs)}",
            member_id=member_id,
            total_cents=total,
            paid_at=paid_at or utcnow(),
            items=items or [],
        )
        return (await commerce.record_order(ctx, data)).order.id

    oid = await in_tx(engine, tenant, go)
    await run_events(engine)
    return oid


async def refund(engine: AsyncEngine, tenant: Tenant, order_id: int, amount: int) -> None:
    """A refund of ``amount`` cents of the order, its events handled."""

    async def go(ctx: Ctx) -> None:
        await commerce.record_refund(
            ctx, order_id, RefundIn(external_id=f"R-{next(_refs)}", amount_cents=amount)
        )

    await in_tx(engine, tenant, go)
    await run_events(engine)


async def sync_store(
    app: Any, engine: AsyncEngine, monkeypatch: Any, kind: str = "duckdb", *, fresh: bool = True
) -> None:
    """Bring the app's event store up to the test database, as the worker's sync does:
    its DuckDB file, or (``kind="chdb"``) a ClickHouse database on chdb that the app then
    reads — started afresh (the test database's ids start again each test) unless
    ``fresh=False``, a later sync of the same test."""
    import uuid

    from yutang.analytics import sync
    from yutang.analytics.clickhouse import ClickHouseTarget

    settings = app.app.state.settings
    if kind == "chdb":
        if fresh or not settings.analytics_url:
            monkeypatch.setattr(settings, "analytics_url", f"chdb://memory/t_{uuid.uuid4().hex[:12]}")
        await sync.sync(engine, ClickHouseTarget(settings.analytics_url))
        return
    monkeypatch.setattr(settings, "analytics_url", None)
    path = settings.resolved_analytics_path()
    if fresh:
        path.unlink(missing_ok=True)
    await sync.sync(engine, path)
