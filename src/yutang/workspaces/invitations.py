"""Invitations: how a person joins a workspace — only by accepting.

An admin (or owner) invites an e-mail address with a role. The answer is the same
whether or not anyone has that address, here or in another workspace: nothing is
attached and nothing is revealed. The accept URL carries a random token (only its
SHA-256 is stored) and is shown once to the inviter, who passes it on (Yutang sends no
mail yet). The person then

* already has a Yutang account: signs in; the console lists the invitations made to
  their address (the URL is not even needed) to accept or decline;
* is new: opens the URL and chooses a name and password; the account is created and
  the invitation accepted. If the address has an account after all, the answer is the
  same, the password typed is ignored, and the invitation waits in that account.

An invitation is pending until accepted, declined, revoked (by an admin, or by a newer
invitation of the same address) or past its expiry (``invitation_ttl``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.auth import repository as auth_repo
from yutang.auth.passwords import hash_password
from yutang.auth.permissions import ROLE_PERMISSIONS, can_grant
from yutang.auth.service import set_password_checks
from yutang.kit import audit
from yutang.kit.context import Actor, Ctx
from yutang.kit.errors import VALIDATION_ERROR, BadRequest, Conflict, Forbidden, NotFound
from yutang.kit.pagination import paginate
from yutang.models.base import utcnow
from yutang.models.workspaces import User, Workspace, WorkspaceInvitation, WorkspaceMember
from yutang.workspaces import service
from yutang.workspaces.errors import INVITATION_INVALID

PENDING, ACCEPTED, DECLINED, REVOKED, EXPIRED = "pending", "accepted", "declined", "revoked", "expired"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def status_of(inv: WorkspaceInvitation, now: datetime | None = None) -> str:
    if inv.outcome:
        return inv.outcome
    return EXPIRED if inv.expires_at <= (now or utcnow()) else PENDING


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    local, at, domain = email.partition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in email):
        raise BadRequest("Not an email address.", code=VALIDATION_ERROR, details={"field": "email"})
    return email


@dataclass(frozen=True)
class Issued:
    invitation: WorkspaceInvitation
    token: str  # in the accept URL; shown once, never stored


async def invite(ctx: Ctx, email: str, role: str, *, name: str = "", ttl: int) -> Issued:
    email = normalise_email(email)
    if role not in ROLE_PERMISSIONS:
        raise BadRequest(f"Unknown role {role!r}.", code=VALIDATION_ERROR)
    if not can_grant(ctx.actor.role, role):
        raise Forbidden(f"A {ctx.actor.role} cannot grant the role {role!r}.")
    now = utcnow()
    # A newer invitation of the same address replaces the pending one.
    await ctx.session.execute(
        update(WorkspaceInvitation)
        .where(
            WorkspaceInvitation.workspace_id == ctx.workspace_id,
            WorkspaceInvitation.email == email,
            WorkspaceInvitation.outcome.is_(None),
        )
        .values(outcome=REVOKED, decided_at=now)
    )
    token = secrets.token_urlsafe(32)
    inv = WorkspaceInvitation(
        workspace_id=ctx.workspace_id,
        email=email,
        name=name.strip(),
        role=role,
        token_hash=hash_token(token),
        invited_by=ctx.actor.label,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl),
    )
    ctx.session.add(inv)
    await ctx.session.flush()
    audit.record(ctx, "invitation.created", "invitation", inv.id, {"role": role})
    return Issued(inv, token)


async def list_for_workspace(ctx: Ctx, cursor: str | None, limit: int) -> list[WorkspaceInvitation]:
    stmt = select(WorkspaceInvitation).where(WorkspaceInvitation.workspace_id == ctx.workspace_id)
    return list((await ctx.session.scalars(paginate(stmt, WorkspaceInvitation.id, cursor, limit))).all())


async def revoke(ctx: Ctx, invitation_id: int) -> WorkspaceInvitation:
    inv = await ctx.session.scalar(
        select(WorkspaceInvitation).where(
            WorkspaceInvitation.workspace_id == ctx.workspace_id, WorkspaceInvitation.id == invitation_id
        )
    )
    if inv is None:
        raise NotFound("No such invitation.")
    if status_of(inv) == PENDING:
        inv.outcome, inv.decided_at = REVOKED, utcnow()
        audit.record(ctx, "invitation.revoked", "invitation", inv.id)
    return inv


async def by_token(session: AsyncSession, token: str) -> WorkspaceInvitation | None:
    """The pending invitation an accept URL names (None: unknown, used or expired)."""
    if not token or len(token) > 64:
        return None
    inv = await session.scalar(
        select(WorkspaceInvitation).where(WorkspaceInvitation.token_hash == hash_token(token))
    )
    return inv if inv is not None and status_of(inv) == PENDING else None


async def pending_for(session: AsyncSession, email: str) -> list[tuple[WorkspaceInvitation, Workspace]]:
    """The pending invitations made to an address, with their workspaces."""
    rows = await session.execute(
        select(WorkspaceInvitation, Workspace)
        .join(Workspace, Workspace.id == WorkspaceInvitation.workspace_id)
        .where(
            WorkspaceInvitation.email == email.strip().lower(),
            WorkspaceInvitation.outcome.is_(None),
            WorkspaceInvitation.expires_at > utcnow(),
        )
        .order_by(WorkspaceInvitation.id)
    )
    return [(inv, ws) for inv, ws in rows.all()]


async def pending_of_user(session: AsyncSession, user: User, invitation_id: int) -> WorkspaceInvitation:
    """One of the user's own pending invitations (by their e-mail address)."""
    for inv, _ in await pending_for(session, user.email):
        if inv.id == invitation_id:
            return inv
    raise NotFound("No such invitation.")


