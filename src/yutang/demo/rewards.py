"""The demo brand's reward catalogue and games: a coupon and a travel mug for points, a
lucky wheel, and members who redeem and spin — through the rewards services."""

from __future__ import annotations

from yutang.kit.context import Ctx
from yutang.kit.errors import YutangError
from yutang.models.rewards import CouponTemplate, Lottery, Reward
from yutang.rewards import lottery
from yutang.rewards import service as rewards


async def catalogue(ctx: Ctx, voucher: CouponTemplate) -> tuple[Reward, Lottery]:
    """(the ¥20 coupon reward, the lucky wheel)."""
    coupon = await rewards.create_reward(
        ctx,
        {
            "name": "¥20 优惠券 ¥20 coupon",
            "kind": "coupon",
            "points_cost": 300,
            "coupon_template_id": voucher.id,
            "stock": 500,
            "per_member_limit": 5,
        },
    )
    await rewards.create_reward(
        ctx,
        {
            "name": "保温杯 Travel mug",
            "kind": "gift",
            "points_cost": 1500,
            "stock": 50,
            "per_member_limit": 1,
        },
    )
    wheel = await lottery.create_lottery(
        ctx,
        {"name": "幸运转盘 Lucky wheel", "points_per_draw": 20, "daily_limit": 3},
        [
            {"name": "50 积分 50 points", "kind": "points", "points": 50, "probability_bp": 2000},
            {
                "name": "¥20 优惠券",
                "kind": "coupon",
                "coupon_template_id": voucher.id,
                "probability_bp": 1000,
            },
            {"name": "限定马克杯 Mug", "kind": "gift", "probability_bp": 100, "stock": 20},
        ],
    )
    return coupon, wheel


async def engage(ctx: Ctx, i: int, member_id: int, coupon: Reward, wheel: Lottery) -> None:
    """The ``i``-th engaged member: every second redeems the coupon, every third spins the
    wheel; a member short of points is skipped, as they would be."""
    try:
        async with ctx.session.begin_nested():
            if i % 2 == 0:
                await rewards.redeem(ctx, coupon.id, member_id)
            if i % 3 == 0:
                await lottery.draw(ctx, wheel.id, member_id)
    except YutangError:
        pass
