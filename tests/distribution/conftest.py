"""Helpers for distribution tests: distributors, orders and refunds through the services."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, run_events
from tests.loyalty.conftest import in_tx
from yutang.commerce import service as commerce
from yutang.commerce.schemas import OrderIn, RefundIn
from yutang.distribution import service
from yutang.kit.context import Ctx
from yutang.kit.db import unit_of_work
from yutang.members import service as members
from yutang.members.schemas import MemberIn
from yutang.models.base import utcnow
from yutang.models.distribution import Commission, Distributor

__all__ = ["appoint", "commissions_of", "dist", "in_tx", "member", "order", "plan", "refund"]
_orders = itertools.count(1)


async def member(engine: AsyncEngine, tenant: Tenant, phone: str) -> int:
    async def make(ctx: Ctx) -> int:
        return (await members.create_member(ctx, MemberIn(phone=phone))).id

    return await in_tx(engine, tenant, make)


async def appoint(
    engine: AsyncEngine, tenant: Tenant, member_id: int, parent: int | None = None
) -> Distributor:
    async def go(ctx: Ctx) -> Distributor:
        up = await service.get_distributor(ctx, parent) if parent else None
        d, _ = await service.become(ctx, member_id, "approved", parent=up)
        return d

    return await in_tx(engine, tenant, go)


async def bind(engine: AsyncEngine, tenant: Tenant, member_id: int, distributor_id: int) -> None:
    async def go(ctx: Ctx) -> None:
        await service.bind(ctx, member_id, await service.get_distributor(ctx, distributor_id), "code")

    await in_tx(engine, tenant, go)


async def plan(
    engine: AsyncEngine, tenant: Tenant, rates: list[int], kind: str = "percent", **kw: Any
) -> int:
    async def go(ctx: Ctx) -> int:
        return (await service.create_plan(ctx, {"name": "默认", "kind": kind, "rates": rates, **kw})).id

    return await in_tx(engine, tenant, go)


async def order(
    engine: AsyncEngine,
    tenant: Tenant,
    member_id: int,
    total: int,
    *,
    items: list[dict[str, Any]] | None = None,
    paid_at: datetime | None = None,
) -> int:
    async def go(ctx: Ctx) -> int:
        data = OrderIn(
            external_id=f"O-{next(_orders)}",
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
    async def go(ctx: Ctx) -> None:
        await commerce.record_refund(
            ctx, order_id, RefundIn(external_id=f"R-{next(_orders)}", amount_cents=amount)
        )

    await in_tx(engine, tenant, go)
    await run_events(engine)


async def dist(engine: AsyncEngine, distributor_id: int) -> Distributor:
    async with unit_of_work(readonly=True, engine=engine) as s:
        d = await s.get(Distributor, distributor_id)
        assert d is not None
        return d


async def commissions_of(engine: AsyncEngine, order_id: int) -> list[Commission]:
    async with unit_of_work(readonly=True, engine=engine) as s:
        rows = await s.scalars(
            select(Commission).where(Commission.order_id == order_id).order_by(Commission.level)
        )
        return list(rows.all())
