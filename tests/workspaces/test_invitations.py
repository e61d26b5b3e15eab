"""Adding a person to a workspace is an invitation they accept: the answer is the same
whether or not the address has an account (here or elsewhere), nothing is attached
before they accept, and admins list and revoke invitations."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, add_key
from tests.web import browser
from yutang.kit.db import unit_of_work
from yutang.models.base import utcnow
from yutang.models.workspaces import WorkspaceInvitation, WorkspaceMember

VOLATILE = {"id", "email", "created_at", "expires_at", "accept_url"}


async def _memberships(engine: AsyncEngine) -> set[tuple[int, int, str]]:
    async with unit_of_work(engine=engine, readonly=True) as s:
        rows = await s.execute(
            select(WorkspaceMember.workspace_id, WorkspaceMember.user_id, WorkspaceMember.role)
        )
        return {(w, u, r) for w, u, r in rows.all()}


async def test_inviting_another_workspaces_user_attaches_and_reveals_nothing(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    await browser.make_user(engine, other_tenant.id, "bob@globex.example", "owner")
    await browser.make_user(engine, tenant.id, "ann@acme.example", "owner")
    before = await _memberships(engine)
    answers = {}
    for email in ("bob@globex.example", "nobody@nowhere.example"):
        for path in ("/api/v1/users", "/api/v1/invitations"):
            r = await client.post(path, json={"email": email, "role": "admin"}, headers=tenant.headers)
            assert r.status_code == 201, r.text
            answers[(email, path)] = r.json()
    shapes = {tuple(sorted(a)) for a in answers.values()}
    assert len(shapes) == 1  # one shape for an address with an account and one without
    for (email, _), a in answers.items():
        assert a["email"] == email and a["status"] == "pending" and a["role"] == "admin"
        assert {k: v for k, v in a.items() if k not in VOLATILE} == {
            "name": "",
            "role": "admin",
            "status": "pending",
            "invited_by": a["invited_by"],
            "decided_at": None,
        }
        assert "Globex" not in str(a) and "user_id" not in a  # neither their workspace nor id
    assert await _memberships(engine) == before  # nobody was attached
    # Bob's own console still opens Globex (the lowest workspace id used to be chosen).
    async with browser.browser(client._transport.app, "192.0.2.99") as bob_browser:  # type: ignore[attr-defined]
        await browser.login(bob_browser, "bob@globex.example")
        page = await bob_browser.get("/console")
        assert page.status_code == 200 and "Globex" in page.text and "邀请 (1)" in page.text


async def test_the_accept_url_is_shown_once_and_its_token_stored_hashed(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    headers = tenant.headers | {"Idempotency-Key": "invite-1"}
    first = await client.post("/api/v1/invitations", json={"email": "Cat@Acme.Example "}, headers=headers)
    again = await client.post("/api/v1/invitations", json={"email": "Cat@Acme.Example "}, headers=headers)
    assert first.status_code == again.status_code == 201
    url = first.json()["accept_url"]
    assert url.startswith("http://api.test/console/invitations/") and "accept_url" not in again.json()
    assert first.json()["email"] == "cat@acme.example" and again.json()["id"] == first.json()["id"]
    token = url.rsplit("/", 1)[1]
    async with engine.connect() as conn:
        dump = " ".join(map(str, (await conn.execute(text("SELECT * FROM workspace_invitations"))).all()))
        count = await conn.scalar(select(func.count()).select_from(WorkspaceInvitation))
    assert token not in dump and count == 1
    page = await client.get(url)
    assert page.status_code == 200 and "Acme" in page.text and "cat@acme.example" in page.text


async def test_admins_list_and_revoke_invitations_and_others_cannot(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    admin = await add_key(engine, tenant, "admin")
    operator = await add_key(engine, tenant, "operator")
    one = (await client.post("/api/v1/invitations", json={"email": "a@x.example"}, headers=admin)).json()
    two = (
        await client.post(
            "/api/v1/invitations", json={"email": "b@x.example", "role": "staff"}, headers=admin
        )
    ).json()
    theirs = (
        await client.post("/api/v1/invitations", json={"email": "c@x.example"}, headers=other_tenant.headers)
    ).json()
    # A second invitation of the same address replaces the first.
    again = (await client.post("/api/v1/invitations", json={"email": "a@x.example"}, headers=admin)).json()
    listed = await client.get("/api/v1/invitations", headers=admin)
    assert listed.status_code == 200 and listed.json()["next_cursor"] is None
    assert [(i["email"], i["status"]) for i in listed.json()["data"]] == [
        ("a@x.example", "pending"),
        ("b@x.example", "pending"),
        ("a@x.example", "revoked"),
    ]
    assert (await client.get("/api/v1/invitations", headers=operator)).status_code == 403
    assert (await client.delete(f"/api/v1/invitations/{two['id']}", headers=operator)).status_code == 403
    assert (await client.delete(f"/api/v1/invitations/{theirs['id']}", headers=admin)).status_code == 404
    r = await client.delete(f"/api/v1/invitations/{two['id']}", headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "revoked" and r.json()["decided_at"]
    for gone in (one, two):
        page = await client.get(gone["accept_url"])
        assert page.status_code == 404 and "该邀请无效" in page.text
    assert (await client.get(again["accept_url"])).status_code == 200
    assert (await client.get(theirs["accept_url"])).status_code == 200  # theirs untouched
    page = await client.get("/api/v1/invitations?limit=1", headers=admin)
    assert len(page.json()["data"]) == 1 and page.json()["next_cursor"]


async def test_an_invitation_expires(client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine) -> None:
    inv = (
        await client.post("/api/v1/invitations", json={"email": "late@x.example"}, headers=tenant.headers)
    ).json()
    assert inv["status"] == "pending"
    async with unit_of_work(engine=engine) as s:
        await s.execute(update(WorkspaceInvitation).values(expires_at=utcnow() - timedelta(seconds=1)))
    listed = (await client.get("/api/v1/invitations", headers=tenant.headers)).json()["data"]
    assert listed[0]["status"] == "expired"
    assert (await client.get(inv["accept_url"])).status_code == 404
    assert (await client.delete(f"/api/v1/invitations/{inv['id']}", headers=tenant.headers)).json()[
        "status"
    ] == "expired"


async def test_a_password_in_the_body_is_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    """Setting someone's password was how an account was taken over: no longer taken."""
    r = await client.post(
        "/api/v1/users", json={"email": "x@x.example", "password": "long-enough"}, headers=tenant.headers
    )
    assert r.status_code == 422 and "password" in r.json()["error"]["message"]
