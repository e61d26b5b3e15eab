"""Segments: the filter language compiled to SQL, previews, static snapshots, bad filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from yutang.kit.db import unit_of_work
from yutang.models.members import Member

NOW = datetime.now(UTC)


@pytest.fixture
async def pond(client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine) -> dict[str, int]:
    """Five members with known figures; returns their ids by name."""
    people: dict[str, dict[str, Any]] = {
        "ann": {"tags": ["life/parent", "hobby/tea"], "attributes": {"skin": "dry", "followers": 12000}},
        "bob": {"tags": ["hobby/tea"], "attributes": {"skin": "oily", "followers": 300}},
        "cat": {"tags": ["life/student"], "attributes": {"skin": "dry"}, "birthday": "2001-03-09"},
        "dan": {"attributes": {"vip": True}},
        "eve": {},
    }
    ids = {}
    for name, extra in people.items():
        r = await client.post("/api/v1/members", json={"customer_id": name, **extra}, headers=tenant.headers)
        assert r.status_code == 201, r.text
        ids[name] = r.json()["id"]
    figures = {
        "ann": (5000, 1_200_000, 3, NOW - timedelta(days=3)),
        "bob": (800, 90_000, 1, NOW - timedelta(days=40)),
        "cat": (0, 0, 0, None),
        "dan": (12000, 5_000_000, 9, NOW - timedelta(days=400)),
        "eve": (100, 1000, 1, NOW - timedelta(days=10)),
    }
    async with unit_of_work(engine=engine) as s:
        for name, (pts, spent, orders, last) in figures.items():
            await s.execute(
                update(Member)
                .where(Member.id == ids[name])
                .values(points_balance=pts, total_spent_cents=spent, order_count=orders, last_order_at=last)
            )
    return ids


async def matches(
    client: httpx.AsyncClient, tenant: Tenant, pond: dict[str, int], flt: dict[str, Any]
) -> set[str]:
    r = await client.post("/api/v1/segments/preview", json={"filter": flt}, headers=tenant.headers)
    assert r.status_code == 200, r.text
    by_id = {v: k for k, v in pond.items()}
    names = {by_id[i] for i in r.json()["sample_ids"]}
    assert r.json()["count"] == len(names)
    return names


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({"field": "tag", "op": "has", "value": "hobby/tea"}, {"ann", "bob"}),
        ({"field": "tag", "op": "not_has", "value": "hobby/tea"}, {"cat", "dan", "eve"}),
        ({"field": "attribute.skin", "op": "eq", "value": "dry"}, {"ann", "cat"}),
        ({"field": "attribute.skin", "op": "ne", "value": "dry"}, {"bob", "dan", "eve"}),
        ({"field": "attribute.skin", "op": "in", "value": ["oily", "dry"]}, {"ann", "bob", "cat"}),
        ({"field": "attribute.followers", "op": "gte", "value": 10000}, {"ann"}),
        ({"field": "attribute.vip", "op": "eq", "value": True}, {"dan"}),
        ({"field": "attribute.followers", "op": "exists", "value": True}, {"ann", "bob"}),
        ({"field": "points_balance", "op": "between", "value": [100, 5000]}, {"ann", "bob", "eve"}),
        ({"field": "total_spent_cents", "op": "gt", "value": 1_000_000}, {"ann", "dan"}),
        ({"field": "order_count", "op": "eq", "value": 0}, {"cat"}),
        ({"field": "last_order_at", "op": "within_days", "value": 30}, {"ann", "eve"}),
        ({"field": "last_order_at", "op": "not_within_days", "value": 30}, {"bob", "cat", "dan"}),
        (
            {
                "field": "last_order_at",
                "op": "before",
                "value": (NOW - timedelta(days=100)).date().isoformat(),
            },
            {"dan"},
        ),
        ({"field": "birthday_month", "op": "eq", "value": 3}, {"cat"}),
        ({"field": "tier", "op": "eq", "value": None}, {"ann", "bob", "cat", "dan", "eve"}),
        ({"field": "status", "op": "in", "value": ["blocked"]}, set()),
        (
            {
                "and": [
                    {"field": "tag", "op": "has", "value": "hobby/tea"},
                    {"not": {"field": "points_balance", "op": "lt", "value": 1000}},
                ]
            },
            {"ann"},
        ),
        (
            {
                "or": [
                    {"field": "attribute.vip", "op": "eq", "value": True},
                    {
                        "and": [
                            {"field": "order_count", "op": "gte", "value": 1},
                            {"field": "last_order_at", "op": "within_days", "value": 14},
                        ]
                    },
                ]
            },
            {"ann", "dan", "eve"},
        ),
    ],
)
async def test_filters(client, tenant: Tenant, pond, flt, expected):
    assert await matches(client, tenant, pond, flt) == expected


@pytest.mark.parametrize(
    ("flt", "code"),
    [
        ({"field": "nope", "op": "eq", "value": 1}, "invalid_filter"),
        ({"field": "points_balance", "op": "has", "value": 1}, "invalid_filter"),
        ({"field": "points_balance", "op": "gt", "value": "1"}, "invalid_filter"),
        ({"and": []}, "invalid_filter"),
        ({"and": [{"field": "order_count", "op": "eq", "value": 1}], "or": []}, "invalid_filter"),
        ({"field": "last_order_at", "op": "before", "value": "soon"}, "invalid_filter"),
        ({"field": "tag", "op": "has", "value": "no/such"}, "unknown_tag"),
        (
            {
                "not": {
                    "not": {
                        "not": {
                            "not": {
                                "not": {
                                    "not": {
                                        "not": {
                                            "not": {"not": {"field": "order_count", "op": "eq", "value": 1}}
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            },
            "invalid_filter",
        ),
    ],
)
async def test_bad_filters(client, tenant: Tenant, pond, flt, code):
    r = await client.post("/api/v1/segments/preview", json={"filter": flt}, headers=tenant.headers)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == code
    assert "at" in r.json()["error"]["details"]


async def test_dynamic_and_static_segments(client, tenant: Tenant, pond, engine: AsyncEngine):
    tea = {"field": "tag", "op": "has", "value": "hobby/tea"}
    dyn = (
        await client.post(
            "/api/v1/segments", json={"name": "tea lovers", "filter": tea}, headers=tenant.headers
        )
    ).json()
    frozen = (
        await client.post(
            "/api/v1/segments",
            json={"name": "tea, frozen", "filter": tea, "static": True},
            headers=tenant.headers,
        )
    ).json()
    assert (dyn["kind"], dyn["count"], frozen["kind"], frozen["count"]) == ("dynamic", 2, "static", 2)
    await client.post(
        f"/api/v1/members/{pond['eve']}/tags", json={"add": ["hobby/tea"]}, headers=tenant.headers
    )
    assert (await client.get(f"/api/v1/segments/{dyn['id']}", headers=tenant.headers)).json()["count"] == 3
    assert (await client.get(f"/api/v1/segments/{frozen['id']}", headers=tenant.headers)).json()["count"] == 2
    page = (
        await client.get(f"/api/v1/segments/{dyn['id']}/members", params={"limit": 2}, headers=tenant.headers)
    ).json()
    assert len(page["data"]) == 2 and page["next_cursor"]
    refrozen = (await client.post(f"/api/v1/segments/{frozen['id']}/freeze", headers=tenant.headers)).json()
    assert refrozen["count"] == 3
    dup = await client.post(
        "/api/v1/segments", json={"name": "tea lovers", "filter": tea}, headers=tenant.headers
    )
    assert dup.json()["error"]["code"] == "segment_taken"


async def test_segments_do_not_cross_workspaces(client, tenant: Tenant, other_tenant: Tenant, pond):
    r = await client.post(
        "/api/v1/segments/preview",
        json={"filter": {"field": "order_count", "op": "gte", "value": 0}},
        headers=other_tenant.headers,
    )
    assert r.json() == {"count": 0, "sample_ids": []}
    seg = (
        await client.post(
            "/api/v1/segments",
            json={"name": "all", "filter": {"field": "order_count", "op": "gte", "value": 0}},
            headers=tenant.headers,
        )
    ).json()
    assert (
        await client.get(f"/api/v1/segments/{seg['id']}", headers=other_tenant.headers)
    ).status_code == 404


async def test_a_segment_is_renamed_refiltered_and_deleted_unless_in_use(client, tenant, other_tenant):
    h = tenant.headers
    points = {"field": "points_balance", "op": "gte", "value": 100}
    a = (await client.post("/api/v1/segments", json={"name": "甲", "filter": points}, headers=h)).json()
    b = (await client.post("/api/v1/segments", json={"name": "乙", "filter": points}, headers=h)).json()
    r = await client.patch(f"/api/v1/segments/{a['id']}", json={"name": "甲二"}, headers=h)
    assert r.status_code == 200 and r.json()["name"] == "甲二"
    taken = await client.patch(f"/api/v1/segments/{a['id']}", json={"name": "乙"}, headers=h)
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "segment_taken"
    bad = await client.patch(f"/api/v1/segments/{a['id']}", json={"filter": {"field": "nope"}}, headers=h)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_filter"
    tier = {"field": "tier", "op": "eq", "value": None}
    assert (await client.patch(f"/api/v1/segments/{a['id']}", json={"filter": tier}, headers=h)).json()[
        "filter"
    ] == tier
    # An earn rule needs segment b: it cannot go; segment a can.
    rule = await client.post(
        "/api/v1/earn-rules",
        json={"name": "分组奖励", "trigger": "signup", "points": 5, "conditions": {"segment_id": b["id"]}},
        headers=h,
    )
    assert rule.status_code == 201, rule.text
    in_use = await client.delete(f"/api/v1/segments/{b['id']}", headers=h)
    assert in_use.status_code == 409 and in_use.json()["error"]["details"]["uses"] == [
        {"kind": "earn_rule", "id": rule.json()["id"]}
    ]
    assert (
        await client.delete(f"/api/v1/segments/{a['id']}", headers=other_tenant.headers)
    ).status_code == 404
    assert (await client.delete(f"/api/v1/segments/{a['id']}", headers=h)).status_code == 204
    assert (await client.get(f"/api/v1/segments/{a['id']}", headers=h)).status_code == 404
    assert (await client.get(f"/api/v1/segments/{b['id']}", headers=h)).status_code == 200
