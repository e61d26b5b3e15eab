"""The demo brand's shop: orders over the period (most members buy beans now and then, a
few big spenders buy machines), a few partial refunds, a top-up rule for stored value
and members who top up and pay from it — recorded through the commerce services, so the
outbox pays points and upgrades tiers as it would for the real shop."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from yutang.commerce import service as commerce
from yutang.commerce import wallet
from yutang.commerce.schemas import OrderIn, OrderItemIn, RefundIn
from yutang.kit.context import Actor, Ctx
from yutang.kit.db import unit_of_work

PRODUCTS = [
    ("BEAN-YG", "耶加雪菲咖啡豆 250g", "beans", 8800),
    ("BEAN-BL", "拼配咖啡豆 1kg", "beans", 16800),
    ("DRIP-20", "挂耳咖啡 20 包", "dripbag", 6900),
    ("COLD-12", "冷萃咖啡液 12 瓶", "cold_brew", 12900),
    ("MUG-01", "限定马克杯", "merch", 9900),
    ("GRINDER", "手摇磨豆机", "equipment", 45900),
    ("MACHINE", "半自动咖啡机", "equipment", 499900),
]


async def orders(
    workspace_id: int, actor: Actor, people: list[tuple[int, datetime]], rng: random.Random
) -> int:
    """Each member's orders between joining and now; returns how many.

    Members buy as customers do in the models of the customer-value report (BG/NBD):
    each at a rate of their own while they are a customer, and after any purchase some
    stop for good — so the pond has regulars, lapsed buyers and one-time buyers, and
    the report's P(alive) has something to tell."""
    now = datetime.now(UTC)
    recorded = 0
    # A transaction per member, as the shop's requests come one at a time (each locks
    # its member, and a refund its order after it: kit/locks.py).
    for n, (member_id, joined) in enumerate(people):
        async with unit_of_work() as s:
            ctx = Ctx(s, workspace_id, actor)
            # A few big spenders (machines, grinders), most buy beans now and then: the
            # purchases a member would make in 60 days while still a customer.
            habit = rng.choices([0, 1, 3, 8, 20], weights=[25, 35, 25, 12, 3])[0]
            drop = rng.choice([0.05, 0.15, 0.3, 0.6])  # the chance to stop after a purchase
            paid = joined
            for k in range(_MAX_ORDERS if habit else 0):
                paid += timedelta(days=rng.expovariate(habit / 60))
                if paid >= now:
                    break
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
                recorded += 1
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
                if rng.random() < drop:
                    break  # no longer a customer
    return recorded


#: At most this many orders a member (the heaviest buyers over a long demo).
_MAX_ORDERS = 200


async def top_up_rule(ctx: Ctx) -> None:
    await wallet.create_rule(ctx, "充1000送100 Top up 1,000, get 100", 100_000, 10_000)


async def wallet_use(ctx: Ctx, i: int, member_id: int, rng: random.Random) -> None:
    """The ``i``-th engaged member: one in five tops up 1,000 yuan and pays part of it."""
    if i % 5 == 0:
        await wallet.top_up(ctx, member_id, 100_000, payment_ref=f"demo-topup-{member_id}")
        await wallet.spend(ctx, member_id, rng.randint(3_000, 30_000), ref=f"demo-wallet-{member_id}")
