"""Only owners make, change or remove owners; a workspace never loses its last owner,
not even to two demotions at once."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, add_key
from tests.waits import until_blocked_on_a_lock
from yutang.auth import repository as auth_repo
from yutang.kit.context import Actor, Ctx
from yutang.kit.db import unit_of_work
from yutang.kit.errors import Conflict
from yutang.models.workspaces import User
from yutang.workspaces import repository, service

PASSWORD = "correct-horse-battery"


async def _member(engine: AsyncEngine, tenant: Tenant, email: str, role: str) -> int:
    from yutang.kit.context import SYSTEM

    async with unit_of_work(engine=engine) as s:
        user = await auth_repo.user_by_email(s, email)
        if user is None:
            user = await service.create_user(s, email, PASSWORD, email.split("@")[0])
        await service.set_member_role(Ctx(s, tenant.id, SYSTEM), user, role)
        return user.id


async def _roles(engine: AsyncEngine, workspace_id: int) -> dict[str, str]:
    async with unit_of_work(engine=engine, readonly=True) as s:
        return {e: r for _, e, _, r in await repository.members(s, workspace_id)}


async def test_an_admin_cannot_demote_or_remove_an_owner(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    first = await _member(engine, tenant, "first@acme.example", "owner")
    second = await _member(engine, tenant, "second@acme.example", "owner")
    await _member(engine, tenant, "admin@acme.example", "admin")
    op = await _member(engine, tenant, "op@acme.example", "operator")
    # The same person is an owner of another workspace too: nothing there may move.
    await _member(engine, other_tenant, "first@acme.example", "owner")
    admin = await add_key(engine, tenant, "admin")

    demote = await client.patch(f"/api/v1/users/{first}", json={"role": "operator"}, headers=admin)
    assert demote.status_code == 403 and demote.json()["error"]["code"] == "forbidden"
    remove = await client.delete(f"/api/v1/users/{second}", headers=admin)
    assert remove.status_code == 403
    promote = await client.patch(f"/api/v1/users/{op}", json={"role": "owner"}, headers=admin)
    assert promote.status_code == 403
    invite = await client.post(
        "/api/v1/invitations", json={"email": "new@acme.example", "role": "owner"}, headers=admin
    )
    assert invite.status_code == 403
    # What an admin may do stays possible.
    assert (
        await client.patch(f"/api/v1/users/{op}", json={"role": "analyst"}, headers=admin)
    ).status_code == 200
    assert await _roles(engine, tenant.id) == {
        "first@acme.example": "owner",
        "second@acme.example": "owner",
        "admin@acme.example": "admin",
        "op@acme.example": "analyst",
    }
    assert await _roles(engine, other_tenant.id) == {"first@acme.example": "owner"}

    # An owner changes owners — down to the last one, which stays.
    owner = tenant.headers
    r = await client.patch(f"/api/v1/users/{first}", json={"role": "admin"}, headers=owner)
    assert r.status_code == 200 and r.json()["role"] == "admin"
    last = await client.patch(f"/api/v1/users/{second}", json={"role": "admin"}, headers=owner)
    assert last.status_code == 409 and last.json()["error"]["code"] == "last_owner"
    gone = await client.delete(f"/api/v1/users/{second}", headers=owner)
    assert gone.status_code == 409 and gone.json()["error"]["code"] == "last_owner"
    assert (await _roles(engine, tenant.id))["second@acme.example"] == "owner"


async def test_two_concurrent_demotions_leave_one_owner(tenant: Tenant, engine: AsyncEngine) -> None:
    a = await _member(engine, tenant, "a@acme.example", "owner")
    b = await _member(engine, tenant, "b@acme.example", "owner")

    async def demote(session: object, user_id: int, actor_id: int) -> None:
        ctx = Ctx(session, tenant.id, Actor("user", str(actor_id), "owner"))  # type: ignore[arg-type]
        user = await ctx.session.get(User, user_id)
        assert user is not None
        await service.set_member_role(ctx, user, "admin")

    async def demote_b() -> None:
        async with unit_of_work(engine=engine) as s2:
            await demote(s2, b, b)

    async with unit_of_work(engine=engine) as s1:
        await demote(s1, a, a)  # B is still an owner: allowed, not yet committed
        second = asyncio.create_task(demote_b())
        await until_blocked_on_a_lock(engine)
        # B's demotion waits for A's to commit (the workspace row is locked) …
        assert not second.done()
    # … and then sees that B is the last owner.
    with pytest.raises(Conflict) as refused:
        await second
    assert refused.value.code == "last_owner"
    assert await _roles(engine, tenant.id) == {"a@acme.example": "admin", "b@acme.example": "owner"}
