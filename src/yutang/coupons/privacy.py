"""Coupons' part of a data-subject export: the member's coupons. Erasure keeps them (they
are the shop's liabilities, tied to the anonymous id). :mod:`yutang.privacy` composes it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from yutang.kit.context import Ctx
from yutang.kit.records import plain
from yutang.models.rewards import Coupon


async def export(ctx: Ctx, member_id: int) -> dict[str, Any]:
    """Section ``coupons``, oldest first."""
    rows = await ctx.session.scalars(
        select(Coupon)
        .where(Coupon.workspace_id == ctx.workspace_id, Coupon.member_id == member_id)
        .order_by(Coupon.id)
    )
    return {"coupons": [plain(c, omit=("member_id",)) for c in rows.all()]}
