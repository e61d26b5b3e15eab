"""Every console route, walked: each page is either one of the pages of signing in and of
one's own account, or declares the permission it needs; every role gets each page it
may read (in both languages, every word translated) and a 403 page for the others;
every unsafe request without the form's token is refused and writes nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.factories import api_member
from tests.web import browser
from yutang.auth.permissions import ROLE_ORDER, allowed
from yutang.web.console import router
from yutang.web.console.frame import RoleCheck

#: Pages of signing in, invitations and one's own account: a session, not a role.
ACCOUNT_PAGES = {
    "/console/login",
    "/console/logout",
    "/console/workspace",
    "/console/invitations",
    "/console/invitations/{invitation_id}/accept",
    "/console/invitations/{invitation_id}/decline",
    "/console/invitations/{token}",
    "/console/invitations/{token}/register",
    "/console/account",
    "/console/account/password",
}


def _routes() -> list[APIRoute]:
    return [r for r in router.routes if isinstance(r, APIRoute)]


def _permission(route: APIRoute) -> Any:
    checks = [d.call for d in route.dependant.dependencies if isinstance(d.call, RoleCheck)]
    return checks[0].permission if checks else None


def test_every_console_route_declares_its_permission() -> None:
    for route in _routes():
        if route.path in ACCOUNT_PAGES:
            assert _permission(route) is None, route.path
        else:
            assert _permission(route) is not None, f"{route.path} checks no role"


async def _world(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, str]:
    channel = await client.post(
        "/api/v1/channels", json={"name": "门店", "type": "store"}, headers=tenant.headers
    )
    link = await client.post(
        "/api/v1/links",
        json={"url": "https://a.example/", "channel_id": channel.json()["id"]},
        headers=tenant.headers,
    )
    member = await api_member(client, tenant, phone="13800138000")
    segment = await client.post(
        "/api/v1/segments",
        json={"name": "高积分", "filter": {"field": "points_balance", "op": "gte", "value": 100}},
        headers=tenant.headers,
    )
    assert segment.status_code == 201, segment.text
    now = datetime.now(UTC)
    campaign = await client.post(
        "/api/v1/referrals/campaigns",
        json={
            "name": "邀请有礼",
            "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(days=7)).isoformat(),
            "stages": [{"threshold": 1, "rewards": [{"kind": "points", "amount": 10}]}],
        },
        headers=tenant.headers,
    )
    assert campaign.status_code == 201, campaign.text
    form = await client.post(
        "/api/v1/forms",
        json={
            "slug": "walk",
            "title": "问卷",
            "fields": [
                {"key": "phone", "label": "手机", "type": "phone", "maps_to": "phone", "required": True}
            ],
        },
        headers=tenant.headers,
    )
    assert form.status_code == 201, form.text
    plan = await client.post(
        "/api/v1/distribution/plans", json={"name": "全店", "rates": [1000, 300]}, headers=tenant.headers
    )
    distributor = await client.post(
        "/api/v1/distribution/distributors", json={"member_id": member}, headers=tenant.headers
    )
    level = await client.post(
        "/api/v1/distribution/levels", json={"name": "金牌", "rank": 1}, headers=tenant.headers
    )
    assert plan.status_code == 201 and distributor.status_code == 201, (plan.text, distributor.text)
    assert level.status_code == 201, level.text
    return {
        "distributor_id": str(distributor.json()["id"]),
        "plan_id": str(plan.json()["id"]),
        "level_id": str(level.json()["id"]),
        "withdrawal_id": "1",
        "cost_id": "1",
        "form_id": str(form.json()["id"]),
        "campaign_id": str(campaign.json()["id"]),
        "segment_id": str(segment.json()["id"]),
        "link_id": str(link.json()["id"]),
        "channel_id": str(channel.json()["id"]),
        "member_id": str(member),
        "action": "disable",
    }


#: Pages that show one figure's members need to be told which figure (the drill-downs).
CELLS: dict[str, dict[str, str]] = {
    "/console/reports/revenue/members": {"at": "2026-11-02", "figure": "buyers"},
    "/console/reports/retention/members": {"cohort": "2026-11-02", "n": "1"},
    "/console/reports/lifecycle/members": {"at": "2026-11-02", "kind": "dormant"},
    "/console/reports/funnel/members": {"at": "1", "dropped": "true"},
    "/console/reports/ltv/members": {"cohort": "2026-11-01"},
    "/console/reports/ltv/predicted/members": {"low": "0.9", "high": "1"},
}


def _fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


@pytest.mark.parametrize("role", ROLE_ORDER)
async def test_every_role_gets_the_pages_it_may_read_and_a_refusal_for_the_others(
    role: str, client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    values = await _world(client, tenant)
    user_id = await browser.make_user(engine, tenant.id, f"{role}@acme.example", role)
    # The member is theirs: store staff see the members they own only.
    owned = await client.patch(
        f"/api/v1/members/{values['member_id']}", json={"owner_user_id": user_id}, headers=tenant.headers
    )
    assert owned.status_code == 200
    assert (await browser.login(client, f"{role}@acme.example")).status_code == 303
    walked = 0
    for route in _routes():
        permission = _permission(route)
        if "GET" not in (route.methods or set()) or permission is None:
            continue
        path = _fill(route.path, values)
        for lang in ("zh-CN", "en"):
            r = await client.get(path, params={"lang": lang, **CELLS.get(route.path, {})})
            if allowed(role, permission):
                assert r.status_code == 200, (role, path, r.status_code)
            else:
                assert r.status_code == 403, (role, path, r.status_code)
                assert "你的角色不允许" in r.text or "Your role does not allow" in r.text
            walked += 1
    assert walked >= 2 * 13


async def test_every_unsafe_console_request_needs_the_forms_token(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    values = await _world(client, tenant) | {"invitation_id": "1", "token": "x"}
    await browser.make_user(engine, tenant.id, "owner@acme.example", "owner")
    assert (await browser.login(client, "owner@acme.example")).status_code == 303
    before = (await client.get(f"/api/v1/links/{values['link_id']}", headers=tenant.headers)).json()
    posts = [r for r in _routes() if "POST" in (r.methods or set()) and r.path != "/console/login"]
    assert len(posts) >= 12
    for route in posts:
        path = _fill(route.path, values)
        bare = await client.post(
            path, data={"name": "x", "action": "archive"}, headers={"origin": browser.ORIGIN}
        )
        assert bare.status_code == 403 and "页面已过期" in bare.text, path
        token = await browser.csrf(client, "/console/account")
        elsewhere = await client.post(
            path, data={"csrf_token": token}, headers={"origin": "https://evil.example"}
        )
        assert elsewhere.status_code == 403, path
    after = (await client.get(f"/api/v1/links/{values['link_id']}", headers=tenant.headers)).json()
    assert after == before
    assert (await client.get("/console/account")).status_code == 200  # still signed in
