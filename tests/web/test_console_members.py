"""会员 Members in the console, with many members in two workspaces: every filter selects
exactly the members a plain reading of the rows selects, the filters save as a segment
that holds the same members, store staff see only the members they own, and a member's
actions land through the services (and nothing of a refused one)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, run_events
from tests.factories import in_tx, member, order
from tests.web import browser
from yutang.kit.context import Ctx
from yutang.kit.db import unit_of_work
from yutang.loyalty import tiers
from yutang.models.links import Channel
from yutang.models.loyalty import PointsEntry
from yutang.models.members import Member, Segment
from yutang.models.workspaces import User
from yutang.web.i18n.errors import ERROR_WORDS


async def _sign_in(
    client: httpx.AsyncClient, engine: AsyncEngine, tenant: Tenant, role: str, email: str
) -> int:
    user_id = await browser.make_user(engine, tenant.id, email, role)
    client.cookies.clear()
    assert (await browser.login(client, email)).status_code == 303
    return user_id


def _listed(html: str) -> list[int]:
    """The member numbers of the list's table, in order."""
    return [int(n) for n in re.findall(r'<td><a href="/console/members/(\d+)">\1</a></td>', html)]


async def _all_pages(client: httpx.AsyncClient, query: str) -> tuple[list[int], int]:
    ids: list[int] = []
    page = await client.get(f"/console/members?{query}")
    counted = re.search(r"<b>([\d,]+)</b>", page.text.split('class="toolbar"')[-1])  # the list's
    assert counted, "no count of the members matching"
    total = int(counted.group(1).replace(",", ""))
    while True:
        assert page.status_code == 200
        ids += _listed(page.text)
        nxt = re.search(r'href="\?cursor=([^"&]+)', page.text)
        if not nxt:
            return ids, total
        page = await client.get(f"/console/members?cursor={nxt.group(1)}&{query}")


async def _pond(engine: AsyncEngine, tenant: Tenant, other: Tenant, staff_id: int) -> list[Member]:
    """70 members with spread tiers, spend, points, channels, joined days and owners, and
    members of another workspace that no filter may ever show."""
    async with unit_of_work(engine=engine) as s:
        ch = Channel(workspace_id=tenant.id, name="门店", type="store")
        s.add(ch)
        await s.flush()
        channel_id = ch.id
    gold = await in_tx(engine, tenant, lambda ctx: tiers.create_tier(ctx, "金卡", 1, 100_000, {}))
    ids = [await member(engine, tenant, phone=f"1380013{i:04d}") for i in range(70)]
    for i in range(3):
        await member(engine, other, phone=f"1390013{i:04d}")
    async with unit_of_work(engine=engine) as s:
        for i, mid in enumerate(ids):
            await s.execute(
                update(Member)
                .where(Member.id == mid)
                .values(
                    tier_id=gold.id if i % 3 == 0 else None,
                    total_spent_cents=i * 10_000,
                    points_balance=i * 10,
                    source_channel_id=channel_id if i % 4 == 0 else None,
                    owner_user_id=staff_id if i % 5 == 0 else None,
                    status="blocked" if i == 7 else "active",
                    joined_at=datetime(2026, 11, 1 + i % 28, 12, tzinfo=UTC),
                )
            )
    async with unit_of_work(readonly=True, engine=engine) as s:
        return list((await s.scalars(select(Member).where(Member.workspace_id == tenant.id))).all())


