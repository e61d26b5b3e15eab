"""Anti-fraud rules, goals, review, caps, revocation and claw-back — through the services."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, run_events
from tests.factories import in_tx, member
from tests.referrals.conftest import make_campaign, take_part
from yutang.commerce import wallet
from yutang.coupons import service as coupons
from yutang.kit.context import Ctx
from yutang.kit.db import unit_of_work
from yutang.members import service as members
from yutang.members.schemas import MemberPatch
from yutang.models.base import utcnow
from yutang.models.members import Member
from yutang.models.referrals import Invitation, ReferralParticipant, StageAward
from yutang.models.rewards import Coupon, Redemption
from yutang.referrals import service
from yutang.rewards import lottery
from yutang.rewards import service as rewards


async def claim(
    engine: AsyncEngine, tenant: Tenant, campaign_id: int, member_id: int, code: str
) -> Invitation:
    async def go(ctx: Ctx) -> Invitation:
        return await service.claim_code(ctx, campaign_id, member_id, code)

    return await in_tx(engine, tenant, go)


async def attach(
    engine: AsyncEngine, tenant: Tenant, campaign_id: int, participant_id: int, member_id: int, **kw: Any
) -> Invitation:
    async def go(ctx: Ctx) -> Invitation:
        campaign = await service.get_campaign(ctx, campaign_id)
        participant = await service.get_participant(ctx, participant_id)
        invitee = await members.get_member(ctx, member_id)
        inv = await service.attach(ctx, campaign, participant, invitee, new_member=True, via="code", **kw)
        assert inv is not None
        return inv

    return await in_tx(engine, tenant, go)


async def points_of(engine: AsyncEngine, member_id: int) -> int:
    async with unit_of_work(readonly=True, engine=engine) as s:
        m = await s.get(Member, member_id)
        assert m is not None
        return m.points_balance


async def counted(engine: AsyncEngine, participant_id: int) -> int:
    async with unit_of_work(readonly=True, engine=engine) as s:
        p = await s.get(ReferralParticipant, participant_id)
        assert p is not None
        return p.counted


async def checkin(engine: AsyncEngine, tenant: Tenant, member_id: int) -> int:
    async def go(ctx: Ctx) -> int:
        return await service.goal_reached(ctx, member_id, "checkin", {}, utcnow())

    return await in_tx(engine, tenant, go)


async def test_self_invites_are_rejected_and_own_visits_not_recorded(engine: AsyncEngine, tenant: Tenant):
    cid = await make_campaign(engine, tenant)
    seed = await member(engine, tenant, "13800000001", visitor_id="seed-phone")
    pid, code = await take_part(engine, tenant, cid, seed)
    inv = await claim(engine, tenant, cid, seed, code)
    assert inv.status == "rejected" and inv.reasons == ["self_invite"]

    async def visit(ctx: Ctx) -> Invitation | None:
        return await service.record_visit(ctx, await service.get_participant(ctx, pid), "seed-phone", None)

    assert await in_tx(engine, tenant, visit) is None
    assert await points_of(engine, seed) == 0 and await counted(engine, pid) == 0


async def test_only_new_members_count(engine: AsyncEngine, tenant: Tenant):
    cid = await make_campaign(engine, tenant)
    old = await member(engine, tenant, "13800000002")
    seed = await member(engine, tenant, "13800000001")
    _, code = await take_part(engine, tenant, cid, seed)
    inv = await claim(engine, tenant, cid, old, code)
    assert inv.status == "rejected" and inv.reasons == ["known_member"]
    newcomer = await member(engine, tenant, "13800000003")
    assert (await claim(engine, tenant, cid, newcomer, code)).status == "qualified"  # goal: join


async def test_shared_ip_and_bursts_are_held(engine: AsyncEngine, tenant: Tenant):
    cid = await make_campaign(
        engine,
        tenant,
        fraud={"ip_limit": 2, "burst_limit": 3, "burst_minutes": 10},
        goal={"kind": "checkin"},
    )
    seed = await member(engine, tenant, "13800000001")
    pid, _ = await take_part(engine, tenant, cid, seed)
    got = []
    for n in range(5):
        friend = await member(engine, tenant, f"1390000000{n}")
        ip = "same-ip" if n < 3 else f"ip-{n}"
        got.append(await attach(engine, tenant, cid, pid, friend, ip_hash=ip))
    assert [(i.status, i.reasons) for i in got] == [
        ("joined", []),
        ("joined", []),
        ("held", ["shared_ip"]),  # a third invitee from one address
        ("held", ["burst"]),  # a fourth join within ten minutes
        ("held", ["burst"]),
    ]


async def test_a_held_invitation_qualifies_on_approval_once_its_goal_was_met(
    engine: AsyncEngine, tenant: Tenant
):
    cid = await make_campaign(engine, tenant, fraud={"ip_limit": 1}, goal={"kind": "checkin"})
    seed = await member(engine, tenant, "13800000001")
    pid, _ = await take_part(engine, tenant, cid, seed)
    first = await member(engine, tenant, "13900000001")
    second = await member(engine, tenant, "13900000002")
    await attach(engine, tenant, cid, pid, first, ip_hash="x")
    held = await attach(engine, tenant, cid, pid, second, ip_hash="x")
    assert held.status == "held"
    assert await checkin(engine, tenant, second) == 1
    assert await counted(engine, pid) == 0  # held: nothing counts yet

    async def approve(ctx: Ctx) -> Invitation:
        return await service.review(ctx, held.id, "approve")

    approved = await in_tx(engine, tenant, approve)
    assert approved.status == "qualified" and approved.qualified_at is not None
    assert await counted(engine, pid) == 1


async def test_the_cap_per_inviter_stops_counting(engine: AsyncEngine, tenant: Tenant):
    cid = await make_campaign(engine, tenant, max_per_inviter=2)
    seed = await member(engine, tenant, "13800000001")
    pid, code = await take_part(engine, tenant, cid, seed)
    statuses = []
    for n in range(3):
        friend = await member(engine, tenant, f"1390000000{n}")
        statuses.append((await claim(engine, tenant, cid, friend, code)).status)
    assert statuses == ["qualified", "rewarded", "rejected"]
    assert await counted(engine, pid) == 2 and await points_of(engine, seed) == 100


async def test_goal_must_be_met_within_goal_days_and_match(engine: AsyncEngine, tenant: Tenant):
    from datetime import timedelta

    cid = await make_campaign(
        engine, tenant, goal={"kind": "event", "event_name": "watched_live"}, goal_days=3
    )
    seed = await member(engine, tenant, "13800000001")
    pid, code = await take_part(engine, tenant, cid, seed)
    friend = await member(engine, tenant, "13900000001")
    late = await member(engine, tenant, "13900000002")
    await claim(engine, tenant, cid, friend, code)
    await claim(engine, tenant, cid, late, code)

    def activity(name: str) -> dict[str, Any]:
        return {"type": "member.activity", "payload": {"type": "custom", "name": name}}

    async def events(ctx: Ctx) -> list[int]:
        return [
            await service.goal_reached(ctx, friend, "event", activity("other"), utcnow()),
            await service.goal_reached(ctx, friend, "checkin", {}, utcnow()),
            await service.goal_reached(
                ctx, late, "event", activity("watched_live"), utcnow() + timedelta(days=4)
            ),
            await service.goal_reached(ctx, friend, "event", activity("watched_live"), utcnow()),
        ]

    assert await in_tx(engine, tenant, events) == [0, 0, 0, 1]
    assert await counted(engine, pid) == 1


async def test_any_domain_event_with_conditions_can_be_the_goal(engine: AsyncEngine, tenant: Tenant):
    """Here: a stored-value top-up of at least 500 yuan, through the real outbox."""
    cid = await make_campaign(
        engine,
        tenant,
        goal={"kind": "event", "event_type": "wallet.topped_up", "at_least": {"amount_cents": 50_000}},
    )
    seed = await member(engine, tenant, "13800000001")
    pid, code = await take_part(engine, tenant, cid, seed)
    friend = await member(engine, tenant, "13900000001")
    await claim(engine, tenant, cid, friend, code)

    async def top_up(ctx: Ctx, cents: int, ref: str) -> None:
        await wallet.top_up(ctx, friend, cents, payment_ref=ref)

    await in_tx(engine, tenant, lambda c: top_up(c, 10_000, "P1"))
    await run_events(engine)
    assert await counted(engine, pid) == 0  # 100 yuan: not enough
    await in_tx(engine, tenant, lambda c: top_up(c, 50_000, "P2"))
    await run_events(engine)
    assert await counted(engine, pid) == 1


async def test_stage_rewards_are_paid_once_when_qualifications_race(engine: AsyncEngine, tenant: Tenant):
    import asyncio

    stages = [
        {"threshold": t, "name": f"{t}", "rewards": [{"kind": "points", "amount": 10 * t}]} for t in (1, 3, 5)
    ]
    cid = await make_campaign(engine, tenant, stages=stages, goal={"kind": "checkin"})
    seed = await member(engine, tenant, "13800000001")
    pid, code = await take_part(engine, tenant, cid, seed)
    friends = [await member(engine, tenant, f"1390000001{n}") for n in range(8)]
    for f in friends:
        assert (await claim(engine, tenant, cid, f, code)).status == "joined"
    moved = await asyncio.gather(*(checkin(engine, tenant, f) for f in friends))
    assert moved == [1] * 8
    assert await counted(engine, pid) == 8
    assert await points_of(engine, seed) == 10 + 30 + 50
    async with unit_of_work(readonly=True, engine=engine) as s:
        awards = (await s.scalars(select(StageAward).where(StageAward.campaign_id == cid))).all()
        assert sorted(len(a.payouts) for a in awards) == [1, 1, 1]
        rows = (await s.scalars(select(Invitation.ordinal).where(Invitation.campaign_id == cid))).all()
        ordinals = sorted(o or 0 for o in rows)
        assert ordinals == list(range(1, 9))
        statuses = (await s.scalars(select(Invitation.status).where(Invitation.campaign_id == cid))).all()
        assert (
            sorted(statuses) == ["qualified"] * 3 + ["rewarded"] * 5
        )  # past the last stage: counted, not paid


async def _block(engine: AsyncEngine, tenant: Tenant, member_id: int) -> None:
    async def go(ctx: Ctx) -> None:
        await members.update_member(ctx, member_id, MemberPatch(status="blocked"))

    await in_tx(engine, tenant, go)
    await run_events(engine)


async def test_blocking_an_invitee_soon_after_joining_revokes_and_claws_back(
    engine: AsyncEngine, tenant: Tenant
):
    stages = [{"threshold": 1, "name": "one", "rewards": [{"kind": "points", "amount": 100}]}]
    cid = await make_campaign(
        engine, tenant, stages=stages, clawback=True, invitee_rewards=[{"kind": "points", "amount": 20}]
    )
    seed = await member(engine, tenant, "13800000001")
    pid, code = await take_part(engine, tenant, cid, seed)
    friend = await member(engine, tenant, "13900000001")
    await claim(engine, tenant, cid, friend, code)
    assert await points_of(engine, seed) == 100 and await points_of(engine, friend) == 20
    await _block(engine, tenant, friend)
    assert await points_of(engine, seed) == 0 and await points_of(engine, friend) == 0
    assert await counted(engine, pid) == 0
    async with unit_of_work(readonly=True, engine=engine) as s:
        inv = await s.scalar(select(Invitation).where(Invitation.invitee_id == friend))
        assert inv is not None and inv.status == "revoked" and inv.reasons == ["invitee_blocked"]
        award = await s.scalar(select(StageAward))
        assert award is not None and award.status == "clawed_back"
    # Another friend brings the count back: the stage pays again, in a second round.
    other = await member(engine, tenant, "13900000002")
    await claim(engine, tenant, cid, other, code)
    assert await points_of(engine, seed) == 100
    async with unit_of_work(readonly=True, engine=engine) as s:
        award = await s.scalar(select(StageAward))
        assert award is not None and (award.status, award.round) == ("paid", 2)


async def test_after_the_revoke_window_an_invitation_keeps_counting(engine: AsyncEngine, tenant: Tenant):
    cid = await make_campaign(engine, tenant, revoke_days=0, clawback=True)
    seed = await member(engine, tenant, "13800000001")
    pid, code = await take_part(engine, tenant, cid, seed)
    friends = [await member(engine, tenant, f"1390000000{n}") for n in range(2)]
    for f in friends:
        await claim(engine, tenant, cid, f, code)
    await _block(engine, tenant, friends[0])
    assert await counted(engine, pid) == 2 and await points_of(engine, seed) == 100


async def test_every_reward_kind_is_paid_and_taken_back(engine: AsyncEngine, tenant: Tenant):
    async def catalog(ctx: Ctx) -> tuple[int, int, int]:
        tpl = await coupons.create_template(
            ctx, {"name": "30元券", "kind": "amount_off", "value": 3000, "valid_days": 30}
        )
        gift = await rewards.create_reward(
            ctx, {"name": "帆布袋", "kind": "gift", "points_cost": 500, "stock": 5}
        )
        box = await lottery.create_lottery(
            ctx,
            {"name": "盲盒", "points_per_draw": 10, "daily_limit": 1},
            [{"name": "50 points", "kind": "points", "points": 50, "probability_bp": 10000}],
        )
        return tpl.id, gift.id, box.id

    tpl, gift, box = await in_tx(engine, tenant, catalog)
    stage = {
        "threshold": 1,
        "name": "all",
        "rewards": [
            {"kind": "coupon", "template_id": tpl},
            {"kind": "reward", "reward_id": gift, "cost_cents": 1500},
            {"kind": "wallet", "amount": 500},
            {"kind": "lottery", "lottery_id": box},
        ],
    }
    cid = await make_campaign(engine, tenant, stages=[stage], clawback=True)
    seed = await member(engine, tenant, "13800000001")
    _, code = await take_part(engine, tenant, cid, seed)
    friend = await member(engine, tenant, "13900000001")
    await claim(engine, tenant, cid, friend, code)

    async def holdings(ctx: Ctx) -> tuple[list[str], list[str], int, int]:
        coupons_ = (await ctx.session.scalars(select(Coupon.status).where(Coupon.member_id == seed))).all()
        gifts = (
            await ctx.session.scalars(select(Redemption.status).where(Redemption.member_id == seed))
        ).all()
        purse = await wallet.balance(ctx, seed)
        m = await members.get_member(ctx, seed)
        return list(coupons_), list(gifts), purse.bonus_cents, m.points_balance

    assert await in_tx(engine, tenant, holdings) == (["issued"], ["completed"], 500, 50)

    async def figures(ctx: Ctx) -> int:
        from yutang.referrals import figures as f

        return (await f.figures(ctx, cid)).reward_cost_cents

    assert await in_tx(engine, tenant, figures) == 3000 + 1500 + 500 + 50
    await _block(engine, tenant, friend)
    assert await in_tx(engine, tenant, holdings) == (["voided"], ["cancelled"], 0, 0)
    assert await in_tx(engine, tenant, figures) == 0


async def test_a_stage_is_awarded_once_per_inviter_by_the_database(engine: AsyncEngine, tenant: Tenant):
    """The unique (stage, inviter) key is the backstop behind the participant lock."""
    from sqlalchemy.exc import IntegrityError

    cid = await make_campaign(engine, tenant)
    seed = await member(engine, tenant, "13800000001")
    await take_part(engine, tenant, cid, seed)

    async def two(ctx: Ctx) -> None:
        stage = (await service.stages_of(ctx, cid))[0]
        for _ in range(2):
            ctx.session.add(
                StageAward(
                    workspace_id=tenant.id, campaign_id=cid, stage_id=stage.id, inviter_id=seed, round=1
                )
            )
        await ctx.session.flush()

    with pytest.raises(IntegrityError):
        await in_tx(engine, tenant, two)
    async with unit_of_work(readonly=True, engine=engine) as s:
        assert await s.scalar(select(func.count()).select_from(StageAward)) == 0


async def test_a_stage_reached_again_pays_back_only_what_the_clawback_recovered(
    engine: AsyncEngine, tenant: Tenant
):
    from yutang.loyalty import service as points

    stages = [{"threshold": 1, "name": "one", "rewards": [{"kind": "points", "amount": 100}]}]
    cid = await make_campaign(engine, tenant, stages=stages, clawback=True)
    seed = await member(engine, tenant, "13800000001")
    _, code = await take_part(engine, tenant, cid, seed)
    friend = await member(engine, tenant, "13900000001")
    await claim(engine, tenant, cid, friend, code)

    async def spend_all(ctx: Ctx) -> None:
        await points.spend(ctx, seed, 100, reason="a mug")

    await in_tx(engine, tenant, spend_all)  # the stage's points are gone before the claw-back
    await _block(engine, tenant, friend)
    assert await points_of(engine, seed) == 0
    other = await member(engine, tenant, "13900000002")
    await claim(engine, tenant, cid, other, code)
    assert await points_of(engine, seed) == 0  # nothing was recovered, so nothing is paid twice
    async with unit_of_work(readonly=True, engine=engine) as s:
        award = await s.scalar(select(StageAward))
        assert award is not None and (award.status, award.round) == ("paid", 2)
        assert [(p["round"], p.get("taken_back")) for p in award.payouts] == [(1, 0)]


async def test_a_reward_that_cannot_be_paid_does_not_undo_the_qualification(
    engine: AsyncEngine, tenant: Tenant
):
    async def sold_out(ctx: Ctx) -> int:
        tpl = await coupons.create_template(
            ctx, {"name": "限量券", "kind": "amount_off", "value": 500, "valid_days": 7, "total_limit": 1}
        )
        return tpl.id

    tpl = await in_tx(engine, tenant, sold_out)
    stage = {"threshold": 1, "name": "券", "rewards": [{"kind": "coupon", "template_id": tpl}]}
    cid = await make_campaign(
        engine, tenant, stages=[stage], invitee_rewards=[{"kind": "points", "amount": 5}]
    )
    seeds = [await member(engine, tenant, f"1380000000{n}") for n in range(2)]
    codes = [(await take_part(engine, tenant, cid, m))[1] for m in seeds]
    for n, code in enumerate(codes):
        friend = await member(engine, tenant, f"1390000000{n}")
        assert (await claim(engine, tenant, cid, friend, code)).status == "rewarded"
    async with unit_of_work(readonly=True, engine=engine) as s:
        awards = (await s.scalars(select(StageAward).order_by(StageAward.id))).all()
        assert [a.payouts[0].get("failed") for a in awards] == [None, "out_of_stock"]


async def _top_up_campaign_clicked_by_a_friend(engine: AsyncEngine, tenant: Tenant) -> int:
    """A campaign whose goal is a top-up, a participant, and a friend's phone ("friend-phone")
    that clicked their link. Returns the participant's id."""
    cid = await make_campaign(engine, tenant, goal={"kind": "event", "event_type": "wallet.topped_up"})
    seed = await member(engine, tenant, "13800000001")
    pid, _ = await take_part(engine, tenant, cid, seed)

    async def visit(ctx: Ctx) -> None:
        await service.record_visit(ctx, await service.get_participant(ctx, pid), "friend-phone", None)

    await in_tx(engine, tenant, visit)
    return pid


