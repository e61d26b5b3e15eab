"""Paid membership (seed: pay 1,000, receive a 1,500 gift pack): terms, renewals, gifts
once, reminders before the end, expiry, and benefits while active."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.factories import in_tx
from yutang.kit.db import unit_of_work
from yutang.membership import service as membership
from yutang.models.platform import OutboxEvent


async def plan(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, Any]:
    tpl = (
        await client.post(
            "/api/v1/coupon-templates",
            json={"name": "300元无门槛", "kind": "amount_off", "value": 30_000, "valid_days": 365},
            headers=tenant.headers,
        )
    ).json()
    r = await client.post(
        "/api/v1/membership-plans",
        json={
            "name": "黑卡年费会员",
            "price_cents": 100_000,
            "period": "year",
            "gift_points": 3000,
            "gift_coupon_template_ids": [tpl["id"]] * 4,
            "benefits": {"discount_percent": 12, "free_shipping": True},
            "remind_days": 7,
        },
        headers=tenant.headers,
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_purchase_gives_the_gift_pack_once_and_renewal_extends(
    client, tenant: Tenant, engine: AsyncEngine
):
    p = await plan(client, tenant)
    mid = (
        await client.post("/api/v1/members", json={"phone": "13800138000"}, headers=tenant.headers)
    ).json()["id"]
    url = f"/api/v1/members/{mid}/subscriptions"
    first = await client.post(url, json={"plan_id": p["id"], "payment_ref": "pay-1"}, headers=tenant.headers)
    assert first.status_code == 201, first.text
    sub = first.json()
    ends = datetime.fromisoformat(sub["ends_at"])
    assert ends - datetime.fromisoformat(sub["started_at"]) in (timedelta(days=365), timedelta(days=366))
    # The gift pack: 3,000 points and 4 × 300 yuan coupons (1,200 + 300 = 1,500 yuan of value).
    assert (await client.get(f"/api/v1/members/{mid}/points", headers=tenant.headers)).json()[
        "balance"
    ] == 3000
    assert (
        len((await client.get(f"/api/v1/members/{mid}/coupons", headers=tenant.headers)).json()["data"]) == 4
    )
    replay = await client.post(url, json={"plan_id": p["id"], "payment_ref": "pay-1"}, headers=tenant.headers)
    assert replay.status_code == 200 and replay.json()["renewals"] == 0
    renewed = await client.post(
        url, json={"plan_id": p["id"], "payment_ref": "pay-2"}, headers=tenant.headers
    )
    assert renewed.status_code == 200
    assert renewed.json()["renewals"] == 1 and renewed.json()["id"] == sub["id"]
    assert datetime.fromisoformat(renewed.json()["ends_at"]) > ends + timedelta(days=364)
    assert (await client.get(f"/api/v1/members/{mid}/points", headers=tenant.headers)).json()[
        "balance"
    ] == 3000
    wrong = await client.post(
        url, json={"plan_id": p["id"], "payment_ref": "pay-3", "amount_cents": 1}, headers=tenant.headers
    )
    assert wrong.json()["error"]["code"] == "invalid_amount"
    benefits = (await client.get(f"/api/v1/members/{mid}/benefits", headers=tenant.headers)).json()
    assert benefits["benefits"] == {"discount_percent": 12, "free_shipping": True}
    assert benefits["from"] == [f"plan:{p['id']}"]


async def test_reminder_before_the_end_then_expiry(client, tenant: Tenant, engine: AsyncEngine):
    p = await plan(client, tenant)
    mid = (
        await client.post("/api/v1/members", json={"phone": "13800138000"}, headers=tenant.headers)
    ).json()["id"]
    start = datetime(2026, 1, 10, tzinfo=UTC)
    sub, _ = await in_tx(
        engine, tenant, lambda c: membership.purchase(c, mid, p["id"], payment_ref="x", now=start)
    )
    end = sub.ends_at
    assert await in_tx(
        engine, tenant, lambda c: membership.remind_and_expire(c, now=end - timedelta(days=8))
    ) == (0, 0)
    assert await in_tx(
        engine, tenant, lambda c: membership.remind_and_expire(c, now=end - timedelta(days=6))
    ) == (1, 0)
    assert await in_tx(
        engine, tenant, lambda c: membership.remind_and_expire(c, now=end - timedelta(days=5))
    ) == (0, 0)
    assert await in_tx(engine, tenant, lambda c: membership.remind_and_expire(c, now=end)) == (0, 1)
    async with unit_of_work(readonly=True, engine=engine) as s:
        types = (
            await s.scalars(
                select(OutboxEvent.type).where(OutboxEvent.type.like("membership.%")).order_by(OutboxEvent.id)
            )
        ).all()
    assert types == ["membership.purchased", "membership.expiring", "membership.expired"]
    # A purchase after the term ended starts a new term — with a new gift.
    _, new_term = await in_tx(
        engine,
        tenant,
        lambda c: membership.purchase(c, mid, p["id"], payment_ref="y", now=end + timedelta(days=1)),
    )
    assert new_term is True


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"price_cents": 0, "period": "year"}, "invalid_amount"),
        (
            {"price_cents": 100, "period": "year", "gift_coupon_template_ids": [9999]},
            "unknown_coupon_template",
        ),
        # Benefits were stored unchecked: a 500 % discount, a perk that is not yes/no.
        ({"price_cents": 100, "period": "year", "benefits": {"discount_percent": 500}}, "invalid_plan"),
        ({"price_cents": 100, "period": "year", "benefits": {"free_shipping": "maybe"}}, "invalid_plan"),
        ({"price_cents": 100, "period": "year", "benefits": {"Free Shipping!": True}}, "invalid_plan"),
    ],
)
async def test_bad_plans(client, tenant: Tenant, body, code):
    r = await client.post("/api/v1/membership-plans", json={"name": "x", **body}, headers=tenant.headers)
    assert r.json()["error"]["code"] == code
    assert (await client.get("/api/v1/membership-plans", headers=tenant.headers)).json()["data"] == []
