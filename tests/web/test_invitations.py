"""Invitations in the console: accepted or declined by the person invited, a new account
made from the accept URL, and a switcher among several workspaces."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.web import browser
from yutang.links.redirect import RedirectApp


async def _invite(
    client: httpx.AsyncClient, tenant: Tenant, email: str, role: str = "operator"
) -> dict[str, Any]:
    r = await client.post("/api/v1/invitations", json={"email": email, "role": role}, headers=tenant.headers)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def _ids(html: str, action: str) -> list[int]:
    return [int(i) for i in re.findall(rf'action="/console/invitations/(\d+)/{action}"', html)]


async def test_a_user_of_another_workspace_accepts_and_switches(
    client: httpx.AsyncClient, app: RedirectApp, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    await browser.make_user(engine, other_tenant.id, "bob@globex.example", "owner")
    inv = await _invite(client, tenant, "bob@globex.example")
    async with browser.browser(app) as bob:
        await browser.login(bob, "bob@globex.example")
        home = await bob.get("/console")
        assert "Globex" in home.text and 'name="workspace_id"' not in home.text  # one workspace so far
        page = await bob.get("/console/invitations")
        assert "Acme" in page.text and _ids(page.text, "accept") == [inv["id"]]
        r = await browser.post(bob, f"/console/invitations/{inv['id']}/accept")
        assert r.status_code == 303 and r.headers["location"] == "/console"
        home = await bob.get("/console")
        assert "Acme · 运营" in home.text or "selected>Acme" in home.text
        assert 'name="workspace_id"' in home.text and "Globex · 所有者" in home.text
        # The switcher (here as htmx would send it: the token in a header).
        token = browser.token_in(home.text)
        r = await bob.post(
            "/console/workspace",
            data={"workspace_id": str(other_tenant.id)},
            headers={"x-csrf-token": token, "origin": browser.ORIGIN},
        )
        assert r.status_code == 303
        assert 'value="2" selected' in (await bob.get("/console")).text
        # Not a workspace of Bob's: refused, and nothing said about it.
        assert (await browser.post(bob, "/console/workspace", {"workspace_id": "99"})).status_code == 404
        # The last workspace chosen opens at the next sign-in.
        await browser.post(bob, "/console/logout")
        await browser.login(bob, "bob@globex.example")
        assert 'value="2" selected' in (await bob.get("/console")).text
        await browser.post(bob, "/console/workspace", {"workspace_id": str(tenant.id)})
        await browser.post(bob, "/console/logout")
        await browser.login(bob, "bob@globex.example")
        assert 'value="1" selected' in (await bob.get("/console")).text
    listed = (await client.get("/api/v1/invitations", headers=tenant.headers)).json()["data"]
    assert listed[0]["status"] == "accepted"
    users = (await client.get("/api/v1/users", headers=tenant.headers)).json()["data"]
    assert [(u["email"], u["role"]) for u in users] == [("bob@globex.example", "operator")]


async def test_a_declined_invitation_attaches_nothing(
    client: httpx.AsyncClient, app: RedirectApp, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    await browser.make_user(engine, tenant.id, "ann@acme.example", "owner")
    inv = await _invite(client, other_tenant, "ann@acme.example", "admin")
    async with browser.browser(app) as ann:
        await browser.login(ann, "ann@acme.example")
        r = await browser.post(ann, f"/console/invitations/{inv['id']}/decline")
        assert r.status_code == 303
        assert _ids((await ann.get("/console/invitations")).text, "accept") == []
        again = await browser.post(ann, f"/console/invitations/{inv['id']}/accept")
        assert again.status_code == 404 and "没有找到" in again.text  # a page, not JSON
    assert (await client.get("/api/v1/users", headers=other_tenant.headers)).json()["data"] == []
    listed = (await client.get("/api/v1/invitations", headers=other_tenant.headers)).json()["data"]
    assert listed[0]["status"] == "declined"


def _same(html: str) -> str:
    return re.sub(r"[0-9a-f]{64}", "TOKEN", html)


async def test_the_accept_url_makes_a_new_account_and_tells_nothing_about_an_old_one(
    client: httpx.AsyncClient, app: RedirectApp, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    await browser.make_user(engine, other_tenant.id, "bob@globex.example", "owner")
    new = await _invite(client, tenant, "dan@new.example")
    old = await _invite(client, tenant, "bob@globex.example")
    answers = []
    for inv in (new, old):
        # Whoever holds the URL (the inviter too) sees the same page …
        async with browser.browser(app, "192.0.2.30") as holder:
            page = await holder.get(inv["accept_url"])
            assert page.status_code == 200 and 'name="password"' in page.text
            short = await browser.post(
                holder,
                inv["accept_url"] + "/register",
                {"name": "D", "password": "short"},
                page=inv["accept_url"],
            )
            assert short.status_code == 400
            r = await browser.post(
                holder,
                inv["accept_url"] + "/register",
                {"name": "Dan", "password": "dans-new-password"},
                page=inv["accept_url"],
            )
            assert r.status_code == 200
            answers.append(_same(r.text))
    assert answers[0] == answers[1]  # … and the same answer for a new and an old address
    async with browser.browser(app, "192.0.2.31") as dan:
        assert (await browser.login(dan, "dan@new.example", "dans-new-password")).status_code == 303
        assert "Acme · 运营" in (await dan.get("/console")).text
    async with browser.browser(app, "192.0.2.32") as bob:
        # Bob's password did not change, and he is not in Acme until he accepts.
        assert (await browser.login(bob, "bob@globex.example", "dans-new-password")).status_code == 401
        assert (await browser.login(bob, "bob@globex.example")).status_code == 303
        assert "Globex" in (await bob.get("/console")).text
        assert _ids((await bob.get("/console/invitations")).text, "accept") == [old["id"]]
    # The used URL is dead.
    assert (await client.get(new["accept_url"])).status_code == 404


async def test_an_invitation_is_for_its_address_only(
    client: httpx.AsyncClient, app: RedirectApp, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    await browser.make_user(engine, other_tenant.id, "bob@globex.example", "owner")
    carols = await _invite(client, tenant, "carol@acme.example", "admin")
    async with browser.browser(app) as bob:
        await browser.login(bob, "bob@globex.example")
        page = await bob.get(carols["accept_url"])
        assert "该邀请发给另一个邮箱" in page.text and _ids(page.text, "accept") == []
        r = await browser.post(bob, f"/console/invitations/{carols['id']}/accept")
        assert r.status_code == 404
    assert (await client.get("/api/v1/users", headers=tenant.headers)).json()["data"] == []


async def test_someone_in_no_workspace_yet_lands_on_the_invitations(
    client: httpx.AsyncClient, app: RedirectApp, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    from yutang.kit.db import unit_of_work
    from yutang.workspaces import service as ws_service

    async with unit_of_work(engine=engine) as s:
        await ws_service.create_user(s, "eve@x.example", browser.PASSWORD)
        await ws_service.create_user(s, "fay@x.example", browser.PASSWORD)
    inv = await _invite(client, other_tenant, "eve@x.example", "analyst")
    async with browser.browser(app) as eve:
        r = await browser.login(eve, "eve@x.example")
        assert r.status_code == 303 and r.headers["location"] == "/console/invitations"
        assert (await eve.get("/console")).headers["location"] == "/console/invitations"
        await browser.post(eve, f"/console/invitations/{inv['id']}/accept")
        assert "Globex · 分析师" in (await eve.get("/console")).text
    async with browser.browser(app) as fay:
        r = await browser.login(fay, "fay@x.example")
        assert r.status_code == 403 and "该账号尚未加入任何品牌" in r.text
