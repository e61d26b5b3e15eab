"""Tiers: upgrade at once, downgrade at evaluation by policy with grace, history, benefits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, run_events
from tests.factories import api_member, in_tx
from tests.loyalty.conftest import entries
from yutang.loyalty import earning, tiers

PHONE = "13800138000"
YUAN = 100
#: The demo brand's ladder: 5,000 / 10,000 / 50,000 / 100,000 yuan over a rolling year.
LADDER = [("银卡", 5_000), ("金卡", 10_000), ("铂金", 50_000), ("黑钻", 100_000)]


@pytest.fixture
async def ladder(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, int]:
    ids = {}
    for rank, (name, yuan) in enumerate(LADDER, start=1):
        r = await client.post(
            "/api/v1/tiers",
            json={
                "name": name,
                "rank": rank,
                "threshold": yuan * YUAN,
                "benefits": {"points_multiplier": rank},
            },
            headers=tenant.headers,
        )
        assert r.status_code == 201, r.text
        ids[name] = r.json()["id"]
    return ids


async def buy(client: httpx.AsyncClient, tenant: Tenant, ext: str, yuan: int) -> dict[str, Any]:
    r = await client.post(
        "/api/v1/orders",
        json={
            "external_id": ext,
            "customer": {"phone": PHONE},
            "paid_at": datetime.now(UTC).isoformat(),
            "total_cents": yuan * YUAN,
        },
        headers=tenant.headers,
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def tier_of(client: httpx.AsyncClient, tenant: Tenant, mid: int) -> int | None:
    history = (await client.get(f"/api/v1/members/{mid}/tier-history", headers=tenant.headers)).json()["data"]
    changes = [h for h in history if h["reason"] in ("upgrade", "downgrade", "manual")]
    return changes[-1]["to_tier_id"] if changes else None


async def test_upgrades_happen_at_once_and_can_skip_levels(
    client, tenant: Tenant, engine: AsyncEngine, ladder
):
    mid = await api_member(client, tenant, PHONE)
    await buy(client, tenant, "A", 4_999)
    await run_events(engine)
    assert await tier_of(client, tenant, mid) is None
    await buy(client, tenant, "B", 1)
    await run_events(engine)
    assert await tier_of(client, tenant, mid) == ladder["银卡"]
    await buy(client, tenant, "C", 60_000)
    await run_events(engine)
    assert await tier_of(client, tenant, mid) == ladder["铂金"]
    history = (await client.get(f"/api/v1/members/{mid}/tier-history", headers=tenant.headers)).json()["data"]
    assert [(h["reason"], h["metric_value"]) for h in history] == [
        ("upgrade", 5_000 * YUAN),
        ("upgrade", 65_000 * YUAN),
    ]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [("one_level", "金卡"), ("recompute", "银卡"), ("none", "铂金")],
)
async def test_downgrades_wait_for_evaluation_and_grace(
    client, tenant: Tenant, engine: AsyncEngine, ladder, policy, expected
):
    r = await client.put(
        "/api/v1/tier-program",
        json={"metric": "spend", "window_days": 365, "downgrade_policy": policy, "grace_days": 30},
        headers=tenant.headers,
    )
    assert r.status_code == 200
    mid = await api_member(client, tenant, PHONE)
    order = await buy(client, tenant, "A", 60_000)
    await buy(client, tenant, "B", 6_000)
    await run_events(engine)
    assert await tier_of(client, tenant, mid) == ladder["铂金"]
    # A refund leaves 6,000 yuan: no downgrade until evaluation, and then only after grace.
    await client.post(
        f"/api/v1/orders/{order['id']}/refunds",
        json={"external_id": "R", "amount_cents": 60_000 * YUAN},
        headers=tenant.headers,
    )
    await run_events(engine)
    assert await tier_of(client, tenant, mid) == ladder["铂金"]
    now = datetime.now(UTC)
    first = await in_tx(engine, tenant, lambda c: tiers.evaluate(c, now=now))
    assert await tier_of(client, tenant, mid) == ladder["铂金"]
    if policy == "none":
        assert first["grace_started"] == 0
    else:
        assert first["grace_started"] == 1
        await in_tx(engine, tenant, lambda c: tiers.evaluate(c, now=now + timedelta(days=29)))
        assert await tier_of(client, tenant, mid) == ladder["铂金"]
    done = await in_tx(engine, tenant, lambda c: tiers.evaluate(c, now=now + timedelta(days=31)))
    assert await tier_of(client, tenant, mid) == ladder[expected]
    assert done["downgraded"] == (0 if policy == "none" else 1)


async def test_qualifying_again_during_grace_keeps_the_tier(
    client, tenant: Tenant, engine: AsyncEngine, ladder
):
    mid = await api_member(client, tenant, PHONE)
    order = await buy(client, tenant, "A", 12_000)
    await run_events(engine)
    await client.post(
        f"/api/v1/orders/{order['id']}/refunds",
        json={"external_id": "R", "amount_cents": 5_000 * YUAN},
        headers=tenant.headers,
    )
    now = datetime.now(UTC)
    await in_tx(engine, tenant, lambda c: tiers.evaluate(c, now=now))
    await buy(client, tenant, "B", 4_000)  # back to 11,000 yuan
    await run_events(engine)
    await in_tx(engine, tenant, lambda c: tiers.evaluate(c, now=now + timedelta(days=60)))
    assert await tier_of(client, tenant, mid) == ladder["金卡"]
    reasons = [
        h["reason"]
        for h in (await client.get(f"/api/v1/members/{mid}/tier-history", headers=tenant.headers)).json()[
            "data"
        ]
    ]
    assert reasons == ["upgrade", "grace_started", "grace_cleared"]


async def test_tier_multiplier_and_tier_condition(client, tenant: Tenant, engine: AsyncEngine, ladder):
    await client.post(
        "/api/v1/earn-rules",
        json={
            "name": "1/yuan",
            "trigger": "order_paid",
            "amount_type": "per_unit",
            "points": 1,
            "unit_cents": 100,
            "tier_multiplier": True,
        },
        headers=tenant.headers,
    )
    await client.post(
        "/api/v1/earn-rules",
        json={
            "name": "gold only",
            "trigger": "order_paid",
            "points": 500,
            "conditions": {"tier_ids": [ladder["金卡"]]},
        },
        headers=tenant.headers,
    )
    mid = await api_member(client, tenant, PHONE)
    await buy(client, tenant, "A", 100)  # no tier: ×1
    await run_events(engine)
    r = await client.post(
        f"/api/v1/members/{mid}/tier",
        json={"tier_id": ladder["金卡"], "reason": "VIP import"},
        headers=tenant.headers,
    )
    assert r.status_code == 200 and r.json()["reason"] == "manual"
    await buy(client, tenant, "B", 100)  # gold: ×2, and the gold-only rule
    await run_events(engine)
    assert [e.amount for e in await entries(engine, mid)] == [100, 200, 500]


async def test_tier_birthday_points(client, tenant: Tenant, engine: AsyncEngine, ladder):
    await client.patch(
        f"/api/v1/tiers/{ladder['银卡']}", json={"benefits": {"birthday_points": 300}}, headers=tenant.headers
    )
    r = await client.post(
        "/api/v1/members", json={"phone": PHONE, "birthday": "1990-06-15"}, headers=tenant.headers
    )
    mid = r.json()["id"]
    await client.post(
        f"/api/v1/members/{mid}/tier", json={"tier_id": ladder["银卡"], "reason": "x"}, headers=tenant.headers
    )
    day = datetime(2026, 6, 15, 1, tzinfo=UTC)
    assert await in_tx(engine, tenant, lambda c: earning.birthday_points(c, today=day.date(), now=day)) == 1
    assert await in_tx(engine, tenant, lambda c: earning.birthday_points(c, today=day.date(), now=day)) == 0
    assert [e.amount for e in await entries(engine, mid)] == [300]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"name": "x", "rank": 5, "threshold": 1}, 400, "invalid_tier"),  # below 黑钻's threshold
        ({"name": "x", "rank": 1, "threshold": 1}, 409, "tier_taken"),
        (
            {"name": "x", "rank": 9, "threshold": 10**12, "benefits": {"free_lunch": True}},
            400,
            "invalid_tier",
        ),
        (
            {"name": "x", "rank": 9, "threshold": 10**12, "benefits": {"points_multiplier": 0}},
            400,
            "invalid_tier",
        ),
    ],
)
async def test_bad_tiers(client, tenant: Tenant, ladder, body, status, code):
    r = await client.post("/api/v1/tiers", json=body, headers=tenant.headers)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    assert len((await client.get("/api/v1/tiers", headers=tenant.headers)).json()["data"]) == 4


async def test_rule_referring_to_another_workspaces_tier_is_refused(client, tenant, other_tenant, ladder):
    r = await client.post(
        "/api/v1/earn-rules",
        json={"name": "x", "trigger": "signup", "points": 1, "conditions": {"tier_ids": [ladder["银卡"]]}},
        headers=other_tenant.headers,
    )
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_tier"


async def test_reaching_a_tier_issues_its_coupons(client, tenant: Tenant, engine: AsyncEngine, ladder):
    tpl = (
        await client.post(
            "/api/v1/coupon-templates",
            json={"name": "升级礼 ¥50", "kind": "amount_off", "value": 5000, "valid_days": 30},
            headers=tenant.headers,
        )
    ).json()
    await client.patch(
        f"/api/v1/tiers/{ladder['金卡']}",
        json={"benefits": {"coupon_template_ids": [tpl["id"]]}},
        headers=tenant.headers,
    )
    mid = await api_member(client, tenant, PHONE)
    await buy(client, tenant, "A", 6_000)
    await run_events(engine)
    assert (await client.get(f"/api/v1/members/{mid}/coupons", headers=tenant.headers)).json()["data"] == []
    await buy(client, tenant, "B", 5_000)
    await run_events(engine)
    held = (await client.get(f"/api/v1/members/{mid}/coupons", headers=tenant.headers)).json()["data"]
    assert [(c["template_id"], c["source"]) for c in held] == [(tpl["id"], f"tier:{ladder['金卡']}")]


async def test_renaming_a_tier_to_anothers_name_is_tier_taken(client, tenant: Tenant, ladder):
    """It answered 500 (the database's unique constraint, unchecked by the service)."""
    names = {
        t["name"]: t["id"] for t in (await client.get("/api/v1/tiers", headers=tenant.headers)).json()["data"]
    }
    first, second = list(names)[:2]
    r = await client.patch(f"/api/v1/tiers/{names[second]}", json={"name": first}, headers=tenant.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "tier_taken")
    same = await client.patch(f"/api/v1/tiers/{names[second]}", json={"name": second}, headers=tenant.headers)
    assert same.status_code == 200


async def test_the_first_programme_may_count_all_time(client: httpx.AsyncClient, tenant: Tenant) -> None:
    """`window_days: null` counts all time, also when the programme is set the first time
    (the row's INSERT once put the column's default, 365, in its place)."""
    body = {"metric": "points", "window_days": None, "downgrade_policy": "none", "grace_days": 0}
    r = await client.put("/api/v1/tier-program", json=body, headers=tenant.headers)
    assert r.status_code == 200 and r.json() == body
    assert (await client.get("/api/v1/tier-program", headers=tenant.headers)).json() == body