async def test_every_filter_selects_what_the_rows_say_and_saves_as_that_segment(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    staff_id = await browser.make_user(engine, tenant.id, "staff@acme.example", "staff")
    pond = await _pond(engine, tenant, other_tenant, staff_id)
    await _sign_in(client, engine, tenant, "operator", "op@acme.example")
    gold = next(m.tier_id for m in pond if m.tier_id)
    channel = next(m.source_channel_id for m in pond if m.source_channel_id)
    cases: dict[str, Any] = {
        f"tier={gold}": lambda m: m.tier_id == gold,
        "tier=none": lambda m: m.tier_id is None,
        f"channel={channel}": lambda m: m.source_channel_id == channel,
        f"owner={staff_id}": lambda m: m.owner_user_id == staff_id,
        "owner=none": lambda m: m.owner_user_id is None,
        "status=blocked": lambda m: m.status == "blocked",
        "points_min=200&points_max=400": lambda m: 200 <= m.points_balance <= 400,
        "spend_min=1,000&spend_max=2000.5": lambda m: 100_000 <= m.total_spent_cents <= 200_050,
        # Days of the workspace's calendar (UTC here): the 3rd to the 5th, both included.
        "joined_from=2026-11-03&joined_to=2026-11-05": lambda m: 3 <= m.joined_at.day <= 5,
        f"tier={gold}&points_min=300": lambda m: m.tier_id == gold and m.points_balance >= 300,
        "": lambda m: True,
    }
    for query, expected in cases.items():
        want = sorted((m.id for m in pond if expected(m)), reverse=True)
        got, total = await _all_pages(client, query)
        assert got == want and total == len(want), query
    # Saved as a segment in one click: the segment holds the same members.
    r = await browser.post(
        client,
        "/console/members/save-segment",
        {"name": "金卡高积分", "tier": str(gold), "points_min": "300"},
        page=f"/console/members?tier={gold}&points_min=300",
    )
    assert r.status_code == 303
    segment_id = int(r.headers["location"].split("/")[3].split("?")[0])
    api = await client.get(f"/api/v1/segments/{segment_id}/members?limit=200", headers=tenant.headers)
    want = sorted((m.id for m in pond if m.tier_id == gold and m.points_balance >= 300), reverse=True)
    assert [row["id"] for row in api.json()["data"]] == want
    listed, total = await _all_pages(client, f"segment={segment_id}")
    assert listed == want and total == len(want)
    page = await client.get(f"/console/segments/{segment_id}")
    assert page.status_code == 200 and "金卡高积分" in page.text and "动态" in page.text
    frozen = await browser.post(
        client, f"/console/segments/{segment_id}/freeze", page=f"/console/segments/{segment_id}"
    )
    assert frozen.status_code == 303
    async with unit_of_work(readonly=True, engine=engine) as s:
        seg = await s.get(Segment, segment_id)
        assert seg is not None and seg.kind == "static" and seg.frozen_count == len(want)
        assert json.dumps(seg.filter)  # the filter is kept beside the frozen list


async def test_store_staff_see_only_the_members_they_own(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    staff_id = await browser.make_user(engine, tenant.id, "staff@acme.example", "staff")
    other_staff = await browser.make_user(engine, tenant.id, "staff2@acme.example", "staff")
    pond = await _pond(engine, tenant, other_tenant, staff_id)
    mine = sorted((m.id for m in pond if m.owner_user_id == staff_id), reverse=True)
    await _sign_in(client, engine, tenant, "staff", "staff@acme.example")
    assert (await _all_pages(client, ""))[0] == mine
    assert (await _all_pages(client, "owner=none"))[0] == []
    theirs = next(m.id for m in pond if m.owner_user_id != staff_id)
    assert (await client.get(f"/console/members/{theirs}")).status_code == 404
    assert (await client.get(f"/console/members/{mine[0]}")).status_code == 200
    by_phone = await client.get("/console/members?phone=13800130001")  # member 1: not theirs
    assert _listed(by_phone.text) == []
    await _sign_in(client, engine, tenant, "staff", "staff2@acme.example")
    assert other_staff and (await _all_pages(client, ""))[0] == []
    # Operators see every member of the workspace (and none of another).
    await _sign_in(client, engine, tenant, "operator", "op@acme.example")
    assert len((await _all_pages(client, ""))[0]) == len(pond)


async def _tier_of(engine: AsyncEngine, member_id: int) -> int | None:
    async with unit_of_work(readonly=True, engine=engine) as s:
        found = await s.get(Member, member_id)
        assert found is not None
        return found.tier_id


async def test_a_members_actions_land_through_the_services(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    mid = await member(engine, tenant, phone="13800138000")
    other = await member(engine, tenant, phone="13800138001")
    await order(engine, tenant, mid, 50_000)
    gold = await in_tx(engine, tenant, lambda ctx: tiers.create_tier(ctx, "金卡", 1, 10_000_000, {}))
    template = await client.post(
        "/api/v1/coupon-templates",
        json={
            "name": "满100减10",
            "kind": "amount_off",
            "value": 1000,
            "min_spend_cents": 10000,
            "valid_days": 30,
        },
        headers=tenant.headers,
    )
    assert template.status_code == 201, template.text
    owner_id = await _sign_in(client, engine, tenant, "owner", "owner@acme.example")
    page = f"/console/members/{mid}"
    before = (await client.get(f"/api/v1/members/{mid}", headers=tenant.headers)).json()

    r = await browser.post(client, f"{page}/tags", {"add": "兴趣/咖啡，渠道/门店"}, page=page)
    assert r.status_code == 303
    r = await browser.post(client, f"{page}/points", {"delta": "1,500", "reason": "客服补偿"}, page=page)
    assert r.status_code == 303
    r = await browser.post(client, f"{page}/coupon", {"template_id": str(template.json()["id"])}, page=page)
    assert r.status_code == 303
    r = await browser.post(client, f"{page}/tier", {"tier_id": str(gold.id), "reason": "店长申请"}, page=page)
    assert r.status_code == 303
    r = await browser.post(client, f"{page}/owner", {"owner_user_id": str(owner_id)}, page=page)
    assert r.status_code == 303
    after = (await client.get(f"/api/v1/members/{mid}", headers=tenant.headers)).json()
    assert sorted(f"{tag['group']}/{tag['name']}" for tag in after["tags"]) == ["兴趣/咖啡", "渠道/门店"]
    assert after["points_balance"] == before["points_balance"] + 1500
    assert after["owner_user_id"] == owner_id
    assert await _tier_of(engine, mid) == gold.id
    coupons = (await client.get(f"/api/v1/members/{mid}/coupons", headers=tenant.headers)).json()["data"]
    assert len(coupons) == 1 and coupons[0]["status"] == "issued"
    shown = await client.get(page)
    assert "客服补偿" in shown.text and "手动调整" in shown.text and "兴趣/咖啡" in shown.text

    # Refused actions keep nothing and say why beside the field.
    too_much = await browser.post(client, f"{page}/points", {"delta": "-999999", "reason": "x"}, page=page)
    assert too_much.status_code in (409, 422) and 'role="alert"' in too_much.text
    no_reason = await browser.post(client, f"{page}/tier", {"tier_id": "", "reason": ""}, page=page)
    assert no_reason.status_code == 422 and 'id="e-tier-reason"' in no_reason.text
    async with unit_of_work(readonly=True, engine=engine) as s:
        entries = (await s.scalars(select(PointsEntry.amount).where(PointsEntry.member_id == mid))).all()
    assert -999999 not in entries
    assert await _tier_of(engine, mid) == gold.id

    # Block, then erase only after typing the member's number; the other member untouched.
    r = await browser.post(client, f"{page}/status", {"status": "blocked"}, page=page)
    assert r.status_code == 303
    assert (await client.get(f"/api/v1/members/{mid}", headers=tenant.headers)).json()["status"] == "blocked"
    export = await client.get(f"{page}/export")
    assert export.status_code == 200 and "13800138000" in export.text
    assert export.headers["content-disposition"] == f'attachment; filename="member-{mid}.json"'
    wrong = await browser.post(client, f"{page}/erase", {"confirm": str(other)}, page=page)
    assert wrong.status_code == 422
    assert (await client.get(f"/api/v1/members/{mid}", headers=tenant.headers)).json()["status"] == "blocked"
    erased = await browser.post(client, f"{page}/erase", {"confirm": str(mid)}, page=page)
    assert erased.status_code == 303
    assert (await client.get(f"/api/v1/members/{mid}", headers=tenant.headers)).json()["status"] == "erased"
    assert (await client.get(f"/api/v1/members/{other}", headers=tenant.headers)).json()["status"] == "active"
    await run_events(engine)


async def test_members_actions_follow_the_roles(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    mid = await member(engine, tenant, phone="13800138000")
    page = f"/console/members/{mid}"
    for role, allowed in (
        ("analyst", set()),
        ("staff", set()),
        ("operator", {"tags", "points", "tier", "owner", "status"}),
        ("admin", {"tags", "points", "tier", "owner", "status", "erase"}),
    ):
        await _sign_in(client, engine, tenant, role, f"{role}@acme.example")
        if role == "staff":
            async with unit_of_work(engine=engine) as s:
                user = (await s.scalars(select(User).where(User.email == "staff@acme.example"))).one()
                await s.execute(update(Member).where(Member.id == mid).values(owner_user_id=user.id))
        shown = await client.get(page)
        assert shown.status_code == 200, role
        for action in ("tags", "points", "tier", "owner", "status", "erase"):
            assert (f'action="{page}/{action}"' in shown.text) == (action in allowed), (role, action)
        if not allowed:
            r = await browser.post(client, f"{page}/points", {"delta": "5", "reason": "x"}, page=page)
            assert r.status_code == 403, role
        if "erase" not in allowed:
            assert (await client.get(f"{page}/export")).status_code == 403, role


async def test_tier_and_points_reasons_are_words_in_both_languages(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    mid = await member(engine, tenant, phone="13800138000")
    await order(engine, tenant, mid, 50_000)

    async def adjust(ctx: Ctx) -> None:
        from yutang.loyalty import service as points

        await points.adjust(ctx, mid, 10, reason="补偿")

    await in_tx(engine, tenant, adjust)
    await _sign_in(client, engine, tenant, "operator", "op@acme.example")
    zh = await client.get(f"/console/members/{mid}?lang=zh-CN")
    en = await client.get(f"/console/members/{mid}?lang=en")
    for page in (zh, en):
        body = page.text.split("<main", 1)[1]
        for raw in (">earn<", ">active<", ">adjust<", ">paid<", ">phone<"):
            assert raw not in body, raw
    assert "手机号" in zh.text or "手机" in zh.text


async def test_forms_are_made_edited_closed_and_their_answers_exported(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _sign_in(client, engine, tenant, "admin", "admin@acme.example")
    form = {
        "slug": "koc-2026",
        "title": "KOC 招募",
        "field_rows": "4",
        "fields.0.key": "phone",
        "fields.0.label": "手机号",
        "fields.0.type": "phone",
        "fields.0.maps_to": "phone",
        "fields.0.required": "on",
        "fields.1.key": "skin",
        "fields.1.label": "肤质",
        "fields.1.type": "select",
        "fields.1.options": "干性，油性, 混合",
    }
    r = await browser.post(client, "/console/forms/new", form, page="/console/forms/new")
    assert r.status_code == 303, r.text[:300]
    fid = int(r.headers["location"].split("/")[3].split("?")[0])
    api = (await client.get(f"/api/v1/forms/{fid}", headers=tenant.headers)).json()
    assert [f["key"] for f in api["fields"]] == ["phone", "skin"] and api["fields"][1]["options"] == [
        "干性",
        "油性",
        "混合",
    ]
    no_phone = await browser.post(
        client,
        "/console/forms/new",
        {"slug": "x", "title": "x", "field_rows": "1", "fields.0.key": "a", "fields.0.label": "A"},
        page="/console/forms/new",
    )
    assert no_phone.status_code == 400 and 'role="alert"' in no_phone.text
    for phone, skin in (("13800138000", "干性"), ("13900139000", "油性")):
        answered = await client.post(
            f"/api/v1/forms/{fid}/submissions",
            json={"answers": {"phone": phone, "skin": skin}},
            headers=tenant.headers,
        )
        assert answered.status_code == 201, answered.text
    page = await client.get(f"/console/forms/{fid}")
    assert "干性" in page.text and "油性" in page.text and "收集中" in page.text
    csv_file = await client.get(f"/console/forms/{fid}/submissions.csv")
    lines = csv_file.text.lstrip("\ufeff").splitlines()
    assert lines[0] == "id,member_id,via,created_at,phone,skin" and len(lines) == 3
    assert {line.split(",")[-1] for line in lines[1:]} == {"干性", "油性"}
    edited = {
        **form,
        "fields.2.key": "city",
        "fields.2.label": "城市",
        "fields.2.type": "text",
        "title": "KOC 招募 · 二期",
    }
    r = await browser.post(client, f"/console/forms/{fid}/edit", edited, page=f"/console/forms/{fid}")
    assert r.status_code == 303
    api = (await client.get(f"/api/v1/forms/{fid}", headers=tenant.headers)).json()
    assert api["title"] == "KOC 招募 · 二期" and [f["key"] for f in api["fields"]] == [
        "phone",
        "skin",
        "city",
    ]
    r = await browser.post(
        client, f"/console/forms/{fid}/active", {"active": "0"}, page=f"/console/forms/{fid}"
    )
    assert r.status_code == 303
    assert (await client.get(f"/api/v1/forms/{fid}", headers=tenant.headers)).json()["active"] is False
    closed_page = await client.get("/forms/koc-2026", headers={"host": tenant.host})
    assert "已停止收集" in closed_page.text or "停止" in closed_page.text
    # Operators read the answers' list without the personal data in them.
    await _sign_in(client, engine, tenant, "operator", "op@acme.example")
    masked = await client.get(f"/console/forms/{fid}")
    answers_table = masked.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert masked.status_code == 200 and "干性" not in answers_table and answers_table.count("<tr>") == 2
    masked_csv = (
        (await client.get(f"/console/forms/{fid}/submissions.csv")).text.lstrip("\ufeff").splitlines()
    )
    assert masked_csv[0] == "id,member_id,via,created_at" and "13800138000" not in "".join(masked_csv)


async def test_tag_groups_and_tags_are_made_in_the_console(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _sign_in(client, engine, tenant, "operator", "op@acme.example")
    r = await browser.post(
        client, "/console/tags", {"kind": "group", "name": "肤质", "exclusive": "on"}, page="/console/tags"
    )
    assert r.status_code == 303
    r = await browser.post(
        client,
        "/console/tags",
        {"kind": "tags", "group": "肤质", "names": "干性，油性"},
        page="/console/tags",
    )
    assert r.status_code == 303
    groups = (await client.get("/api/v1/tag-groups", headers=tenant.headers)).json()["data"]
    skin = next(g for g in groups if g["name"] == "肤质")
    assert skin["exclusive"] is True and sorted(t["name"] for t in skin["tags"]) == ["干性", "油性"]
    empty = await browser.post(
        client, "/console/tags", {"kind": "tags", "group": "肤质", "names": ""}, page="/console/tags"
    )
    assert empty.status_code == 422 and 'role="alert"' in empty.text
    page = await client.get("/console/tags?lang=en")
    assert "Exclusive" in page.text and "干性" in page.text


async def test_a_segment_is_renamed_refiltered_and_deleted_in_the_console(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    h = tenant.headers
    points = {"field": "points_balance", "op": "gte", "value": 100}
    seg = (await client.post("/api/v1/segments", json={"name": "甲", "filter": points}, headers=h)).json()
    await _sign_in(client, engine, tenant, "operator", "op@acme.example")
    page = f"/console/segments/{seg['id']}"
    tier = '{"field": "tier", "op": "eq", "value": null}'
    r = await browser.post(client, f"{page}/edit", {"name": "甲二", "filter": tier}, page=page)
    assert r.status_code == 303
    api = (await client.get(f"/api/v1/segments/{seg['id']}", headers=h)).json()
    assert api["name"] == "甲二" and api["filter"] == {"field": "tier", "op": "eq", "value": None}
    bad = await browser.post(client, f"{page}/edit", {"name": "甲三", "filter": "{not json"}, page=page)
    assert bad.status_code == 422 and 'role="alert"' in bad.text and "{not json" in bad.text
    unknown = await browser.post(
        client, f"{page}/edit", {"name": "甲三", "filter": '{"field": "nope"}'}, page=page
    )
    assert unknown.status_code == 400
    assert (await client.get(f"/api/v1/segments/{seg['id']}", headers=h)).json()["name"] == "甲二"
    r = await browser.post(client, f"{page}/delete", page=page)
    assert r.status_code == 303 and r.headers["location"] == "/console/segments?done=deleted"
    assert (await client.get(f"/api/v1/segments/{seg['id']}", headers=h)).status_code == 404


async def test_a_segment_built_from_conditions_holds_what_they_say(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    """The builder: conditions picked from menus, counted before saving, saved as the
    filter they say, shown again as rows, changed from "all" to "any"; a bad value is
    refused beside its row with nothing written; a nested filter is left to JSON."""
    staff_id = await browser.make_user(engine, tenant.id, "staff@acme.example", "staff")
    pond = await _pond(engine, tenant, other_tenant, staff_id)
    gold = next(m.tier_id for m in pond if m.tier_id)
    await _sign_in(client, engine, tenant, "operator", "op@acme.example")
    new = await client.get("/console/segments/new")
    assert new.status_code == 200 and 'hx-post="/console/segments/builder"' in new.text
    # Drawing the builder again: a field chosen offers its operators and values; a row
    # added; a row removed.
    drawn = await browser.post(
        client,
        "/console/segments/builder",
        {"rows": "1", "field-0": "tier", "add": "1"},
        page="/console/segments/new",
    )
    assert drawn.status_code == 200 and 'name="field-1"' in drawn.text
    assert f'<option value="{gold}">金卡</option>' in drawn.text and "无等级" in drawn.text
    fewer = await browser.post(
        client,
        "/console/segments/builder",
        {"rows": "2", "field-0": "tier", "field-1": "points_balance", "remove": "0"},
        page="/console/segments/new",
    )
    assert 'name="field-1"' not in fewer.text and 'value="points_balance" selected' in fewer.text
    rows = {
        "rows": "3",
        "field-0": "tier",
        "op-0": "eq",
        "value-0": str(gold),
        "field-1": "points_balance",
        "op-1": "between",
        "value-1": "200",
        "high-1": "600",
        "field-2": "joined_at",
        "op-2": "after",
        "value-2": "2026-11-03",
    }

    def says(m: Member, any_of: bool = False) -> bool:
        held = (m.tier_id == gold, 200 <= m.points_balance <= 600, m.joined_at.day >= 3)
        return any(held) if any_of else all(held)

    want = sorted((m.id for m in pond if says(m)), reverse=True)
    counted = await browser.post(client, "/console/segments/preview", rows, page="/console/segments/new")
    assert counted.text == f"{len(want)} 位会员符合条件"
    made = await browser.post(
        client, "/console/segments", {"name": "金卡活跃", **rows}, page="/console/segments/new"
    )
    assert made.status_code == 303
    segment_id = int(made.headers["location"].split("/")[3].split("?")[0])
    api = await client.get(f"/api/v1/segments/{segment_id}/members?limit=200", headers=tenant.headers)
    assert [row["id"] for row in api.json()["data"]] == want
    page = f"/console/segments/{segment_id}"
    shown = await client.get(f"{page}?lang=en")
    assert 'value="rows"' in shown.text and 'value="points_balance" selected' in shown.text
    assert 'value="600"' in shown.text and 'value="2026-11-03"' in shown.text and "Edit as JSON" in shown.text
    r = await browser.post(
        client, f"{page}/edit", {"name": "金卡或活跃", "editor": "rows", "match": "any", **rows}, page=page
    )
    assert r.status_code == 303
    api = await client.get(f"/api/v1/segments/{segment_id}/members?limit=200", headers=tenant.headers)
    assert [row["id"] for row in api.json()["data"]] == sorted(
        (m.id for m in pond if says(m, True)), reverse=True
    )
    # A value that is not a number: refused beside its row, the segment as it was.
    bad = await browser.post(
        client, f"{page}/edit", {"name": "改名", "editor": "rows", **rows, "high-1": "六百"}, page=page
    )
    assert bad.status_code == 422 and 'role="alert"' in bad.text and 'value="六百"' in bad.text
    assert (await client.get(f"/api/v1/segments/{segment_id}", headers=tenant.headers)).json()[
        "name"
    ] == "金卡或活跃"
    none = await browser.post(
        client, "/console/segments", {"name": "空", "rows": "1"}, page="/console/segments/new"
    )
    assert none.status_code == 422 and "空" in none.text
    async with unit_of_work(readonly=True, engine=engine) as s:
        assert await s.scalar(select(Segment.id).where(Segment.name == "空")) is None
    # A nested filter is edited as JSON, said so.
    nested = {"not": {"or": [{"field": "tier", "op": "eq", "value": None}]}}
    seg = (
        await client.post("/api/v1/segments", json={"name": "嵌套", "filter": nested}, headers=tenant.headers)
    ).json()
    json_page = await client.get(f"/console/segments/{seg['id']}")
    assert 'value="json"' in json_page.text and "nests groups of conditions" in json_page.text
    # An analyst may count but not build.
    await _sign_in(client, engine, tenant, "analyst", "an@acme.example")
    assert (await client.get("/console/segments/new")).status_code == 403
    refused = await browser.post(client, "/console/segments", {"name": "x", **rows}, page="/console/segments")
    assert refused.status_code == 403
    counted = await browser.post(client, "/console/segments/preview", rows, page="/console/segments")
    assert counted.status_code == 200 and str(len(want)) in counted.text


async def test_a_member_is_typed_in_and_their_profile_changed_by_hand(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    h = tenant.headers
    taken = await member(engine, tenant, phone="13800130000")
    await _sign_in(client, engine, tenant, "admin", "admin@acme.example")  # sees personal data
    async with unit_of_work(engine=engine) as s:
        ch = Channel(workspace_id=tenant.id, name="门店", type="store")
        s.add(ch)
        await s.flush()
        channel_id = ch.id
    form = {
        "phone": "13900139000",
        "name": "王小明",
        "gender": "male",
        "birthday": "1992-05-18",
        "address.province": "广东省",
        "address.city": "深圳市",
        "attributes": "肤质 = 干性\n门店 = 万象城",
        "tags": "兴趣/护肤，阶段/新客",
        "source_channel_id": str(channel_id),
        "consent_marketing": "on",
    }
    r = await browser.post(client, "/console/members/new", form, page="/console/members/new")
    assert r.status_code == 303 and r.headers["location"].endswith("?done=created")
    made = int(r.headers["location"].split("/")[3].split("?")[0])
    api = (await client.get(f"/api/v1/members/{made}", headers=h)).json()
    assert api["name"] == "王小明" and api["gender"] == "male" and api["birthday"] == "1992-05-18"
    assert api["attributes"] == {"肤质": "干性", "门店": "万象城"} and api["source_channel_id"] == channel_id
    assert sorted(f"{t['group']}/{t['name']}" for t in api["tags"]) == ["兴趣/护肤", "阶段/新客"]
    # Refused, nothing kept: a phone that is someone's, no identity, a day that is not one.
    async with unit_of_work(readonly=True, engine=engine) as s:
        before = len((await s.scalars(select(Member.id).where(Member.workspace_id == tenant.id))).all())
    taken_words = ERROR_WORDS["identity_taken"]["zh-CN"]
    for bad, field, status in (
        ({**form, "phone": "13800130000"}, "_", 409),
        ({**form, "phone": ""}, "phone", 422),
        ({**form, "phone": "13700137000", "birthday": "1992-13-40"}, "birthday", 422),
        ({**form, "phone": "13700137000", "attributes": "no equals sign"}, "attributes", 422),
    ):
        refused = await browser.post(client, "/console/members/new", bad, page="/console/members/new")
        assert refused.status_code == status, (field, refused.status_code)
        assert f'id="e-{field}"' in refused.text or (field == "_" and taken_words in refused.text), field
    async with unit_of_work(readonly=True, engine=engine) as s:
        after = len((await s.scalars(select(Member.id).where(Member.workspace_id == tenant.id))).all())
    assert after == before

    # The profile: a number attribute left alone keeps its type; one removed goes.
    await client.patch(
        f"/api/v1/members/{made}",
        json={"attributes": {"等级": 3}, "identities": {"email": "w@x.cn"}},
        headers=h,
    )
    page = f"/console/members/{made}"
    shown = await client.get(page)
    assert "等级 = 3" in shown.text and 'value="13900139000"' in shown.text
    profile = {
        "name": "王大明",
        "gender": "male",
        "birthday": "1992-05-18",
        "phone": "",
        "email": "w@x.cn",
        "attributes": "肤质 = 油性\n等级 = 3",
    }
    r = await browser.post(client, f"{page}/profile", profile, page=page)
    assert r.status_code == 303
    api = (await client.get(f"/api/v1/members/{made}", headers=h)).json()
    assert api["name"] == "王大明" and api["attributes"] == {"肤质": "油性", "等级": 3}
    assert "phone" not in api["identities"] and api["identities"]["email"] == "w@x.cn"
    nobody = await browser.post(client, f"{page}/profile", {**profile, "email": ""}, page=page)
    assert nobody.status_code in (400, 409, 422) and 'role="alert"' in nobody.text
    theirs = await browser.post(client, f"{page}/profile", {**profile, "phone": "13800130000"}, page=page)
    assert theirs.status_code == 409 and taken_words in theirs.text
    assert (await client.get(f"/api/v1/members/{made}", headers=h)).json()["name"] == "王大明"
    assert (await client.get(f"/api/v1/members/{taken}", headers=h)).json()["identities"][
        "phone"
    ] == "13800130000"
    await _sign_in(client, engine, tenant, "analyst", "an@acme.example")
    assert (await client.get("/console/members/new")).status_code == 403
    assert "/profile" not in (await client.get(page)).text
