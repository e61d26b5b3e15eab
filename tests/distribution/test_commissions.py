"""Two levels of commission, never three; pending → available → withdrawn; refunds reverse
proportionally at any point; withdrawals; entry paths; levels; bad input."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.distribution.conftest import appoint, bind, commissions_of, dist, plan
from tests.factories import in_tx, member, order, refund
from tests.waits import until_blocked_on_a_lock
from yutang.commerce.events import OrderRefunded
from yutang.distribution import commissions, service, tasks
from yutang.kit.context import SYSTEM, Ctx
from yutang.kit.db import unit_of_work
from yutang.kit.errors import YutangError
from yutang.models.base import utcnow
from yutang.models.distribution import Commission, CommissionPlan, Withdrawal

API = "/api/v1/distribution"


async def chain(engine: AsyncEngine, tenant: Tenant, n: int) -> list[int]:
    """n distributors, each recruited by the one before; returns their ids."""
    ids: list[int] = []
    for k in range(n):
        m = await member(engine, tenant, f"1380000{k:04d}")
        ids.append((await appoint(engine, tenant, m, ids[-1] if ids else None)).id)
    return ids


async def test_an_order_pays_two_levels_and_never_a_third(engine: AsyncEngine, tenant: Tenant):
    await plan(engine, tenant, [1000, 500])  # 10 % and 5 %
    a, b, c, d = await chain(engine, tenant, 4)
    buyer = await member(engine, tenant, "13900000001")
    await bind(engine, tenant, buyer, d)
    oid = await order(engine, tenant, buyer, 20_000)
    paid = await commissions_of(engine, oid)
    assert [(x.distributor_id, x.level, x.amount_cents, x.status) for x in paid] == [
        (d, 1, 2000, "pending"),
        (c, 2, 1000, "pending"),
    ]
    assert (await dist(engine, b)).pending_cents == 0 and (await dist(engine, a)).pending_cents == 0


async def test_a_plan_with_a_third_level_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
):
    r = await client.post(
        f"{API}/plans",
        json={"name": "三级", "kind": "percent", "rates": [1000, 500, 200]},
        headers=tenant.headers,
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "third_level_forbidden"
    async with unit_of_work(readonly=True, engine=engine) as s:
        assert await s.scalar(select(func.count()).select_from(CommissionPlan)) == 0


async def test_the_most_specific_plan_decides_each_item(engine: AsyncEngine, tenant: Tenant):
    await plan(engine, tenant, [500])
    await plan(engine, tenant, [1000, 200], categories=["tea"])
    await plan(engine, tenant, [300], kind="fixed", product_ids=["GIFT"])  # 3 yuan a unit
    _a, b = await chain(engine, tenant, 2)
    buyer = await member(engine, tenant, "13900000001")
    await bind(engine, tenant, buyer, b)
    items = [
        {"product_id": "T1", "category": "tea", "quantity": 1, "price_cents": 10_000},
        {"product_id": "GIFT", "category": "tea", "quantity": 2, "price_cents": 5_000},
        {"product_id": "CUP", "category": "ware", "quantity": 1, "price_cents": 4_000},
    ]
    oid = await order(engine, tenant, buyer, 24_000, items=items)
    first, second = await commissions_of(engine, oid)
    assert first.amount_cents == 1000 + 600 + 200  # tea 10 %, gift 2 × 300, cup 5 %
    assert second.amount_cents == 200  # only the tea plan has a second level


async def test_self_purchase_by_setting(engine: AsyncEngine, tenant: Tenant):
    await plan(engine, tenant, [1000, 500])
    a, b = await chain(engine, tenant, 2)
    own = (await dist(engine, b)).member_id
    oid = await order(engine, tenant, own, 10_000)
    assert await commissions_of(engine, oid) == []

    async def allow(ctx: Ctx) -> None:
        await service.configure(ctx, {"self_purchase": True})

    await in_tx(engine, tenant, allow)
    oid = await order(engine, tenant, own, 10_000)
    assert [(x.distributor_id, x.amount_cents) for x in await commissions_of(engine, oid)] == [
        (b, 1000),
        (a, 500),
    ]


async def test_release_refund_after_release_and_netting(engine: AsyncEngine, tenant: Tenant):
    await plan(engine, tenant, [1000])
    (d,) = await chain(engine, tenant, 1)
    buyer = await member(engine, tenant, "13900000001")
    await bind(engine, tenant, buyer, d)
    paid_at = utcnow() - timedelta(days=8)  # the 7-day window is over
    first = await order(engine, tenant, buyer, 10_000, paid_at=paid_at)
    await refund(engine, tenant, first, 3_000)  # 30 % refunded while pending
    assert (await dist(engine, d)).pending_cents == 700
    assert await tasks.release(engine) == 1
    got = await dist(engine, d)
    assert (got.pending_cents, got.available_cents) == (0, 700)

    async def take(ctx: Ctx) -> Withdrawal:
        return await commissions.withdraw(ctx, d, 1000)

    with pytest.raises(YutangError) as low:
        await in_tx(engine, tenant, take)
    assert low.value.code == "insufficient_commission"
    # The rest is refunded after the commission became available: it goes negative.
    await refund(engine, tenant, first, 7_000)
    got = await dist(engine, d)
    assert got.available_cents == 0 and (await commissions_of(engine, first))[0].status == "reversed"
    second = await order(engine, tenant, buyer, 5_000)
    await refund(engine, tenant, second, 1)  # ⌊500·1/5000⌋ = 0: nothing reversed yet
    assert (await commissions_of(engine, second))[0].reversed_cents == 0

    async def check(ctx: Ctx) -> list[str]:
        return await commissions.check(ctx)

    assert await in_tx(engine, tenant, check) == []


async def test_a_withdrawn_commission_refunded_leaves_a_debt_that_later_earnings_net(
    engine: AsyncEngine, tenant: Tenant
):
    await plan(engine, tenant, [1000])
    (d,) = await chain(engine, tenant, 1)
    buyer = await member(engine, tenant, "13900000001")
    await bind(engine, tenant, buyer, d)
    oid = await order(engine, tenant, buyer, 20_000, paid_at=utcnow() - timedelta(days=10))
    await tasks.release(engine)

    async def cash_out(ctx: Ctx) -> None:
        w = await commissions.withdraw(ctx, d, 2000)
        await commissions.decide_withdrawal(ctx, w.id, "approve")

    await in_tx(engine, tenant, cash_out)
    await refund(engine, tenant, oid, 20_000)
    got = await dist(engine, d)
    assert (got.available_cents, got.withdrawn_cents) == (-2000, 2000)
    await order(engine, tenant, buyer, 30_000, paid_at=utcnow() - timedelta(days=10))
    await tasks.release(engine)
    assert (await dist(engine, d)).available_cents == 1000  # 3000 earned, 2000 owed


async def test_withdrawals_need_the_minimum_and_a_decision(engine: AsyncEngine, tenant: Tenant):
    await plan(engine, tenant, [1000])
    (d,) = await chain(engine, tenant, 1)
    buyer = await member(engine, tenant, "13900000001")
    await bind(engine, tenant, buyer, d)
    await order(engine, tenant, buyer, 50_000, paid_at=utcnow() - timedelta(days=10))
    await tasks.release(engine)

    async def go(ctx: Ctx) -> list[str]:
        codes: list[str] = []
        for amount in (999, 0, 6000):
            try:
                await commissions.withdraw(ctx, d, amount)
            except YutangError as exc:
                codes.append(exc.code)
        w = await commissions.withdraw(ctx, d, 3000)
        await commissions.decide_withdrawal(ctx, w.id, "reject", "wrong account")
        try:
            await commissions.decide_withdrawal(ctx, w.id, "approve")
        except YutangError as exc:
            codes.append(exc.code)
        return codes

    assert await in_tx(engine, tenant, go) == [
        "below_minimum_withdrawal",
        "invalid_amount",
        "insufficient_commission",
        "withdrawal_decided",
    ]
    got = await dist(engine, d)
    assert (got.available_cents, got.frozen_cents, got.withdrawn_cents) == (5000, 0, 0)


async def test_simultaneous_withdrawals_never_overdraw(engine: AsyncEngine, tenant: Tenant):
    await plan(engine, tenant, [1000])
    (d,) = await chain(engine, tenant, 1)
    buyer = await member(engine, tenant, "13900000001")
    await bind(engine, tenant, buyer, d)
    await order(engine, tenant, buyer, 50_000, paid_at=utcnow() - timedelta(days=10))
    await tasks.release(engine)  # 5,000 available

    async def one(_: int) -> bool:
        async def go(ctx: Ctx) -> None:
            await commissions.withdraw(ctx, d, 2000)

        try:
            await in_tx(engine, tenant, go)
            return True
        except YutangError:
            return False

    results = await asyncio.gather(*(one(i) for i in range(8)))
    assert sum(results) == 2
    got = await dist(engine, d)
    assert (got.available_cents, got.frozen_cents) == (1000, 4000)


async def test_bindings_first_wins_and_no_self(engine: AsyncEngine, tenant: Tenant):
    a, b = await chain(engine, tenant, 2)
    buyer = await member(engine, tenant, "13900000001")
    await bind(engine, tenant, buyer, a)
    await bind(engine, tenant, buyer, a)  # again: the same binding
    with pytest.raises(YutangError) as taken:
        await bind(engine, tenant, buyer, b)
    assert taken.value.code == "already_bound"
    own = (await dist(engine, a)).member_id
    with pytest.raises(YutangError) as self_:
        await bind(engine, tenant, own, a)
    assert self_.value.code == "self_binding"


async def test_entry_by_orders_by_streak_by_gift_pack_and_by_application(engine: AsyncEngine, tenant: Tenant):
    (kol,) = await chain(engine, tenant, 1)

    async def conf(ctx: Ctx) -> None:
        await service.configure(
            ctx, {"task_entry": {"orders": 3, "checkin_streak": 7}, "gift_pack_product_ids": ["PACK199"]}
        )

    await in_tx(engine, tenant, conf)
    shopper = await member(engine, tenant, "13900000001")
    await bind(engine, tenant, shopper, kol)
    for _ in range(2):
        await order(engine, tenant, shopper, 1000)

    async def status(ctx: Ctx, m: int) -> tuple[str, int | None] | None:
        d = await service.of_member(ctx, m)
        return (d.entry, d.parent_id) if d else None

    assert await in_tx(engine, tenant, lambda c: status(c, shopper)) is None
    await order(engine, tenant, shopper, 1000)
    assert await in_tx(engine, tenant, lambda c: status(c, shopper)) == (
        "task",
        kol,
    )  # recruited by their KOL

    walker = await member(engine, tenant, "13900000002")
    start = utcnow() - timedelta(days=8)

    async def checkins(ctx: Ctx) -> list[int]:
        got = []
        for day in (0, 1, 2, 4, 5, 6, 7, 8, 9, 10):  # a gap on day 3
            got.append(await service.record_checkin(ctx, walker, start + timedelta(days=day)))
            await service.check_task_entry(ctx, walker, streak_days=got[-1])
        return got

    assert await in_tx(engine, tenant, checkins) == [1, 2, 3, 1, 2, 3, 4, 5, 6, 7]
    assert (await in_tx(engine, tenant, lambda c: status(c, walker)) or ("",))[0] == "task"

    buyer = await member(engine, tenant, "13900000003")
    await order(
        engine, tenant, buyer, 19_900, items=[{"product_id": "PACK199", "quantity": 1, "price_cents": 19_900}]
    )
    assert (await in_tx(engine, tenant, lambda c: status(c, buyer)) or ("",))[0] == "purchase"

    applicant = await member(engine, tenant, "13900000004")

    async def apply_and_decide(ctx: Ctx) -> list[str]:
        d, _ = await service.become(ctx, applicant, "approved", pending=True)
        seen = [d.status]
        d = await service.decide(ctx, d.id, "approve")
        seen.append(d.status)
        try:
            await service.decide(ctx, d.id, "approve")
        except YutangError as exc:
            seen.append(exc.code)
        return seen

    assert await in_tx(engine, tenant, apply_and_decide) == ["pending", "active", "not_an_application"]


async def test_levels_rise_with_the_team(engine: AsyncEngine, tenant: Tenant):
    async def ladder(ctx: Ctx) -> None:
        await service.create_level(ctx, {"name": "铜牌", "rank": 1, "min_team_size": 0})
        await service.create_level(ctx, {"name": "银牌", "rank": 2, "min_team_size": 2})

    await in_tx(engine, tenant, ladder)
    a, b, c = await chain(engine, tenant, 3)  # a recruited b, b recruited c: a's team is 2

    async def rank_of(ctx: Ctx, did: int) -> str:
        from yutang.models.distribution import DistributorLevel

        d = await service.get_distributor(ctx, did)
        lv = await ctx.session.get(DistributorLevel, d.level_id) if d.level_id else None
        return lv.name if lv else "-"

    async def ranks(ctx: Ctx) -> list[str]:
        return [await rank_of(ctx, i) for i in (a, b, c)]

    assert await in_tx(engine, tenant, ranks) == ["银牌", "铜牌", "铜牌"]


async def test_figures_per_distributor(client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine):
    await plan(engine, tenant, [1000, 500])
    a, b = await chain(engine, tenant, 2)
    buyer = await member(engine, tenant, "13900000001")
    await bind(engine, tenant, buyer, b)
    oid = await order(engine, tenant, buyer, 10_000)
    await refund(engine, tenant, oid, 5_000)
    rows = (await client.get(f"{API}/figures", headers=tenant.headers)).json()["data"]
    by_id = {r["distributor_id"]: r for r in rows}
    assert by_id[b]["orders"] == 1 and by_id[b]["sales_cents"] == 5_000
    assert (by_id[b]["pending_cents"], by_id[b]["reversed_cents"]) == (500, 500)
    assert (by_id[a]["pending_cents"], by_id[a]["reversed_cents"], by_id[a]["team_size"]) == (250, 250, 1)
    total = (await client.get(f"{API}/figures/overall", headers=tenant.headers)).json()
    assert total["pending_cents"] == 750 and total["distributors"] == 2
    csv_text = (await client.get(f"{API}/figures?format=csv", headers=tenant.headers)).content.decode(
        "utf-8-sig"
    )
    assert csv_text.splitlines()[0].startswith("distributor_id,member_id,orders")
    async with unit_of_work(readonly=True, engine=engine) as s:
        assert await s.scalar(select(func.count()).select_from(Commission)) == 2


async def test_a_refund_handled_before_its_order_still_reverses_the_commission(
    engine: AsyncEngine, tenant: Tenant
):
    await plan(engine, tenant, [1000, 500])
    a, b = await chain(engine, tenant, 2)
    buyer = await member(engine, tenant, "13900000001")
    await bind(engine, tenant, buyer, b)

    async def paid_and_refunded(ctx: Ctx) -> tuple[int, OrderRefunded]:
        from yutang.commerce import service as commerce
        from yutang.commerce.schemas import OrderIn, RefundIn

        rec = await commerce.record_order(
            ctx, OrderIn(external_id="O-x", member_id=buyer, total_cents=10_000, paid_at=utcnow())
        )
        refund_row, _ = await commerce.record_refund(
            ctx, rec.order.id, RefundIn(external_id="R-x", amount_cents=10_000)
        )
        return rec.order.id, OrderRefunded(
            order_id=rec.order.id,
            refund_id=refund_row.id,
            member_id=buyer,
            amount_cents=10_000,
            refunded_before_cents=0,
            refunded_after_cents=10_000,
            total_cents=10_000,
        )

    oid, payload = await in_tx(engine, tenant, paid_and_refunded)

    async def out_of_order(ctx: Ctx) -> None:
        assert await commissions.on_order_refunded(ctx, payload) == 0  # nothing to reverse yet
        await commissions.on_order_paid(ctx, oid)

    await in_tx(engine, tenant, out_of_order)
    got = await commissions_of(engine, oid)
    assert [(c.amount_cents, c.reversed_cents, c.status) for c in got] == [
        (1000, 1000, "reversed"),
        (500, 500, "reversed"),
    ]
    assert (await dist(engine, b)).pending_cents == 0 and (await dist(engine, a)).pending_cents == 0


async def test_a_level_bonus_never_passes_the_cap(engine: AsyncEngine, tenant: Tenant):
    async def ladder(ctx: Ctx) -> None:
        await service.create_level(ctx, {"name": "钻石", "rank": 1, "bonus_bp": 5000})

    await in_tx(engine, tenant, ladder)
    await plan(engine, tenant, [4000, 1000])
    _a, b = await chain(engine, tenant, 2)
    buyer = await member(engine, tenant, "13900000001")
    await bind(engine, tenant, buyer, b)
    oid = await order(engine, tenant, buyer, 10_000)
    assert [c.amount_cents for c in await commissions_of(engine, oid)] == [4000, 1000]  # 40 % + 10 %: the cap


async def test_a_refused_applicant_can_still_qualify_later(engine: AsyncEngine, tenant: Tenant):
    async def conf(ctx: Ctx) -> None:
        await service.configure(ctx, {"task_entry": {"orders": 1}})

    await in_tx(engine, tenant, conf)
    applicant = await member(engine, tenant, "13900000001")

    async def refuse(ctx: Ctx) -> None:
        d, _ = await service.become(ctx, applicant, "approved", pending=True)
        await service.decide(ctx, d.id, "reject")

    await in_tx(engine, tenant, refuse)
    await order(engine, tenant, applicant, 1000)

    async def status(ctx: Ctx) -> tuple[str, str] | None:
        d = await service.of_member(ctx, applicant)
        return (d.status, d.entry) if d else None

    assert await in_tx(engine, tenant, status) == ("active", "task")


async def test_a_locked_row_is_reloaded_not_written_back_from_a_stale_copy(
    engine: AsyncEngine, tenant: Tenant
):
    """A long transaction (an outbox batch) that read a distributor before another
    transaction withdrew, and then locks and changes it, must start from what the lock
    saw. PostgreSQL only: on SQLite the writers never overlap (BEGIN IMMEDIATE)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers: no stale copy is possible")
    await plan(engine, tenant, [1000])
    (d,) = await chain(engine, tenant, 1)
    buyer = await member(engine, tenant, "13900000001")
    await bind(engine, tenant, buyer, d)
    await order(engine, tenant, buyer, 50_000, paid_at=utcnow() - timedelta(days=10))  # 5,000 pending, due
    await order(engine, tenant, buyer, 20_000, paid_at=utcnow() - timedelta(days=10))  # 2,000 pending, due
    async with unit_of_work(engine=engine) as s:
        ctx = Ctx(s, tenant.id, SYSTEM)
        # Read without a lock and kept (the identity map holds objects only while
        # something refers to them, as a handler's local variables do).
        seen = await service.get_distributor(ctx, d)
        async with unit_of_work(engine=engine) as other:
            await commissions.release_due(Ctx(other, tenant.id, SYSTEM), limit=1)  # 5,000 available

            async def take(c: Ctx) -> None:
                await commissions.withdraw(c, d, 3000)

            await take(Ctx(other, tenant.id, SYSTEM))
        await commissions.release_due(ctx)  # the other 2,000: locks the row it read before
        assert seen.available_cents == 4000  # the very object, reloaded by the lock
    got = await dist(engine, d)
    assert (got.pending_cents, got.available_cents, got.frozen_cents) == (0, 4000, 3000)

    async def check(c: Ctx) -> list[str]:
        return await commissions.check(c)

    assert await in_tx(engine, tenant, check) == []


