"""Reads of the coupons domain that endpoints and reports need."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.models.rewards import Coupon, CouponTemplate


async def templates(session: AsyncSession, workspace_id: int) -> Sequence[CouponTemplate]:
    """The workspace's coupon templates, oldest first."""
    rows = await session.scalars(
        select(CouponTemplate).where(CouponTemplate.workspace_id == workspace_id).order_by(CouponTemplate.id)
    )
    return rows.all()


async def generated_codes(
    session: AsyncSession, workspace_id: int, template_id: int | None = None
) -> Sequence[Coupon]:
    """The codes generated in bulk (for package cards, posters …), of one template when
    given, in the order they were made, whatever became of them since."""
    stmt = select(Coupon).where(Coupon.workspace_id == workspace_id, Coupon.source == "generated")
    if template_id is not None:
        stmt = stmt.where(Coupon.template_id == template_id)
    return (await session.scalars(stmt.order_by(Coupon.id))).all()
