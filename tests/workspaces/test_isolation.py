"""A key of workspace A can read, change or delete nothing of workspace B."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.factories import sync_store
from yutang.kit.context import SYSTEM, Ctx
from yutang.kit.db import unit_of_work
from yutang.models.links import Channel, Link
from yutang.models.platform import AuditEntry
from yutang.models.workspaces import ApiKey, User, WorkspaceInvitation
from yutang.workspaces import service as ws_service


async def _b_world(client: httpx.AsyncClient, b: Tenant, engine: AsyncEngine) -> dict[str, Any]:
    ch = await client.post(
        "/api/v1/channels", json={"name": "B cards", "type": "package_card"}, headers=b.headers
    )
    link = await client.post(
        "/api/v1/links",
        json={"url": "https://b.example/", "slug": "bee", "channel_id": ch.json()["id"]},
        headers=b.headers,
    )
    live = await client.post(
        "/api/v1/links",
        json={"slug": "beelive", "targets": [{"label": "x", "destination": "https://b.example/x"}]},
        headers=b.headers,
    )
    key = await client.post("/api/v1/api-keys", json={"name": "b2", "role": "analyst"}, headers=b.headers)
    invitation = await client.post(
        "/api/v1/invitations", json={"email": "bob@b.example", "role": "operator"}, headers=b.headers
    )
    for r in (ch, link, live, key, invitation):
        assert r.status_code == 201, r.text
    async with unit_of_work(engine=engine) as s:
        bob = await ws_service.create_user(s, "bob@b.example", "long-enough", "Bob")
        await ws_service.set_member_role(Ctx(s, b.id, SYSTEM), bob, "operator")
    return {
        "channel": ch.json()["id"],
        "link": link.json()["id"],
        "live": live.json()["id"],
        "key": key.json()["id"],
        "user": bob.id,
        "invitation": invitation.json()["id"],
    }


async def _snapshot(engine: AsyncEngine, b: Tenant) -> tuple[Any, ...]:
    async with unit_of_work(readonly=True, engine=engine) as s:
        links = (
            await s.execute(
                select(Link.id, Link.url, Link.disabled, Link.archived, Link.title)
                .where(Link.workspace_id == b.id)
                .order_by(Link.id)
            )
        ).all()
        chans = (
            await s.execute(
                select(Channel.id, Channel.name, Channel.exposures).where(Channel.workspace_id == b.id)
            )
        ).all()
        keys = (
            await s.execute(select(ApiKey.id, ApiKey.revoked_at).where(ApiKey.workspace_id == b.id))
        ).all()
        users = (await s.execute(select(func.count()).select_from(User))).scalar()
        invitations = (
            await s.execute(
                select(WorkspaceInvitation.id, WorkspaceInvitation.outcome).where(
                    WorkspaceInvitation.workspace_id == b.id
                )
            )
        ).all()
        audit = await s.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.workspace_id == b.id)
        )
    return (
        tuple(map(tuple, links)),
        tuple(map(tuple, chans)),
        tuple(map(tuple, keys)),
        users,
        tuple(map(tuple, invitations)),
        audit,
    )


ATTEMPTS = [
    ("GET", "/api/v1/links/{link}", None),
    ("PATCH", "/api/v1/links/{link}", {"url": "https://evil.example/"}),
    ("PATCH", "/api/v1/links/{link}", {"disabled": True}),
    ("DELETE", "/api/v1/links/{link}", None),
    ("GET", "/api/v1/links/{link}/qr", None),
    ("GET", "/api/v1/links/{live}", None),
    ("PATCH", "/api/v1/links/{live}", {"targets": [{"label": "x", "destination": "https://evil.example/"}]}),
    ("GET", "/api/v1/channels/{channel}", None),
    ("PATCH", "/api/v1/channels/{channel}", {"name": "pwned"}),
    ("DELETE", "/api/v1/api-keys/{key}", None),
    ("PATCH", "/api/v1/users/{user}", {"role": "analyst"}),
    ("DELETE", "/api/v1/users/{user}", None),
    ("DELETE", "/api/v1/invitations/{invitation}", None),
    ("GET", "/api/v1/stats/clicks?link_id={link}", None),
    ("GET", "/api/v1/stats/clicks?channel_id={channel}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ATTEMPTS, ids=[f"{m} {p}" for m, p, _ in ATTEMPTS])
async def test_a_cannot_touch_b(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    engine: AsyncEngine,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    ids = await _b_world(client, other_tenant, engine)
    before = await _snapshot(engine, other_tenant)
    r = await client.request(method, path.format(**ids), json=body, headers=tenant.headers)
    assert r.status_code == 404, r.text
    assert r.json()["error"]["code"] in ("not_found", "unknown_channel")
    assert await _snapshot(engine, other_tenant) == before


async def test_a_cannot_use_bs_channel_or_domain_when_creating(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    ids = await _b_world(client, other_tenant, engine)
    r = await client.post(
        "/api/v1/links",
        json={"url": "https://a.example/", "channel_id": ids["channel"]},
        headers=tenant.headers,
    )
    assert r.json()["error"]["code"] == "unknown_channel"
    r = await client.post(
        "/api/v1/links",
        json={"url": "https://a.example/", "domain": other_tenant.host},
        headers=tenant.headers,
    )
    assert r.json()["error"]["code"] == "unknown_domain"
    r = await client.post(
        "/api/v1/links", json={"url": "https://a.example/", "slug": "bee"}, headers=tenant.headers
    )
    assert r.status_code == 201  # slugs are per domain: B's "bee" does not block A's


async def test_lists_show_only_the_callers_rows(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    engine: AsyncEngine,
    app: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await _b_world(client, other_tenant, engine)
    await sync_store(app, engine, monkeypatch)  # the click statistics are the store's
    for path in (
        "/api/v1/links",
        "/api/v1/channels",
        "/api/v1/api-keys",
        "/api/v1/audit-log",
        "/api/v1/invitations",
    ):
        r = await client.get(path, headers=tenant.headers)
        assert r.status_code == 200
        rows = r.json()["data"]
        if path == "/api/v1/api-keys":
            assert [k["name"] for k in rows] == ["acme key"]
        elif path == "/api/v1/audit-log":
            assert all(a["target_type"] != "link" for a in rows)
        else:
            assert rows == []
    users = await client.get("/api/v1/users", headers=tenant.headers)
    assert users.json()["data"] == []
    domains = await client.get("/api/v1/link-domains", headers=tenant.headers)
    assert [d["host"] for d in domains.json()["data"]] == [tenant.host]
    stats = await client.get("/api/v1/stats/channels", headers=tenant.headers)
    assert stats.json()["rows"] == []


async def test_a_cannot_claim_bs_link_domain(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    r = await client.post("/api/v1/link-domains", json={"host": other_tenant.host}, headers=tenant.headers)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "domain_taken"
