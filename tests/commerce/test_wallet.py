"""Stored value: top-up bonus rules, proportional spending, refunds, no overdraw under
concurrency, and the ledger equal to the wallet for any sequence (property-based)."""

from __future__ import annotations

import asyncio
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.factories import in_tx, new_member
from yutang.commerce import wallet
from yutang.kit.errors import YutangError


async def rules(engine: AsyncEngine, tenant: Tenant) -> None:
    async def make(c):
        await wallet.create_rule(c, "充1000送100", 100_000, 10_000)
        await wallet.create_rule(c, "充500送30", 50_000, 3_000)

    await in_tx(engine, tenant, make)


async def test_top_up_with_the_best_rule_spend_and_refund(client, tenant: Tenant, engine: AsyncEngine):
    await rules(engine, tenant)
    mid = int(
        (await client.post("/api/v1/members", json={"phone": "13800138000"}, headers=tenant.headers)).json()[
            "id"
        ]
    )
    url = f"/api/v1/members/{mid}/wallet"
    r = await client.post(
        f"{url}/top-ups", json={"amount_cents": 100_000, "payment_ref": "wx-1"}, headers=tenant.headers
    )
    assert r.status_code == 201
    assert (r.json()["principal_cents"], r.json()["bonus_cents"]) == (100_000, 10_000)
    again = await client.post(
        f"{url}/top-ups", json={"amount_cents": 100_000, "payment_ref": "wx-1"}, headers=tenant.headers
    )
    assert (
        again.status_code == 200
        and again.json()["replayed"] is True
        and again.json()["balance_cents"] == 110_000
    )
    small = await client.post(
        f"{url}/top-ups", json={"amount_cents": 20_000, "payment_ref": "wx-2"}, headers=tenant.headers
    )
    assert small.json()["entry"]["bonus_delta"] == 0
    # 130,000 held, 10,000 of it bonus: a spend of 13,000 takes 1,000 bonus, 12,000 principal.
    spent = (
        await client.post(
            f"{url}/spends", json={"amount_cents": 13_000, "order_ref": "T1"}, headers=tenant.headers
        )
    ).json()
    assert (spent["entry"]["principal_delta"], spent["entry"]["bonus_delta"]) == (-12_000, -1_000)
    over = await client.post(
        f"{url}/spends", json={"amount_cents": 10**7, "order_ref": "T2"}, headers=tenant.headers
    )
    assert over.status_code == 409 and over.json()["error"]["code"] == "insufficient_balance"
    zero = await client.post(
        f"{url}/spends", json={"amount_cents": 0, "order_ref": "T3"}, headers=tenant.headers
    )
    assert zero.json()["error"]["code"] == "invalid_amount"
    entry = spent["entry"]["id"]
    part = (
        await client.post(
            f"{url}/refunds",
            json={"spend_entry_id": entry, "amount_cents": 6_500, "refund_ref": "R1"},
            headers=tenant.headers,
        )
    ).json()
    assert (part["entry"]["principal_delta"], part["entry"]["bonus_delta"]) == (6_000, 500)
    too_much = await client.post(
        f"{url}/refunds",
        json={"spend_entry_id": entry, "amount_cents": 6_501, "refund_ref": "R2"},
        headers=tenant.headers,
    )
    assert too_much.json()["error"]["code"] == "refund_exceeds_spend"
    rest = (
        await client.post(
            f"{url}/refunds",
            json={"spend_entry_id": entry, "amount_cents": 6_500, "refund_ref": "R3"},
            headers=tenant.headers,
        )
    ).json()
    assert (rest["principal_cents"], rest["bonus_cents"]) == (120_000, 10_000)
    shown = (await client.get(url, headers=tenant.headers)).json()
    assert shown["balance_cents"] == 130_000 and len(shown["entries"]) == 5


