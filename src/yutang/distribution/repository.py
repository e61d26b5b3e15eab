"""Reads of the distribution domain that endpoints and reports need.

The lists answer one page newest first, one row more than ``limit`` (``page_of`` tells
from it whether there is a next page)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.kit.pagination import paginate
from yutang.models.distribution import Commission, Distributor, Withdrawal


async def distributors(
    session: AsyncSession, workspace_id: int, *, status: str | None, cursor: str | None, limit: int
) -> Sequence[Distributor]:
    stmt = select(Distributor).where(Distributor.workspace_id == workspace_id)
    if status:
        stmt = stmt.where(Distributor.status == status)
    return (await session.scalars(paginate(stmt, Distributor.id, cursor, limit))).all()


async def commissions(
    session: AsyncSession,
    workspace_id: int,
    *,
    distributor_id: int | None,
    order_id: int | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> Sequence[Commission]:
    stmt = select(Commission).where(Commission.workspace_id == workspace_id)
    if distributor_id is not None:
        stmt = stmt.where(Commission.distributor_id == distributor_id)
    if order_id is not None:
        stmt = stmt.where(Commission.order_id == order_id)
    if status:
        stmt = stmt.where(Commission.status == status)
    return (await session.scalars(paginate(stmt, Commission.id, cursor, limit))).all()


async def withdrawals(
    session: AsyncSession, workspace_id: int, *, status: str | None, cursor: str | None, limit: int
) -> Sequence[Withdrawal]:
    stmt = select(Withdrawal).where(Withdrawal.workspace_id == workspace_id)
    if status:
        stmt = stmt.where(Withdrawal.status == status)
    return (await session.scalars(paginate(stmt, Withdrawal.id, cursor, limit))).all()
