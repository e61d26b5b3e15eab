"""The workspace's profile: owners rename it and move it to another time zone through
`PATCH /workspace`; the redirect path counts days in the new zone at once; nothing else
may, and a zone that does not exist is refused without a write."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, add_key
from yutang.kit.db import unit_of_work
from yutang.links.redirect import RedirectApp
from yutang.models.platform import AuditEntry


async def test_an_owner_renames_the_workspace_and_changes_its_zone(
    client: httpx.AsyncClient, app: RedirectApp, tenant: Tenant, engine: AsyncEngine
) -> None:
    await client.post(
        "/api/v1/links", json={"url": "https://a.example/", "slug": "a"}, headers=tenant.headers
    )
    assert (await client.get(f"http://{tenant.host}/a")).status_code == 302
    assert app.cache.domains is not None and app.cache.domains[tenant.host].tz == ZoneInfo("Asia/Shanghai")

    r = await client.patch(
        "/api/v1/workspace", json={"name": " 山茶花 ", "timezone": "Europe/Paris"}, headers=tenant.headers
    )
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["timezone"]) == ("山茶花", "Europe/Paris")
    got = (await client.get("/api/v1/workspace", headers=tenant.headers)).json()
    assert (got["name"], got["timezone"]) == ("山茶花", "Europe/Paris")
    # The redirect path dropped the zone it kept for the domain, and reads the new one.
    assert (await client.get(f"http://{tenant.host}/a")).status_code == 302
    assert app.cache.domains is not None and app.cache.domains[tenant.host].tz == ZoneInfo("Europe/Paris")
    async with unit_of_work(readonly=True, engine=engine) as s:
        entry = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "workspace.updated"))).one()
    assert entry.changes == {"name": "山茶花", "timezone": "Europe/Paris"}

    same = await client.patch("/api/v1/workspace", json={"timezone": "Europe/Paris"}, headers=tenant.headers)
    assert same.status_code == 200 and same.json()["name"] == "山茶花"  # a field left out is kept
    async with unit_of_work(readonly=True, engine=engine) as s:
        assert (
            len((await s.scalars(select(AuditEntry).where(AuditEntry.action == "workspace.updated"))).all())
            == 1
        )


async def test_unknown_zones_and_empty_names_are_refused_and_only_owners_may(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    for body in ({"timezone": "Mars/Olympus"}, {"timezone": "../etc/passwd"}, {"name": "  "}, {"name": ""}):
        r = await client.patch("/api/v1/workspace", json=body, headers=tenant.headers)
        assert r.status_code == 422, body
    admin = await add_key(engine, tenant, "admin")
    r = await client.patch("/api/v1/workspace", json={"name": "x"}, headers=admin)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert (
        await client.patch("/api/v1/workspace", json={"name": "Globex 2"}, headers=other_tenant.headers)
    ).status_code == 200
    got = (await client.get("/api/v1/workspace", headers=tenant.headers)).json()
    assert (got["name"], got["timezone"]) == ("Acme", "Asia/Shanghai")
