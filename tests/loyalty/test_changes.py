"""Changing loyalty objects after they were made — paid plans, coupon templates,
lotteries, top-up rules — and the list of redemptions to cancel from: only the fields
sent change, what was already sold, issued, drawn or topped up keeps its terms, a
refused change writes nothing, another workspace's ids are unknown, and only roles
that may create them may change them. Every change is audited."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, add_key
from tests.factories import api_member
from yutang.kit.db import unit_of_work
from yutang.models.platform import AuditEntry


async def _made(client: httpx.AsyncClient, tenant: Tenant, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post(f"/api/v1/{path}", json=body, headers=tenant.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def _listed(client: httpx.AsyncClient, tenant: Tenant, path: str) -> list[dict[str, Any]]:
    r = await client.get(f"/api/v1/{path}", headers=tenant.headers)
    assert r.status_code == 200, r.text
    return list(r.json()["data"])


async def _audited(engine: AsyncEngine, action: str) -> list[dict[str, Any]]:
    async with unit_of_work(readonly=True, engine=engine) as s:
        rows = await s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
        return [dict(a.changes) for a in rows.all()]


async def _refused(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    tenant: Tenant,
    other: Tenant,
    path: str,
    body: dict[str, Any],
) -> None:
    """Another workspace's id is unknown; an analyst or staff key may not change it."""
    r = await client.patch(f"/api/v1/{path}", json=body, headers=other.headers)
    assert r.status_code == 404 and r.json()["error"]["code"].startswith("unknown_"), r.text
    for role in ("analyst", "staff"):
        r = await client.patch(f"/api/v1/{path}", json=body, headers=await add_key(engine, tenant, role))
        assert r.status_code == 403, (role, r.text)


# --- paid membership plans -------------------------------------------------------------------


