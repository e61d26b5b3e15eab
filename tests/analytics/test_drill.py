"""Drill-down through the API: a report's figure answers the members behind it, a page at
a time, and becomes a `list` segment in one call — with the members of this workspace
only, refused to those who may not write members, and a list segment never re-frozen
from a filter it does not have."""

from __future__ import annotations

from typing import Any

from tests.factories import member, order, refund


async def _pond(engine: Any, app: Any, tenant: Any, other_tenant: Any) -> list[int]:
    """Five members, three of them buyers (one twice), another workspace's buyer; synced."""
    from yutang.analytics import sync

    path = app.app.state.settings.resolved_analytics_path()
    path.unlink(missing_ok=True)
    ids = [await member(engine, tenant, phone=f"1380013{i:04d}") for i in range(5)]
    paid = await order(engine, tenant, ids[0], 10_000)
    await order(engine, tenant, ids[0], 5_000)
    await order(engine, tenant, ids[2], 2_000)
    await order(engine, tenant, ids[4], 3_000)
    await refund(engine, tenant, paid, 1_000)
    stranger = await member(engine, other_tenant, phone="13900000000")
    await order(engine, other_tenant, stranger, 99_999)
    await sync.sync(engine, path)
    return ids


async def test_a_revenue_figure_drills_down_to_its_members_and_becomes_a_list_segment(
    client: Any, app: Any, engine: Any, tenant: Any, other_tenant: Any
) -> None:
    ids = await _pond(engine, app, tenant, other_tenant)
    h = tenant.headers
    report = (await client.get("/api/v1/reports/revenue?period=month", headers=h)).json()
    row = next(r for r in report["rows"] if r["buyers"])
    assert row["buyers"] == 3
    base = f"/api/v1/reports/revenue/members?period=month&at={row['period']}"

    buyers = await client.get(f"{base}&figure=buyers", headers=h)
    assert buyers.status_code == 200, buyers.text
    body = buyers.json()
    assert body["count"] == 3 and [m["id"] for m in body["data"]] == [ids[0], ids[2], ids[4]]
    assert body["next_cursor"] is None

    first = (await client.get(f"{base}&figure=buyers&limit=2", headers=h)).json()
    assert [m["id"] for m in first["data"]] == [ids[0], ids[2]] and first["next_cursor"]
    rest = (await client.get(f"{base}&figure=buyers&limit=2&cursor={first['next_cursor']}", headers=h)).json()
    assert [m["id"] for m in rest["data"]] == [ids[4]] and rest["next_cursor"] is None

    repeat = (await client.get(f"{base}&figure=repeat_buyers", headers=h)).json()
    assert repeat["count"] == 1 and [m["id"] for m in repeat["data"]] == [ids[0]]
    active = (await client.get(f"{base}&figure=active_members", headers=h)).json()
    assert active["count"] == 5

    odd = await client.get(f"{base}&figure=buyers&planet=mars", headers=h)
    assert odd.status_code == 422
    bad = await client.get(f"{base}&figure=everyone", headers=h)
    assert bad.status_code == 422

    saving = base.replace("/members?", "/members/segment?")
    saved = await client.post(f"{saving}&figure=buyers&limit=1", json={"name": "本月买家"}, headers=h)
    assert saved.status_code == 201, saved.text
    segment = saved.json()
    assert segment["kind"] == "list" and segment["count"] == 3 and segment["filter"] == {}
    listed = (await client.get(f"/api/v1/segments/{segment['id']}/members", headers=h)).json()
    assert sorted(m["id"] for m in listed["data"]) == [ids[0], ids[2], ids[4]]

    again = await client.post(f"{saving}&figure=buyers", json={"name": "本月买家"}, headers=h)
    assert again.status_code == 409 and again.json()["error"]["code"] == "segment_taken"
    frozen = await client.post(f"/api/v1/segments/{segment['id']}/freeze", headers=h)
    assert frozen.status_code == 400 and frozen.json()["error"]["code"] == "segment_is_list"
    refiltered = await client.patch(
        f"/api/v1/segments/{segment['id']}",
        json={"filter": {"field": "status", "op": "eq", "value": "active"}},
        headers=h,
    )
    assert refiltered.status_code == 400 and refiltered.json()["error"]["code"] == "segment_is_list"
    still = (await client.get(f"/api/v1/segments/{segment['id']}", headers=h)).json()
    assert still["count"] == 3 and still["filter"] == {}

    # The other workspace sees its own buyer only, and none of these members.
    theirs = (await client.get(f"{base}&figure=buyers", headers=other_tenant.headers)).json()
    assert theirs["count"] == 1 and not {m["id"] for m in theirs["data"]} & set(ids)


async def test_cohort_and_lifecycle_cells_drill_down_too(
    client: Any, app: Any, engine: Any, tenant: Any, other_tenant: Any
) -> None:
    ids = await _pond(engine, app, tenant, other_tenant)
    h = tenant.headers
    report = (await client.get("/api/v1/reports/retention?unit=week", headers=h)).json()
    cohort = report["cohorts"][-1]
    assert cohort["size"] == 5
    cell = await client.get(
        f"/api/v1/reports/retention/members?unit=week&cohort={cohort['start']}&n=0", headers=h
    )
    assert cell.status_code == 200, cell.text
    assert cell.json()["count"] == 5 and {m["id"] for m in cell.json()["data"]} == set(ids)
    later = (
        await client.get(
            f"/api/v1/reports/retention/members?unit=week&cohort={cohort['start']}&n=1", headers=h
        )
    ).json()
    assert later["count"] == 0 and later["data"] == []

    stages = (await client.get("/api/v1/reports/lifecycle?unit=week", headers=h)).json()
    now = stages["rows"][-1]
    assert now["new"] == 5
    new = (
        await client.get(
            f"/api/v1/reports/lifecycle/members?unit=week&at={now['period']}&kind=new", headers=h
        )
    ).json()
    assert new["count"] == 5 and {m["id"] for m in new["data"]} == set(ids)
    odd = await client.get(
        f"/api/v1/reports/lifecycle/members?unit=week&at={now['period']}&kind=sleepy", headers=h
    )
    assert odd.status_code == 422


async def test_an_analyst_reads_the_members_behind_a_figure_but_cannot_save_them(
    client: Any, app: Any, engine: Any, tenant: Any, other_tenant: Any
) -> None:
    from tests.conftest import add_key

    await _pond(engine, app, tenant, other_tenant)
    analyst = await add_key(engine, tenant, "analyst")
    report = (await client.get("/api/v1/reports/revenue?period=month", headers=analyst)).json()
    at = next(r for r in report["rows"] if r["buyers"])["period"]
    base = f"/api/v1/reports/revenue/members?period=month&at={at}&figure=buyers"
    seen = await client.get(base, headers=analyst)
    assert seen.status_code == 200 and seen.json()["count"] == 3
    assert all(m["phone"] is None or "*" in m["phone"] for m in seen.json()["data"])  # PII masked
    saving = base.replace("/members?", "/members/segment?")
    refused = await client.post(saving, json={"name": "x"}, headers=analyst)
    assert refused.status_code == 403
    assert (await client.get("/api/v1/segments", headers=tenant.headers)).json()["data"] == []
