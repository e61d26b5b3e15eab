"""HTTP API: the caller's workspace, its users, API keys and audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response

from yutang.auth import repository as auth_repo
from yutang.auth import service as auth_service
from yutang.auth.dependencies import idempotent, require
from yutang.kit.context import Ctx
from yutang.kit.errors import NotFound
from yutang.kit.http import api_router
from yutang.kit.idempotency import store_instead
from yutang.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, page_of
from yutang.kit.schemas import ParamId
from yutang.models.workspaces import User, WorkspaceInvitation
from yutang.workspaces import invitations, repository, service
from yutang.workspaces.schemas import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    AuditOut,
    InvitationCreated,
    InvitationIn,
    InvitationOut,
    RolePatch,
    UserOut,
    WorkspaceOut,
    WorkspacePatch,
)

router = api_router(prefix="/api/v1")


@router.get("/workspace", tags=["workspace"], response_model=WorkspaceOut)
async def current_workspace(ctx: Ctx = Depends(require("workspace:read"))) -> WorkspaceOut:
    """The workspace the caller's key or session belongs to: its name, slug and the time
    zone its reports count days in."""
    return WorkspaceOut.model_validate(await service.get_workspace(ctx.session, ctx.workspace_id))


@router.patch("/workspace", tags=["workspace"], response_model=WorkspaceOut)
async def update_workspace(
    body: WorkspacePatch, ctx: Ctx = Depends(require("workspace:manage"))
) -> WorkspaceOut:
    """Rename the workspace or change its time zone (an IANA name such as
    `Asia/Shanghai`): reports, daily caps and the console count days in it from now on.
    Owners only."""
    return WorkspaceOut.model_validate(await service.update_workspace(ctx, body))


@router.get("/api-keys", tags=["workspace"], response_model=Page[ApiKeyOut])
async def list_keys(
    ctx: Ctx = Depends(require("keys:manage")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[ApiKeyOut]:
    """The workspace's API keys, newest first: prefix, role, last use (stamped at most once
    a minute) and revocation. Secrets are never shown again."""
    rows = await auth_service.list_api_keys(ctx, cursor, limit)
    items, nxt = page_of(rows, limit, lambda k: k.id)
    return Page[ApiKeyOut](data=[ApiKeyOut.model_validate(k) for k in items], next_cursor=nxt)


@router.post("/api-keys", tags=["workspace"], status_code=201, response_model=ApiKeyCreated)
async def create_key(
    request: Request, body: ApiKeyIn, ctx: Ctx = Depends(idempotent("keys:manage"))
) -> Response:
    """Create an API key. The secret is in this answer only (a replay with the same
    Idempotency-Key answers without it)."""
    issued = await auth_service.create_api_key(ctx, body.name, body.role)
    shown = ApiKeyOut.model_validate(issued.key)
    # Store a replay without the secret (it is never stored); this first answer carries it.
    store_instead(request, shown)
    out = ApiKeyCreated(**shown.model_dump(), key=issued.secret)
    return Response(out.model_dump_json(), status_code=201, media_type="application/json")


@router.delete("/api-keys/{key_id}", tags=["workspace"], response_model=ApiKeyOut)
async def revoke_key(key_id: ParamId, ctx: Ctx = Depends(require("keys:manage"))) -> ApiKeyOut:
    """Revoke a key at once: its next request answers 401. Revoking twice changes nothing;
    the key stays in the list with `revoked_at`."""
    return ApiKeyOut.model_validate(await auth_service.revoke_api_key(ctx, key_id))


@router.get("/users", tags=["workspace"], response_model=Page[UserOut])
async def list_users(
    ctx: Ctx = Depends(require("users:manage")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[UserOut]:
    """The workspace's console users and their roles, oldest first (people invited but
    not yet joined are in `GET /invitations`)."""
    return Page[UserOut].of(
        await repository.members(ctx.session, ctx.workspace_id),
        cursor,
        limit,
        lambda row: UserOut(id=row[0], email=row[1], name=row[2], role=row[3]),
    )


def _invitation_out(inv: WorkspaceInvitation) -> InvitationOut:
    return InvitationOut(
        id=inv.id,
        email=inv.email,
        name=inv.name,
        role=inv.role,
        status=invitations.status_of(inv),
        invited_by=inv.invited_by,
        created_at=inv.created_at,
        expires_at=inv.expires_at,
        decided_at=inv.decided_at,
    )


async def _invite(request: Request, body: InvitationIn, ctx: Ctx) -> Response:
    settings = request.app.state.settings
    issued = await invitations.invite(ctx, body.email, body.role, name=body.name, ttl=settings.invitation_ttl)
    shown = _invitation_out(issued.invitation)
    # The replay leaves the accept URL out: its token is never stored.
    store_instead(request, shown)
    url = str(request.base_url).rstrip("/") + f"/console/invitations/{issued.token}"
    out = InvitationCreated(**shown.model_dump(), accept_url=url)
    return Response(out.model_dump_json(), status_code=201, media_type="application/json")


@router.post("/invitations", tags=["workspace"], status_code=201, response_model=InvitationCreated)
async def create_invitation(
    request: Request, body: InvitationIn, ctx: Ctx = Depends(idempotent("users:manage"))
) -> Response:
    """Invite a person to the workspace with a role. They join only by accepting; the
    answer is the same whether or not the address has an account (here or elsewhere).
    `accept_url` is in this answer only — pass it to them (Yutang sends no mail)."""
    return await _invite(request, body, ctx)


@router.post("/users", tags=["workspace"], status_code=201, response_model=InvitationCreated)
async def add_user(
    request: Request, body: InvitationIn, ctx: Ctx = Depends(idempotent("users:manage"))
) -> Response:
    """The same as `POST /invitations`: a user is added only by accepting an invitation."""
    return await _invite(request, body, ctx)


@router.get("/invitations", tags=["workspace"], response_model=Page[InvitationOut])
async def list_invitations(
    ctx: Ctx = Depends(require("users:manage")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[InvitationOut]:
    """The workspace's invitations, newest first, with their status."""
    rows = await invitations.list_for_workspace(ctx, cursor, limit)
    items, nxt = page_of(rows, limit, lambda i: i.id)
    return Page[InvitationOut](data=[_invitation_out(i) for i in items], next_cursor=nxt)


