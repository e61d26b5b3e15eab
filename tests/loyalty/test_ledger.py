"""The points ledger: lots, soonest-expiring first, pending, expiry, claw-back, adjustments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.factories import in_tx, new_member
from tests.loyalty.conftest import allocations, entries, lots, state
from yutang.kit.context import Ctx
from yutang.kit.db import unit_of_work
from yutang.kit.errors import YutangError
from yutang.loyalty import service as points
from yutang.models.platform import AuditEntry

T0 = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


async def test_spending_uses_the_soonest_expiring_lots_first(engine: AsyncEngine, tenant: Tenant):
    mid = await new_member(engine, tenant)
    await in_tx(engine, tenant, lambda c: points.earn(c, mid, 100, now=T0))  # never expires
    await in_tx(engine, tenant, lambda c: points.earn(c, mid, 50, expires_at=T0 + timedelta(days=90), now=T0))
    await in_tx(engine, tenant, lambda c: points.earn(c, mid, 30, expires_at=T0 + timedelta(days=30), now=T0))
    no_expiry, in_90, in_30 = (lot.id for lot in await lots(engine, mid))
    mv = await in_tx(engine, tenant, lambda c: points.spend(c, mid, 60, reason="gift", now=T0))
    assert mv.entry.amount == -60 and mv.entry.balance_after == 120
    assert await allocations(engine, mv.entry.id) == {in_30: 30, in_90: 30}
    mv = await in_tx(engine, tenant, lambda c: points.spend(c, mid, 40, now=T0))
    assert await allocations(engine, mv.entry.id) == {in_90: 20, no_expiry: 20}
    remaining = {lot.id: (lot.remaining, lot.state) for lot in await lots(engine, mid)}
    assert remaining == {no_expiry: (80, "available"), in_90: (0, "closed"), in_30: (0, "closed")}
    assert await state(engine, mid) == (80, 0, [])


async def test_insufficient_points_changes_nothing(engine: AsyncEngine, tenant: Tenant):
    mid = await new_member(engine, tenant)
    await in_tx(engine, tenant, lambda c: points.earn(c, mid, 10, now=T0))
    with pytest.raises(YutangError) as err:
        await in_tx(engine, tenant, lambda c: points.spend(c, mid, 11, now=T0))
    assert err.value.code == "insufficient_points"
    assert err.value.details == {"balance": 10, "needed": 11}
    assert [e.kind for e in await entries(engine, mid)] == ["earn"]
    assert await state(engine, mid) == (10, 0, [])


@pytest.mark.parametrize("amount", [0, -5, 2_000_000_000])
async def test_amounts_must_be_positive(engine: AsyncEngine, tenant: Tenant, amount: int):
    mid = await new_member(engine, tenant)
    with pytest.raises(YutangError) as err:
        await in_tx(engine, tenant, lambda c: points.earn(c, mid, amount))
    assert err.value.code == "invalid_amount"
    with pytest.raises(YutangError) as err:
        await in_tx(engine, tenant, lambda c: points.spend(c, mid, amount))
    assert err.value.code == "invalid_amount"
    assert await entries(engine, mid) == []


async def test_unknown_and_inactive_members(engine: AsyncEngine, tenant: Tenant, other_tenant: Tenant):
    mid = await new_member(engine, tenant)
    with pytest.raises(YutangError) as err:
        await in_tx(engine, tenant, lambda c: points.earn(c, 999_999, 5))
    assert err.value.code == "unknown_member"
    with pytest.raises(YutangError) as err:  # another workspace's member
        await in_tx(engine, other_tenant, lambda c: points.earn(c, mid, 5))
    assert err.value.code == "unknown_member"

    async def block(c: Ctx) -> None:
        from yutang.members import service
        from yutang.members.schemas import MemberPatch

        await service.update_member(c, mid, MemberPatch(status="blocked"))

    await in_tx(engine, tenant, block)
    with pytest.raises(YutangError) as err:
        await in_tx(engine, tenant, lambda c: points.earn(c, mid, 5))
    assert err.value.code == "member_inactive"


async def test_dedupe_key_makes_a_retry_a_no_op(engine: AsyncEngine, tenant: Tenant):
    mid = await new_member(engine, tenant)
    first = await in_tx(engine, tenant, lambda c: points.earn(c, mid, 7, dedupe_key="k1"))
    again = await in_tx(engine, tenant, lambda c: points.earn(c, mid, 7, dedupe_key="k1"))
    assert (first.replayed, again.replayed) == (False, True)
    assert again.entry.id == first.entry.id
    assert await state(engine, mid) == (7, 0, [])


async def test_pending_points_are_released_when_the_lock_ends(engine: AsyncEngine, tenant: Tenant):
    mid = await new_member(engine, tenant)
    until = T0 + timedelta(days=7)
    await in_tx(engine, tenant, lambda c: points.earn(c, mid, 40, pending_until=until, now=T0))
    assert await state(engine, mid) == (0, 40, [])
    with pytest.raises(YutangError):  # pending points cannot be spent
        await in_tx(engine, tenant, lambda c: points.spend(c, mid, 1, now=T0))
    assert await in_tx(engine, tenant, lambda c: points.release_due(c, now=until - timedelta(seconds=1))) == 0
    assert await in_tx(engine, tenant, lambda c: points.release_due(c, now=until)) == 1
    assert await state(engine, mid) == (40, 0, [])
    assert [e.kind for e in await entries(engine, mid)] == ["earn", "release"]
    assert await in_tx(engine, tenant, lambda c: points.release_due(c, now=until)) == 0


async def test_expiry_job_and_spending_never_use_expired_points(engine: AsyncEngine, tenant: Tenant):
    mid = await new_member(engine, tenant)
    await in_tx(engine, tenant, lambda c: points.earn(c, mid, 30, expires_at=T0 + timedelta(days=1), now=T0))
    await in_tx(engine, tenant, lambda c: points.earn(c, mid, 5, now=T0))
    later = T0 + timedelta(days=2)
    # Before the job has run, a spend of 10 sees only the 5 that are still valid.
    with pytest.raises(YutangError) as err:
        await in_tx(engine, tenant, lambda c: points.spend(c, mid, 10, now=later))
    assert err.value.code == "insufficient_points"
    # The refused spend rolled back its expiry too; the job expires the 30.
    assert await in_tx(engine, tenant, lambda c: points.expire_due(c, now=later)) == 30
    assert await in_tx(engine, tenant, lambda c: points.expire_due(c, now=later)) == 0
    assert await state(engine, mid) == (5, 0, [])
    assert [(e.kind, e.amount) for e in await entries(engine, mid)] == [
        ("earn", 30),
        ("earn", 5),
        ("expire", -30),
    ]


async def test_clawback_takes_the_orders_lots_first_then_others(engine: AsyncEngine, tenant: Tenant):
    mid = await new_member(engine, tenant)
    await in_tx(engine, tenant, lambda c: points.earn(c, mid, 100, now=T0))
    await in_tx(engine, tenant, lambda c: points.earn(c, mid, 50, ref=("order", "9"), now=T0))
    await in_tx(
        engine, tenant, lambda c: points.spend(c, mid, 30, now=T0)
    )  # takes 30 from… the oldest: lot 1
    other, own = (lot.id for lot in await lots(engine, mid))
    mv = await in_tx(
        engine,
        tenant,
        lambda c: points.clawback(c, mid, 60, ref=("order", "9"), allow_negative=False, now=T0),
    )
    assert mv.entry.amount == -60
    assert await allocations(engine, mv.entry.id) == {own: 50, other: 10}
    assert await state(engine, mid) == (60, 0, [])


async def test_clawback_of_pending_points(engine: AsyncEngine, tenant: Tenant):
    mid = await new_member(engine, tenant)
    await in_tx(
        engine,
        tenant,
        lambda c: points.earn(c, mid, 80, ref=("order", "1"), pending_until=T0 + timedelta(days=7), now=T0),
    )
    mv = await in_tx(
        engine,
        tenant,
        lambda c: points.clawback(c, mid, 30, ref=("order", "1"), allow_negative=False, now=T0),
    )
    assert (mv.entry.amount, mv.entry.pending_delta) == (0, -30)
    assert await state(engine, mid) == (0, 50, [])
    await in_tx(engine, tenant, lambda c: points.release_due(c, now=T0 + timedelta(days=8)))
    assert await state(engine, mid) == (50, 0, [])


async def test_negative_balance_only_where_the_rule_allows_and_debt_is_paid_first(
    engine: AsyncEngine, tenant: Tenant
):
    mid = await new_member(engine, tenant)
    await in_tx(engine, tenant, lambda c: points.earn(c, mid, 100, ref=("order", "1"), now=T0))
    await in_tx(engine, tenant, lambda c: points.spend(c, mid, 90, now=T0))
    # Not allowed: what cannot be recovered is forgiven; the balance stays at 0.
    mv = await in_tx(
        engine,
        tenant,
        lambda c: points.clawback(c, mid, 50, ref=("order", "1"), allow_negative=False, now=T0),
    )
    assert mv.entry.amount == -10 and "40 not recovered" in mv.entry.reason
    assert await state(engine, mid) == (0, 0, [])
    # Allowed: the balance goes below zero…
    await in_tx(engine, tenant, lambda c: points.earn(c, mid, 20, ref=("order", "2"), now=T0))
    await in_tx(engine, tenant, lambda c: points.spend(c, mid, 20, now=T0))
    mv = await in_tx(
        engine, tenant, lambda c: points.clawback(c, mid, 20, ref=("order", "2"), allow_negative=True, now=T0)
    )
    assert mv.entry.balance_after == -20
    assert await state(engine, mid) == (-20, 0, [])
    with pytest.raises(YutangError):
        await in_tx(engine, tenant, lambda c: points.spend(c, mid, 1, now=T0))
    # …and the next earning pays the debt first.
    mv = await in_tx(engine, tenant, lambda c: points.earn(c, mid, 50, now=T0))
    assert await allocations(engine, mv.entry.id) == {(await lots(engine, mid))[-1].id: 20}
    assert await state(engine, mid) == (30, 0, [])


async def test_adjustment_needs_a_reason_and_is_audited(engine: AsyncEngine, tenant: Tenant):
    mid = await new_member(engine, tenant)
    with pytest.raises(YutangError) as err:
        await in_tx(engine, tenant, lambda c: points.adjust(c, mid, 10, reason="  "))
    assert err.value.code == "reason_required"
    await in_tx(engine, tenant, lambda c: points.adjust(c, mid, 10, reason="compensation for a late parcel"))
    with pytest.raises(YutangError) as err:
        await in_tx(engine, tenant, lambda c: points.adjust(c, mid, -11, reason="typo"))
    assert err.value.code == "insufficient_points"
    await in_tx(engine, tenant, lambda c: points.adjust(c, mid, -4, reason="typo"))
    assert [(e.kind, e.amount) for e in await entries(engine, mid)] == [("adjust", 10), ("adjust", -4)]
    async with unit_of_work(readonly=True, engine=engine) as s:
        audited = (
            await s.scalars(
                select(AuditEntry).where(AuditEntry.action == "points.adjusted").order_by(AuditEntry.id)
            )
        ).all()
    assert [(a.changes["delta"], a.changes["reason"]) for a in audited] == [
        (10, "compensation for a late parcel"),
        (-4, "typo"),
    ]
    assert await state(engine, mid) == (6, 0, [])


async def test_check_member_finds_a_tampered_balance(engine: AsyncEngine, tenant: Tenant):
    mid = await new_member(engine, tenant)
    await in_tx(engine, tenant, lambda c: points.earn(c, mid, 10))
    async with unit_of_work(engine=engine) as s:
        from yutang.models.members import Member

        m = await s.get(Member, mid)
        assert m is not None
        m.points_balance = 11
    balance, _, problems = await state(engine, mid)
    assert balance == 11
    assert "balance 11 != ledger sum 10" in problems
    assert "available lots hold 10, balance is 10" not in problems


async def test_a_spend_across_many_lots_reads_them_page_by_page(engine: AsyncEngine, tenant: Tenant):
    mid = await new_member(engine, tenant)

    async def daily_lots(c: Ctx) -> None:
        for day in range(100):  # a member who checked in for 100 days: 100 lots of 1 point
            await points.earn(c, mid, 1, expires_at=T0 + timedelta(days=200 - day), now=T0)

    await in_tx(engine, tenant, daily_lots)
    mv = await in_tx(engine, tenant, lambda c: points.spend(c, mid, 70, now=T0))
    used = await allocations(engine, mv.entry.id)
    by_expiry = sorted(await lots(engine, mid), key=lambda lot: lot.expires_at or T0)
    assert set(used) == {lot.id for lot in by_expiry[:70]}  # the 70 soonest to expire
    assert await state(engine, mid) == (30, 0, [])
