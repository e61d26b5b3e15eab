"""Under concurrency (separate transactions racing on one member), on SQLite and PostgreSQL:
spends never overdraw, a dedupe key credits once, and balances equal ledger sums."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.factories import in_tx, new_member
from tests.loyalty.conftest import entries, state
from yutang.kit.errors import YutangError
from yutang.loyalty import service as points

N = 24


async def _race(engine: AsyncEngine, tenant: Tenant, make) -> list[object]:
    async def one(i: int) -> object:
        try:
            return await in_tx(engine, tenant, lambda c: make(c, i))
        except YutangError as exc:
            return exc.code

    return list(await asyncio.gather(*(one(i) for i in range(N))))


async def test_simultaneous_spends_never_overdraw(engine: AsyncEngine, tenant: Tenant):
    mid = await new_member(engine, tenant)
    await in_tx(engine, tenant, lambda c: points.earn(c, mid, 100))
    results = await _race(engine, tenant, lambda c, i: points.spend(c, mid, 10, reason=f"spend {i}"))
    assert sum(1 for r in results if isinstance(r, points.Movement)) == 10
    assert sorted(r for r in results if isinstance(r, str)) == ["insufficient_points"] * (N - 10)
    assert await state(engine, mid) == (0, 0, [])
    assert [e.balance_after for e in await entries(engine, mid)] == [100, *range(90, -1, -10)]


async def test_simultaneous_earns_with_one_dedupe_key_credit_once(engine: AsyncEngine, tenant: Tenant):
    mid = await new_member(engine, tenant)
    results = await _race(engine, tenant, lambda c, i: points.earn(c, mid, 30, dedupe_key="order:1"))
    moved = [r for r in results if isinstance(r, points.Movement)]
    assert len(moved) == N  # every caller gets an answer…
    assert sum(1 for r in moved if not r.replayed) == 1  # …and exactly one credit happened
    assert await state(engine, mid) == (30, 0, [])


async def test_mixed_earns_and_spends_keep_the_ledger_consistent(engine: AsyncEngine, tenant: Tenant):
    mid = await new_member(engine, tenant)
    await in_tx(engine, tenant, lambda c: points.earn(c, mid, 50))

    def op(c, i):
        return points.earn(c, mid, 7) if i % 2 else points.spend(c, mid, 11)

    results = await _race(engine, tenant, op)
    earned = 50 + 7 * (N // 2)
    spent = 11 * sum(1 for i, r in enumerate(results) if i % 2 == 0 and isinstance(r, points.Movement))
    balance, pending, problems = await state(engine, mid)
    assert (balance, pending, problems) == (earned - spent, 0, [])
    assert balance >= 0


async def test_a_member_read_earlier_in_a_transaction_is_reloaded_when_locked(
    engine: AsyncEngine, tenant: Tenant
) -> None:
    """An outbox event's transaction may hold a member read before another transaction
    credited them; locking must reload it, or the credit is overwritten. PostgreSQL only:
    SQLite's writers never overlap."""
    import pytest

    from yutang.kit.context import SYSTEM, Ctx
    from yutang.kit.db import unit_of_work
    from yutang.members import service as members

    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers")
    mid = await new_member(engine, tenant)
    async with unit_of_work(engine=engine) as s:
        ctx = Ctx(s, tenant.id, SYSTEM)
        seen = await members.get_member(ctx, mid)  # read, kept, not locked
        async with unit_of_work(engine=engine) as other:
            await points.earn(Ctx(other, tenant.id, SYSTEM), mid, 70, reason="elsewhere")
        await points.earn(ctx, mid, 30, reason="here")
        assert seen.points_balance == 100
    balance, pending, problems = await state(engine, mid)
    assert (balance, pending, problems) == (100, 0, [])
