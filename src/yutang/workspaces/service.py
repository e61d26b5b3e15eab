"""Workspaces, console users and their roles."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.auth import repository as auth_repo
from yutang.auth import sessions
from yutang.auth.passwords import hash_password
from yutang.auth.permissions import ROLE_PERMISSIONS, can_grant
from yutang.auth.service import validate_password
from yutang.kit import audit, locks
from yutang.kit.context import SYSTEM, Actor, Ctx
from yutang.kit.db import after_commit
from yutang.kit.errors import VALIDATION_ERROR, BadRequest, Conflict, Forbidden, NotFound
from yutang.links import service as links_service
from yutang.links.cache import link_cache
from yutang.models.workspaces import User, Workspace, WorkspaceMember
from yutang.workspaces import repository
from yutang.workspaces.errors import EMAIL_TAKEN, LAST_OWNER, WORKSPACE_TAKEN
from yutang.workspaces.schemas import WorkspacePatch

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


async def create_workspace(
    session: AsyncSession,
    name: str,
    slug: str,
    *,
    link_domain: str,
    timezone: str = "Asia/Shanghai",
    actor: Actor = SYSTEM,
) -> Workspace:
    if not SLUG_RE.match(slug):
        raise BadRequest(
            "A workspace slug is 2-63 lowercase letters, digits or hyphens.",
            code=VALIDATION_ERROR,
        )
    if await repository.by_slug(session, slug) is not None:
        raise Conflict(f"A workspace {slug!r} exists.", code=WORKSPACE_TAKEN)
    ws = Workspace(name=name, slug=slug, timezone=timezone)
    session.add(ws)
    await session.flush()
    ctx = Ctx(session, ws.id, actor)
    audit.record(ctx, "workspace.created", "workspace", ws.id, {"name": name, "slug": slug})
    await links_service.add_domain(ctx, link_domain, is_default=True)
    return ws


async def create_user(session: AsyncSession, email: str, password: str, name: str = "") -> User:
    email = email.strip().lower()
    if "@" not in email:
        raise BadRequest("Not an email address.", code=VALIDATION_ERROR)
    validate_password(password)
    if await auth_repo.user_by_email(session, email) is not None:
        raise Conflict("A user with that email exists.", code=EMAIL_TAKEN)
    user = User(email=email, name=name, password_hash=hash_password(password))
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent sign-up won the race
        raise Conflict("A user with that email exists.", code=EMAIL_TAKEN) from exc
    return user


async def set_member_role(ctx: Ctx, user: User, role: str) -> WorkspaceMember:
    """Give ``user`` a role in the workspace (a new membership or a changed one).

    Nobody grants a role above their own; only an owner makes, changes or removes an
    owner; the workspace keeps at least one owner — also when two owners are demoted at
    once, because every change of the memberships first locks the workspace row."""
    if role not in ROLE_PERMISSIONS:
        raise BadRequest(f"Unknown role {role!r}.", code=VALIDATION_ERROR)
    if not can_grant(ctx.actor.role, role):
        raise Forbidden(f"A {ctx.actor.role} cannot grant the role {role!r}.")
    await lock_memberships(ctx)
    member = await auth_repo.membership(ctx.session, ctx.workspace_id, user.id)
    if member is None:
        member = WorkspaceMember(workspace_id=ctx.workspace_id, user_id=user.id, role=role)
        ctx.session.add(member)
    else:
        if member.role == "owner" and role != "owner":
            _owner_only(ctx, "change an owner's role")
            await _keep_an_owner(ctx, user.id)
        member.role = role
    await ctx.session.flush()
    audit.record(ctx, "member.role_set", "user", user.id, {"email": user.email, "role": role})
    return member


async def remove_member(ctx: Ctx, user_id: int) -> None:
    """Take a user out of the workspace; their console sessions in it end at once."""
    await lock_memberships(ctx)
    member = await auth_repo.membership(ctx.session, ctx.workspace_id, user_id)
    if member is None:
        raise NotFound("No such user in this workspace.")
    if not can_grant(ctx.actor.role, member.role):
        raise Forbidden(f"A {ctx.actor.role} cannot remove a {member.role}.")
    if member.role == "owner":
        _owner_only(ctx, "remove an owner")
        await _keep_an_owner(ctx, user_id)
    await ctx.session.delete(member)
    await sessions.end_for_workspace(ctx.session, user_id, ctx.workspace_id)
    audit.record(ctx, "member.removed", "user", user_id)


async def lock_memberships(ctx: Ctx) -> None:
    """Serialise changes of the workspace's memberships: lock its row (PostgreSQL; SQLite
    writers are serialised by ``BEGIN IMMEDIATE``). Held to the end of the transaction,
    so a second demotion reads the owners only after the first one committed."""
    stmt = select(Workspace.id).where(Workspace.id == ctx.workspace_id)
    await ctx.session.execute(locks.for_update(ctx.session, stmt, "workspaces", ctx.workspace_id))
    # Memberships loaded before the lock may be stale: read them again.
    for obj in list(ctx.session.identity_map.values()):
        if isinstance(obj, WorkspaceMember) and obj.workspace_id == ctx.workspace_id:
            ctx.session.expire(obj)


def _owner_only(ctx: Ctx, what: str) -> None:
    if ctx.actor.role != "owner":
        raise Forbidden(f"Only an owner can {what}.", details={"role": "owner"})


async def _keep_an_owner(ctx: Ctx, leaving_user_id: int) -> None:
    owners = await repository.owners(ctx.session, ctx.workspace_id)
    if all(o.user_id == leaving_user_id for o in owners):
        raise Conflict("A workspace keeps at least one owner.", code=LAST_OWNER)


async def get_workspace(session: AsyncSession, workspace_id: int) -> Workspace:
    ws = await session.get(Workspace, workspace_id)
    if ws is None:
        raise NotFound("No such workspace.")
    return ws


async def update_workspace(ctx: Ctx, patch: WorkspacePatch) -> Workspace:
    """Rename the workspace or move it to another time zone. The redirect path keeps each
    link domain's zone (daily caps count in it): a new zone drops those caches."""
    ws = await get_workspace(ctx.session, ctx.workspace_id)
    changed: dict[str, str] = {}
    if patch.name is not None and patch.name != ws.name:
        ws.name = changed["name"] = patch.name
    if patch.timezone is not None and patch.timezone != ws.timezone:
        ws.timezone = changed["timezone"] = patch.timezone
        after_commit(ctx.session, link_cache.invalidate_domains)
    if changed:
        await ctx.session.flush()
        audit.record(ctx, "workspace.updated", "workspace", ws.id, changed)
    return ws