async def test_a_refund_and_an_order_handler_wait_for_each_other_instead_of_deadlocking(
    engine: AsyncEngine, tenant: Tenant
):
    """The outbox's order handlers lock the buyer, then the order; a refund must take
    them in the same order. PostgreSQL only (SQLite never runs two writers at once)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers")
    from yutang.commerce import service as commerce
    from yutang.commerce.schemas import OrderIn, RefundIn
    from yutang.members import service as members

    await plan(engine, tenant, [1000])
    (d,) = await chain(engine, tenant, 1)
    buyer = await member(engine, tenant, "13900000001")
    await bind(engine, tenant, buyer, d)

    async def place(ctx: Ctx) -> int:
        rec = await commerce.record_order(
            ctx, OrderIn(external_id="O-lock", member_id=buyer, total_cents=10_000, paid_at=utcnow())
        )
        return rec.order.id

    oid = await in_tx(engine, tenant, place)
    handler_has_member = asyncio.Event()

    async def handler() -> None:  # what the outbox does for order.paid: the buyer, then the order
        async with unit_of_work(engine=engine) as s:
            ctx = Ctx(s, tenant.id, SYSTEM)
            await members.get_member(ctx, buyer, lock=True)
            handler_has_member.set()
            await until_blocked_on_a_lock(engine)  # the refund has started and waits for the buyer
            await commissions.on_order_paid(ctx, oid)

    async def refunder() -> None:
        await handler_has_member.wait()

        async def go(ctx: Ctx) -> None:
            await commerce.record_refund(ctx, oid, RefundIn(external_id="R-lock", amount_cents=10_000))

        await in_tx(engine, tenant, go)

    await asyncio.wait_for(asyncio.gather(handler(), refunder()), timeout=20)
    (c,) = await commissions_of(engine, oid)
    assert c.amount_cents == 1000  # the handler ran first; the refund's own event reverses it later
