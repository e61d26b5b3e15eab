"""The demo brand's members and loyalty programme.

Tiers at 5,000 / 10,000 / 50,000 / 100,000 yuan of spend over a rolling year, earn
rules (1 point per yuan, ×tier, pending 7 days, valid 12 months; sign-up, check-in and
birthday points), a coupon, two rewards, a lottery, a paid membership (pay 1,000,
receive a 1,500 gift pack), a top-up rule, and members who came in through the demo
links, with orders, refunds and check-ins over the period. Everything goes through the
services (and the outbox handlers), as in production.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from yutang.commerce import service as commerce
from yutang.commerce import wallet
from yutang.commerce.schemas import OrderIn, OrderItemIn, RefundIn
from yutang.coupons import service as coupons
from yutang.kit.context import Actor, Ctx
from yutang.kit.db import unit_of_work
from yutang.kit.errors import YutangError
from yutang.kit.events import dispatch_pending
from yutang.loyalty import earning, tasks, tiers
from yutang.loyalty.schemas import Caps, Conditions, RuleIn
from yutang.members import service as members
from yutang.members.schemas import Address, MemberIn
from yutang.membership import service as membership
from yutang.models.members import Member
from yutang.models.membership import MembershipPlan
from yutang.models.rewards import Lottery, Reward
from yutang.rewards import lottery
from yutang.rewards import service as rewards

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "洋",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "小红",
    "欣怡",
    "子涵",
    "浩然",
    "梓萱",
    "宇轩",
    "思琪",
    "雨桐",
]
CITIES = [
    ("浙江省", "杭州市"),
    ("上海市", "上海市"),
    ("广东省", "深圳市"),
    ("北京市", "北京市"),
    ("四川省", "成都市"),
    ("江苏省", "南京市"),
]
PRODUCTS = [
    ("BEAN-YG", "耶加雪菲咖啡豆 250g", "beans", 8800),
    ("BEAN-BL", "拼配咖啡豆 1kg", "beans", 16800),
    ("DRIP-20", "挂耳咖啡 20 包", "dripbag", 6900),
    ("COLD-12", "冷萃咖啡液 12 瓶", "cold_brew", 12900),
    ("MUG-01", "限定马克杯", "merch", 9900),
    ("GRINDER", "手摇磨豆机", "equipment", 45900),
    ("MACHINE", "半自动咖啡机", "equipment", 499900),
]
LADDER = [
    ("银卡 Silver", 5_000, 1.2, 0),
    ("金卡 Gold", 10_000, 1.5, 3),
    ("铂金 Platinum", 50_000, 2.0, 5),
    ("黑钻 Black diamond", 100_000, 3.0, 8),
]


@dataclass
class LoyaltyResult:
    members: int
    orders: int
    tiers: int


async def load(
    workspace_id: int,
    actor: Actor,
    visitors: list[str],
    channel_ids: list[int],
    *,
    days: int,
    rng: random.Random,
    count: int = 150,
) -> LoyaltyResult:
    now = datetime.now(UTC)
    async with unit_of_work() as s:
        ctx = Ctx(s, workspace_id, actor)
        await _programme(ctx)
    people: list[tuple[int, datetime]] = []
    async with unit_of_work() as s:
        ctx = Ctx(s, workspace_id, actor)
        for i in range(count):
            joined = now - timedelta(days=rng.uniform(0, days), hours=rng.uniform(0, 12))
            city = rng.choice(CITIES)
            born = date(rng.randint(1970, 2004), rng.randint(1, 12), rng.randint(1, 28))
            member = await members.create_member(
                ctx,
                MemberIn(
                    phone=f"139{rng.randrange(10**8):08d}" if i % 9 else None,
                    openid=f"oDemo{i:06d}{rng.randrange(10**6):06d}",
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    gender=rng.choice(["male", "female", "female", "unknown"]),
                    birthday=born if rng.random() < 0.7 else None,
                    address=Address(province=city[0], city=city[1], detail=f"{rng.randint(1, 999)} 号"),
                    tags=[
                        rng.choice(["偏好/深烘 dark roast", "偏好/浅烘 light roast", "偏好/冷萃 cold brew"])
                    ],
                    source_channel_id=None if visitors and rng.random() < 0.8 else rng.choice(channel_ids),
                    visitor_id=rng.choice(visitors) if visitors and rng.random() < 0.8 else None,
                    consents={"marketing": rng.random() < 0.6},
                ),
                via="demo",
            )
            await s.execute(
                update(Member).where(Member.id == member.id).values(joined_at=joined, last_active_at=joined)
            )
            people.append((member.id, joined))
    await dispatch_pending()  # sign-up points
    orders = 0
    async with unit_of_work() as s:
        ctx = Ctx(s, workspace_id, actor)
        for n, (member_id, joined) in enumerate(people):
            # A few big spenders (machines, grinders), most buy beans now and then.
            habit = rng.choices([0, 1, 3, 8, 20], weights=[25, 35, 25, 12, 3])[0]
            for k in range(habit):
                paid = joined + (now - joined) * rng.random()
                picks = rng.sample(PRODUCTS[:5], rng.randint(1, 3))
                if habit >= 8 and rng.random() < 0.5:
                    picks.append(rng.choice(PRODUCTS[5:]))
                items = [
                    OrderItemIn(
                        product_id=p, name=name, category=cat, quantity=rng.randint(1, 3), price_cents=c
                    )
                    for p, name, cat, c in picks
                ]
                rec = await commerce.record_order(
                    ctx,
                    OrderIn(external_id=f"FB{n:04d}{k:03d}", member_id=member_id, paid_at=paid, items=items),
                    via="demo",
                )
                orders += 1
                if rng.random() < 0.04:
                    await commerce.record_refund(
                        ctx,
                        rec.order.id,
                        RefundIn(
                            external_id=f"RF{n:04d}{k:03d}",
                            amount_cents=rec.order.total_cents // 2,
                            reason="部分退款 partial refund",
                        ),
                        via="demo",
                    )
    await dispatch_pending()  # order points, tier upgrades, claw-backs
    async with unit_of_work() as s:
        ctx = Ctx(s, workspace_id, actor)
        for member_id, _ in rng.sample(people, min(40, len(people))):
            for d in range(rng.randint(1, 6)):
                await earning.record_activity(ctx, member_id, "checkin", None, f"demo-{d}")
    await dispatch_pending()
    await tasks.maintain()  # release the pending points whose refund window has passed
    async with unit_of_work() as s:
        ctx = Ctx(s, workspace_id, actor)
        await _engagement(ctx, [m for m, _ in people], rng)
    await dispatch_pending()
    return LoyaltyResult(len(people), orders, len(LADDER))


async def _programme(ctx: Ctx) -> None:
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
    voucher = await coupons.create_template(
        ctx,
        {
            "name": "满100减20 ¥20 off ¥100",
            "kind": "amount_off",
            "value": 2000,
            "min_spend_cents": 10000,
            "valid_days": 30,
        },
    )
    big = await coupons.create_template(
        ctx, {"name": "¥300 无门槛 ¥300 voucher", "kind": "amount_off", "value": 30000, "valid_days": 365}
    )
    await rewards.create_reward(
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
    await lottery.create_lottery(
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
    await membership.create_plan(
        ctx,
        {
            "name": "黑卡 Black card",
            "price_cents": 100_000,
            "period": "year",
            "gift_points": 0,
            "gift_coupon_template_ids": [big.id] * 5,
            "benefits": {"discount_percent": 10, "free_shipping": True},
        },
    )
    await wallet.create_rule(ctx, "充1000送100 Top up 1,000, get 100", 100_000, 10_000)


async def _engagement(ctx: Ctx, member_ids: list[int], rng: random.Random) -> None:
    """Some members redeem rewards, spin the wheel, buy the black card, top up their wallet."""
    voucher_reward = await ctx.session.scalar(
        select(Reward.id).where(Reward.workspace_id == ctx.workspace_id, Reward.kind == "coupon")
    )
    wheel = await ctx.session.scalar(select(Lottery.id).where(Lottery.workspace_id == ctx.workspace_id))
    plan = await ctx.session.scalar(
        select(MembershipPlan.id).where(MembershipPlan.workspace_id == ctx.workspace_id)
    )
    for i, member_id in enumerate(rng.sample(member_ids, min(40, len(member_ids)))):
        try:
            async with ctx.session.begin_nested():
                if voucher_reward is not None and i % 2 == 0:
                    await rewards.redeem(ctx, voucher_reward, member_id)
                if wheel is not None and i % 3 == 0:
                    await lottery.draw(ctx, wheel, member_id)
        except YutangError:
            pass  # not enough points: skipped, as a member would be
        if plan is not None and i % 8 == 0:
            await membership.purchase(ctx, member_id, plan, payment_ref=f"demo-plan-{member_id}")
        if i % 5 == 0:
            await wallet.top_up(ctx, member_id, 100_000, payment_ref=f"demo-topup-{member_id}")
            await wallet.spend(ctx, member_id, rng.randint(3_000, 30_000), ref=f"demo-wallet-{member_id}")
