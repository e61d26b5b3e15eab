"""Info-collection forms (API and H5 page) and the public join page."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, run_events
from tests.loyalty.conftest import entries
from yutang.kit.db import unit_of_work
from yutang.members.identities import id_check_char
from yutang.models.links import Click
from yutang.models.members import FormSubmission, Member

ID17 = "32010219900307123"
ID_NUMBER = ID17 + id_check_char(ID17)

KOC_FORM: dict[str, Any] = {
    "slug": "koc-2026",
    "title": "KOC 招募",
    "title_en": "KOC recruitment",
    "fields": [
        {
            "key": "name",
            "label": "姓名",
            "label_en": "Name",
            "type": "text",
            "required": True,
            "maps_to": "name",
        },
        {
            "key": "phone",
            "label": "手机",
            "label_en": "Phone",
            "type": "phone",
            "required": True,
            "maps_to": "phone",
        },
        {"key": "address", "label": "收货地址", "type": "address", "maps_to": "address"},
        {"key": "id_no", "label": "身份证号", "type": "cn_id", "maps_to": "id_number"},
        {
            "key": "talent",
            "label": "特长",
            "type": "multiselect",
            "options": ["美妆", "摄影", "写作"],
            "maps_to": "tag.talent",
        },
        {
            "key": "platform",
            "label": "主要平台",
            "type": "select",
            "options": ["小红书", "抖音", "微博"],
            "maps_to": "attribute.platform",
        },
        {
            "key": "followers",
            "label": "粉丝数",
            "type": "number",
            "min": 0,
            "max": 100_000_000,
            "maps_to": "attribute.followers",
        },
    ],
}


async def make_form(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    r = await client.post("/api/v1/forms", json=body or KOC_FORM, headers=tenant.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_submission_updates_the_profile_and_earns(client, tenant: Tenant, engine: AsyncEngine):
    form = await make_form(client, tenant)
    assert form["public_url"] == "http://go.acme.test/forms/koc-2026"
    await client.post(
        "/api/v1/earn-rules",
        json={"name": "form", "trigger": "form_submitted", "points": 50},
        headers=tenant.headers,
    )
    answers: dict[str, Any] = {
        "name": "王小美",
        "phone": "138 0013 8000",
        "address": {"city": "南京市", "detail": "玄武区1号"},
        "id_no": ID_NUMBER,
        "talent": ["美妆", "摄影"],
        "platform": "小红书",
        "followers": "12000",
    }
    r = await client.post(
        f"/api/v1/forms/{form['id']}/submissions", json={"answers": answers}, headers=tenant.headers
    )
    assert r.status_code == 201, r.text
    sub = r.json()
    assert sub["answers"]["followers"] == 12000 and sub["answers"]["phone"] == "13800138000"
    m = (await client.get(f"/api/v1/members/{sub['member_id']}", headers=tenant.headers)).json()
    assert m["name"] == "王小美" and m["id_number"] == ID_NUMBER and m["address"]["city"] == "南京市"
    assert m["attributes"] == {"platform": "小红书", "followers": 12000}
    assert sorted(f"{t['group']}/{t['name']}" for t in m["tags"]) == ["talent/摄影", "talent/美妆"]
    # Submitted again: the same member, updated; the form's points are paid once.
    answers["followers"] = 15000
    await client.post(
        f"/api/v1/forms/{form['id']}/submissions", json={"answers": answers}, headers=tenant.headers
    )
    await run_events(engine)
    assert [e.amount for e in await entries(engine, sub["member_id"])] == [50]
    m = (await client.get(f"/api/v1/members/{sub['member_id']}", headers=tenant.headers)).json()
    assert m["attributes"]["followers"] == 15000
    async with engine.connect() as conn:
        raw = " ".join(
            str(v) for row in (await conn.execute(text("SELECT * FROM form_submissions"))).all() for v in row
        )
    assert ID_NUMBER not in raw and "王小美" not in raw


@pytest.mark.parametrize(
    ("answers", "bad"),
    [
        ({"name": "A", "phone": "123"}, {"phone": "invalid_identity"}),
        ({"phone": "13800138000"}, {"name": "required"}),
        (
            {
                "name": "A",
                "phone": "13800138000",
                "id_no": ID17 + "0" if ID_NUMBER[-1] != "0" else ID17 + "1",
            },
            {"id_no": "invalid_id_number"},
        ),
        ({"name": "A", "phone": "13800138000", "talent": ["唱歌"]}, {"talent": "invalid_option"}),
        ({"name": "A", "phone": "13800138000", "followers": "many"}, {"followers": "invalid_number"}),
        ({"name": "A", "phone": "13800138000", "followers": -1}, {"followers": "out_of_range"}),
        ({"name": "A", "phone": "13800138000", "shoe_size": 42}, {"shoe_size": "unknown_field"}),
    ],
)
async def test_bad_answers_are_refused_field_by_field(
    client, tenant: Tenant, engine: AsyncEngine, answers, bad
):
    form = await make_form(client, tenant)
    r = await client.post(
        f"/api/v1/forms/{form['id']}/submissions", json={"answers": answers}, headers=tenant.headers
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_answers"
    assert {e["key"]: e["code"] for e in r.json()["error"]["details"]["errors"]} == bad
    async with unit_of_work(readonly=True, engine=engine) as s:
        assert await s.scalar(select(func.count()).select_from(Member)) == 0
        assert await s.scalar(select(func.count()).select_from(FormSubmission)) == 0


@pytest.mark.parametrize(
    "fields",
    [
        [{"key": "name", "label": "x", "type": "text"}],  # no phone or email
        [
            {"key": "p", "label": "x", "type": "phone", "maps_to": "phone"},
            {"key": "p", "label": "y", "type": "text"},
        ],
        [
            {"key": "p", "label": "x", "type": "phone", "maps_to": "phone"},
            {"key": "s", "label": "y", "type": "select"},
        ],
        [{"key": "p", "label": "x", "type": "phone", "maps_to": "salary"}],
    ],
)
async def test_bad_form_definitions(client, tenant: Tenant, fields):
    r = await client.post(
        "/api/v1/forms", json={"slug": "f", "title": "x", "fields": fields}, headers=tenant.headers
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_form"


async def test_only_pii_readers_see_answers(client, tenant: Tenant, engine: AsyncEngine):
    from tests.conftest import add_key

    form = await make_form(client, tenant)
    await client.post(
        f"/api/v1/forms/{form['id']}/submissions",
        json={"answers": {"name": "A", "phone": "13800138000"}},
        headers=tenant.headers,
    )
    operator = await add_key(engine, tenant, "operator")
    seen = (await client.get(f"/api/v1/forms/{form['id']}/submissions", headers=operator)).json()
    assert seen["data"][0]["answers"] is None
    owner = (await client.get(f"/api/v1/forms/{form['id']}/submissions", headers=tenant.headers)).json()
    assert owner["data"][0]["answers"]["name"] == "A"


async def test_form_page_in_both_languages_and_its_errors(client, tenant: Tenant, engine: AsyncEngine):
    await make_form(client, tenant)
    host = {"Host": tenant.host}
    zh = await client.get("/forms/koc-2026", headers=host)
    assert zh.status_code == 200 and "KOC 招募" in zh.text and "身份证号" in zh.text
    en = await client.get("/forms/koc-2026?lang=en", headers=host)
    assert "KOC recruitment" in en.text and "Phone" in en.text
    assert en.cookies.get("yt_lang") == "en"  # the choice is remembered…
    client.cookies.clear()  # …and forgotten here, to read the errors in Chinese
    bad = await client.post("/forms/koc-2026", data={"name": "李雷", "phone": "12"}, headers=host)
    assert bad.status_code == 400 and "格式不正确" in bad.text and 'value="李雷"' in bad.text
    ok = await client.post(
        "/forms/koc-2026",
        headers=host,
        data={
            "name": "李雷",
            "phone": "13900139000",
            "talent": ["写作", "摄影"],
            "platform": "微博",
            "address.city": "上海市",
            "address.detail": "南京西路1号",
            "followers": "800",
        },
    )
    assert ok.status_code == 200 and "提交成功" in ok.text
    async with unit_of_work(readonly=True, engine=engine) as s:
        member = await s.scalar(select(Member))
        assert member is not None and member.attributes == {"platform": "微博", "followers": 800}
    other = await client.get("/forms/koc-2026", headers={"Host": "go.globex.test"})
    assert other.status_code == 404
    unknown = await client.get("/forms/koc-2026", headers={"Host": "nope.test"})
    assert unknown.status_code == 404


async def test_join_page_attributes_the_link_and_channel(client, tenant: Tenant, engine: AsyncEngine):
    ch = (
        await client.post(
            "/api/v1/channels", json={"name": "门店海报", "type": "poster"}, headers=tenant.headers
        )
    ).json()
    link = (
        await client.post(
            "/api/v1/links",
            json={"url": "https://shop.example/", "channel_id": ch["id"]},
            headers=tenant.headers,
        )
    ).json()
    async with unit_of_work(engine=engine) as s:
        from datetime import UTC, datetime

        s.add(
            Click(
                workspace_id=tenant.id,
                link_id=link["id"],
                channel_id=ch["id"],
                occurred_at=datetime.now(UTC),
                visitor_id="vis123",
            )
        )
    page = await client.get("/join", headers={"Host": tenant.host})
    assert page.status_code == 200 and "加入会员" in page.text
    assert (
        "Become a member"
        in (await client.get("/join", headers={"Host": tenant.host, "Accept-Language": "en-US"})).text
    )
    bad = await client.post("/join", data={"phone": "x"}, headers={"Host": tenant.host})
    assert bad.status_code == 400 and "格式不正确" in bad.text
    client.cookies.set("yt_vid", "vis123")
    r = await client.post(
        "/join",
        data={"phone": "13800138000", "name": "韩梅梅", "consent": "yes"},
        headers={"Host": tenant.host},
    )
    assert r.status_code == 200 and "欢迎加入" in r.text
    again = await client.post("/join", data={"phone": "13800138000"}, headers={"Host": tenant.host})
    assert "欢迎回来" in again.text
    m = (await client.get("/api/v1/members", headers=tenant.headers)).json()["data"]
    assert len(m) == 1
    assert (m[0]["first_link_id"], m[0]["source_channel_id"]) == (link["id"], ch["id"])
    assert m[0]["consents"]["marketing"]["granted"] is True


async def test_a_form_is_edited_closed_and_opened_again_keeping_its_answers(client, tenant):
    form = await client.post(
        "/api/v1/forms",
        json={
            "slug": "edit-me",
            "title": "问卷",
            "fields": [
                {"key": "phone", "label": "手机", "type": "phone", "maps_to": "phone", "required": True}
            ],
        },
        headers=tenant.headers,
    )
    assert form.status_code == 201
    fid = form.json()["id"]
    answered = await client.post(
        f"/api/v1/forms/{fid}/submissions", json={"answers": {"phone": "13800138000"}}, headers=tenant.headers
    )
    assert answered.status_code == 201
    more = [
        {"key": "phone", "label": "手机", "type": "phone", "maps_to": "phone", "required": True},
        {"key": "city", "label": "城市", "type": "text"},
    ]
    r = await client.patch(
        f"/api/v1/forms/{fid}", json={"title": "问卷二期", "fields": more}, headers=tenant.headers
    )
    assert r.status_code == 200 and r.json()["title"] == "问卷二期" and len(r.json()["fields"]) == 2
    no_phone = await client.patch(
        f"/api/v1/forms/{fid}",
        json={"fields": [{"key": "city", "label": "城市", "type": "text"}]},
        headers=tenant.headers,
    )
    assert no_phone.status_code == 400 and no_phone.json()["error"]["code"] == "invalid_form"
    closed = await client.patch(f"/api/v1/forms/{fid}", json={"active": False}, headers=tenant.headers)
    assert closed.json()["active"] is False and closed.json()["submissions"] == 1
    refused = await client.post(
        f"/api/v1/forms/{fid}/submissions", json={"answers": {"phone": "13900139000"}}, headers=tenant.headers
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "form_closed"
    opened = await client.patch(f"/api/v1/forms/{fid}", json={"active": True}, headers=tenant.headers)
    assert opened.json()["active"] is True
    unknown = await client.patch("/api/v1/forms/999999", json={"active": True}, headers=tenant.headers)
    assert unknown.status_code == 404