async def test_a_goal_event_in_the_same_batch_as_the_join_counts(engine: AsyncEngine, tenant: Tenant):
    """The catch-all goal handler's batch filter must not hide the events of a member
    whose invitation is created by an earlier event of the same batch."""
    pid = await _top_up_campaign_clicked_by_a_friend(engine, tenant)

    async def join_and_top_up(ctx: Ctx) -> None:
        from yutang.members.schemas import MemberIn

        friend = await members.create_member(ctx, MemberIn(phone="13900000001", visitor_id="friend-phone"))
        await wallet.top_up(ctx, friend.id, 10_000, payment_ref="P1")

    await in_tx(engine, tenant, join_and_top_up)  # member.joined and wallet.topped_up, one batch
    await run_events(engine)
    assert await counted(engine, pid) == 1


async def test_a_blind_box_clawed_back_with_nothing_recovered_is_not_drawn_again(
    engine: AsyncEngine, tenant: Tenant
):
    from yutang.loyalty import service as points

    async def box(ctx: Ctx) -> int:
        return (
            await lottery.create_lottery(
                ctx,
                {"name": "盲盒", "points_per_draw": 0},
                [{"name": "50 points", "kind": "points", "points": 50, "probability_bp": 10000}],
            )
        ).id

    box_id = await in_tx(engine, tenant, box)
    stage = {"threshold": 1, "name": "盲盒", "rewards": [{"kind": "lottery", "lottery_id": box_id}]}
    cid = await make_campaign(engine, tenant, stages=[stage], clawback=True)
    seed = await member(engine, tenant, "13800000001")
    _, code = await take_part(engine, tenant, cid, seed)
    friend = await member(engine, tenant, "13900000001")
    await claim(engine, tenant, cid, friend, code)
    assert await points_of(engine, seed) == 50

    async def spend(ctx: Ctx) -> None:
        await points.spend(ctx, seed, 50, reason="a cup")

    await in_tx(engine, tenant, spend)
    await _block(engine, tenant, friend)  # nothing left to take back
    other = await member(engine, tenant, "13900000002")
    await claim(engine, tenant, cid, other, code)
    assert await points_of(engine, seed) == 0  # no second box
    async with unit_of_work(readonly=True, engine=engine) as s:
        award = await s.scalar(select(StageAward))
        assert award is not None and [p.get("taken_back") for p in award.payouts] == [0]


async def test_a_goal_event_waits_for_the_join_it_depends_on(engine: AsyncEngine, tenant: Tenant):
    """If the member's join was not handled yet (failed, or on another worker), their goal
    event is retried instead of being judged without an invitation and lost."""
    from yutang.kit import events
    from yutang.models.platform import OutboxEvent
    from yutang.referrals import handlers

    pid = await _top_up_campaign_clicked_by_a_friend(engine, tenant)
    friend = await member(engine, tenant, "13900000001", visitor_id="friend-phone")

    async def top_up(ctx: Ctx) -> None:
        await wallet.top_up(ctx, friend, 10_000, payment_ref="P1")

    await in_tx(engine, tenant, top_up)
    async with unit_of_work(engine=engine) as s:
        ev = await s.scalar(select(OutboxEvent).where(OutboxEvent.type == "wallet.topped_up"))
        assert ev is not None
        wanted = await handlers._invitees_only(s, [ev])
        assert wanted == {ev.id}  # the join is pending: the filter lets the event through
        with pytest.raises(handlers.AttributionPending):
            await handlers._on_any_event(s, ev)
    assert events.MAX_ATTEMPTS > 1
    await run_events(engine)  # the join first, then the goal
    assert await counted(engine, pid) == 1
