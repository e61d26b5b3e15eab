"""Exposures and spend entered per channel (or link) and period: validated, bounded,
never overlapping, audited, the workspace's own."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, add_key
from yutang.kit.db import unit_of_work
from yutang.models.platform import AuditEntry


async def _channel(client: Any, tenant: Tenant, name: str = "包裹卡") -> int:
    r = await client.post(
        "/api/v1/channels", json={"name": name, "type": "package_card"}, headers=tenant.headers
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def _link(client: Any, tenant: Tenant, channel_id: int, slug: str) -> int:
    body = {"url": "https://shop.example/p/1", "slug": slug, "channel_id": channel_id}
    r = await client.post("/api/v1/links", json=body, headers=tenant.headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def test_entering_correcting_and_removing_a_channels_costs(
    client: Any, engine: AsyncEngine, tenant: Tenant
) -> None:
    ch = await _channel(client, tenant)
    costs = f"/api/v1/channels/{ch}/costs"
    month = {"month": "2026-11", "exposures": 50_000, "spend_cents": 1_500_000, "note": " 5 万张 "}
    r = await client.post(costs, json=month, headers=tenant.headers)
    assert r.status_code == 201, r.text
    made = r.json()
    assert (made["starts_on"], made["ends_on"], made["days"], made["note"]) == (
        "2026-11-01",
        "2026-11-30",
        30,
        "5 万张",
    )
    # the same days again: refused, naming the entry that holds them
    again = {"starts_on": "2026-11-30", "ends_on": "2026-12-05", "exposures": 10}
    r = await client.post(costs, json=again, headers=tenant.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "cost_period_overlaps"
    assert r.json()["error"]["details"]["cost_id"] == made["id"]
    # the next days are free; so are a link's own days, beside the channel's
    r = await client.post(costs, json={**again, "starts_on": "2026-12-01"}, headers=tenant.headers)
    assert r.status_code == 201, r.text
    link = await _link(client, tenant, ch, "card-a")
    r = await client.post(costs, json={**month, "link_id": link}, headers=tenant.headers)
    assert r.status_code == 201 and r.json()["link_id"] == link
    listed = (await client.get(costs, headers=tenant.headers)).json()["data"]
    assert [(c["starts_on"], c["link_id"]) for c in listed] == [
        ("2026-12-01", None),
        ("2026-11-01", link),
        ("2026-11-01", None),
    ]
    # corrected: spend unknown now, still exposures; moving onto other days is checked too
    r = await client.patch(f"{costs}/{made['id']}", json={"spend_cents": None}, headers=tenant.headers)
    assert r.status_code == 200 and r.json()["spend_cents"] is None and r.json()["exposures"] == 50_000
    r = await client.patch(f"{costs}/{made['id']}", json={"exposures": None}, headers=tenant.headers)
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"
    r = await client.patch(f"{costs}/{made['id']}", json={"ends_on": "2026-12-02"}, headers=tenant.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "cost_period_overlaps"
    r = await client.delete(f"{costs}/{made['id']}", headers=tenant.headers)
    assert r.status_code == 204
    assert (await client.delete(f"{costs}/{made['id']}", headers=tenant.headers)).status_code == 404
    assert len((await client.get(costs, headers=tenant.headers)).json()["data"]) == 2
    async with unit_of_work(readonly=True, engine=engine) as s:
        actions = (
            await s.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "channel"))
        ).all()
    assert actions.count("channel_cost.added") == 3 and "channel_cost.updated" in actions
    assert "channel_cost.deleted" in actions


async def test_what_an_entry_may_say(
    client: Any, engine: AsyncEngine, tenant: Tenant, other_tenant: Tenant
) -> None:
    ch = await _channel(client, tenant)
    other = await _channel(client, tenant, "门店")
    foreign = await _link(client, tenant, other, "store-a")
    costs = f"/api/v1/channels/{ch}/costs"
    days = {"starts_on": "2026-11-01", "ends_on": "2026-11-07"}
    refused = [
        ({**days, "ends_on": "2026-10-31", "exposures": 1}, 400, "invalid_range"),
        ({"starts_on": "2026-01-01", "ends_on": "2027-01-02", "exposures": 1}, 400, "invalid_range"),
        ({**days, "link_id": foreign, "exposures": 1}, 422, "validation_error"),  # another channel's link
        ({**days}, 422, "validation_error"),  # neither exposures nor spend
        ({**days, "month": "2026-11", "exposures": 1}, 422, "validation_error"),
        ({"month": "2026-13", "exposures": 1}, 422, "validation_error"),
        ({**days, "exposures": "100"}, 422, "validation_error"),
        ({**days, "exposures": -1}, 422, "validation_error"),
        ({**days, "exposures": 10**9 + 1}, 422, "validation_error"),
        ({**days, "spend_cents": 10**12 + 1}, 422, "validation_error"),
        ({**days, "exposures": 1, "channel_id": other}, 422, "validation_error"),  # unknown field
        ({**days, "exposures": 1, "note": "x" * 201}, 422, "validation_error"),
    ]
    for body, status, code in refused:
        r = await client.post(costs, json=body, headers=tenant.headers)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), body
    ok = await client.post(costs, json={"month": "2024-02", "spend_cents": 0}, headers=tenant.headers)
    assert ok.status_code == 201 and ok.json()["days"] == 29
    # another workspace sees no such channel; an analyst may read but not write
    r = await client.get(costs, headers=other_tenant.headers)
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_channel"
    r = await client.post(costs, json={**days, "exposures": 1}, headers=other_tenant.headers)
    assert r.status_code == 404
    analyst = await add_key(engine, tenant, "analyst")
    assert (await client.get(costs, headers=analyst)).status_code == 200
    assert (await client.post(costs, json={**days, "exposures": 1}, headers=analyst)).status_code == 403
