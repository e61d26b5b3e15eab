"""Earn rules applied by the outbox handlers, exactly once per event; the points API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, run_events
from tests.factories import in_tx
from tests.loyalty.conftest import entries, state
from yutang.kit.db import unit_of_work
from yutang.kit.events import _deliver
from yutang.loyalty import earning
from yutang.models.platform import EventReceipt, OutboxEvent

PHONE = "13800138000"


async def rule(client: httpx.AsyncClient, tenant: Tenant, **body: object) -> dict[str, object]:
    r = await client.post("/api/v1/earn-rules", json={"name": "rule", **body}, headers=tenant.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def join(client: httpx.AsyncClient, tenant: Tenant, **body: object) -> int:
    r = await client.post("/api/v1/members", json={"phone": PHONE, **body}, headers=tenant.headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def order(
    external_id: str, items: list[tuple[str, str | None, int, int]], **extra: object
) -> dict[str, object]:
    return {
        "external_id": external_id,
        "customer": {"phone": PHONE},
        "paid_at": extra.pop("paid_at", datetime.now(UTC).isoformat()),
        "items": [
            {"product_id": p, "category": c, "quantity": q, "price_cents": cents} for p, c, q, cents in items
        ],
        **extra,
    }


async def test_order_paid_per_yuan_exactly_once(client, tenant: Tenant, engine: AsyncEngine):
    await rule(
        client,
        tenant,
        trigger="order_paid",
        amount_type="per_unit",
        points=1,
        unit_cents=100,
        expiry_months=12,
    )
    mid = await join(client, tenant)
    await client.post(
        "/api/v1/orders", json=order("A", [("S1", "skincare", 2, 12345)]), headers=tenant.headers
    )
    await run_events(engine)
    assert (await state(engine, mid))[0] == 246  # ⌊246.90 yuan⌋
    # The same order again (replayed by the shop) and a second dispatch: nothing more.
    await client.post(
        "/api/v1/orders", json=order("A", [("S1", "skincare", 2, 12345)]), headers=tenant.headers
    )
    await run_events(engine)
    await run_events(engine)
    assert (await state(engine, mid))[0] == 246
    (earned,) = await entries(engine, mid)
    assert (earned.ref_type, earned.rule_id is not None) == ("order", True)
    bal = (await client.get(f"/api/v1/members/{mid}/points", headers=tenant.headers)).json()
    assert bal["lots"][0]["expires_at"] is not None


async def test_a_redelivered_event_credits_nothing_twice(client, tenant: Tenant, engine: AsyncEngine):
    """Even if the receipt were lost (a crash between handler and receipt), the dedupe
    key of the ledger entry keeps the credit single."""
    await rule(client, tenant, trigger="signup", points=50)
    mid = await join(client, tenant)
    await run_events(engine)
    async with unit_of_work(engine=engine) as s:
        await s.execute(delete(EventReceipt))
        await s.execute(update(OutboxEvent).values(dispatched_at=None))
    await run_events(engine)
    async with unit_of_work(engine=engine) as s:
        ev = await s.get(OutboxEvent, 1)
        assert ev is not None
        await _deliver(s, ev)
    assert (await state(engine, mid))[:2] == (50, 0)
    assert len(await entries(engine, mid)) == 1


async def test_conditions_products_categories_and_minimum(client, tenant: Tenant, engine: AsyncEngine):
    await rule(
        client,
        tenant,
        trigger="order_paid",
        amount_type="per_unit",
        points=2,
        unit_cents=100,
        conditions={"categories": ["skincare"], "min_amount_cents": 10000},
    )
    await rule(client, tenant, trigger="order_paid", points=30, conditions={"product_ids": ["GIFT-BOX"]})
    mid = await join(client, tenant)
    # Only the skincare item counts: 150 yuan × 2 points; the gift box rule pays 30 once.
    await client.post(
        "/api/v1/orders",
        json=order("A", [("S1", "skincare", 1, 15000), ("M1", "mask", 3, 5000), ("GIFT-BOX", None, 1, 1)]),
        headers=tenant.headers,
    )
    # Eligible skincare spend 80 yuan: under the minimum; no gift box either.
    await client.post(
        "/api/v1/orders", json=order("B", [("S2", "skincare", 1, 8000)]), headers=tenant.headers
    )
    await run_events(engine)
    assert sorted(e.amount for e in await entries(engine, mid)) == [30, 300]


async def test_caps_per_day_and_lifetime(client, tenant: Tenant, engine: AsyncEngine):
    await rule(client, tenant, trigger="checkin", points=10, caps={"day": 25, "lifetime": 45})
    mid = await join(client, tenant)
    for i in range(4):
        r = await client.post(
            f"/api/v1/members/{mid}/activities",
            json={"type": "checkin", "external_id": f"d1-{i}"},
            headers=tenant.headers,
        )
        assert r.status_code == 202
    await run_events(engine)
    assert [e.amount for e in await entries(engine, mid)] == [10, 10, 5]  # the day cap of 25
    # Next day (as far as the ledger is concerned): move the credits back by a day.
    from yutang.models.loyalty import PointsEntry

    async with unit_of_work(engine=engine) as s:
        await s.execute(update(PointsEntry).values(created_at=datetime.now(UTC) - timedelta(days=2)))
    for i in range(4):
        await client.post(
            f"/api/v1/members/{mid}/activities",
            json={"type": "checkin", "external_id": f"d2-{i}"},
            headers=tenant.headers,
        )
    await run_events(engine)
    assert [e.amount for e in await entries(engine, mid)] == [10, 10, 5, 10, 10]  # lifetime 45


async def test_the_same_activity_twice_earns_once_and_custom_events_match_by_name(
    client, tenant: Tenant, engine: AsyncEngine
):
    await rule(client, tenant, trigger="share", points=3)
    await rule(client, tenant, trigger="custom", event_name="review_written", points=20)
    mid = await join(client, tenant)
    for _ in range(2):
        await client.post(
            f"/api/v1/members/{mid}/activities",
            json={"type": "share", "external_id": "post-77"},
            headers=tenant.headers,
        )
    await client.post(
        f"/api/v1/members/{mid}/activities", json={"type": "custom", "name": "other"}, headers=tenant.headers
    )
    await client.post(
        f"/api/v1/members/{mid}/activities",
        json={"type": "custom", "name": "review_written"},
        headers=tenant.headers,
    )
    await run_events(engine)
    assert sorted(e.amount for e in await entries(engine, mid)) == [3, 20]
    r = await client.post(
        f"/api/v1/members/{mid}/activities", json={"type": "custom"}, headers=tenant.headers
    )
    assert r.status_code == 422


async def test_refund_claws_back_in_proportion(client, tenant: Tenant, engine: AsyncEngine):
    await rule(
        client, tenant, trigger="order_paid", amount_type="per_unit", points=1, unit_cents=100, pending_days=7
    )
    mid = await join(client, tenant)
    o = (
        await client.post("/api/v1/orders", json=order("A", [("S1", "x", 1, 10000)]), headers=tenant.headers)
    ).json()
    await run_events(engine)
    assert (await state(engine, mid))[:2] == (0, 100)  # pending for the refund window
    url = f"/api/v1/orders/{o['id']}/refunds"
    await client.post(url, json={"external_id": "R1", "amount_cents": 3333}, headers=tenant.headers)
    await run_events(engine)
    assert (await state(engine, mid))[:2] == (0, 67)  # ⌊100 × 33.33 %⌋ = 33 taken back
    await client.post(url, json={"external_id": "R2", "amount_cents": 6667}, headers=tenant.headers)
    await run_events(engine)
    balance, pending, problems = await state(engine, mid)
    assert (balance, pending, problems) == (0, 0, [])  # a full refund takes back all of it


async def test_signup_rule_and_rule_window(client, tenant: Tenant, engine: AsyncEngine):
    past = datetime.now(UTC) - timedelta(days=10)
    await rule(client, tenant, trigger="signup", points=100)
    await rule(
        client,
        tenant,
        trigger="signup",
        points=999,
        starts_at=(past - timedelta(days=5)).isoformat(),
        ends_at=past.isoformat(),
    )
    off = await rule(client, tenant, trigger="signup", points=7)
    r = await client.patch(f"/api/v1/earn-rules/{off['id']}", json={"active": False}, headers=tenant.headers)
    assert r.json()["active"] is False
    mid = await join(client, tenant)
    await run_events(engine)
    assert [e.amount for e in await entries(engine, mid)] == [100]


async def test_birthday_points_once_a_year(client, tenant: Tenant, engine: AsyncEngine):
    await rule(client, tenant, trigger="birthday", points=88)
    today = datetime.now(UTC).astimezone().date()
    mid = await join(client, tenant, birthday=date(1990, today.month, min(today.day, 28)).isoformat())
    other = (
        await client.post(
            "/api/v1/members", json={"email": "b@x.cn", "birthday": "1990-01-01"}, headers=tenant.headers
        )
    ).json()["id"]
    day = date(2026, today.month, min(today.day, 28))
    now = datetime(day.year, day.month, day.day, 8, tzinfo=UTC)
    paid = await in_tx(engine, tenant, lambda c: earning.birthday_points(c, today=day, now=now))
    again = await in_tx(engine, tenant, lambda c: earning.birthday_points(c, today=day, now=now))
    assert (paid, again) == (1 if day != date(2026, 1, 1) else 2, 0)
    assert [e.amount for e in await entries(engine, mid)] == [88]
    if day != date(2026, 1, 1):
        assert await entries(engine, other) == []


async def test_points_api_spend_adjust_ledger(client, tenant: Tenant, engine: AsyncEngine):
    mid = await join(client, tenant)
    h = {**tenant.headers, "Idempotency-Key": "adj-1"}
    r = await client.post(
        f"/api/v1/members/{mid}/points/adjust", json={"delta": 500, "reason": "migration"}, headers=h
    )
    assert r.status_code == 201 and r.json()["balance"] == 500
    replay = await client.post(
        f"/api/v1/members/{mid}/points/adjust", json={"delta": 500, "reason": "migration"}, headers=h
    )
    assert replay.json() == r.json() and replay.headers["Idempotent-Replayed"] == "true"
    r = await client.post(
        f"/api/v1/members/{mid}/points/spend",
        json={"points": 120, "reason": "coupon", "ref_type": "reward", "ref_id": "7"},
        headers=tenant.headers,
    )
    assert r.status_code == 201 and r.json()["balance"] == 380
    r = await client.post(f"/api/v1/members/{mid}/points/spend", json={"points": 381}, headers=tenant.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "insufficient_points"
    r = await client.post(f"/api/v1/members/{mid}/points/spend", json={"points": 0}, headers=tenant.headers)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_amount"
    page1 = (
        await client.get(f"/api/v1/members/{mid}/points/entries", params={"limit": 1}, headers=tenant.headers)
    ).json()
    assert [e["kind"] for e in page1["data"]] == ["spend"]
    page2 = (
        await client.get(
            f"/api/v1/members/{mid}/points/entries",
            params={"limit": 1, "cursor": page1["next_cursor"]},
            headers=tenant.headers,
        )
    ).json()
    assert [e["kind"] for e in page2["data"]] == ["adjust"] and page2["next_cursor"] is None
    assert (await state(engine, mid)) == (380, 0, [])


@pytest.mark.parametrize(
    "body",
    [
        {"trigger": "custom", "points": 5},  # no event name
        {"trigger": "signup", "amount_type": "per_unit", "points": 5},
        {"trigger": "order_paid", "points": 0},
        {"trigger": "order_paid", "points": 5, "conditions": {"tier": 3}},
        {"trigger": "nope", "points": 5},
    ],
)
async def test_bad_rules_are_refused(client, tenant: Tenant, body):
    r = await client.post("/api/v1/earn-rules", json={"name": "x", **body}, headers=tenant.headers)
    assert r.status_code == 422
    assert (await client.get("/api/v1/earn-rules", headers=tenant.headers)).json()["data"] == []


async def test_a_patch_cannot_end_a_rule_before_it_starts(client, tenant: Tenant):
    """The create request checked the window; a patch of `ends_at` alone did not."""
    rule = {"name": "双旦签到", "trigger": "checkin", "points": 5, "starts_at": "2026-12-20T00:00:00+08:00"}
    r = await client.post("/api/v1/earn-rules", json=rule, headers=tenant.headers)
    assert r.status_code == 201
    patch = {"ends_at": "2026-12-01T00:00:00+08:00"}
    bad = await client.patch(f"/api/v1/earn-rules/{r.json()['id']}", json=patch, headers=tenant.headers)
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "validation_error")
    got = await client.get(f"/api/v1/earn-rules/{r.json()['id']}", headers=tenant.headers)
    assert got.json()["ends_at"] is None
