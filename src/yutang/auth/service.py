"""API keys and console sign-in."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.auth import repository, sessions
from yutang.auth.passwords import hash_password, needs_rehash, verify_nobody, verify_password
from yutang.auth.permissions import can_grant
from yutang.kit import audit
from yutang.kit.context import Actor, Ctx
from yutang.kit.errors import VALIDATION_ERROR, BadRequest, Forbidden, NotFound, Unauthenticated
from yutang.kit.pagination import paginate
from yutang.models.base import utcnow
from yutang.models.workspaces import ApiKey, User

KEY_PREFIX = "yt_"
LAST_USED_RESOLUTION = timedelta(seconds=60)


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str  # shown once, never stored


async def create_api_key(ctx: Ctx, name: str, role: str) -> IssuedKey:
    if not can_grant(ctx.actor.role, role):
        raise Forbidden(f"A {ctx.actor.role} cannot create a key with role {role!r}.")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        workspace_id=ctx.workspace_id,
        name=name.strip() or "API key",
        prefix=secret[:10],
        key_hash=hash_key(secret),
        role=role,
        created_by=ctx.actor.label,
    )
    ctx.session.add(key)
    await ctx.session.flush()
    audit.record(ctx, "api_key.created", "api_key", key.id, {"name": key.name, "role": role})
    return IssuedKey(key, secret)


async def list_api_keys(ctx: Ctx, cursor: str | None, limit: int) -> list[ApiKey]:
    stmt = paginate(select(ApiKey).where(ApiKey.workspace_id == ctx.workspace_id), ApiKey.id, cursor, limit)
    return list((await ctx.session.scalars(stmt)).all())


async def revoke_api_key(ctx: Ctx, key_id: int) -> ApiKey:
    key = await repository.api_key_in_workspace(ctx.session, ctx.workspace_id, key_id)
    if key is None:
        raise NotFound("No such API key.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record(ctx, "api_key.revoked", "api_key", key.id, {"name": key.name})
    return key


async def authenticate_key(session: AsyncSession, secret: str) -> tuple[ApiKey, Actor]:
    """Resolve a presented key to (key, actor). Reads only: see :func:`stamp_use`."""
    if not secret.startswith(KEY_PREFIX):
        raise Unauthenticated("The API key is not valid.")
    key = await repository.api_key_by_hash(session, hash_key(secret))
    if key is None or key.revoked_at is not None:
        raise Unauthenticated("The API key is not valid or was revoked.")
    return key, Actor("api_key", str(key.id), key.role)


def use_is_stale(key: ApiKey) -> bool:
    """Whether the key's last-used time is older than its one-minute resolution."""
    return key.last_used_at is None or utcnow() - key.last_used_at > LAST_USED_RESOLUTION


async def stamp_use(session: AsyncSession, key_id: int) -> None:
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=utcnow()))


#: Longer passwords are refused unchecked (argon2 of megabytes is a cheap way to load us).
MAX_PASSWORD_LENGTH = 1024


async def sign_in(session: AsyncSession, email: str, password: str) -> User:
    """The user whose e-mail and password these are. A wrong e-mail costs the same time
    as a wrong password: the password is checked against a dummy hash."""
    user = await repository.user_by_email(session, email[:254])
    if len(password) > MAX_PASSWORD_LENGTH:
        password = password[:MAX_PASSWORD_LENGTH] + "\0"  # never matches; same cost
    if user is None:
        verify_nobody(password)
        raise Unauthenticated("Wrong email or password.")
    if not verify_password(user.password_hash, password):
        raise Unauthenticated("Wrong email or password.")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


async def change_password(
    session: AsyncSession, user: User, current: str, new: str, *, keep_session_id: int | None = None
) -> None:
    """Set a new password (the current one proves it is the user) and end every other
    console session of the user."""
    if len(current) > MAX_PASSWORD_LENGTH or not verify_password(user.password_hash, current):
        raise Unauthenticated("Wrong email or password.")
    set_password_checks(new)
    user.password_hash = hash_password(new)
    await sessions.end_all_for_user(session, user.id, keep_id=keep_session_id)


def set_password_checks(password: str) -> None:
    validate_password(password)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise BadRequest("A password has at most 1,024 characters.", code=VALIDATION_ERROR)


def validate_password(password: str) -> None:
    if len(password) < 8:
        raise BadRequest("A password has at least 8 characters.", code=VALIDATION_ERROR)
