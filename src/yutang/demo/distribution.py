"""The demo brand's distribution (分销): settings, three levels, two commission plans, two
KOLs and the distributors they recruited; after the friends of the referral campaign
(bound to the KOLs) shop, commissions flow, some are released, one refund reverses one,
and one withdrawal is paid while another waits — through the distribution services."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from yutang.commerce import service as commerce
from yutang.commerce.schemas import OrderIn, OrderItemIn, RefundIn
from yutang.demo.commerce import PRODUCTS
from yutang.distribution import commissions
from yutang.distribution import service as distribution
from yutang.distribution import tasks as distribution_tasks
from yutang.kit.context import Actor, Ctx
from yutang.kit.db import unit_of_work
from yutang.kit.events import dispatch_pending
from yutang.models.distribution import DistributionBinding, Distributor
from yutang.models.members import Member


async def setup(workspace_id: int, actor: Actor, member_ids: list[int]) -> None:
    """Settings, levels, plans; the two biggest spenders are KOLs, the next four their recruits."""
    async with unit_of_work() as s:
        ctx = Ctx(s, workspace_id, actor)
        await distribution.configure(
            ctx,
            {
                "refund_window_days": 7,
                "min_withdrawal_cents": 1000,
                "task_entry": {"orders": 12},
                "gift_pack_product_ids": ["PACK-199"],
            },
        )
        for rank, (name, size, sales) in enumerate(
            [("见习 Starter", 0, 0), ("银牌 Silver", 2, 50_000), ("金牌 Gold", 5, 300_000)], start=1
        ):
            await distribution.create_level(
                ctx, {"name": name, "rank": rank, "min_team_size": size, "min_team_sales_cents": sales}
            )
        await distribution.create_plan(
            ctx, {"name": "全店 all items", "kind": "percent", "rates": [800, 300]}
        )
        await distribution.create_plan(
            ctx,
            {"name": "设备 equipment", "kind": "percent", "rates": [400, 100], "categories": ["equipment"]},
        )
    # An operator appoints them one at a time (each appointment locks its member).
    kols = []
    for m in member_ids[:2]:
        async with unit_of_work() as s:
            kols.append((await distribution.become(Ctx(s, workspace_id, actor), m, "approved"))[0].id)
    for n, m in enumerate(member_ids[2:6]):
        async with unit_of_work() as s:
            ctx = Ctx(s, workspace_id, actor)
            parent = await distribution.get_distributor(ctx, kols[n % 2])
            await distribution.become(ctx, m, "approved", parent=parent)


async def commissions_flow(workspace_id: int, actor: Actor, kol_member_id: int, rng: random.Random) -> int:
    """The bound friends shop, commissions are released, a KOL withdraws; returns how many
    distributors there are."""
    await _friend_orders(workspace_id, actor, rng, datetime.now(UTC))
    await distribution_tasks.release()
    async with unit_of_work() as s:
        ctx = Ctx(s, workspace_id, actor)
        kol = await distribution.of_member(ctx, kol_member_id)
        if kol is not None and kol.available_cents >= 2000:
            paid = await commissions.withdraw(ctx, kol.id, 2000)
            await commissions.decide_withdrawal(ctx, paid.id, "approve", "demo: paid by bank transfer")
            if kol.available_cents >= 1000:
                await commissions.withdraw(ctx, kol.id, 1000)
    await dispatch_pending()
    async with unit_of_work(readonly=True) as s:
        distributors = await s.scalar(
            select(func.count()).select_from(Distributor).where(Distributor.workspace_id == workspace_id)
        )
    return int(distributors or 0)


async def _friend_orders(workspace_id: int, actor: Actor, rng: random.Random, now: datetime) -> None:
    async with unit_of_work(readonly=True) as s:
        bound = (
            await s.execute(
                select(DistributionBinding.member_id, Member.joined_at)
                .join(Member, Member.id == DistributionBinding.member_id)
                .where(DistributionBinding.workspace_id == workspace_id)
                .order_by(DistributionBinding.member_id)
            )
        ).all()
    refunded = False
    for n, (member_id, joined) in enumerate(bound):  # a transaction per buyer, as in the shop
        async with unit_of_work() as s:
            ctx = Ctx(s, workspace_id, actor)
            for k in range(rng.choice([0, 1, 1, 2])):
                paid = min(now, joined + timedelta(days=rng.uniform(0, 3), hours=k))
                picks = rng.sample(PRODUCTS[:6], rng.randint(1, 2))
                rec = await commerce.record_order(
                    ctx,
                    OrderIn(
                        external_id=f"FX{n:04d}{k}",
                        member_id=member_id,
                        paid_at=paid,
                        items=[
                            OrderItemIn(product_id=p, name=name, category=cat, quantity=1, price_cents=c)
                            for p, name, cat, c in picks
                        ],
                    ),
                    via="demo",
                )
                if not refunded and rec.order.total_cents > 10_000:
                    refunded = True
                    await commerce.record_refund(
                        ctx,
                        rec.order.id,
                        RefundIn(external_id=f"FXR{n:04d}", amount_cents=rec.order.total_cents // 2),
                        via="demo",
                    )
    await dispatch_pending()
