"""Reads of the commerce domain that endpoints and reports need."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.kit.pagination import paginate
from yutang.models.members import Member
from yutang.models.wallet import TopUpRule, Wallet


async def top_up_rules(session: AsyncSession, workspace_id: int) -> Sequence[TopUpRule]:
    """The workspace's top-up bonus rules, smallest minimum amount first."""
    rows = await session.scalars(
        select(TopUpRule).where(TopUpRule.workspace_id == workspace_id).order_by(TopUpRule.min_amount_cents)
    )
    return rows.all()


async def wallets(
    session: AsyncSession, workspace_id: int, cursor: str | None, limit: int, *, members: Any = None
) -> Sequence[Wallet]:
    """One page of the workspace's wallets, the newest member first (one row more than
    ``limit``: see ``page_of``); ``members`` narrows them to the members a clause on
    ``Member`` selects (those the caller may see)."""
    stmt = select(Wallet).where(Wallet.workspace_id == workspace_id)
    if members is not None:
        stmt = stmt.where(
            Wallet.member_id.in_(select(Member.id).where(Member.workspace_id == workspace_id, members))
        )
    stmt = paginate(stmt, Wallet.member_id, cursor, limit)
    return (await session.scalars(stmt)).all()
