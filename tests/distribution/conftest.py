"""Helpers for distribution tests: distributors, orders and refunds through the services."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.factories import in_tx
from yutang.distribution import service
from yutang.kit.context import Ctx
from yutang.kit.db import unit_of_work
from yutang.models.distribution import Commission, Distributor

__all__ = ["appoint", "bind", "commissions_of", "dist", "plan"]
_orders = itertools.count(1)


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
