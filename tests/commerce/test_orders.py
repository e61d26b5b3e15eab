"""Orders and refunds: idempotent on the shop's ids, matched to members, signed webhook."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, add_key
from tests.factories import api_member
from yutang.commerce.service import sign
from yutang.kit.db import unit_of_work
from yutang.models.commerce import Order, OrderItem, Refund

PHONE = "13800138000"


def order_body(external_id: str = "T1001", **extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "external_id": external_id,
        "customer": {"phone": PHONE},
        "paid_at": "2026-11-20T10:00:00+08:00",
        "items": [
            {
                "product_id": "SKU-1",
                "name": "精华液",
                "category": "skincare",
                "quantity": 2,
                "price_cents": 19900,
            },
            {"product_id": "SKU-2", "name": "面膜", "category": "mask", "quantity": 1, "price_cents": 9900},
        ],
    }
    body.update(extra)
    return body


async def rows(engine: AsyncEngine) -> tuple[int, int, int]:
    async with unit_of_work(readonly=True, engine=engine) as s:
        counts = [
            int(await s.scalar(select(func.count()).select_from(m)) or 0) for m in (Order, OrderItem, Refund)
        ]
    return counts[0], counts[1], counts[2]


@pytest.fixture
async def member(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, object]:
    return {"id": await api_member(client, tenant, PHONE)}


async def test_order_is_matched_to_the_member_and_counted(client, tenant: Tenant, member):
    r = await client.post("/api/v1/orders", json=order_body(), headers=tenant.headers)
    assert r.status_code == 201, r.text
    o = r.json()
    assert o["member_id"] == member["id"]
    assert o["total_cents"] == 2 * 19900 + 9900
    assert o["status"] == "paid"
    assert [i["product_id"] for i in o["items"]] == ["SKU-1", "SKU-2"]
    m = (await client.get(f"/api/v1/members/{member['id']}", headers=tenant.headers)).json()
    assert (m["total_spent_cents"], m["order_count"]) == (49700, 1)
    assert m["last_order_at"].startswith("2026-11-20T02:00:00")
    listed = (
        await client.get("/api/v1/orders", params={"member_id": member["id"]}, headers=tenant.headers)
    ).json()
    assert [x["id"] for x in listed["data"]] == [o["id"]]


async def test_the_same_order_twice_is_recorded_once(client, tenant: Tenant, member, engine):
    first = await client.post("/api/v1/orders", json=order_body(), headers=tenant.headers)
    again = await client.post("/api/v1/orders", json=order_body(), headers=tenant.headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert await rows(engine) == (1, 2, 0)
    m = (await client.get(f"/api/v1/members/{member['id']}", headers=tenant.headers)).json()
    assert (m["total_spent_cents"], m["order_count"]) == (49700, 1)


async def test_same_order_id_other_content_is_a_conflict(client, tenant: Tenant, member, engine):
    await client.post("/api/v1/orders", json=order_body(), headers=tenant.headers)
    r = await client.post("/api/v1/orders", json=order_body(total_cents=100), headers=tenant.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "order_conflict"
    assert await rows(engine) == (1, 2, 0)


@pytest.mark.parametrize(
    "patch",
    [
        {"total_cents": 0},
        {"total_cents": -5},
        {"items": [{"product_id": "X", "quantity": 0, "price_cents": 100}]},
        {"items": [{"product_id": "X", "quantity": 1, "price_cents": -100}]},
        {"items": []},  # nothing to sum and no total
    ],
)
async def test_amounts_must_be_positive(client, tenant: Tenant, engine, patch):
    r = await client.post("/api/v1/orders", json=order_body(**patch), headers=tenant.headers)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "invalid_amount"
    assert await rows(engine) == (0, 0, 0)


async def test_unknown_member_id_is_refused(client, tenant: Tenant, engine):
    r = await client.post("/api/v1/orders", json=order_body(member_id=987654), headers=tenant.headers)
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_member"
    assert await rows(engine) == (0, 0, 0)


async def test_an_order_of_an_unknown_customer_is_kept_unmatched(client, tenant: Tenant):
    r = await client.post(
        "/api/v1/orders", json=order_body(customer={"phone": "13911112222"}), headers=tenant.headers
    )
    assert r.status_code == 201 and r.json()["member_id"] is None


async def test_partial_and_full_refunds(client, tenant: Tenant, member, engine):
    o = (await client.post("/api/v1/orders", json=order_body(), headers=tenant.headers)).json()
    url = f"/api/v1/orders/{o['id']}/refunds"
    r = await client.post(url, json={"external_id": "R1", "amount_cents": 9900}, headers=tenant.headers)
    assert r.status_code == 201, r.text
    assert (r.json()["status"], r.json()["refunded_cents"]) == ("partially_refunded", 9900)
    replay = await client.post(url, json={"external_id": "R1", "amount_cents": 9900}, headers=tenant.headers)
    assert replay.status_code == 200 and replay.json()["refunded_cents"] == 9900
    conflict = await client.post(url, json={"external_id": "R1", "amount_cents": 100}, headers=tenant.headers)
    assert conflict.json()["error"]["code"] == "refund_conflict"
    too_much = await client.post(
        url, json={"external_id": "R2", "amount_cents": 40000}, headers=tenant.headers
    )
    assert too_much.status_code == 409 and too_much.json()["error"]["code"] == "refund_exceeds_order"
    assert too_much.json()["error"]["details"]["refundable_cents"] == 39800
    zero = await client.post(url, json={"external_id": "R3", "amount_cents": 0}, headers=tenant.headers)
    assert zero.json()["error"]["code"] == "invalid_amount"
    assert await rows(engine) == (1, 2, 1)
    full = await client.post(url, json={"external_id": "R4", "amount_cents": 39800}, headers=tenant.headers)
    assert (full.json()["status"], full.json()["refunded_cents"]) == ("refunded", 49700)
    m = (await client.get(f"/api/v1/members/{member['id']}", headers=tenant.headers)).json()
    assert (m["total_spent_cents"], m["order_count"]) == (0, 0)


async def test_analysts_read_but_do_not_write_orders(client, tenant: Tenant, engine):
    analyst = await add_key(engine, tenant, "analyst")
    r = await client.post("/api/v1/orders", json=order_body(), headers=analyst)
    assert r.status_code == 403
    assert (await client.get("/api/v1/orders", headers=analyst)).status_code == 200


async def test_orders_are_isolated(client, tenant: Tenant, other_tenant: Tenant, member):
    o = (await client.post("/api/v1/orders", json=order_body(), headers=tenant.headers)).json()
    h = other_tenant.headers
    assert (await client.get(f"/api/v1/orders/{o['id']}", headers=h)).status_code == 404
    r = await client.post(
        f"/api/v1/orders/{o['id']}/refunds", json={"external_id": "R", "amount_cents": 1}, headers=h
    )
    assert r.status_code == 404
    # The same shop order id is another brand's own business.
    r = await client.post("/api/v1/orders", json=order_body(member_id=member["id"]), headers=h)
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_member"
    assert (await client.post("/api/v1/orders", json=order_body(), headers=h)).status_code == 201


async def test_signed_webhook(client, tenant: Tenant, member, engine):
    secret = (await client.post("/api/v1/webhooks/shop/secret", headers=tenant.headers)).json()["secret"]
    url = f"/api/v1/webhooks/shop/{tenant.slug}"
    body = json.dumps({"type": "order.paid", "order": order_body("W1")}).encode()

    def headers(payload: bytes, key: str = secret, at: int | None = None) -> dict[str, str]:
        return {
            "X-Yutang-Signature": sign(key, payload, at or int(time.time())),
            "Content-Type": "application/json",
        }

    r = await client.post(url, content=body, headers=headers(body))
    assert r.status_code == 201, r.text
    assert (await client.post(url, content=body, headers=headers(body))).status_code == 200  # replay
    for bad in (
        headers(body, "whsec_wrong"),
        headers(body, at=int(time.time()) - 3600),
        {"X-Yutang-Signature": "junk"},
    ):
        r = await client.post(url, content=body, headers=bad)
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_signature"
    other = await client.post("/api/v1/webhooks/shop/nope", content=body, headers=headers(body))
    assert other.status_code == 401
    refund = json.dumps(
        {
            "type": "order.refunded",
            "order_external_id": "W1",
            "refund": {"external_id": "WR1", "amount_cents": 100},
        }
    ).encode()
    assert (await client.post(url, content=refund, headers=headers(refund))).status_code == 201
    bad_amount = json.dumps({"type": "order.paid", "order": order_body("W2", total_cents=0)}).encode()
    r = await client.post(url, content=bad_amount, headers=headers(bad_amount))
    assert r.json()["error"]["code"] == "invalid_amount"
    assert await rows(engine) == (1, 2, 1)