async def test_a_plan_changes_for_new_purchases_and_stops_selling_while_terms_stay(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    plan = await _made(
        client, tenant, "membership-plans", {"name": "年卡", "price_cents": 19900, "period": "year"}
    )
    mid = await api_member(client, tenant)
    subs = f"/api/v1/members/{mid}/subscriptions"
    bought = await client.post(
        subs, json={"plan_id": plan["id"], "payment_ref": "p1"}, headers=tenant.headers
    )
    assert bought.status_code == 201
    term = bought.json()

    url = f"/api/v1/membership-plans/{plan['id']}"
    for body, code in (
        ({"price_cents": 0}, "validation_error"),
        ({"period": "week"}, "validation_error"),
        ({"remind_days": 61}, "validation_error"),
        ({"price_cents": 2**60}, "validation_error"),
        ({"colour": "gold"}, "validation_error"),
        ({"name": "改名", "benefits": {"discount_percent": 150}}, "invalid_plan"),
        ({"name": "改名", "gift_coupon_template_ids": [987654]}, "unknown_coupon_template"),
    ):
        r = await client.patch(url, json=body, headers=tenant.headers)
        assert r.status_code in (400, 404, 422) and r.json()["error"]["code"] == code, (body, r.text)
    assert (await _listed(client, tenant, "membership-plans"))[0]["name"] == "年卡"  # nothing written
    await _refused(client, engine, tenant, other_tenant, f"membership-plans/{plan['id']}", {"name": "x"})

    r = await client.patch(
        url,
        json={
            "name": "PLUS年卡",
            "price_cents": 16900,
            "period": "quarter",
            "benefits": {"discount_percent": 5},
        },
        headers=tenant.headers,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["price_cents"], r.json()["period"], r.json()["active"]) == (
        "PLUS年卡",
        16900,
        "quarter",
        True,
    )
    # The term bought before keeps its end; its member has the new benefits.
    (kept,) = (await client.get(subs, headers=tenant.headers)).json()["data"]
    assert (kept["id"], kept["ends_at"]) == (term["id"], term["ends_at"])
    benefits = (await client.get(f"/api/v1/members/{mid}/benefits", headers=tenant.headers)).json()
    assert benefits["benefits"] == {"discount_percent": 5}

    off = await client.patch(url, json={"active": False, "name": None}, headers=tenant.headers)
    assert (off.json()["active"], off.json()["name"]) == (False, "PLUS年卡")  # null: left as it is
    other = await api_member(client, tenant, "13900139000")
    r = await client.post(
        f"/api/v1/members/{other}/subscriptions",
        json={"plan_id": plan["id"], "payment_ref": "p2"},
        headers=tenant.headers,
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "plan_inactive"
    (kept,) = (await client.get(subs, headers=tenant.headers)).json()["data"]
    assert kept["ends_at"] == term["ends_at"] and kept["status"] == "active"
    assert await _audited(engine, "membership_plan.updated") == [
        {"name": "PLUS年卡", "price_cents": 16900, "period": "quarter", "benefits": {"discount_percent": 5}},
        {"active": False},
    ]


# --- coupon templates ---------------------------------------------------------------------------


async def test_a_coupon_templates_value_is_fixed_once_codes_exist_and_its_dates_apply_to_new_codes(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    tpl = await _made(
        client,
        tenant,
        "coupon-templates",
        {"name": "满100减20", "kind": "amount_off", "value": 2000, "valid_days": 30, "total_limit": 10},
    )
    url = f"/api/v1/coupon-templates/{tpl['id']}"
    # While no code exists, even its value changes.
    r = await client.patch(url, json={"value": 2500, "min_spend_cents": 10000}, headers=tenant.headers)
    assert r.status_code == 200 and (r.json()["value"], r.json()["min_spend_cents"]) == (2500, 10000)

    mid = await api_member(client, tenant)
    first = await client.post(
        "/api/v1/coupons", json={"template_id": tpl["id"], "member_id": mid}, headers=tenant.headers
    )
    assert first.status_code == 201
    for body, status, code in (
        ({"value": 5000}, 409, "coupon_template_issued"),
        ({"kind": "gift", "gift_name": "帆布袋"}, 409, "coupon_template_issued"),
        ({"min_spend_cents": 0}, 409, "coupon_template_issued"),
        ({"total_limit": None}, 200, None),
        ({"valid_days": None}, 400, "invalid_coupon_template"),  # no validity left
        ({"valid_from": "2026-09-01T00:00:00+08:00", "valid_until": "2026-08-01T00:00:00+08:00"}, 400, None),
        ({"per_member_limit": 0}, 422, "validation_error"),
        ({"issued_count": 0}, 422, "validation_error"),
    ):
        r = await client.patch(url, json={"name": "改了", **body}, headers=tenant.headers)
        assert r.status_code == status, (body, r.text)
        if code:
            assert r.json()["error"]["code"] == code, body
        if status == 200:
            assert r.json()["total_limit"] is None
    (now,) = await _listed(client, tenant, "coupon-templates")
    assert (now["name"], now["value"], now["kind"], now["min_spend_cents"]) == (
        "改了",
        2500,
        "amount_off",
        10000,
    )
    r = await client.patch(url, json={"total_limit": 0}, headers=tenant.headers)
    assert r.status_code == 422
    r = await client.patch(
        url, json={"total_limit": 5, "value": 2500}, headers=tenant.headers
    )  # same value: fine
    assert r.status_code == 200, r.text
    await _refused(client, engine, tenant, other_tenant, f"coupon-templates/{tpl['id']}", {"name": "x"})

    # New validity applies to coupons issued from now on; the first keeps its 30 days.
    r = await client.patch(url, json={"valid_days": 7, "active": True}, headers=tenant.headers)
    assert r.status_code == 200
    second = await client.post(
        "/api/v1/coupons", json={"template_id": tpl["id"], "member_id": mid}, headers=tenant.headers
    )
    held = {
        c["id"]: c
        for c in (await client.get(f"/api/v1/members/{mid}/coupons", headers=tenant.headers)).json()["data"]
    }
    assert held[first.json()["id"]]["valid_until"] == first.json()["valid_until"]
    s = held[second.json()["id"]]
    assert datetime.fromisoformat(s["valid_until"]) - datetime.fromisoformat(s["valid_from"]) == timedelta(
        days=7
    )

    off = await client.patch(url, json={"active": False}, headers=tenant.headers)
    assert off.json()["active"] is False
    r = await client.post(
        "/api/v1/coupons", json={"template_id": tpl["id"], "member_id": mid}, headers=tenant.headers
    )
    assert r.json()["error"]["code"] == "coupon_template_inactive"
    changes = await _audited(engine, "coupon_template.updated")
    assert changes[0] == {"value": 2500, "min_spend_cents": 10000} and changes[-1] == {"active": False}


# --- lotteries ------------------------------------------------------------------------------


async def test_a_lottery_changes_its_dates_and_prizes_until_the_first_draw(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    lot = await _made(
        client,
        tenant,
        "lotteries",
        {
            "name": "转盘",
            "prizes": [{"name": "10积分", "kind": "points", "points": 10, "probability_bp": 5000}],
        },
    )
    url = f"/api/v1/lotteries/{lot['id']}"
    for body, code in (
        ({"prizes": [{"name": "多", "kind": "gift", "probability_bp": 6000}] * 2}, "invalid_lottery"),
        ({"prizes": [{"name": "券", "kind": "coupon", "probability_bp": 100}]}, "invalid_lottery"),
        (
            {"starts_at": "2026-07-01T00:00:00+08:00", "ends_at": "2026-06-01T00:00:00+08:00"},
            "invalid_lottery",
        ),
        ({"prizes": []}, "validation_error"),
        ({"points_per_draw": -1}, "validation_error"),
        ({"daily_limit": 0}, "validation_error"),
    ):
        r = await client.patch(url, json={"name": "不该改", **body}, headers=tenant.headers)
        assert r.status_code in (400, 422) and r.json()["error"]["code"] == code, (body, r.text)
    got = (await client.get(url, headers=tenant.headers)).json()
    assert got["name"] == "转盘" and [p["name"] for p in got["prizes"]] == ["10积分"]
    await _refused(client, engine, tenant, other_tenant, f"lotteries/{lot['id']}", {"name": "x"})

    new_prizes = [
        {"name": "20积分", "kind": "points", "points": 20, "probability_bp": 10_000},
    ]
    r = await client.patch(
        url, json={"name": "大转盘", "daily_limit": 3, "prizes": new_prizes}, headers=tenant.headers
    )
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["daily_limit"], [p["points"] for p in r.json()["prizes"]]) == (
        "大转盘",
        3,
        [20],
    )
    mid = await api_member(client, tenant)
    drawn = await client.post(
        f"{url}/draws", json={"member_id": mid}, headers={**tenant.headers, "Idempotency-Key": "d1"}
    )
    assert drawn.status_code == 201 and drawn.json()["outcome"] == "won"
    r = await client.patch(url, json={"prizes": new_prizes}, headers=tenant.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "lottery_has_draws"
    r = await client.patch(url, json={"daily_limit": None, "active": False}, headers=tenant.headers)
    assert (r.json()["daily_limit"], r.json()["active"], r.json()["prizes"][0]["awarded_count"]) == (
        None,
        False,
        1,
    )
    closed = await client.post(
        f"{url}/draws", json={"member_id": mid}, headers={**tenant.headers, "Idempotency-Key": "d2"}
    )
    assert closed.json()["error"]["code"] == "lottery_closed"
    assert await _audited(engine, "lottery.updated") == [
        {"name": "大转盘", "daily_limit": 3, "prizes": 1},
        {"daily_limit": None, "active": False},
    ]


# --- top-up rules ----------------------------------------------------------------------------


async def test_a_top_up_rule_changes_for_top_ups_from_now_on(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    rule = await _made(
        client, tenant, "top-up-rules", {"name": "充100送10", "min_amount_cents": 10000, "bonus_cents": 1000}
    )
    mid = await api_member(client, tenant)
    top_up = f"/api/v1/members/{mid}/wallet/top-ups"
    r = await client.post(top_up, json={"amount_cents": 10000, "payment_ref": "t1"}, headers=tenant.headers)
    assert r.status_code == 201 and r.json()["bonus_cents"] == 1000, r.text

    url = f"/api/v1/top-up-rules/{rule['id']}"
    for body in ({"bonus_cents": -1}, {"min_amount_cents": 0}, {"min_amount_cents": "100"}, {"rank": 1}):
        r = await client.patch(url, json={"name": "不该改", **body}, headers=tenant.headers)
        assert r.status_code in (400, 422), (body, r.text)
    assert (await _listed(client, tenant, "top-up-rules"))[0]["name"] == "充100送10"
    await _refused(client, engine, tenant, other_tenant, f"top-up-rules/{rule['id']}", {"name": "x"})

    r = await client.patch(url, json={"name": "充100送15", "bonus_cents": 1500}, headers=tenant.headers)
    assert r.status_code == 200 and r.json()["bonus_cents"] == 1500
    r = await client.post(top_up, json={"amount_cents": 10000, "payment_ref": "t2"}, headers=tenant.headers)
    assert r.json()["bonus_cents"] == 1500 + 1000  # the wallet's bonus
    r = await client.patch(url, json={"active": False}, headers=tenant.headers)
    assert r.json()["active"] is False
    r = await client.post(top_up, json={"amount_cents": 10000, "payment_ref": "t3"}, headers=tenant.headers)
    assert r.json()["bonus_cents"] == 2500
    entries = (await client.get(f"/api/v1/members/{mid}/wallet", headers=tenant.headers)).json()["entries"]
    assert [e["bonus_delta"] for e in entries] == [0, 1500, 1000]  # newest first; the first keeps its 10
    assert await _audited(engine, "top_up_rule.updated") == [
        {"name": "充100送15", "bonus_cents": 1500},
        {"active": False},
    ]


# --- redemptions -------------------------------------------------------------------------------


async def test_redemptions_are_listed_newest_first_filtered_and_this_workspaces_only(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    rewards = [
        await _made(client, t, "rewards", {"name": "帆布袋", "kind": "gift", "points_cost": 100, "stock": 9})
        for t in (tenant, other_tenant, tenant)
    ]
    done: list[int] = []
    for n, (t, reward) in enumerate(((tenant, rewards[0]), (other_tenant, rewards[1]), (tenant, rewards[2]))):
        mid = await api_member(client, t, f"1380013800{n}")
        await client.post(
            f"/api/v1/members/{mid}/points/adjust", json={"delta": 500, "reason": "x"}, headers=t.headers
        )
        for i in range(2):
            r = await client.post(
                f"/api/v1/rewards/{reward['id']}/redeem",
                json={"member_id": mid},
                headers={**t.headers, "Idempotency-Key": f"r{n}{i}"},
            )
            assert r.status_code == 201, r.text
            if t is tenant:
                done.append(r.json()["id"])
    cancel = await client.post(
        f"/api/v1/redemptions/{done[0]}/cancel", json={"reason": "退货"}, headers=tenant.headers
    )
    assert cancel.status_code == 200
    ids = [r["id"] for r in await _listed(client, tenant, "redemptions")]
    assert ids == sorted(done, reverse=True)
    page = (await client.get("/api/v1/redemptions", params={"limit": 3}, headers=tenant.headers)).json()
    rest = (
        await client.get(
            "/api/v1/redemptions", params={"limit": 3, "cursor": page["next_cursor"]}, headers=tenant.headers
        )
    ).json()
    assert [r["id"] for r in page["data"] + rest["data"]] == ids and rest["next_cursor"] is None
    by = await client.get(
        "/api/v1/redemptions",
        params={"reward_id": rewards[0]["id"], "status": "completed"},
        headers=tenant.headers,
    )
    assert [r["id"] for r in by.json()["data"]] == [done[1]]
    theirs = await client.get(
        "/api/v1/redemptions", params={"reward_id": rewards[1]["id"]}, headers=tenant.headers
    )
    assert theirs.json()["data"] == []
    bad = await client.get("/api/v1/redemptions", params={"status": "lost"}, headers=tenant.headers)
    assert bad.status_code == 422
    analyst = await client.get("/api/v1/redemptions", headers=await add_key(engine, tenant, "analyst"))
    assert len(analyst.json()["data"]) == 4
