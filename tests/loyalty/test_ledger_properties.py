"""Property: whatever sequence of earns (available, pending, expiring), spends, claw-backs,
adjustments and passing time, the cached balances equal the ledger sums, the lots agree
with both, spends succeed exactly when the unexpired balance covers them, and the balance
goes negative only through a claw-back that allows it."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.factories import in_tx, new_member
from tests.loyalty.conftest import lots, state
from yutang.kit.context import Ctx
from yutang.kit.errors import YutangError
from yutang.loyalty import service as points

T0 = datetime(2026, 3, 1, tzinfo=UTC)
amounts = st.integers(min_value=1, max_value=200)
days = st.none() | st.integers(min_value=1, max_value=60)
ops = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), amounts, days, days, st.sampled_from(["1", "2", "3"])),
        st.tuples(st.just("spend"), amounts),
        st.tuples(st.just("clawback"), amounts, st.booleans(), st.sampled_from(["1", "2", "3"])),
        st.tuples(st.just("adjust"), st.integers(min_value=-150, max_value=150).filter(bool)),
        st.tuples(st.just("advance"), st.integers(min_value=1, max_value=40)),
    ),
    min_size=1,
    max_size=25,
)
_members = itertools.count(1)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=ops)
async def test_ledger_invariants_hold_for_any_sequence(engine: AsyncEngine, tenant: Tenant, sequence):
    mid = await new_member(engine, tenant, f"P{next(_members)}")
    now = T0
    negative_allowed = False
    for op in sequence:
        at = now
        kind = op[0]
        if kind == "earn":
            _, amount, expiry, lock, order = op
            expires = at + timedelta(days=expiry) if expiry else None
            locked = at + timedelta(days=lock) if lock else None
            if expires and locked and expires <= locked:
                expires = locked + timedelta(days=1)

            async def earn(c, a=amount, e=expires, p=locked, o=order, n=at):
                return await points.earn(c, mid, a, expires_at=e, pending_until=p, ref=("order", o), now=n)

            await in_tx(engine, tenant, earn)
        elif kind == "spend":
            balance_before = (await state(engine, mid))[0]
            valid = sum(
                lot.remaining
                for lot in await lots(engine, mid)
                if lot.state == "available" and (lot.expires_at is None or lot.expires_at > at)
            )

            async def spend(c, a=op[1], n=at):
                return await points.spend(c, mid, a, now=n)

            try:
                await in_tx(engine, tenant, spend)
                assert valid >= op[1], "a spend beyond the unexpired balance went through"
            except YutangError as exc:
                assert exc.code == "insufficient_points"
                assert valid < op[1] or balance_before < op[1]
        elif kind == "clawback":
            _, amount, allow, order = op
            negative_allowed |= allow

            async def claw(c, a=amount, al=allow, o=order, n=at):
                return await points.clawback(c, mid, a, ref=("order", o), allow_negative=al, now=n)

            await in_tx(engine, tenant, claw)
        elif kind == "adjust":

            async def adjust(c, d=op[1], n=at):
                return await points.adjust(c, mid, d, reason="test", now=n)

            try:
                await in_tx(engine, tenant, adjust)
            except YutangError as exc:
                assert exc.code == "insufficient_points" and op[1] < 0
        else:
            now = at = at + timedelta(days=op[1])

            # One transaction per job, as the hourly maintenance runs them (each locks its
            # members in ascending order; two passes in one transaction would not).
            async def release(c: Ctx, n: datetime = at) -> int:
                return await points.release_due(c, now=n)

            async def expire(c: Ctx, n: datetime = at) -> int:
                return await points.expire_due(c, now=n)

            await in_tx(engine, tenant, release)
            await in_tx(engine, tenant, expire)
        balance, pending, problems = await state(engine, mid)
        assert problems == [], (op, problems)
        assert pending >= 0
        assert balance >= 0 or negative_allowed