async def test_simultaneous_spends_never_overdraw(engine: AsyncEngine, tenant: Tenant):
    mid = await new_member(engine, tenant)
    await in_tx(engine, tenant, lambda c: wallet.top_up(c, mid, 10_000, payment_ref="p"))
    refs = itertools.count()

    async def one() -> str:
        ref = f"o{next(refs)}"
        try:
            await in_tx(engine, tenant, lambda c: wallet.spend(c, mid, 1_500, ref=ref))
            return "ok"
        except YutangError as exc:
            return exc.code

    results = await asyncio.gather(*(one() for _ in range(12)))
    assert results.count("ok") == 6 and results.count("insufficient_balance") == 6
    w = await in_tx(engine, tenant, lambda c: wallet.balance(c, mid))
    assert (w.principal_cents, w.bonus_cents) == (1_000, 0)
    assert await in_tx(engine, tenant, wallet.check) == []


ops = st.lists(
    st.one_of(
        st.tuples(st.just("top_up"), st.integers(1, 200_000)),
        st.tuples(st.just("spend"), st.integers(1, 80_000)),
        st.tuples(st.just("refund"), st.integers(1, 40_000)),
    ),
    min_size=1,
    max_size=15,
)
_members = itertools.count()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=ops)
async def test_wallet_equals_its_ledger_for_any_sequence(engine: AsyncEngine, tenant: Tenant, sequence):
    if await in_tx(engine, tenant, lambda c: wallet.best_rule(c, 10**9)) is None:
        await rules(engine, tenant)  # once per database: examples share it
    mid = await new_member(engine, tenant, f"W{next(_members)}")
    spends: list[int] = []
    paid_in = 0
    for i, (kind, amount) in enumerate(sequence):
        try:
            ref = f"{mid}-{i}"
            if kind == "top_up":

                async def top_up(c, a=amount, r=ref):
                    return await wallet.top_up(c, mid, a, payment_ref=r)

                mv = await in_tx(engine, tenant, top_up)
                paid_in += mv.entry.principal_delta + mv.entry.bonus_delta
            elif kind == "spend":

                async def spend(c, a=amount, r=ref):
                    return await wallet.spend(c, mid, a, ref=r)

                spends.append((await in_tx(engine, tenant, spend)).entry.id)
            elif spends:

                async def refund(c, a=amount, r=ref, e=spends[-1]):
                    return await wallet.refund(c, e, a, refund_ref=r)

                await in_tx(engine, tenant, refund)
        except YutangError as exc:
            assert exc.code in ("insufficient_balance", "refund_exceeds_spend")
        w = await in_tx(engine, tenant, lambda c: wallet.balance(c, mid))
        assert w.principal_cents >= 0 and w.bonus_cents >= 0
        assert w.principal_cents + w.bonus_cents <= paid_in
        assert await in_tx(engine, tenant, wallet.check) == []


async def test_another_members_spend_is_unknown_before_anything_is_said_of_it(client, tenant: Tenant):
    """The refund was checked against the spend (amount left to refund) before the path's
    member, so `refund_exceeds_spend` told anyone how much another member could get back."""
    ids = []
    for phone in ("13800138001", "13800138002"):
        r = await client.post("/api/v1/members", json={"phone": phone}, headers=tenant.headers)
        ids.append(r.json()["id"])
    a, b = ids
    await client.post(
        f"/api/v1/members/{a}/wallet/top-ups",
        json={"amount_cents": 5_000, "payment_ref": "wx-a"},
        headers=tenant.headers,
    )
    spend = await client.post(
        f"/api/v1/members/{a}/wallet/spends",
        json={"amount_cents": 3_000, "order_ref": "A1"},
        headers=tenant.headers,
    )
    entry = spend.json()["entry"]["id"]
    for amount in (1, 10**6):
        r = await client.post(
            f"/api/v1/members/{b}/wallet/refunds",
            json={"spend_entry_id": entry, "amount_cents": amount, "refund_ref": f"R{amount}"},
            headers=tenant.headers,
        )
        assert (r.status_code, r.json()["error"]["code"]) == (404, "unknown_wallet_entry")
        assert "refundable_cents" not in r.json()["error"]["details"]
