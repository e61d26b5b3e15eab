"""Helpers for the points tests: members made straight through the service."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.factories import in_tx
from yutang.kit.context import Ctx
from yutang.kit.db import unit_of_work
from yutang.loyalty import service as points
from yutang.models.loyalty import PointsAllocation, PointsEntry, PointsLot
from yutang.models.members import Member


async def state(engine: AsyncEngine, member_id: int) -> tuple[int, int, list[str]]:
    """(balance, pending, invariant problems) of a member."""
    async with unit_of_work(readonly=True, engine=engine) as s:
        m = await s.get(Member, member_id)
        assert m is not None
        return m.points_balance, m.points_pending, await points.check_member(s, m)


async def entries(engine: AsyncEngine, member_id: int) -> list[PointsEntry]:
    async with unit_of_work(readonly=True, engine=engine) as s:
        rows = await s.scalars(
            select(PointsEntry).where(PointsEntry.member_id == member_id).order_by(PointsEntry.id)
        )
        return list(rows.all())


async def lots(engine: AsyncEngine, member_id: int) -> list[PointsLot]:
    async with unit_of_work(readonly=True, engine=engine) as s:
        rows = await s.scalars(
            select(PointsLot).where(PointsLot.member_id == member_id).order_by(PointsLot.id)
        )
        return list(rows.all())


async def allocations(engine: AsyncEngine, entry_id: int) -> dict[int, int]:
    async with unit_of_work(readonly=True, engine=engine) as s:
        rows = await s.execute(
            select(PointsAllocation.lot_id, PointsAllocation.amount).where(
                PointsAllocation.entry_id == entry_id
            )
        )
        return {lot: amount for lot, amount in rows.all()}


async def give(
    engine: AsyncEngine, tenant: Tenant, member_id: int, amount: int, **kw: Any
) -> points.Movement:
    """Credit points in a transaction of their own."""

    async def credit(ctx: Ctx) -> points.Movement:
        return await points.earn(ctx, member_id, amount, **kw)

    return await in_tx(engine, tenant, credit)
