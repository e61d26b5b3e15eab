"""Every kind of data a member holds, in two workspaces with several members: the export
holds exactly the member's rows of each kind (compared with the tables, kind by kind)
and nothing of the other members, of the staff or of another workspace; the erasure
takes the member's name off the campaigns they took part in, and their device keys off
the invitation they joined through, keeps every count, and a second one changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, run_events
from tests.distribution.conftest import appoint, bind, plan
from tests.factories import in_tx, member, order
from tests.referrals.conftest import make_campaign
from yutang.commerce import wallet
from yutang.coupons import service as coupons
from yutang.distribution import commissions
from yutang.distribution import service as distribution
from yutang.kit.context import Ctx
from yutang.kit.db import unit_of_work
from yutang.loyalty import service as points
from yutang.loyalty import tiers
from yutang.members import segments
from yutang.members import service as members
from yutang.membership import service as membership
from yutang.models.base import Base, utcnow
from yutang.models.commerce import Order
from yutang.models.distribution import (
    CheckinDay,
    Commission,
    CommissionEntry,
    Distributor,
    Withdrawal,
)
from yutang.models.links import Link
from yutang.models.loyalty import PointsEntry, PointsLot, TierChange
from yutang.models.members import SegmentMember
from yutang.models.membership import Subscription, SubscriptionPayment
from yutang.models.platform import AuditEntry, OutboxEvent
from yutang.models.referrals import Invitation, ReferralParticipant, StageAward
from yutang.models.rewards import AuctionBid, Coupon, LotteryDraw, Redemption
from yutang.models.wallet import WalletEntry
from yutang.privacy import service as privacy
from yutang.referrals import figures
from yutang.referrals import service as referrals
from yutang.referrals.privacy import ERASED_NAME
from yutang.rewards import auctions, lottery
from yutang.rewards import service as rewards


async def _shop(engine: AsyncEngine, tenant: Tenant) -> dict[str, int]:
    """What a workspace offers: a coupon, a plan, a reward, a lottery, an auction, a tier,
    a commission plan."""

    async def make(ctx: Ctx) -> dict[str, int]:
        now = utcnow()
        tpl = await coupons.create_template(
            ctx, {"name": "满100减5", "kind": "amount_off", "value": 500, "valid_days": 30}
        )
        card = await membership.create_plan(ctx, {"name": "年卡", "price_cents": 9_900, "period": "year"})
        gift = await rewards.create_reward(ctx, {"name": "帆布袋", "kind": "gift", "points_cost": 50})
        wheel = await lottery.create_lottery(
            ctx,
            {"name": "大转盘", "points_per_draw": 10},
            [{"name": "10 points", "kind": "points", "points": 10, "probability_bp": 5000}],
        )
        sale = await auctions.create_auction(
            ctx,
            {
                "name": "限量香水",
                "starts_at": now - timedelta(minutes=1),
                "ends_at": now + timedelta(hours=1),
                "min_bid": 100,
                "increment": 10,
            },
        )
        gold = await tiers.create_tier(ctx, "金卡", 1, 1_000_000, {})
        return {
            "template": tpl.id,
            "plan": card.id,
            "reward": gift.id,
            "lottery": wheel.id,
            "auction": sale.id,
            "tier": gold.id,
        }

    found = await in_tx(engine, tenant, make)
    found["commission_plan"] = await plan(engine, tenant, [1000])
    return found


async def _customer(engine: AsyncEngine, tenant: Tenant, mid: int, shop: dict[str, int], bid: int) -> None:
    """The member uses everything the shop offers (bidding ``bid`` points); one
    transaction each, as the requests would be."""
    ref = f"{tenant.slug}-{mid}"
    steps: list[Callable[[Ctx], Awaitable[object]]] = [
        lambda ctx: wallet.top_up(ctx, mid, 10_000, payment_ref=f"pay-{ref}"),
        lambda ctx: coupons.issue(ctx, shop["template"], mid),
        lambda ctx: membership.purchase(ctx, mid, shop["plan"], payment_ref=f"plan-{ref}"),
        lambda ctx: points.earn(ctx, mid, 1_000, reason="welcome"),
        lambda ctx: rewards.redeem(ctx, shop["reward"], mid),
        lambda ctx: lottery.draw(ctx, shop["lottery"], mid, roll=lambda: 1),
        lambda ctx: auctions.bid(ctx, shop["auction"], mid, bid),
        lambda ctx: tiers.set_tier(ctx, mid, shop["tier"], "开业赠送"),
        lambda ctx: distribution.record_checkin(ctx, mid, utcnow()),
    ]
    for step in steps:
        await in_tx(engine, tenant, step)


async def _attach(
    engine: AsyncEngine, tenant: Tenant, campaign_id: int, participant_id: int, invitee_id: int, device: str
) -> None:
    """``invitee_id`` joins through the participant's link, on the phone ``device``."""

    async def go(ctx: Ctx) -> None:
        await referrals.attach(
            ctx,
            await referrals.get_campaign(ctx, campaign_id),
            await referrals.get_participant(ctx, participant_id),
            await members.get_member(ctx, invitee_id),
            new_member=True,
            via="cookie",
            visitor_id=f"v-{device}",
            ip_hash=f"h-{device}",
        )

    await in_tx(engine, tenant, go)


