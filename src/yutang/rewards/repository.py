"""Reads of the rewards domain (catalog, lotteries, auctions) that endpoints need."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.kit.pagination import paginate
from yutang.models.rewards import Auction, Lottery, Reward


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