@router.delete("/invitations/{invitation_id}", tags=["workspace"], response_model=InvitationOut)
async def revoke_invitation(
    invitation_id: ParamId, ctx: Ctx = Depends(require("users:manage"))
) -> InvitationOut:
    """Revoke a pending invitation: its URL stops working at once."""
    return _invitation_out(await invitations.revoke(ctx, invitation_id))


@router.patch("/users/{user_id}", tags=["workspace"], response_model=UserOut)
async def set_role(user_id: ParamId, body: RolePatch, ctx: Ctx = Depends(require("users:manage"))) -> UserOut:
    """Change a console user's role. Nobody grants a role above their own, only owners
    change owners (`forbidden`), and the last owner stays one (`last_owner`)."""
    member = await auth_repo.membership(ctx.session, ctx.workspace_id, user_id)
    if member is None:
        raise NotFound("No such user in this workspace.")
    user = await ctx.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user in this workspace.")
    member = await service.set_member_role(ctx, user, body.role)
    return UserOut(id=user.id, email=user.email, name=user.name, role=member.role)


@router.delete("/users/{user_id}", tags=["workspace"], status_code=204)
async def remove_user(user_id: ParamId, ctx: Ctx = Depends(require("users:manage"))) -> Response:
    """Remove a user from this workspace (their account and other workspaces stay); their
    console sessions here end. Only owners remove owners; the last owner stays."""
    await service.remove_member(ctx, user_id)
    return Response(status_code=204)


@router.get("/audit-log", tags=["workspace"], response_model=Page[AuditOut])
async def audit_log(
    ctx: Ctx = Depends(require("audit:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
    action: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[AuditOut]:
    """Who changed what, newest first: the actor (user, API key, CLI or system), the action
    (`link.updated`, `member.erased`, …; filter with `action=`) and the fields changed."""
    rows = await repository.audit_entries(ctx.session, ctx.workspace_id, action, cursor, limit)
    items, nxt = page_of(rows, limit, lambda a: a.id)
    return Page[AuditOut](data=[AuditOut.model_validate(a) for a in items], next_cursor=nxt)
