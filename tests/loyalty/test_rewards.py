"""Coupons and the rewards catalog: one use per code, atomic redemptions, last-unit races."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.factories import api_member, in_tx, new_member
from tests.loyalty.conftest import entries, give, state
from yutang.coupons import service as coupons
from yutang.kit.db import unit_of_work
from yutang.kit.errors import YutangError
from yutang.models.rewards import Coupon, Redemption, Reward
from yutang.rewards import service as rewards

T0 = datetime(2026, 5, 1, tzinfo=UTC)


async def template(client: httpx.AsyncClient, tenant: Tenant, **extra: Any) -> dict[str, Any]:
    body = {
        "name": "满100减20",
        "kind": "amount_off",
        "value": 2000,
        "min_spend_cents": 10000,
        "valid_days": 30,
        **extra,
    }
    r = await client.post("/api/v1/coupon-templates", json=body, headers=tenant.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_issue_and_redeem_once(client, tenant: Tenant):
    tpl = await template(client, tenant)
    mid = await api_member(client, tenant)
    c = (
        await client.post(
            "/api/v1/coupons", json={"template_id": tpl["id"], "member_id": mid}, headers=tenant.headers
        )
    ).json()
    assert c["status"] == "issued" and len(c["code"]) == 11
    valid_for = datetime.fromisoformat(c["valid_until"]) - datetime.fromisoformat(c["valid_from"])
    assert valid_for == timedelta(days=30)
    other = await api_member(client, tenant, "13900139000")
    r = await client.post(
        f"/api/v1/coupons/{c['code']}/redeem", json={"member_id": other}, headers=tenant.headers
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "coupon_not_yours"
    r = await client.post(
        f"/api/v1/coupons/{c['code'].lower()}/redeem",
        json={"member_id": mid, "order_ref": "T1"},
        headers=tenant.headers,
    )
    assert r.status_code == 200 and r.json()["status"] == "redeemed"
    again = await client.post(f"/api/v1/coupons/{c['code']}/redeem", json={}, headers=tenant.headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "coupon_redeemed"
    r = await client.post(f"/api/v1/coupons/{c['code']}/void", json={"reason": "x"}, headers=tenant.headers)
    assert r.json()["error"]["code"] == "coupon_redeemed"


async def test_simultaneous_redemptions_of_one_code_succeed_once(engine: AsyncEngine, tenant: Tenant):
    mid = await new_member(engine, tenant)

    async def setup(c):
        tpl = await coupons.create_template(
            c, {"name": "x", "kind": "gift", "gift_name": "tote bag", "valid_days": 10}
        )
        return (await coupons.issue(c, tpl.id, mid)).code

    code = await in_tx(engine, tenant, setup)

    async def one() -> str:
        try:
            await in_tx(engine, tenant, lambda c: coupons.redeem(c, code))
            return "ok"
        except YutangError as exc:
            return exc.code

    results = await asyncio.gather(*(one() for _ in range(12)))
    assert sorted(results) == ["coupon_redeemed"] * 11 + ["ok"]


async def test_validity_window_void_and_expiry(engine: AsyncEngine, tenant: Tenant):
    mid = await new_member(engine, tenant)

    async def setup(c):
        tpl = await coupons.create_template(
            c,
            {
                "name": "x",
                "kind": "percent_off",
                "value": 10,
                "valid_from": T0,
                "valid_until": T0 + timedelta(days=7),
            },
        )
        a = await coupons.issue(c, tpl.id, mid, now=T0 - timedelta(days=1))
        b = await coupons.issue(c, tpl.id, mid, now=T0 - timedelta(days=1))
        return a.code, b.code

    a, b = await in_tx(engine, tenant, setup)
    for when, code in (
        (T0 - timedelta(hours=1), "coupon_not_yet_valid"),
        (T0 + timedelta(days=7), "coupon_expired"),
    ):

        async def use(c, w=when):
            return await coupons.redeem(c, a, now=w)

        with pytest.raises(YutangError) as err:
            await in_tx(engine, tenant, use)
        assert err.value.code == code
    await in_tx(engine, tenant, lambda c: coupons.void(c, b, "sent by mistake"))
    with pytest.raises(YutangError) as err:
        await in_tx(engine, tenant, lambda c: coupons.redeem(c, b, now=T0 + timedelta(days=1)))
    assert err.value.code == "coupon_voided"
    # Voiding it again says it was voided (it said "already used").
    with pytest.raises(YutangError) as err:
        await in_tx(engine, tenant, lambda c: coupons.void(c, b, "twice"))
    assert err.value.code == "coupon_voided"
    done = await in_tx(engine, tenant, lambda c: coupons.redeem(c, a, now=T0 + timedelta(days=1)))
    assert done.status == "redeemed"
    with pytest.raises(YutangError) as err:
        await in_tx(engine, tenant, lambda c: coupons.void(c, a, "after use"))
    assert err.value.code == "coupon_redeemed"


async def test_generated_codes_stock_and_per_member_limit(client, tenant: Tenant, engine: AsyncEngine):
    tpl = await template(client, tenant, total_limit=3, per_member_limit=1)
    codes = (
        await client.post(
            f"/api/v1/coupon-templates/{tpl['id']}/generate", json={"count": 2}, headers=tenant.headers
        )
    ).json()
    assert [c["status"] for c in codes] == ["available", "available"]
    assert len({c["code"] for c in codes}) == 2
    a, b = await api_member(client, tenant), await api_member(client, tenant, "13900139000")
    r = await client.post(
        f"/api/v1/coupons/{codes[0]['code']}/claim", json={"member_id": a}, headers=tenant.headers
    )
    assert r.json()["status"] == "issued" and r.json()["member_id"] == a
    taken = await client.post(
        f"/api/v1/coupons/{codes[0]['code']}/claim", json={"member_id": b}, headers=tenant.headers
    )
    assert taken.json()["error"]["code"] == "coupon_taken"
    # A voided code is "voided" to whoever tries to claim it (it said "already claimed").
    void = await client.post(
        f"/api/v1/coupons/{codes[1]['code']}/void", json={"reason": "leaked"}, headers=tenant.headers
    )
    assert void.status_code == 200
    voided = await client.post(
        f"/api/v1/coupons/{codes[1]['code']}/claim", json={"member_id": b}, headers=tenant.headers
    )
    assert (voided.status_code, voided.json()["error"]["code"]) == (409, "coupon_voided")
    limit = await client.post(
        f"/api/v1/coupons/{codes[1]['code']}/claim", json={"member_id": a}, headers=tenant.headers
    )
    assert limit.json()["error"]["code"] == "limit_reached"
    ok = await client.post(
        "/api/v1/coupons", json={"template_id": tpl["id"], "member_id": b}, headers=tenant.headers
    )
    assert ok.status_code == 201
    c = await api_member(client, tenant, "13700137000")
    gone = await client.post(
        "/api/v1/coupons", json={"template_id": tpl["id"], "member_id": c}, headers=tenant.headers
    )
    assert gone.status_code == 409 and gone.json()["error"]["code"] == "out_of_stock"
    async with unit_of_work(readonly=True, engine=engine) as s:
        assert await s.scalar(select(func.count()).select_from(Coupon)) == 3


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "amount_off", "value": 0, "valid_days": 3},
        {"kind": "percent_off", "value": 100, "valid_days": 3},
        {"kind": "gift", "valid_days": 3},
        {"kind": "amount_off", "value": 100},
    ],
)
async def test_bad_templates(client, tenant: Tenant, body):
    r = await client.post("/api/v1/coupon-templates", json={"name": "x", **body}, headers=tenant.headers)
    assert r.status_code == 400
    assert r.json()["error"]["code"] in ("invalid_amount", "invalid_coupon_template")
    assert (await client.get("/api/v1/coupon-templates", headers=tenant.headers)).json()["data"] == []


async def test_redeeming_a_reward_moves_points_stock_and_coupon_together(client, tenant: Tenant, engine):
    tpl = await template(client, tenant)
    reward = (
        await client.post(
            "/api/v1/rewards",
            json={
                "name": "20元券",
                "kind": "coupon",
                "points_cost": 300,
                "coupon_template_id": tpl["id"],
                "stock": 5,
                "per_member_limit": 2,
            },
            headers=tenant.headers,
        )
    ).json()
    mid = await api_member(client, tenant)
    await client.post(
        f"/api/v1/members/{mid}/points/adjust", json={"delta": 1000, "reason": "x"}, headers=tenant.headers
    )
    h = {**tenant.headers, "Idempotency-Key": "redeem-1"}
    r = await client.post(
        f"/api/v1/rewards/{reward['id']}/redeem", json={"member_id": mid, "quantity": 2}, headers=h
    )
    assert r.status_code == 201, r.text
    red = r.json()
    assert (red["points"], len(red["coupon_ids"])) == (600, 2)
    replay = await client.post(
        f"/api/v1/rewards/{reward['id']}/redeem", json={"member_id": mid, "quantity": 2}, headers=h
    )
    assert replay.json() == red
    assert (await state(engine, mid))[:2] == (400, 0)
    over = await client.post(
        f"/api/v1/rewards/{reward['id']}/redeem", json={"member_id": mid}, headers=tenant.headers
    )
    assert over.json()["error"]["code"] == "limit_reached"
    rows = (await client.get("/api/v1/rewards", headers=tenant.headers)).json()["data"]
    assert rows[0]["stock"] == 3
    assert (
        len((await client.get(f"/api/v1/members/{mid}/coupons", headers=tenant.headers)).json()["data"]) == 2
    )

    # Cancelling gives points (into their lots), stock back, and voids the coupons.
    r = await client.post(
        f"/api/v1/redemptions/{red['id']}/cancel", json={"reason": "changed mind"}, headers=tenant.headers
    )
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert (await state(engine, mid)) == (1000, 0, [])
    assert (await client.get("/api/v1/rewards", headers=tenant.headers)).json()["data"][0]["stock"] == 5
    statuses = {
        c["status"]
        for c in (await client.get(f"/api/v1/members/{mid}/coupons", headers=tenant.headers)).json()["data"]
    }
    assert statuses == {"voided"}
    again = await client.post(
        f"/api/v1/redemptions/{red['id']}/cancel", json={"reason": "x"}, headers=tenant.headers
    )
    assert again.json()["error"]["code"] == "already_cancelled"
    assert [e.kind for e in await entries(engine, mid)] == ["adjust", "spend", "reverse"]


async def test_a_refused_redemption_changes_nothing(client, tenant: Tenant, engine: AsyncEngine):
    reward = (
        await client.post(
            "/api/v1/rewards",
            json={"name": "保温杯", "kind": "gift", "points_cost": 500, "stock": 1},
            headers=tenant.headers,
        )
    ).json()
    mid = await api_member(client, tenant)
    await client.post(
        f"/api/v1/members/{mid}/points/adjust", json={"delta": 499, "reason": "x"}, headers=tenant.headers
    )
    r = await client.post(
        f"/api/v1/rewards/{reward['id']}/redeem", json={"member_id": mid}, headers=tenant.headers
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "insufficient_points"
    assert (await client.get("/api/v1/rewards", headers=tenant.headers)).json()["data"][0][
        "stock"
    ] == 1  # not taken
    assert (await state(engine, mid))[0] == 499
    bad = await client.post(
        f"/api/v1/rewards/{reward['id']}/redeem", json={"member_id": 99999}, headers=tenant.headers
    )
    assert bad.status_code == 404 and bad.json()["error"]["code"] == "unknown_member"
    async with unit_of_work(readonly=True, engine=engine) as s:
        assert await s.scalar(select(func.count()).select_from(Redemption)) == 0


async def test_simultaneous_redemptions_of_the_last_unit(engine: AsyncEngine, tenant: Tenant):
    n = 10
    ids = [await new_member(engine, tenant, f"C{i}") for i in range(n)]
    for mid in ids:
        await give(engine, tenant, mid, 100)

    async def make(c):
        return (
            await rewards.create_reward(
                c, {"name": "last one", "kind": "gift", "points_cost": 60, "stock": 1}
            )
        ).id

    reward_id = await in_tx(engine, tenant, make)

    async def one(mid: int) -> str:
        try:
            await in_tx(engine, tenant, lambda c: rewards.redeem(c, reward_id, mid))
            return "ok"
        except YutangError as exc:
            return exc.code

    results = await asyncio.gather(*(one(m) for m in ids))
    assert sorted(results) == ["ok"] + ["out_of_stock"] * (n - 1)
    async with unit_of_work(readonly=True, engine=engine) as s:
        assert (await s.get(Reward, reward_id)).stock == 0  # type: ignore[union-attr]
    states = [await state(engine, m) for m in ids]
    assert sorted(st[0] for st in states) == [40] + [100] * (n - 1)
    assert all(st[2] == [] for st in states)


async def test_stock_never_negative_on_restock(client, tenant: Tenant):
    reward = (
        await client.post(
            "/api/v1/rewards",
            json={"name": "x", "kind": "gift", "points_cost": 1, "stock": 2},
            headers=tenant.headers,
        )
    ).json()
    r = await client.post(
        f"/api/v1/rewards/{reward['id']}/restock", json={"delta": -3}, headers=tenant.headers
    )
    assert r.json()["error"]["code"] == "out_of_stock"
    r = await client.post(
        f"/api/v1/rewards/{reward['id']}/restock", json={"delta": 5}, headers=tenant.headers
    )
    assert r.json()["stock"] == 7


async def test_value_moving_posts_replay_with_the_same_idempotency_key(client, tenant: Tenant):
    tpl = await template(client, tenant)
    mid = await api_member(client, tenant)
    c = (
        await client.post(
            "/api/v1/coupons", json={"template_id": tpl["id"], "member_id": mid}, headers=tenant.headers
        )
    ).json()
    h = {**tenant.headers, "Idempotency-Key": "use-once"}
    first = await client.post(f"/api/v1/coupons/{c['code']}/redeem", json={"order_ref": "T9"}, headers=h)
    again = await client.post(f"/api/v1/coupons/{c['code']}/redeem", json={"order_ref": "T9"}, headers=h)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    other = await client.post(f"/api/v1/coupons/{c['code']}/redeem", json={"order_ref": "T10"}, headers=h)
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
