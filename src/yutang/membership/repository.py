"""Reads of the paid-membership domain that endpoints and reports need."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.models.membership import MembershipPlan


async def plans(session: AsyncSession, workspace_id: int) -> Sequence[MembershipPlan]:
    """The workspace's membership plans, oldest first."""
    rows = await session.scalars(
        select(MembershipPlan).where(MembershipPlan.workspace_id == workspace_id).order_by(MembershipPlan.id)
    )
    return rows.all()
