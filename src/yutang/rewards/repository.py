"""Reads of the rewards domain (catalog, lotteries, auctions) that endpoints need."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.kit.pagination import paginate
from yutang.models.members import Member
from yutang.models.rewards import Auction, Lottery, Redemption, Reward


async def rewards(session: AsyncSession, workspace_id: int) -> Sequence[Reward]:
    """The reward catalog, oldest first."""
    rows = await session.scalars(
        select(Reward).where(Reward.workspace_id == workspace_id).order_by(Reward.id)
    )
    return rows.all()


async def auctions(
    session: AsyncSession, workspace_id: int, cursor: str | None, limit: int
) -> Sequence[Auction]:
    """One page of auctions, newest first (one row more than ``limit``: see ``page_of``)."""
    stmt = paginate(select(Auction).where(Auction.workspace_id == workspace_id), Auction.id, cursor, limit)
    return (await session.scalars(stmt)).all()


async def lotteries(
    session: AsyncSession, workspace_id: int, cursor: str | None, limit: int
) -> Sequence[Lottery]:
    """One page of lotteries, newest first (one row more than ``limit``: see ``page_of``)."""
    stmt = paginate(select(Lottery).where(Lottery.workspace_id == workspace_id), Lottery.id, cursor, limit)
    return (await session.scalars(stmt)).all()


async def redemptions(
    session: AsyncSession,
    workspace_id: int,
    cursor: str | None,
    limit: int,
    *,
    reward_id: int | None = None,
    member_id: int | None = None,
    status: str | None = None,
    members: Any = None,
) -> Sequence[Redemption]:
    """One page of redemptions, newest first (one row more than ``limit``: see
    ``page_of``), of one reward, member or status when given; ``members`` narrows them to
    the members a clause on ``Member`` selects (those the caller may see)."""
    stmt = select(Redemption).where(Redemption.workspace_id == workspace_id)
    if reward_id is not None:
        stmt = stmt.where(Redemption.reward_id == reward_id)
    if member_id is not None:
        stmt = stmt.where(Redemption.member_id == member_id)
    if status is not None:
        stmt = stmt.where(Redemption.status == status)
    if members is not None:
        stmt = stmt.where(
            Redemption.member_id.in_(select(Member.id).where(Member.workspace_id == workspace_id, members))
        )
    stmt = paginate(stmt, Redemption.id, cursor, limit)
    return (await session.scalars(stmt)).all()
