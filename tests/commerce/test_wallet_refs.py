"""A wallet reference (payment, order, refund) is unique per workspace: the same one
again is a retry only for the same member and amount. Another member (or amount) with
it is refused — never answered with the first member's entry, never paid twice."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from yutang.kit.db import unit_of_work
from yutang.models.wallet import WalletEntry


async def _member(client: httpx.AsyncClient, tenant: Tenant, phone: str) -> int:
    r = await client.post("/api/v1/members", json={"phone": phone}, headers=tenant.headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def _entries(engine: AsyncEngine) -> int:
    async with unit_of_work(readonly=True, engine=engine) as s:
        return int(await s.scalar(select(func.count()).select_from(WalletEntry)) or 0)


async def test_a_reference_of_one_member_is_refused_for_another(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
):
    h = tenant.headers
    a, b = await _member(client, tenant, "13800000001"), await _member(client, tenant, "13800000002")

    def url(m: int, what: str) -> str:
        return f"/api/v1/members/{m}/wallet/{what}"

    top_up = {"amount_cents": 10_000, "payment_ref": "PAY-1"}
    assert (await client.post(url(a, "top-ups"), json=top_up, headers=h)).status_code == 201
    assert (await client.post(url(a, "top-ups"), json=top_up, headers=h)).status_code == 200  # a retry
    assert (
        await client.post(url(b, "top-ups"), json={"amount_cents": 5_000, "payment_ref": "PAY-B"}, headers=h)
    ).status_code == 201
    spend = {"amount_cents": 1_000, "order_ref": "ORDER-1"}
    first = await client.post(url(a, "spends"), json=spend, headers=h)
    assert first.status_code == 201, first.text
    assert (await client.post(url(a, "spends"), json=spend, headers=h)).status_code == 200
    before = await _entries(engine)

    refused = [
        (url(b, "top-ups"), top_up, "payment_conflict"),  # A's payment credited to B
        (url(a, "top-ups"), {**top_up, "amount_cents": 99_999}, "payment_conflict"),
        (url(b, "spends"), spend, "spend_conflict"),  # B "paying" A's order: answered with A's entry
        (url(a, "spends"), {**spend, "amount_cents": 2_000}, "spend_conflict"),
    ]
    for path, body, code in refused:
        r = await client.post(path, json=body, headers=h)
        assert r.status_code == 409 and r.json()["error"]["code"] == code, (path, body, r.text)
        assert str(first.json()["entry"]["id"]) not in r.text or code != "spend_conflict"

    refund = {"spend_entry_id": first.json()["entry"]["id"], "amount_cents": 100, "refund_ref": "RF-1"}
    assert (await client.post(url(a, "refunds"), json=refund, headers=h)).status_code == 201
    assert (await client.post(url(a, "refunds"), json=refund, headers=h)).status_code == 200
    r = await client.post(url(a, "refunds"), json={**refund, "amount_cents": 200}, headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "refund_conflict", r.text
    assert await _entries(engine) == before + 1
    wallet_b = (await client.get(f"/api/v1/members/{b}/wallet", headers=h)).json()
    assert wallet_b["balance_cents"] == 5_000