async def accept(session: AsyncSession, inv: WorkspaceInvitation, user: User) -> WorkspaceMember:
    """The user joins the workspace with the invitation's role (a member already keeps
    the role they have)."""
    if status_of(inv) != PENDING or inv.email != user.email:
        raise Conflict("The invitation is no longer valid.", code=INVITATION_INVALID)
    ctx = Ctx(session, inv.workspace_id, Actor("user", str(user.id), inv.role))
    await service.lock_memberships(ctx)
    member = await auth_repo.membership(session, inv.workspace_id, user.id)
    if member is None:
        member = WorkspaceMember(workspace_id=inv.workspace_id, user_id=user.id, role=inv.role)
        session.add(member)
    inv.outcome, inv.decided_at, inv.user_id = ACCEPTED, utcnow(), user.id
    await session.flush()
    audit.record(ctx, "invitation.accepted", "invitation", inv.id, {"role": member.role})
    return member


async def decline(session: AsyncSession, inv: WorkspaceInvitation, user: User) -> None:
    if status_of(inv) != PENDING or inv.email != user.email:
        raise Conflict("The invitation is no longer valid.", code=INVITATION_INVALID)
    inv.outcome, inv.decided_at, inv.user_id = DECLINED, utcnow(), user.id
    ctx = Ctx(session, inv.workspace_id, Actor("user", str(user.id), "analyst"))
    audit.record(ctx, "invitation.declined", "invitation", inv.id)


async def register(session: AsyncSession, inv: WorkspaceInvitation, name: str, password: str) -> User | None:
    """A new person accepts through the URL: their account is created and joined. If the
    address has an account already, nothing changes (the invitation waits in it) and
    the caller answers exactly as for a new account — holding the URL (as the inviter
    does) must not tell whether the address has an account."""
    set_password_checks(password)
    user = await auth_repo.user_by_email(session, inv.email)
    if user is not None:
        hash_password(password)  # the same work as creating the account
        return None
    user = await service.create_user(session, inv.email, password, name.strip() or inv.name)
    await accept(session, inv, user)
    return user
