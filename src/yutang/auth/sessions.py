"""Console sessions, kept on the server and revocable.

The browser holds a random 256-bit token in an HttpOnly cookie; the database holds
only its SHA-256 (``console_sessions``), so neither a copy of the database nor a
copy of the secret key opens a session. A session ends when its row is deleted —
sign-out, a password change, removal from its workspace — or when it is older than
``session_max_age`` or idle longer than ``session_idle_timeout`` (settings, seconds).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.models.base import utcnow
from yutang.models.workspaces import ConsoleSession

#: Activity is stamped at most this often (a write per request would be wasteful).
SEEN_RESOLUTION = timedelta(seconds=60)
#: Tokens are ``secrets.token_urlsafe(32)``: 43 characters.
MAX_TOKEN_LENGTH = 64


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_for(secret_key: str, token: str) -> str:
    """The CSRF token bound to a session: an HMAC of its token, never stored."""
    return hmac.new(secret_key.encode(), b"csrf:" + token.encode(), hashlib.sha256).hexdigest()


async def start(
    session: AsyncSession, user_id: int, workspace_id: int | None, *, max_age: int
) -> tuple[ConsoleSession, str]:
    """A new session; the token is returned once, for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = ConsoleSession(
        token_hash=hash_token(token),
        user_id=user_id,
        workspace_id=workspace_id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(seconds=max_age),
    )
    session.add(row)
    await session.flush()
    return row, token


def is_live(row: ConsoleSession, idle_timeout: int, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return row.expires_at > now and row.last_seen_at + timedelta(seconds=idle_timeout) > now


async def resolve(session: AsyncSession, token: str, *, idle_timeout: int) -> ConsoleSession | None:
    """The live session a cookie's token names, or None."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = await session.scalar(select(ConsoleSession).where(ConsoleSession.token_hash == hash_token(token)))
    if row is None or not is_live(row, idle_timeout):
        return None
    return row


def seen_is_stale(row: ConsoleSession) -> bool:
    return utcnow() - row.last_seen_at > SEEN_RESOLUTION


async def touch(session: AsyncSession, session_id: int) -> None:
    await session.execute(
        update(ConsoleSession).where(ConsoleSession.id == session_id).values(last_seen_at=utcnow())
    )


async def switch(session: AsyncSession, session_id: int, workspace_id: int) -> None:
    await session.execute(
        update(ConsoleSession).where(ConsoleSession.id == session_id).values(workspace_id=workspace_id)
    )


async def end(session: AsyncSession, token: str) -> None:
    if token and len(token) <= MAX_TOKEN_LENGTH:
        await session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == hash_token(token)))


async def end_all_for_user(session: AsyncSession, user_id: int, *, keep_id: int | None = None) -> None:
    """Every session of the user (a password change ends them), but ``keep_id``."""
    stmt = delete(ConsoleSession).where(ConsoleSession.user_id == user_id)
    if keep_id is not None:
        stmt = stmt.where(ConsoleSession.id != keep_id)
    await session.execute(stmt)


async def end_for_workspace(session: AsyncSession, user_id: int, workspace_id: int) -> None:
    """The user's sessions open on one workspace (they were removed from it)."""
    await session.execute(
        delete(ConsoleSession).where(
            ConsoleSession.user_id == user_id, ConsoleSession.workspace_id == workspace_id
        )
    )


async def purge_expired(session: AsyncSession, *, idle_timeout: int, user_id: int | None = None) -> int:
    """Delete ended sessions (of one user, at their sign-in; of everyone, otherwise)."""
    now = utcnow()
    stmt = delete(ConsoleSession).where(
        (ConsoleSession.expires_at <= now)
        | (ConsoleSession.last_seen_at <= now - timedelta(seconds=idle_timeout))
    )
    if user_id is not None:
        stmt = stmt.where(ConsoleSession.user_id == user_id)
    result = await session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)
