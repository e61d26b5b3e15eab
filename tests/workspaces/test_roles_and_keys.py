"""Roles decide what a key may do; keys are shown once, stored hashed, revocable."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, add_key
from yutang.auth.passwords import hash_password, verify_password
from yutang.kit.db import unit_of_work
from yutang.models.workspaces import ApiKey

LINK = {"url": "https://a.example/"}


@pytest.mark.parametrize(
    ("role", "can_read", "can_write", "can_manage_keys"),
    [
        ("owner", True, True, True),
        ("admin", True, True, True),
        ("operator", True, True, False),
        ("staff", True, False, False),
        ("analyst", True, False, False),
    ],
)
async def test_role_matrix(
    client: httpx.AsyncClient,
    tenant: Tenant,
    engine: AsyncEngine,
    role: str,
    can_read: bool,
    can_write: bool,
    can_manage_keys: bool,
) -> None:
    headers = await add_key(engine, tenant, role)
    read = await client.get("/api/v1/links", headers=headers)
    write = await client.post("/api/v1/links", json=LINK, headers=headers)
    keys = await client.get("/api/v1/api-keys", headers=headers)
    assert (read.status_code == 200) is can_read
    assert (write.status_code == 201) is can_write
    assert (keys.status_code == 200) is can_manage_keys
    for r, allowed in ((write, can_write), (keys, can_manage_keys)):
        if not allowed:
            assert r.status_code == 403
            assert r.json()["error"]["code"] == "forbidden"


async def test_nobody_grants_a_role_above_their_own(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    admin = await add_key(engine, tenant, "admin")
    r = await client.post("/api/v1/api-keys", json={"name": "x", "role": "owner"}, headers=admin)
    assert r.status_code == 403
    r = await client.post("/api/v1/api-keys", json={"name": "x", "role": "operator"}, headers=admin)
    assert r.status_code == 201


async def test_key_is_shown_once_and_stored_only_as_a_hash(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    r = await client.post(
        "/api/v1/api-keys", json={"name": "shop", "role": "operator"}, headers=tenant.headers
    )
    secret = r.json()["key"]
    assert secret.startswith("yt_") and len(secret) > 40
    listed = await client.get("/api/v1/api-keys", headers=tenant.headers)
    assert all("key" not in k for k in listed.json()["data"])
    async with engine.connect() as conn:
        dump = " ".join(str(row) for row in (await conn.execute(text("SELECT * FROM api_keys"))).all())
    assert secret not in dump
    assert (
        await client.get("/api/v1/links", headers={"Authorization": f"Bearer {secret}"})
    ).status_code == 200


async def test_revoked_key_is_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    r = await client.post(
        "/api/v1/api-keys", json={"name": "tmp", "role": "operator"}, headers=tenant.headers
    )
    key_id, secret = r.json()["id"], r.json()["key"]
    headers = {"Authorization": f"Bearer {secret}"}
    assert (await client.get("/api/v1/links", headers=headers)).status_code == 200
    revoked = await client.delete(f"/api/v1/api-keys/{key_id}", headers=tenant.headers)
    assert revoked.json()["revoked_at"] is not None
    denied = await client.get("/api/v1/links", headers=headers)
    assert denied.status_code == 401
    assert denied.json()["error"]["code"] == "unauthenticated"


async def test_last_used_time_is_recorded(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    async with unit_of_work(readonly=True, engine=engine) as s:
        before = await s.scalar(select(ApiKey.last_used_at).where(ApiKey.workspace_id == tenant.id))
    assert before is None
    await client.get("/api/v1/links", headers=tenant.headers)
    async with unit_of_work(readonly=True, engine=engine) as s:
        after = await s.scalar(select(ApiKey.last_used_at).where(ApiKey.workspace_id == tenant.id))
    assert after is not None


@pytest.mark.parametrize("header", ["", "Bearer ", "Bearer yt_nope", "Basic abc", "Bearer not-a-key"])
async def test_missing_or_wrong_credentials_get_401(client: httpx.AsyncClient, header: str) -> None:
    headers = {"Authorization": header} if header else {}
    r = await client.get("/api/v1/links", headers=headers)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"


async def test_workspace_keeps_an_owner(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    from yutang.kit.context import SYSTEM, Ctx
    from yutang.workspaces import service as ws_service

    async with unit_of_work(engine=engine) as s:
        user = await ws_service.create_user(s, "own@acme.example", "long-enough")
        await ws_service.set_member_role(Ctx(s, tenant.id, SYSTEM), user, "owner")
    uid = user.id
    demote = await client.patch(f"/api/v1/users/{uid}", json={"role": "admin"}, headers=tenant.headers)
    assert demote.status_code == 409
    assert demote.json()["error"]["code"] == "last_owner"
    remove = await client.delete(f"/api/v1/users/{uid}", headers=tenant.headers)
    assert remove.json()["error"]["code"] == "last_owner"


def test_passwords_are_hashed_with_argon2() -> None:
    h = hash_password("correct horse")
    assert h.startswith("$argon2id$")
    assert verify_password(h, "correct horse")
    assert not verify_password(h, "wrong horse")


async def test_replayed_key_creation_creates_nothing_and_never_repeats_the_secret(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    headers = tenant.headers | {"Idempotency-Key": "key-1"}
    first = await client.post("/api/v1/api-keys", json={"name": "shop", "role": "operator"}, headers=headers)
    again = await client.post("/api/v1/api-keys", json={"name": "shop", "role": "operator"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert "key" in first.json() and "key" not in again.json()
    assert again.json()["id"] == first.json()["id"]
    listed = await client.get("/api/v1/api-keys", headers=tenant.headers)
    assert [k["name"] for k in listed.json()["data"]].count("shop") == 1


async def test_last_used_time_is_recorded_by_writing_requests_too(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    headers = await add_key(engine, tenant, "operator")
    r = await client.post("/api/v1/links", json=LINK, headers=headers)
    assert r.status_code == 201
    async with unit_of_work(readonly=True, engine=engine) as s:
        stamped = await s.scalar(select(ApiKey.last_used_at).where(ApiKey.name == "operator"))
    assert stamped is not None
