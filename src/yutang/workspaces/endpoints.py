"""HTTP API: the caller's workspace, its users, API keys and audit log."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Query, Response

from yutang.auth import repository as auth_repo
from yutang.auth import service as auth_service
from yutang.kit.context import Ctx
from yutang.kit.errors import NotFound
from yutang.kit.http import api_router, idempotent, require
from yutang.kit.idempotency import Idempotency
from yutang.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, page_of
from yutang.workspaces import repository, service
from yutang.workspaces.schemas import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    AuditOut,
    RolePatch,
    UserIn,
    UserOut,
    WorkspaceOut,
)

router = api_router(prefix="/api/v1")
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


@router.get("/workspace", tags=["workspace"], response_model=WorkspaceOut)
async def current_workspace(ctx: Ctx = Depends(require("workspace:read"))) -> WorkspaceOut:
    return WorkspaceOut.model_validate(await service.get_workspace(ctx.session, ctx.workspace_id))


@router.get("/api-keys", tags=["workspace"], response_model=Page[ApiKeyOut])
async def list_keys(
    ctx: Ctx = Depends(require("keys:manage")),
    cursor: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[ApiKeyOut]:
    rows = await auth_service.list_api_keys(ctx, cursor, limit)
    items, nxt = page_of(rows, limit, lambda k: k.id)
    return Page[ApiKeyOut](data=[ApiKeyOut.model_validate(k) for k in items], next_cursor=nxt)


@router.post("/api-keys", tags=["workspace"], status_code=201, response_model=ApiKeyCreated)
async def create_key(body: ApiKeyIn, idem: Idempotency = Depends(idempotent("keys:manage"))) -> Response:
    """Create an API key. The secret is in this answer only (a replay with the same
    Idempotency-Key answers without it)."""
    if (replay := await idem.replay()) is not None:
        return replay
    issued = await auth_service.create_api_key(idem.ctx, body.name, body.role)
    shown = ApiKeyOut.model_validate(issued.key)
    # Store a replay without the secret (it is never stored); this first answer carries it.
    await idem.respond(201, shown)
    out = ApiKeyCreated(**shown.model_dump(), key=issued.secret)
    return Response(out.model_dump_json(), status_code=201, media_type="application/json")


@router.delete("/api-keys/{key_id}", tags=["workspace"], response_model=ApiKeyOut)
async def revoke_key(key_id: int, ctx: Ctx = Depends(require("keys:manage"))) -> ApiKeyOut:
    return ApiKeyOut.model_validate(await auth_service.revoke_api_key(ctx, key_id))


@router.get("/users", tags=["workspace"], response_model=list[UserOut])
async def list_users(ctx: Ctx = Depends(require("users:manage"))) -> list[UserOut]:
    return [
        UserOut(id=i, email=e, name=n, role=r)
        for i, e, n, r in await repository.members(ctx.session, ctx.workspace_id)
    ]


@router.post("/users", tags=["workspace"], status_code=201, response_model=UserOut)
async def add_user(body: UserIn, idem: Idempotency = Depends(idempotent("users:manage"))) -> Response:
    """Add a console user to the workspace (creating the user if the email is new)."""
    if (replay := await idem.replay()) is not None:
        return replay
    ctx = idem.ctx
    user = await auth_repo.user_by_email(ctx.session, body.email)
    if user is None:
        user = await service.create_user(
            ctx.session, body.email, body.password or secrets.token_urlsafe(12), body.name
        )
    member = await service.set_member_role(ctx, user, body.role)
    return await idem.respond(201, UserOut(id=user.id, email=user.email, name=user.name, role=member.role))


@router.patch("/users/{user_id}", tags=["workspace"], response_model=UserOut)
async def set_role(user_id: int, body: RolePatch, ctx: Ctx = Depends(require("users:manage"))) -> UserOut:
    member = await auth_repo.membership(ctx.session, ctx.workspace_id, user_id)
    if member is None:
        raise NotFound("No such user in this workspace.")
    from yutang.models.workspaces import User

    user = await ctx.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user in this workspace.")
    member = await service.set_member_role(ctx, user, body.role)
    return UserOut(id=user.id, email=user.email, name=user.name, role=member.role)


@router.delete("/users/{user_id}", tags=["workspace"], status_code=204)
async def remove_user(user_id: int, ctx: Ctx = Depends(require("users:manage"))) -> Response:
    await service.remove_member(ctx, user_id)
    return Response(status_code=204)


@router.get("/audit-log", tags=["workspace"], response_model=Page[AuditOut])
async def audit_log(
    ctx: Ctx = Depends(require("audit:read")),
    cursor: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
    action: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[AuditOut]:
    rows = await repository.audit_entries(ctx.session, ctx.workspace_id, action, cursor, limit)
    items, nxt = page_of(rows, limit, lambda a: a.id)
    return Page[AuditOut](data=[AuditOut.model_validate(a) for a in items], next_cursor=nxt)
