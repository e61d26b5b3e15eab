"""Property: whatever sequence of friends qualifying, friends blocked soon after joining
(claw-back on) and the inviter spending points in between, each stage is in effect paid
exactly once — the points the ledger shows for a stage that stands paid are its amount,
never more, however often it was clawed back and reached again — and the count, the
ordinals and the awards agree with the invitations."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, run_events
from tests.factories import in_tx, member
from tests.referrals.conftest import make_campaign, take_part
from yutang.kit.context import Ctx
from yutang.kit.db import unit_of_work
from yutang.loyalty import service as points
from yutang.members import service as members
from yutang.members.schemas import MemberPatch
from yutang.models.loyalty import PointsEntry
from yutang.models.members import Member
from yutang.models.referrals import Invitation, ReferralParticipant, ReferralStage, StageAward
from yutang.referrals import service

STAGES = {1: 100, 3: 300}
ops = st.lists(
    st.one_of(
        st.tuples(st.just("friend")),
        st.tuples(st.just("block"), st.integers(min_value=0, max_value=20)),
        st.tuples(st.just("spend"), st.integers(min_value=1, max_value=250)),
    ),
    min_size=1,
    max_size=12,
)
_people = itertools.count(1)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=ops)
# The inviter spends the stage's points, the friend is blocked (nothing to recover), a
# new friend brings the count back: the stage must not pay a second 100.
@example(sequence=[("friend",), ("spend", 100), ("block", 0), ("friend",)])
async def test_stages_are_paid_once_in_effect(engine: AsyncEngine, tenant: Tenant, sequence):
    stages = [
        {"threshold": t, "name": f"{t}", "rewards": [{"kind": "points", "amount": a}]}
        for t, a in STAGES.items()
    ]
    cid = await make_campaign(engine, tenant, stages=stages, clawback=True)
    n = next(_people)
    seed = await member(engine, tenant, f"1370{n:07d}")
    pid, code = await take_part(engine, tenant, cid, seed)
    friends: list[int] = []
    for op in sequence:
        if op[0] == "friend":
            friend = await member(engine, tenant, f"1360{n:03d}{len(friends):04d}")
            friends.append(friend)

            async def claim(ctx: Ctx, f: int = friend) -> None:
                await service.claim_code(ctx, cid, f, code)

            await in_tx(engine, tenant, claim)
        elif op[0] == "block" and friends:
            target = friends[op[1] % len(friends)]

            async def block(ctx: Ctx, f: int = target) -> None:
                if (await members.get_member(ctx, f)).status == "active":
                    await members.update_member(ctx, f, MemberPatch(status="blocked"))

            await in_tx(engine, tenant, block)
            await run_events(engine)
        elif op[0] == "spend":

            async def spend(ctx: Ctx, amount: int = op[1]) -> None:
                m = await members.get_member(ctx, seed)
                if m.points_balance >= amount:
                    await points.spend(ctx, seed, amount, reason="a cup")

            await in_tx(engine, tenant, spend)

    async with unit_of_work(readonly=True, engine=engine) as s:
        m = await s.get(Member, seed)
        assert m is not None
        assert await points.check_member(s, m) == []
        p = await s.get(ReferralParticipant, pid)
        assert p is not None
        counted = (
            await s.scalars(
                select(Invitation.ordinal)
                .where(Invitation.participant_id == pid, Invitation.status.in_(("qualified", "rewarded")))
                .order_by(Invitation.ordinal)
            )
        ).all()
        assert p.counted == len(counted) and list(counted) == list(range(1, len(counted) + 1))
        for stage in (await s.scalars(select(ReferralStage).where(ReferralStage.campaign_id == cid))).all():
            award = await s.scalar(select(StageAward).where(StageAward.stage_id == stage.id))
            net = int(
                await s.scalar(
                    select(func.coalesce(func.sum(PointsEntry.amount + PointsEntry.pending_delta), 0)).where(
                        PointsEntry.member_id == seed,
                        PointsEntry.ref_type == "referral",
                        PointsEntry.ref_id.like(f"{cid}:stage:{stage.id}:%"),
                    )
                )
                or 0
            )
            amount = STAGES[stage.threshold]
            if p.counted >= stage.threshold:
                assert award is not None and award.status == "paid"
                assert net == amount, (award.payouts, net)
            elif award is None:
                assert net == 0
            else:
                assert award.status == "clawed_back" and 0 <= net <= amount
