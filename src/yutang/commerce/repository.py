"""Reads of the commerce domain that endpoints and reports need."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.models.wallet import TopUpRule


async def top_up_rules(session: AsyncSession, workspace_id: int) -> Sequence[TopUpRule]:
    """The workspace's top-up bonus rules, smallest minimum amount first."""
    rows = await session.scalars(
        select(TopUpRule).where(TopUpRule.workspace_id == workspace_id).order_by(TopUpRule.min_amount_cents)
    )
    return rows.all()