async def _take_part(engine: AsyncEngine, tenant: Tenant, campaign_id: int, mid: int, name: str) -> int:
    async def go(ctx: Ctx) -> int:
        return (await referrals.take_part(ctx, campaign_id, mid, name))[0].id

    return await in_tx(engine, tenant, go)


async def _world(engine: AsyncEngine, tenant: Tenant, other: Tenant) -> dict[str, Any]:
    """Members of ``tenant``: mine (the subject), theirs (who invited mine), two friends
    mine invited; and a member of ``other`` with mine's phone and name."""
    mine = await member(engine, tenant, "13800000001", name="王小明", tags=["等级/金卡"], visitor_id="v-mine")
    theirs = await member(engine, tenant, "13800000002", name="李小红", visitor_id="v-theirs")
    friends = [await member(engine, tenant, f"1380000001{i}", visitor_id=f"v-f{i}") for i in (1, 2)]
    await run_events(engine)
    campaign_id = await make_campaign(engine, tenant)

    p_theirs = await _take_part(engine, tenant, campaign_id, theirs, "小红")
    await _attach(engine, tenant, campaign_id, p_theirs, mine, "mine")
    p_mine = await _take_part(engine, tenant, campaign_id, mine, "小明")
    for i, friend in enumerate(friends, start=1):
        await _attach(engine, tenant, campaign_id, p_mine, friend, f"f{i}")
    await run_events(engine)

    shop = await _shop(engine, tenant)
    await _customer(engine, tenant, mine, shop, 100)
    await _customer(engine, tenant, theirs, shop, 110)  # outbids mine

    d_theirs = (await appoint(engine, tenant, theirs)).id
    d_mine = (await appoint(engine, tenant, mine)).id
    await bind(engine, tenant, mine, d_theirs)
    await bind(engine, tenant, friends[0], d_mine)
    await order(engine, tenant, friends[0], 20_000)  # commission to mine
    await order(engine, tenant, mine, 30_000)  # commission to theirs: not mine's data

    await in_tx(engine, tenant, lambda ctx: commissions.release_due(ctx, now=utcnow() + timedelta(days=30)))
    withdrawal = await in_tx(engine, tenant, lambda ctx: commissions.withdraw(ctx, d_mine, 1_500))
    await in_tx(
        engine, tenant, lambda ctx: commissions.decide_withdrawal(ctx, withdrawal.id, "approve", "已打款")
    )

    async def freeze(ctx: Ctx) -> None:
        for name, op in (("金卡会员", "has"), ("普通会员", "not_has")):
            seg = await segments.create_segment(
                ctx, name, {"field": "tag", "op": op, "value": "等级/金卡"}, static=True
            )
            await segments.freeze(ctx, seg)

    await in_tx(engine, tenant, freeze)

    elsewhere = await member(engine, other, "13800000001", name="王小明")
    await _customer(engine, other, elsewhere, await _shop(engine, other), 100)
    other_campaign = await make_campaign(engine, other)
    await _take_part(engine, other, other_campaign, elsewhere, "小明别处")
    await run_events(engine)
    return {"mine": mine, "theirs": theirs, "campaign": campaign_id, "distributor": d_mine}


