"""Reads of the commerce domain that endpoints and reports need."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.kit.pagination import paginate
from yutang.models.wallet import TopUpRule, Wallet


async def top_up_rules(session: AsyncSession, workspace_id: int) -> Sequence[TopUpRule]:
    """The workspace's top-up bonus rules, smallest minimum amount first."""
    rows = await session.scalars(
        select(TopUpRule).where(TopUpRule.workspace_id == workspace_id).order_by(TopUpRule.min_amount_cents)
    )
    return rows.all()


async def wallets(
    session: AsyncSession, workspace_id: int, cursor: str | None, limit: int
) -> Sequence[Wallet]:
    """One page of the workspace's wallets, the newest member first (one row more than
    ``limit``: see ``page_of``)."""
    stmt = paginate(
        select(Wallet).where(Wallet.workspace_id == workspace_id), Wallet.member_id, cursor, limit
    )
    return (await session.scalars(stmt)).all()
