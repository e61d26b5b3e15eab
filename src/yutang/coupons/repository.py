"""Reads of the coupons domain that endpoints and reports need."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.models.rewards import CouponTemplate


async def templates(session: AsyncSession, workspace_id: int) -> Sequence[CouponTemplate]:
    """The workspace's coupon templates, oldest first."""
    rows = await session.scalars(
        select(CouponTemplate).where(CouponTemplate.workspace_id == workspace_id).order_by(CouponTemplate.id)
    )
    return rows.all()