async def _ids(engine: AsyncEngine, model: type[Base], *where: Any) -> set[int]:
    async with unit_of_work(readonly=True, engine=engine) as s:
        return set((await s.scalars(select(model.id).where(*where))).all())  # type: ignore[attr-defined]


def _got(rows: list[dict[str, Any]]) -> set[int]:
    return {int(r["id"]) for r in rows}


async def test_the_export_holds_each_kind_of_the_members_data_and_nothing_else(
    engine: AsyncEngine, tenant: Tenant, other_tenant: Tenant
) -> None:
    w = await _world(engine, tenant, other_tenant)
    mine = m = w["mine"]
    d = w["distributor"]
    found = await in_tx(engine, tenant, lambda ctx: privacy.export_member(ctx, mine))
    subscriptions = found["subscriptions"]
    referral = found["referrals"]
    money = found["distribution"]

    def db(model: type[Base], where: Any) -> Awaitable[set[int]]:
        return _ids(engine, model, where)

    paid_subscriptions = select(Subscription.id).where(Subscription.member_id == m)
    expected: list[tuple[str, set[int], set[int]]] = [
        ("orders", _got(found["orders"]), await db(Order, Order.member_id == m)),
        (
            "points_entries",
            _got(found["points_entries"]),
            await db(PointsEntry, PointsEntry.member_id == m),
        ),
        ("points_lots", _got(found["points_lots"]), await db(PointsLot, PointsLot.member_id == m)),
        ("wallet", _got(found["wallet"]["entries"]), await db(WalletEntry, WalletEntry.member_id == m)),
        ("tier_changes", _got(found["tier_changes"]), await db(TierChange, TierChange.member_id == m)),
        ("coupons", _got(found["coupons"]), await db(Coupon, Coupon.member_id == m)),
        ("redemptions", _got(found["redemptions"]), await db(Redemption, Redemption.member_id == m)),
        (
            "lottery_draws",
            _got(found["lottery_draws"]),
            await db(LotteryDraw, LotteryDraw.member_id == m),
        ),
        ("auction_bids", _got(found["auction_bids"]), await db(AuctionBid, AuctionBid.member_id == m)),
        ("subscriptions", _got(subscriptions), await db(Subscription, Subscription.member_id == m)),
        (
            "payments",
            {p["id"] for s in subscriptions for p in s["payments"]},
            await db(SubscriptionPayment, SubscriptionPayment.subscription_id.in_(paid_subscriptions)),
        ),
        (
            "participations",
            _got(referral["participations"]),
            await db(ReferralParticipant, ReferralParticipant.member_id == m),
        ),
        (
            "stage_awards",
            {a["id"] for p in referral["participations"] for a in p["stage_awards"]},
            await db(StageAward, StageAward.inviter_id == m),
        ),
        (
            "invitations_sent",
            _got(referral["invitations_sent"]),
            await db(Invitation, Invitation.inviter_id == m),
        ),
        ("invited_by", _got(referral["invited_by"]), await db(Invitation, Invitation.invitee_id == m)),
        ("distributor", {money["distributor"]["id"]}, await db(Distributor, Distributor.member_id == m)),
        (
            "commissions",
            _got(money["commissions"]),
            await db(Commission, Commission.distributor_id == d),
        ),
        (
            "commission_entries",
            _got(money["commission_entries"]),
            await db(CommissionEntry, CommissionEntry.distributor_id == d),
        ),
        (
            "withdrawals",
            _got(money["withdrawals"]),
            await db(Withdrawal, Withdrawal.distributor_id == d),
        ),
    ]
    for kind, exported, held in expected:
        assert held, f"the member holds no {kind}: the test would prove nothing"
        assert exported == held, kind
    assert len(referral["invitations_sent"]) == 2 and len(referral["invited_by"]) == 1
    assert money["bound_to_distributor_id"] is not None
    async with unit_of_work(readonly=True, engine=engine) as s:
        days = await s.scalar(
            select(func.count()).select_from(CheckinDay).where(CheckinDay.member_id == mine)
        )
    assert len(money["checkin_days"]) == days == 1
    assert found["member"]["name"] == "王小明" and found["member"]["segments"] == ["金卡会员"]
    assert found["member"]["tier_id"] is not None and found["member"]["tier_since"]
    assert found["wallet"]["principal_cents"] == 10_000

    # Of another person: the invited friends only as an id and a status, a buyer only as
    # an id (not their basket), no staff member who moved money or decided.
    assert {tuple(sorted(i)) for i in referral["invitations_sent"]} == {
        ("campaign_id", "id", "invitee_id", "status")
    }
    assert all("detail" not in c and "base_cents" not in c for c in money["commissions"])
    assert all("decided_by" not in x for x in money["withdrawals"])
    assert all("actor" not in e for e in found["wallet"]["entries"])
    assert all("reviewed_by" not in i for i in referral["invited_by"])
    text = repr(found)
    for foreign in ("李小红", "小红", "小明别处", "v-f1", "h-f1", "v-mine", "h-mine", "普通会员", "system"):
        assert foreign not in text, foreign


