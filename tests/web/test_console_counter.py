"""At the counter, on a member's page: stored value topped up, paid and refunded; a paid
membership recorded; a reward exchanged for points; coupons used (核销) and voided; a
code looked up and used — each through the API's services, once however often the form
is sent, nothing of a refused one kept, and only for the roles the API allows. Several
members at once: an action on one never moves another's money, points or coupons."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.factories import member
from tests.web import browser
from yutang.web.i18n.errors import ERROR_WORDS


async def _signed_in(client: httpx.AsyncClient, engine: AsyncEngine, tenant: Tenant, role: str) -> None:
    email = f"{role}@acme.example"
    await browser.make_user(engine, tenant.id, email, role)
    client.cookies.clear()
    assert (await browser.login(client, email)).status_code == 303


async def _send(
    client: httpx.AsyncClient, member_id: int, action: str, data: dict[str, Any]
) -> httpx.Response:
    page = f"/console/members/{member_id}"
    return await browser.post(client, f"{page}/{action}", data, page=page)


async def _wallet(client: httpx.AsyncClient, tenant: Tenant, member_id: int) -> tuple[int, int]:
    r = await client.get(f"/api/v1/members/{member_id}/wallet", headers=tenant.headers)
    assert r.status_code == 200, r.text
    return r.json()["principal_cents"], r.json()["bonus_cents"]


async def test_stored_value_is_topped_up_paid_and_refunded_once_per_reference(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    h = tenant.headers
    rule = {"name": "充 100 送 10", "min_amount_cents": 10_000, "bonus_cents": 1_000}
    assert (await client.post("/api/v1/top-up-rules", json=rule, headers=h)).status_code == 201
    ids = [await member(engine, tenant, phone=f"1380013{i:04d}") for i in range(3)]
    await _signed_in(client, engine, tenant, "operator")
    who = ids[1]
    page = await client.get(f"/console/members/{who}")
    ref = re.search(r'name="payment_ref" type="text" value="(YT\w+)"', page.text)
    assert page.status_code == 200 and ref, "the top-up form comes with a fresh reference"
    for _ in range(2):  # sent twice (a double click): recorded once
        r = await _send(client, who, "wallet/top-up", {"amount": "¥100", "payment_ref": ref.group(1)})
        assert r.status_code == 303 and r.headers["location"].endswith("done=topped_up")
    assert await _wallet(client, tenant, who) == (10_000, 1_000)
    r = await _send(
        client, who, "wallet/spend", {"amount": "30.50", "order_ref": "SH-1", "reason": "门店消费"}
    )
    assert r.status_code == 303
    # ¥30.50 of ¥110, principal and bonus in proportion
    principal, bonus = await _wallet(client, tenant, who)
    assert principal + bonus == 11_000 - 3_050 and bonus < 1_000
    entries = (await client.get(f"/api/v1/members/{who}/wallet", headers=h)).json()["entries"]
    spend = next(e for e in entries if e["kind"] == "spend")
    shown = await client.get(f"/console/members/{who}")
    assert "¥79.50" in shown.text and 'value="30.50"' in shown.text  # what is left to refund
    too_much = await _send(
        client, who, "wallet/refund", {"spend_entry_id": spend["id"], "amount": "31", "refund_ref": "R-1"}
    )
    assert too_much.status_code == 409
    assert ERROR_WORDS["refund_exceeds_spend"]["zh-CN"] in too_much.text
    r = await _send(
        client, who, "wallet/refund", {"spend_entry_id": spend["id"], "amount": "10", "refund_ref": "R-1"}
    )
    assert r.status_code == 303
    assert sum(await _wallet(client, tenant, who)) == 11_000 - 3_050 + 1_000
    not_money = await _send(client, who, "wallet/spend", {"amount": "三十", "order_ref": "SH-2"})
    assert not_money.status_code == 422 and 'value="三十"' in not_money.text
    broke = await _send(client, who, "wallet/spend", {"amount": "1000", "order_ref": "SH-3"})
    assert broke.status_code == 409 and "insufficient_balance" not in broke.text  # said in words
    assert sum(await _wallet(client, tenant, who)) == 11_000 - 3_050 + 1_000
    # the other members' wallets never moved
    for other in (ids[0], ids[2]):
        assert await _wallet(client, tenant, other) == (0, 0)
    # another workspace's member is not found
    assert (
        await _send(client, 10**9, "wallet/top-up", {"amount": "1", "payment_ref": "X"})
    ).status_code == 404


async def test_a_paid_membership_a_reward_and_coupons_at_the_counter(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    h = tenant.headers
    plan = {"name": "黑卡年卡", "price_cents": 19_900, "period": "year", "gift_points": 500}
    plan_id = (await client.post("/api/v1/membership-plans", json=plan, headers=h)).json()["id"]
    reward = {"name": "帆布袋", "kind": "gift", "points_cost": 200, "stock": 5}
    reward_id = (await client.post("/api/v1/rewards", json=reward, headers=h)).json()["id"]
    template = {"name": "满 199 减 30", "kind": "amount_off", "value": 3000, "valid_days": 30}
    template_id = (await client.post("/api/v1/coupon-templates", json=template, headers=h)).json()["id"]
    ids = [await member(engine, tenant, phone=f"1380013{i:04d}") for i in range(3)]
    await _signed_in(client, engine, tenant, "operator")
    who = ids[0]
    r = await _send(client, who, "subscription", {"plan_id": str(plan_id), "payment_ref": "WX-1"})
    assert r.status_code == 303 and r.headers["location"].endswith("done=subscribed")
    again = await _send(client, who, "subscription", {"plan_id": str(plan_id), "payment_ref": "WX-1"})
    assert again.status_code == 303
    subs = (await client.get(f"/api/v1/members/{who}/subscriptions", headers=h)).json()["data"]
    assert len(subs) == 1 and subs[0]["renewals"] == 0  # one payment, one term
    points = (await client.get(f"/api/v1/members/{who}", headers=h)).json()["points_balance"]
    assert points == 500  # the plan's welcome gift
    assert "黑卡年卡" in (await client.get(f"/console/members/{who}")).text

    r = await _send(client, who, "reward", {"reward_id": str(reward_id), "quantity": "2"})
    assert r.status_code == 303
    assert (await client.get(f"/api/v1/members/{who}", headers=h)).json()["points_balance"] == 100
    poor = await _send(client, who, "reward", {"reward_id": str(reward_id), "quantity": "1"})
    assert poor.status_code == 409
    rewards = (await client.get("/api/v1/rewards", headers=h)).json()["data"]
    assert rewards[0]["stock"] == 3

    for _ in range(2):
        assert (await _send(client, who, "coupon", {"template_id": str(template_id)})).status_code == 303
    assert (await _send(client, ids[1], "coupon", {"template_id": str(template_id)})).status_code == 303
    mine = (await client.get(f"/api/v1/members/{who}/coupons", headers=h)).json()["data"]
    theirs = (await client.get(f"/api/v1/members/{ids[1]}/coupons", headers=h)).json()["data"]
    used = await _send(client, who, "coupon/use", {"code": mine[0]["code"]})
    assert used.status_code == 303 and used.headers["location"].endswith("done=coupon_used")
    not_theirs = await _send(client, who, "coupon/use", {"code": theirs[0]["code"]})
    assert not_theirs.status_code == 409
    no_reason = await _send(client, who, "coupon/void", {"code": mine[1]["code"], "reason": ""})
    assert no_reason.status_code == 422
    voided = await _send(client, who, "coupon/void", {"code": mine[1]["code"], "reason": "顾客退货"})
    assert voided.status_code == 303
    foreign = await _send(client, who, "coupon/void", {"code": theirs[0]["code"], "reason": "误操作"})
    assert foreign.status_code == 422
    statuses = {
        c["code"]: c["status"]
        for c in (await client.get(f"/api/v1/members/{who}/coupons", headers=h)).json()["data"]
    }
    assert statuses == {mine[0]["code"]: "redeemed", mine[1]["code"]: "voided"}
    theirs_now = (await client.get(f"/api/v1/members/{ids[1]}/coupons", headers=h)).json()["data"]
    assert theirs_now[0]["status"] == "issued"

    # A code looked up at the counter and used; used again it says why not.
    code = theirs[0]["code"]
    found = await client.get(f"/console/coupons/verify?code={code.lower()}")
    assert found.status_code == 200 and "现在可以使用" in found.text and f"#{ids[1]}" in found.text
    r = await browser.post(
        client,
        "/console/coupons/verify",
        {"code": code, "order_ref": "POS-9"},
        page="/console/coupons/verify",
    )
    assert r.status_code == 303
    twice = await browser.post(
        client, "/console/coupons/verify", {"code": code}, page="/console/coupons/verify"
    )
    assert twice.status_code == 409 and 'role="alert"' in twice.text
    looked = await client.get(f"/console/coupons/verify?code={code}&lang=en")
    assert "It cannot be used now:" in looked.text and "Redeemed" in looked.text
    unknown = await client.get("/console/coupons/verify?code=NOPE0000")
    assert unknown.status_code == 200 and 'role="alert"' in unknown.text


async def test_readers_see_the_counter_but_cannot_move_anything(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    who = await member(engine, tenant, phone="13800130000")
    for role in ("analyst", "staff"):
        await _signed_in(client, engine, tenant, role)
        page = await client.get(f"/console/members/{who}")
        if role == "analyst":  # staff see only the members they own
            assert page.status_code == 200 and "wallet/top-up" not in page.text and "储值" in page.text
        for action, data in (
            ("wallet/top-up", {"amount": "100", "payment_ref": "P"}),
            ("wallet/spend", {"amount": "1", "order_ref": "O"}),
            ("subscription", {"plan_id": "1", "payment_ref": "P"}),
            ("reward", {"reward_id": "1"}),
            ("coupon/use", {"code": "X"}),
        ):
            assert (await _send(client, who, action, data)).status_code == 403, (role, action)
        assert (await client.get("/console/coupons/verify")).status_code == 403
        assert "/console/coupons/verify" not in (await client.get("/console")).text
