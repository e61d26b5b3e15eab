"""引流 Links & channels in the console: what an operator does there lands through the
links service exactly as through the API, a refused form keeps nothing and says why
beside the field, in the operator's language, and roles are enforced on every action."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.links.test_qr import png_modules, png_size, segno_modules
from tests.web import browser
from yutang.kit.db import unit_of_work
from yutang.models.links import Channel, Link
from yutang.web.i18n.errors import ERROR_WORDS

OP = "op@acme.example"


async def _operator(
    client: httpx.AsyncClient, engine: AsyncEngine, tenant: Tenant, role: str = "operator"
) -> None:
    await browser.make_user(engine, tenant.id, OP, role)
    assert (await browser.login(client, OP)).status_code == 303


async def _submit(client: httpx.AsyncClient, path: str, data: dict[str, Any], page: str) -> httpx.Response:
    return await browser.post(client, path, data, page=page)


async def _links(engine: AsyncEngine, workspace_id: int) -> list[Link]:
    async with unit_of_work(readonly=True, engine=engine) as s:
        return list(
            (await s.scalars(select(Link).where(Link.workspace_id == workspace_id).order_by(Link.id))).all()
        )


def _field_error(html: str, name: str) -> str:
    found = re.search(rf'id="e-{re.escape(name)}"[^>]*>([^<]+)<', html)
    assert found, f"no error beside {name}"
    return found.group(1)


async def test_an_operator_creates_a_channel_and_a_link_and_finds_it(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _operator(client, engine, tenant)
    made = await _submit(
        client,
        "/console/channels",
        {"name": "企微社群 3 群", "type": "wecom", "exposures": "1,200"},
        "/console/channels",
    )
    assert made.status_code == 303 and made.headers["location"] == "/console/channels?done=created"
    page = await client.get("/console/channels?done=created")
    assert "企微社群 3 群" in page.text and "企业微信" in page.text and "已创建" in page.text
    async with unit_of_work(readonly=True, engine=engine) as s:
        channel = (await s.scalars(select(Channel).where(Channel.workspace_id == tenant.id))).one()
    assert (channel.type, channel.exposures) == ("wecom", 1200)

    form = {
        "kind": "link",
        "url": "https://shop.example/p/1",
        "title": "冬季新品",
        "slug": "winter",
        "channel_id": str(channel.id),
        "tags": "冬季，新品, sale",
        "utm.source": "wecom",
        "utm.campaign": "winter",
        "expires_at": "2030-01-31T23:59",
        "max_clicks": "5000",
        "redirect_status": "302",
    }
    r = await _submit(client, "/console/links/new", form, "/console/links/new")
    assert r.status_code == 303 and re.fullmatch(r"/console/links/\d+\?done=created", r.headers["location"])
    link_id = int(r.headers["location"].split("/")[3].split("?")[0])
    api = (await client.get(f"/api/v1/links/{link_id}", headers=tenant.headers)).json()
    assert api["slug"] == "winter" and api["title"] == "冬季新品" and api["tags"] == ["冬季", "新品", "sale"]
    assert api["channel_id"] == channel.id and api["max_clicks"] == 5000 and api["status"] == "active"
    assert api["destination"] == "https://shop.example/p/1?utm_source=wecom&utm_campaign=winter"
    assert api["expires_at"].startswith("2030-01-31T15:59")  # read in the workspace's zone (UTC+8)

    page = await client.get(f"/console/links/{link_id}")
    assert page.status_code == 200 and "生效中" in page.text and "2030-01-31 23:59 CST" in page.text
    assert "data-chart" in page.text and "/console/static/vendor/echarts/echarts.min.js" in page.text
    for query in (f"channel_id={channel.id}", "q=winter", "tag=冬季", "status=active"):
        listed = await client.get(f"/console/links?{query}")
        assert f'href="/console/links/{link_id}"' in listed.text, query
    assert f'href="/console/links/{link_id}"' not in (await client.get("/console/links?status=expired")).text


async def test_a_refused_form_keeps_nothing_and_says_why_beside_the_field(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _operator(client, engine, tenant)
    await client.post(
        "/api/v1/links", json={"url": "https://a.example/", "slug": "taken"}, headers=tenant.headers
    )
    bad_url = await _submit(
        client, "/console/links/new", {"kind": "link", "url": "not a url", "title": "x"}, "/console/links/new"
    )
    assert bad_url.status_code == 400
    assert _field_error(bad_url.text, "url") == ERROR_WORDS["invalid_destination"]["zh-CN"]
    assert 'value="x"' in bad_url.text  # what was typed stays in the form
    taken = await _submit(
        client,
        "/console/links/new?lang=en",
        {"kind": "link", "url": "https://b.example/", "slug": "taken"},
        "/console/links/new",
    )
    assert taken.status_code == 409
    assert _field_error(taken.text, "slug") == ERROR_WORDS["slug_taken"]["en"]
    too_many = await _submit(  # the language chosen last (English) stays until changed
        client,
        "/console/links/new?lang=zh-CN",
        {"kind": "link", "url": "https://b.example/", "max_clicks": "0"},
        "/console/links/new",
    )
    assert too_many.status_code == 422 and _field_error(too_many.text, "max_clicks") == "不能小于 1"
    assert [lk.slug for lk in await _links(engine, tenant.id)] == ["taken"]


async def test_a_live_code_is_created_and_edited_with_its_targets(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _operator(client, engine, tenant)
    form = {
        "kind": "live",
        "title": "门店群活码",
        "slug": "qun",
        "target_rows": "3",
        "targets.0.label": "1 群",
        "targets.0.destination": "https://work.weixin.qq.com/g/1",
        "targets.0.daily_cap": "200",
        "targets.1.label": "2 群",
        "targets.1.destination": "https://work.weixin.qq.com/g/2",
        "targets.1.weight": "3",
        "fallback_url": "https://shop.example/full",
    }
    r = await _submit(client, "/console/links/new", form, "/console/links/new?kind=live")
    assert r.status_code == 303
    link_id = int(r.headers["location"].split("/")[3].split("?")[0])
    api = (await client.get(f"/api/v1/links/{link_id}", headers=tenant.headers)).json()
    assert [(t["label"], t["weight"], t["daily_cap"]) for t in api["targets"]] == [
        ("1 群", 1, 200),
        ("2 群", 3, None),
    ]
    assert api["fallback_url"] == "https://shop.example/full"

    edit_page = await client.get(f"/console/links/{link_id}/edit")
    assert 'value="1 群"' in edit_page.text and 'name="targets.4.label"' in edit_page.text  # 2 + 3 spare rows
    bad = await _submit(
        client,
        f"/console/links/{link_id}/edit",
        {**form, "targets.1.weight": "-1", "target_rows": "3"},
        f"/console/links/{link_id}/edit",
    )
    assert bad.status_code == 422 and "不能小于 0" in bad.text
    edited = await _submit(
        client,
        f"/console/links/{link_id}/edit",
        {**form, "targets.0.off": "on", "targets.1.weight": "5", "title": "门店群活码（新）"},
        f"/console/links/{link_id}/edit",
    )
    assert edited.status_code == 303
    api = (await client.get(f"/api/v1/links/{link_id}", headers=tenant.headers)).json()
    assert api["title"] == "门店群活码（新）"
    assert [(t["label"], t["weight"], t["enabled"]) for t in api["targets"]] == [
        ("1 群", 1, False),
        ("2 群", 5, True),
    ]


async def test_editing_clears_what_the_operator_emptied(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _operator(client, engine, tenant)
    made = await client.post(
        "/api/v1/links",
        json={
            "url": "https://a.example/",
            "expires_at": "2030-01-01T00:00:00Z",
            "max_clicks": 9,
            "tags": ["a"],
        },
        headers=tenant.headers,
    )
    link_id = made.json()["id"]
    r = await _submit(
        client,
        f"/console/links/{link_id}/edit",
        {"url": "https://a.example/new", "title": "", "tags": "", "expires_at": "", "max_clicks": ""},
        f"/console/links/{link_id}/edit",
    )
    assert r.status_code == 303
    api = (await client.get(f"/api/v1/links/{link_id}", headers=tenant.headers)).json()
    assert (api["url"], api["expires_at"], api["max_clicks"], api["tags"]) == (
        "https://a.example/new",
        None,
        None,
        [],
    )


async def test_bulk_actions_apply_to_every_ticked_link_or_to_none(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    await _operator(client, engine, tenant)
    ids = [
        (
            await client.post("/api/v1/links", json={"url": f"https://a.example/{i}"}, headers=tenant.headers)
        ).json()["id"]
        for i in range(12)
    ]
    theirs = (
        await client.post("/api/v1/links", json={"url": "https://b.example/"}, headers=other_tenant.headers)
    ).json()
    r = await _submit(
        client, "/console/links/bulk", {"action": "disable", "link_id": ids[:10]}, "/console/links"
    )
    assert r.status_code == 303 and "done=disable:10" in r.headers["location"]
    statuses = {lk.id: lk.disabled for lk in await _links(engine, tenant.id)}
    assert [statuses[i] for i in ids] == [True] * 10 + [False] * 2
    # One link of another workspace among them: refused, and none of the others changed.
    refused = await _submit(
        client,
        "/console/links/bulk",
        {"action": "archive", "link_id": [*ids[:3], theirs["id"]]},
        "/console/links",
    )
    assert refused.status_code == 404 and "没有找到" in refused.text
    assert not any(lk.archived for lk in await _links(engine, tenant.id))
    assert not any(lk.archived for lk in await _links(engine, other_tenant.id))
    archived = await _submit(
        client, "/console/links/bulk", {"action": "archive", "link_id": ids[:3]}, "/console/links"
    )
    assert archived.status_code == 303
    assert sum(lk.archived for lk in await _links(engine, tenant.id)) == 3
    listed = await client.get("/console/links?status=archived")
    assert all(f'href="/console/links/{i}"' in listed.text for i in ids[:3])


async def test_the_qr_download_is_exactly_the_size_chosen(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _operator(client, engine, tenant)
    made = (
        await client.post(
            "/api/v1/links", json={"url": "https://a.example/", "slug": "qr-me"}, headers=tenant.headers
        )
    ).json()
    for size in (256, 512, 1024):
        r = await client.get(f"/console/links/{made['id']}/qr?size={size}&format=png")
        assert r.status_code == 200 and png_size(r.content) == (size, size)
        assert r.headers["content-disposition"] == f'attachment; filename="qr-qr-me-{size}.png"'
        assert png_modules(r.content) == segno_modules(made["short_url"], "m")
    svg = await client.get(f"/console/links/{made['id']}/qr?size=512&format=svg&ecc=H")
    assert svg.text.startswith('<svg width="512" height="512" ')


async def test_the_csv_import_creates_the_good_rows_and_reports_the_others(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _operator(client, engine, tenant)
    csv_text = "url,slug,title,max_clicks\nhttps://a.example/1,one,第一,\nnot-a-url,two,第二,\nhttps://a.example/3,three,第三,x\nhttps://a.example/4,,第四,10\n"
    token = await browser.csrf(client, "/console/links-import")
    r = await client.post(
        "/console/links-import",
        data={"csrf_token": token},
        files={"file": ("links.csv", csv_text.encode("utf-8-sig"), "text/csv")},
        headers={"origin": browser.ORIGIN},
    )
    assert r.status_code == 200
    assert [lk.title for lk in await _links(engine, tenant.id)] == ["第一", "第四"]
    report = re.findall(r'<td class="n">(\d+)</td><td>([^<]+)</td>', r.text)
    assert [line for line, _ in report] == ["3", "4"]
    assert all(re.search(r"[\u4e00-\u9fff]", reason) for _, reason in report)  # reasons in words


async def test_analysts_read_but_change_nothing_and_see_no_buttons(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    made = (
        await client.post("/api/v1/links", json={"url": "https://a.example/"}, headers=tenant.headers)
    ).json()
    await _operator(client, engine, tenant, role="analyst")
    listed = await client.get("/console/links")
    assert (
        listed.status_code == 200
        and "/console/links/new" not in listed.text
        and "/console/links/bulk" not in listed.text
    )
    page = await client.get(f"/console/links/{made['id']}")
    assert page.status_code == 200 and f"/console/links/{made['id']}/edit" not in page.text
    for path, data in (
        ("/console/links/new", {"url": "https://x.example/"}),
        (f"/console/links/{made['id']}/disable", {}),
        ("/console/links/bulk", {"action": "archive", "link_id": made["id"]}),
        ("/console/channels", {"name": "x"}),
    ):
        r = await _submit(client, path, data, "/console/links")
        assert r.status_code == 403 and "你的角色不允许" in r.text, path
    assert (await client.get("/console/links/new")).status_code == 403
    async with unit_of_work(readonly=True, engine=engine) as s:
        assert await s.scalar(select(func.count()).select_from(Channel)) == 0
    assert [(lk.disabled, lk.archived) for lk in await _links(engine, tenant.id)] == [(False, False)]


async def test_a_form_without_its_token_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _operator(client, engine, tenant)
    r = await client.post(
        "/console/links/new", data={"url": "https://a.example/"}, headers={"origin": browser.ORIGIN}
    )
    assert r.status_code == 403 and "页面已过期" in r.text
    assert await _links(engine, tenant.id) == []


async def test_channels_are_renamed_and_archived(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _operator(client, engine, tenant)
    ch = (
        await client.post("/api/v1/channels", json={"name": "门店", "type": "store"}, headers=tenant.headers)
    ).json()
    page = f"/console/channels/{ch['id']}/edit"
    r = await _submit(client, page, {"name": "门店海报", "type": "offline_event", "exposures": "300"}, page)
    assert r.status_code == 303
    taken = await client.post("/api/v1/channels", json={"name": "社群"}, headers=tenant.headers)
    assert taken.status_code == 201
    dup = await _submit(client, page, {"name": "社群", "type": "community"}, page)
    assert dup.status_code == 409
    assert _field_error(dup.text, "name") == ERROR_WORDS["channel_name_taken"]["zh-CN"]
    archived = await _submit(client, page, {"archive": "1"}, page)
    assert archived.status_code == 303
    api = (await client.get(f"/api/v1/channels/{ch['id']}", headers=tenant.headers)).json()
    assert (api["name"], api["type"], api["exposures"], api["archived"]) == (
        "门店海报",
        "offline_event",
        300,
        True,
    )


async def test_the_pages_speak_english_when_asked(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _operator(client, engine, tenant)
    made = (
        await client.post("/api/v1/links", json={"url": "https://a.example/"}, headers=tenant.headers)
    ).json()
    for path in (
        "/console/links",
        f"/console/links/{made['id']}",
        "/console/links/new?kind=live",
        "/console/channels",
    ):
        r = await client.get(path, params={"lang": "en"})
        assert r.status_code == 200
        text = re.sub(r"<[^>]+>", " ", r.text.split("<main", 1)[1])
        assert not re.search(r"[\u4e00-\u9fff]", text), (
            path,
            re.findall(r"[^\s]*[\u4e00-\u9fff][^\s]*", text)[:5],
        )
