"""Reads of the distribution domain that endpoints and reports need.

The lists answer one page newest first, one row more than ``limit`` (``page_of`` tells
from it whether there is a next page)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.kit.pagination import paginate
from yutang.models.distribution import Commission, CommissionEntry, Distributor, Withdrawal


async def distributors(
    session: AsyncSession, workspace_id: int, *, status: str | None, cursor: str | None, limit: int
) -> Sequence[Distributor]:
    stmt = select(Distributor).where(Distributor.workspace_id == workspace_id)
    if status:
        stmt = stmt.where(Distributor.status == status)
    return (await session.scalars(paginate(stmt, Distributor.id, cursor, limit))).all()


async def distributors_by_id(
    session: AsyncSession, workspace_id: int, ids: Iterable[int]
) -> dict[int, Distributor]:
    """The workspace's distributors of these ids (a team, say), by id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.scalars(
        select(Distributor).where(Distributor.workspace_id == workspace_id, Distributor.id.in_(wanted))
    )
    return {d.id: d for d in rows.all()}


async def entries(
    session: AsyncSession, workspace_id: int, *, distributor_id: int, cursor: str | None, limit: int
) -> Sequence[CommissionEntry]:
    """A distributor's commission ledger, newest first."""
    stmt = select(CommissionEntry).where(
        CommissionEntry.workspace_id == workspace_id, CommissionEntry.distributor_id == distributor_id
    )
    return (await session.scalars(paginate(stmt, CommissionEntry.id, cursor, limit))).all()


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
    session: AsyncSession,
    workspace_id: int,
    *,
    status: str | None,
    cursor: str | None,
    limit: int,
    exclude_status: str | None = None,
) -> Sequence[Withdrawal]:
    """``exclude_status="requested"``: the ones decided already (paid or rejected)."""
    stmt = select(Withdrawal).where(Withdrawal.workspace_id == workspace_id)
    if status:
        stmt = stmt.where(Withdrawal.status == status)
    if exclude_status:
        stmt = stmt.where(Withdrawal.status != exclude_status)
    return (await session.scalars(paginate(stmt, Withdrawal.id, cursor, limit))).all()
