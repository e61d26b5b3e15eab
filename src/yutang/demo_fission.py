"""The demo brand's fission: a referral campaign with participants, friends who came
through their links (a device farm held for review, a self-invite and a known member
rejected), and distribution — two KOLs, the distributors they recruited, commission
plans and commissions on the friends' orders (some released, one refunded, one
withdrawal paid and one waiting). Everything goes through the services and handlers.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select, update

from yutang.commerce import service as commerce
from yutang.commerce.schemas import OrderIn, OrderItemIn, RefundIn
from yutang.distribution import commissions
from yutang.distribution import service as distribution
from yutang.distribution import tasks as distribution_tasks
from yutang.kit.context import Actor, Ctx
from yutang.kit.db import unit_of_work
from yutang.kit.events import dispatch_pending
from yutang.members import service as members
from yutang.members.schemas import MemberIn
from yutang.models.distribution import Distributor
from yutang.models.links import Click, Link
from yutang.models.members import Member
from yutang.models.referrals import ReferralCampaign, ReferralParticipant
from yutang.models.rewards import CouponTemplate, Lottery
from yutang.referrals import service as referrals
from yutang.referrals.schemas import CampaignIn

FRIENDS = ["晓晓", "阿杰", "小鱼", "大壮", "糖糖", "阿宁", "小满", "一一", "豆豆", "阿凯", "米粒", "小北"]


@dataclass
class FissionResult:
    campaign_id: int
    participants: int
    invitations: int
    distributors: int


async def load(workspace_id: int, actor: Actor, member_ids: list[int], rng: random.Random) -> FissionResult:
    now = datetime.now(UTC)
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
        kols = [(await distribution.become(ctx, m, "approved"))[0] for m in member_ids[:2]]
        for n, m in enumerate(member_ids[2:6]):
            await distribution.become(ctx, m, "approved", parent=kols[n % 2])

        coupon = await s.scalar(select(CouponTemplate.id).where(CouponTemplate.workspace_id == workspace_id))
        box = await s.scalar(select(Lottery.id).where(Lottery.workspace_id == workspace_id))
        stages = [{"threshold": 2, "name": "100 积分", "rewards": [{"kind": "points", "amount": 100}]}]
        if coupon:
            stages.append(
                {"threshold": 5, "name": "好礼券", "rewards": [{"kind": "coupon", "template_id": coupon}]}
            )
        if box:
            stages.append(
                {"threshold": 8, "name": "盲盒", "rewards": [{"kind": "lottery", "lottery_id": box}]}
            )
        campaign = await referrals.create_campaign(
            ctx,
            CampaignIn.model_validate(
                {
                    "name": "邀请好友 · 一起喝好咖啡",
                    "starts_at": (now - timedelta(days=21)).isoformat(),
                    "ends_at": (now + timedelta(days=9)).isoformat(),
                    "goal": {"kind": "join"},
                    "stages": stages,
                    "invitee_rewards": [{"kind": "points", "amount": 50}],
                    "revoke_days": 7,
                    "clawback": True,
                    "poster": {
                        "title": "邀请好友 一起喝好咖啡",
                        "subtitle": "好友入会即得 50 积分",
                        "color": "#7c4a1e",
                    },
                }
            ),
        )
        seeds = member_ids[:8]
        kits = []
        for m in seeds:
            participant, _ = await referrals.take_part(ctx, campaign.id, m, now=now - timedelta(days=20))
            kits.append(participant)
        await s.execute(update(Member).where(Member.id.in_(seeds)).values(joined_at=now - timedelta(days=60)))

    invitations = 0
    friend_no = 0
    farm = secrets.token_urlsafe(12)
    clicks: list[dict[str, object]] = []
    for k, kit in enumerate(kits):
        count = [9, 6, 4, 3, 2, 2, 1, 0][k]
        for j in range(count + (3 if k == 2 else 0)):
            friend_no += 1
            at = now - timedelta(days=rng.uniform(1, 19), minutes=rng.uniform(0, 600))
            on_farm = k == 2 and j >= count  # three accounts from one phone
            visitor = farm if on_farm else secrets.token_urlsafe(12)
            async with unit_of_work() as s:
                ctx = Ctx(s, workspace_id, actor)
                invitee = await members.create_member(
                    ctx,
                    MemberIn(
                        phone=f"136{rng.randrange(10**8):08d}",
                        name=FRIENDS[friend_no % len(FRIENDS)],
                        visitor_id=visitor,
                    ),
                    via="invite",
                )
                await s.execute(update(Member).where(Member.id == invitee.id).values(joined_at=at))
                campaign = await referrals.get_campaign(ctx, kit.campaign_id)
                await referrals.record_visit(ctx, kit, visitor, f"ip{rng.randrange(10**6)}", now=at)
                await referrals.attach(
                    ctx, campaign, kit, invitee, new_member=True, via="cookie", visitor_id=visitor, now=at
                )
                invitations += 1
            for _ in range(rng.randint(1, 3)):
                clicks.append(_click(kit, campaign, at - timedelta(minutes=rng.uniform(1, 90)), visitor, rng))
    async with unit_of_work() as s:
        ctx = Ctx(s, workspace_id, actor)
        # People who looked and did not join: shares without a join.
        for kit in kits:
            for _ in range(rng.randint(2, 12)):
                at = now - timedelta(days=rng.uniform(0, 20))
                clicks.append(_click(kit, campaign, at, secrets.token_urlsafe(12), rng))
        await s.execute(insert(Click), clicks)
        per_link: dict[object, int] = {}
        for c in clicks:
            per_link[c["link_id"]] = per_link.get(c["link_id"], 0) + 1
        for link_id, n in per_link.items():
            await s.execute(update(Link).where(Link.id == link_id).values(click_count=Link.click_count + n))
        # A member who was already in the pond claims a code: not a new member.
        old = member_ids[-1]
        await referrals.claim_code(ctx, campaign.id, old, kits[0].code)
        # A participant tries their own code.
        await referrals.claim_code(ctx, campaign.id, kits[1].member_id, kits[1].code)
    await dispatch_pending()  # rewards, bindings of invitees to the KOLs

    # The friends shop; commission flows to their distributors and the KOLs above them.
    await _friend_orders(workspace_id, actor, rng, now)
    await distribution_tasks.release()
    async with unit_of_work() as s:
        ctx = Ctx(s, workspace_id, actor)
        kol = await distribution.of_member(ctx, member_ids[0])
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
    return FissionResult(campaign.id, len(kits), invitations, int(distributors or 0))


def _click(
    kit: ReferralParticipant, campaign: ReferralCampaign, at: datetime, visitor: str, rng: random.Random
) -> dict[str, object]:
    """A click on a participant's personal link, from a phone in WeChat."""
    return {
        "workspace_id": kit.workspace_id,
        "link_id": kit.link_id,
        "channel_id": campaign.channel_id,
        "occurred_at": at,
        "visitor_id": visitor,
        "device_type": "mobile",
        "os": rng.choice(["iOS", "Android"]),
        "browser": "WeChat",
    }


async def _friend_orders(workspace_id: int, actor: Actor, rng: random.Random, now: datetime) -> None:
    from yutang.demo_members import PRODUCTS
    from yutang.models.distribution import DistributionBinding

    async with unit_of_work() as s:
        ctx = Ctx(s, workspace_id, actor)
        bound = (
            await s.execute(
                select(DistributionBinding.member_id, Member.joined_at)
                .join(Member, Member.id == DistributionBinding.member_id)
                .where(DistributionBinding.workspace_id == workspace_id)
                .order_by(DistributionBinding.member_id)
            )
        ).all()
        refunded = False
        for n, (member_id, joined) in enumerate(bound):
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
