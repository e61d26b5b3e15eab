"""The demo brand's paid membership: the black card (pay 1,000 yuan a year, receive five
¥300 vouchers and 10 % off), bought by one member in eight of those engaged."""

from __future__ import annotations

from yutang.kit.context import Ctx
from yutang.membership import service as membership
from yutang.models.membership import MembershipPlan
from yutang.models.rewards import CouponTemplate


async def plan(ctx: Ctx, gift: CouponTemplate) -> MembershipPlan:
    return await membership.create_plan(
        ctx,
        {
            "name": "黑卡 Black card",
            "price_cents": 100_000,
            "period": "year",
            "gift_points": 0,
            "gift_coupon_template_ids": [gift.id] * 5,
            "benefits": {"discount_percent": 10, "free_shipping": True},
        },
    )


async def purchase(ctx: Ctx, i: int, member_id: int, black_card: MembershipPlan) -> None:
    """The ``i``-th engaged member: every eighth buys the black card."""
    if i % 8 == 0:
        await membership.purchase(ctx, member_id, black_card.id, payment_ref=f"demo-plan-{member_id}")