async def _state(engine: AsyncEngine, mine: int) -> dict[str, Any]:
    """Everything the erasure could touch, as plain values."""
    async with unit_of_work(readonly=True, engine=engine) as s:
        participants = (
            await s.execute(
                select(
                    ReferralParticipant.id, ReferralParticipant.display_name, ReferralParticipant.counted
                ).order_by(ReferralParticipant.id)
            )
        ).all()
        invitations = (
            await s.execute(
                select(Invitation.id, Invitation.status, Invitation.visitor_id, Invitation.ip_hash).order_by(
                    Invitation.id
                )
            )
        ).all()
        links = (await s.execute(select(Link.id, Link.title).order_by(Link.id))).all()
        segment_rows = (await s.execute(select(SegmentMember.segment_id, SegmentMember.member_id))).all()
        audit = await s.scalar(select(func.count()).select_from(AuditEntry))
        outbox = await s.scalar(select(func.count()).select_from(OutboxEvent))
    return {
        "participants": participants,
        "invitations": invitations,
        "links": links,
        "segments": sorted(segment_rows),
        "audit": audit,
        "outbox": outbox,
    }


async def test_erasure_replaces_the_display_name_keeps_the_counts_and_is_done_once(
    engine: AsyncEngine, tenant: Tenant, other_tenant: Tenant
) -> None:
    w = await _world(engine, tenant, other_tenant)
    mine, theirs, campaign_id = w["mine"], w["theirs"], w["campaign"]
    board = await in_tx(engine, tenant, lambda ctx: figures.leaderboard(ctx, campaign_id))
    assert [(r.display_name, r.counted) for r in board if r.member_id == mine] == [("小明", 2)]

    await in_tx(engine, tenant, lambda ctx: privacy.erase_member(ctx, mine))
    await run_events(engine)
    erased = await _state(engine, mine)

    board = await in_tx(engine, tenant, lambda ctx: figures.leaderboard(ctx, campaign_id))
    assert [(r.display_name, r.counted) for r in board if r.member_id == mine] == [(ERASED_NAME, 2)]
    assert "小明" not in repr(board)
    async with unit_of_work(readonly=True, engine=engine) as s:
        by_member = {p.member_id: p for p in (await s.scalars(select(ReferralParticipant))).all()}
        titles = {p.member_id: (await s.get(Link, p.link_id)).title for p in by_member.values()}  # type: ignore[union-attr]
        joined = (await s.scalars(select(Invitation).where(Invitation.invitee_id == mine))).one()
        sent = (await s.scalars(select(Invitation).where(Invitation.inviter_id == mine))).all()
        frozen = (await s.scalars(select(SegmentMember.member_id))).all()
    assert by_member[mine].display_name == ERASED_NAME and by_member[mine].counted == 2
    assert titles[mine] == f"邀请好友领好礼 · {ERASED_NAME}"
    # Another member's name, and another workspace's, are theirs to keep.
    assert by_member[theirs].display_name == "小红" and titles[theirs].endswith("小红")
    assert any(title.endswith("小明别处") for title in titles.values())
    # The invitation mine joined through no longer ties them to a device; the friends'
    # invitations keep theirs (they are the friends' keys, not mine's).
    assert (joined.visitor_id, joined.ip_hash) == (None, None)
    assert sorted(i.visitor_id or "" for i in sent) == ["v-f1", "v-f2"]
    assert mine not in frozen and theirs in frozen

    await in_tx(engine, tenant, lambda ctx: privacy.erase_member(ctx, mine))
    await run_events(engine)
    assert await _state(engine, mine) == erased
