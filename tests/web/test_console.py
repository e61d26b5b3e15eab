"""The console: sign-in, the overview with its chart, the links list, both languages."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.factories import sync_store
from tests.web import browser
from yutang.kit.context import SYSTEM, Ctx
from yutang.kit.db import unit_of_work
from yutang.workspaces import service as ws_service

PASSWORD = "correct-horse-battery"


async def _user(engine: AsyncEngine, tenant: Tenant, email: str = "op@acme.example") -> None:
    async with unit_of_work(engine=engine) as s:
        user = await ws_service.create_user(s, email, PASSWORD, "Op")
        await ws_service.set_member_role(Ctx(s, tenant.id, SYSTEM), user, "operator")


async def _login(
    client: httpx.AsyncClient, email: str = "op@acme.example", password: str = PASSWORD
) -> httpx.Response:
    return await browser.login(client, email, password)


async def test_pages_need_a_session(client: httpx.AsyncClient) -> None:
    r = await client.get("/console")
    assert r.status_code == 303
    assert r.headers["location"] == "/console/login"


async def test_wrong_password_is_refused_in_the_chosen_language(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _user(engine, tenant)
    zh = await browser.login(client, "op@acme.example", "nope-nope")
    assert zh.status_code == 401 and "邮箱或密码错误" in zh.text
    en = await browser.post(
        client, "/console/login?lang=en", {"email": "op@acme.example", "password": "nope-nope"}
    )
    assert en.status_code == 401 and "Wrong email or password." in en.text


async def test_sign_in_shows_the_overview_with_chart_and_channels(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _user(engine, tenant)
    ch = await client.post(
        "/api/v1/channels",
        json={"name": "包裹卡", "type": "package_card", "exposures": 100},
        headers=tenant.headers,
    )
    await client.post(
        "/api/v1/links",
        json={"url": "https://a.example/", "slug": "card", "channel_id": ch.json()["id"]},
        headers=tenant.headers,
    )
    for _ in range(4):
        await client.get(f"http://{tenant.host}/card", headers={"user-agent": "Mozilla/5.0 (iPhone)"})
    await client._transport.app.clicks.flush()  # type: ignore[attr-defined]
    await sync_store(app, engine, monkeypatch)  # the overview's clicks are the event store's
    r = await _login(client)
    assert r.status_code == 303 and r.headers["location"] == "/console"
    page = await client.get("/console")
    assert page.status_code == 200
    charts = [json.loads(c) for c in re.findall(r'<script type="application/json">(.*?)</script>', page.text)]
    traffic = charts[0]
    assert len(traffic["xAxis"]["data"]) == 30 and sum(traffic["series"][0]["data"]) == 4  # a point a day
    assert "包裹卡" in page.text and "4.0%" in page.text  # 4 clicks ÷ 100 exposures
    assert "Acme" in page.text


async def test_links_page_lists_links_with_qr_codes(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _user(engine, tenant)
    made = await client.post(
        "/api/v1/links",
        json={"url": "https://a.example/", "slug": "qrme", "title": "海报"},
        headers=tenant.headers,
    )
    await _login(client)
    page = await client.get("/console/links?lang=en")
    assert page.status_code == 200
    assert "http://go.acme.test/qrme" in page.text and "海报" in page.text and "Active" in page.text
    svg = await client.get(f"/console/links/{made.json()['id']}/qr.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text


async def test_console_session_is_scoped_to_its_workspace(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    await _user(engine, tenant)
    theirs = await client.post(
        "/api/v1/links", json={"url": "https://b.example/", "slug": "theirs"}, headers=other_tenant.headers
    )
    await _login(client)
    assert "theirs" not in (await client.get("/console/links")).text
    qr = await client.get(f"/console/links/{theirs.json()['id']}/qr.svg")
    assert qr.status_code == 404


async def test_logout_ends_the_session(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _user(engine, tenant)
    await _login(client)
    assert (await client.get("/console")).status_code == 200
    await browser.post(client, "/console/logout")
    assert (await client.get("/console")).status_code == 303


async def test_members_pages_show_figures_and_mask_pii_for_operators(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _user(engine, tenant)
    await client.post(
        "/api/v1/tiers", json={"name": "金卡", "rank": 1, "threshold": 100}, headers=tenant.headers
    )
    m = await client.post(
        "/api/v1/members",
        json={"phone": "13800138000", "name": "张三", "tags": ["hobby/tea"]},
        headers=tenant.headers,
    )
    await client.post(
        f"/api/v1/members/{m.json()['id']}/points/adjust",
        json={"delta": 250, "reason": "x"},
        headers=tenant.headers,
    )
    await _login(client)
    page = await client.get("/console/members")
    assert page.status_code == 200
    assert "会员总数" in page.text and "138****8000" in page.text and "张*" in page.text
    assert "13800138000" not in page.text  # an operator sees PII masked
    assert "无等级" in page.text and "250" in page.text
    found = await client.get("/console/members", params={"phone": "+86 138 0013 8000"})
    assert "138****8000" in found.text
    bad = await client.get("/console/members", params={"phone": "12"})
    assert "手机号格式不正确" in bad.text
    detail = await client.get(f"/console/members/{m.json()['id']}?lang=en")
    assert detail.status_code == 200 and "Points ledger" in detail.text and "adjust" in detail.text


async def test_sign_in_returns_to_the_page_asked_for_and_only_within_the_console(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _user(engine, tenant)
    r = await client.get("/console/members?cursor=abc")
    assert (
        r.status_code == 303
        and r.headers["location"] == "/console/login?next=%2Fconsole%2Fmembers%3Fcursor%3Dabc"
    )
    page = await client.get(r.headers["location"])
    assert 'value="/console/members?cursor=abc"' in page.text
    done = await browser.login(client, "op@acme.example", PASSWORD, next="/console/members")
    assert done.status_code == 303 and done.headers["location"] == "/console/members"
    await browser.post(client, "/console/logout")
    evil = await browser.login(client, "op@acme.example", PASSWORD, next="https://evil.example/console")
    assert evil.headers["location"] == "/console"


async def test_fission_page_shows_the_funnel_and_distributors(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    from tests.referrals.conftest import campaign_data

    await _user(engine, tenant)
    empty = await _login(client)
    assert empty.status_code in (200, 303)
    page = await client.get("/console/fission")
    assert "还没有任务宝活动" in page.text and "还没有分销员" in page.text
    h = tenant.headers
    campaign = (await client.post("/api/v1/referrals/campaigns", json=campaign_data(), headers=h)).json()
    seed = (
        await client.post("/api/v1/members", json={"phone": "13800000001", "name": "李雷"}, headers=h)
    ).json()
    kit = (
        await client.post(
            f"/api/v1/referrals/campaigns/{campaign['id']}/participants",
            json={"member_id": seed["id"]},
            headers=h,
        )
    ).json()
    for n in range(3):
        friend = (await client.post("/api/v1/members", json={"phone": f"1390000000{n}"}, headers=h)).json()
        await client.post(
            f"/api/v1/referrals/campaigns/{campaign['id']}/claims",
            json={"member_id": friend["id"], "code": kit["code"]},
            headers=h,
        )
    await client.post("/api/v1/distribution/distributors", json={"member_id": seed["id"]}, headers=h)
    page = await client.get("/console/fission?lang=en")
    assert page.status_code == 200
    text = page.text
    assert "邀请好友领好礼" in text and "300%" in text  # fission rate: 3 new members from 1 seed
    detail = (await client.get(f"/console/fission/campaigns/{campaign['id']}?lang=en")).text
    assert "Invitation funnel" in detail and "Invitations started" in detail
    assert "李*" in detail  # the leaderboard shows display names, masked
    assert "Distributors" in text and f'href="/console/members/{seed["id"]}"' in text
