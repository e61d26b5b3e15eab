"""Property: whatever sequence of orders, partial refunds, releases, withdrawals and
decisions, a distributor's buckets equal the ledger sums; each commission is reversed
at most by its amount and exactly in proportion to its order's refunds; what the four
buckets hold together is what the commissions earned net of reversals; a withdrawal
succeeds exactly when it is at least the minimum and at most what is available."""

from __future__ import annotations

import itertools
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.distribution.conftest import appoint, bind, dist, plan
from tests.factories import in_tx, member, order, refund
from yutang.distribution import commissions
from yutang.kit.context import Ctx
from yutang.kit.db import unit_of_work
from yutang.kit.errors import YutangError
from yutang.models.base import utcnow
from yutang.models.commerce import Order
from yutang.models.distribution import Commission, CommissionPlan, Withdrawal

ops = st.lists(
    st.one_of(
        st.tuples(st.just("order"), st.integers(min_value=100, max_value=50_000), st.booleans()),
        st.tuples(
            st.just("refund"),
            st.integers(min_value=0, max_value=9),
            st.integers(min_value=1, max_value=30_000),
        ),
        st.tuples(st.just("release")),
        st.tuples(st.just("withdraw"), st.integers(min_value=500, max_value=6_000)),
        st.tuples(st.just("decide"), st.booleans()),
    ),
    min_size=1,
    max_size=14,
)
_people = itertools.count(1)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=ops)
async def test_commission_ledger_invariants(engine: AsyncEngine, tenant: Tenant, sequence):
    n = next(_people)
    async with unit_of_work(readonly=True, engine=engine) as s:
        has_plan = await s.scalar(select(CommissionPlan.id).limit(1))
    if has_plan is None:  # once per database (examples share the test's database)
        await plan(engine, tenant, [1000, 500])
    up = await appoint(engine, tenant, await member(engine, tenant, f"1370000{n:04d}"))
    d = await appoint(engine, tenant, await member(engine, tenant, f"1360000{n:04d}"), up.id)
    buyer = await member(engine, tenant, f"1350000{n:04d}")
    await bind(engine, tenant, buyer, d.id)
    orders: list[int] = []
    for op in sequence:
        if op[0] == "order":
            old = utcnow() - timedelta(days=30) if op[2] else None
            orders.append(await order(engine, tenant, buyer, op[1], paid_at=old))
        elif op[0] == "refund" and orders:
            oid = orders[op[1] % len(orders)]
            async with unit_of_work(readonly=True, engine=engine) as s:
                o = await s.get(Order, oid)
                assert o is not None
                left = o.total_cents - o.refunded_cents
            if left > 0:
                await refund(engine, tenant, oid, min(op[2], left))
        elif op[0] == "release":

            async def rel(ctx: Ctx) -> int:
                return await commissions.release_due(ctx)

            await in_tx(engine, tenant, rel)
        elif op[0] == "withdraw":
            before = (await dist(engine, d.id)).available_cents

            async def take(ctx: Ctx, amount: int = op[1]) -> None:
                await commissions.withdraw(ctx, d.id, amount)

            try:
                await in_tx(engine, tenant, take)
                ok = True
            except YutangError:
                ok = False
            assert ok == (1000 <= op[1] <= before)
        elif op[0] == "decide":
            async with unit_of_work(readonly=True, engine=engine) as s:
                wid = await s.scalar(
                    select(Withdrawal.id).where(
                        Withdrawal.distributor_id == d.id, Withdrawal.status == "requested"
                    )
                )
            if wid is not None:

                async def decide(ctx: Ctx, w: int = wid, yes: bool = op[1]) -> None:
                    await commissions.decide_withdrawal(ctx, w, "approve" if yes else "reject")

                await in_tx(engine, tenant, decide)

    async def problems(ctx: Ctx) -> list[str]:
        return await commissions.check(ctx)

    assert await in_tx(engine, tenant, problems) == []
    async with unit_of_work(readonly=True, engine=engine) as s:
        for did in (d.id, up.id):
            rows = (await s.scalars(select(Commission).where(Commission.distributor_id == did))).all()
            for c in rows:
                o = await s.get(Order, c.order_id)
                assert o is not None
                assert c.reversed_cents == c.amount_cents * o.refunded_cents // o.total_cents
            got = await s.get(type(d), did)
            assert got is not None
            if any(op[0] == "order" for op in sequence) and did == d.id:
                assert rows, "an order must have paid commission"
            held = got.pending_cents + got.available_cents + got.frozen_cents + got.withdrawn_cents
            assert held == sum(c.amount_cents - c.reversed_cents for c in rows)
