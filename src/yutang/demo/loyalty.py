"""The demo brand's loyalty programme: four tiers on a rolling year of spend, earn rules
(1 point per yuan, ×tier, pending 7 days, valid 12 months; sign-up, check-in and
birthday points, a drip-bag bonus) and members' check-ins — through the loyalty services."""

from __future__ import annotations

import random
from datetime import datetime

from yutang.kit.context import Actor, Ctx
from yutang.kit.db import unit_of_work
from yutang.loyalty import earning, tiers
from yutang.loyalty.schemas import Caps, Conditions, RuleIn

LADDER = [
    ("银卡 Silver", 5_000, 1.2, 0),
    ("金卡 Gold", 10_000, 1.5, 3),
    ("铂金 Platinum", 50_000, 2.0, 5),
    ("黑钻 Black diamond", 100_000, 3.0, 8),
]


async def programme(ctx: Ctx) -> None:
    """The tier ladder and the earn rules."""
    await tiers.configure(
        ctx, {"metric": "spend", "window_days": 365, "downgrade_policy": "one_level", "grace_days": 30}
    )
    for rank, (name, yuan, mult, discount) in enumerate(LADDER, start=1):
        await tiers.create_tier(
            ctx,
            name,
            rank,
            yuan * 100,
            {"points_multiplier": mult, "discount_percent": discount, "birthday_points": 100 * rank},
        )
    await earning.create_rule(
        ctx,
        RuleIn(
            name="消费积分 1 point per yuan",
            trigger="order_paid",
            amount_type="per_unit",
            points=1,
            unit_cents=100,
            tier_multiplier=True,
            expiry_months=12,
            pending_days=7,
            allow_negative=False,
        ),
    )
    await earning.create_rule(
        ctx, RuleIn(name="入会礼 Welcome points", trigger="signup", points=100, expiry_months=12)
    )
    await earning.create_rule(
        ctx, RuleIn(name="每日打卡 Daily check-in", trigger="checkin", points=5, caps=Caps(day=5, month=100))
    )
    await earning.create_rule(ctx, RuleIn(name="生日积分 Birthday points", trigger="birthday", points=200))
    await earning.create_rule(
        ctx,
        RuleIn(
            name="挂耳加赠 Drip-bag bonus",
            trigger="order_paid",
            points=50,
            conditions=Conditions(categories=["dripbag"], min_amount_cents=6900),
        ),
    )


async def checkins(
    workspace_id: int, actor: Actor, people: list[tuple[int, datetime]], rng: random.Random
) -> None:
    """Forty members check in on one to six days."""
    async with unit_of_work() as s:
        ctx = Ctx(s, workspace_id, actor)
        for member_id, _ in rng.sample(people, min(40, len(people))):
            for d in range(rng.randint(1, 6)):
                await earning.record_activity(ctx, member_id, "checkin", None, f"demo-{d}")
