"""Workspaces (tenants), console users, memberships and API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yutang.models.base import Base, BigId, CreatedMixin, IdMixin, utcnow

ROLES = ("owner", "admin", "operator", "staff", "analyst")


class Workspace(IdMixin, CreatedMixin, Base):
    __tablename__ = "workspaces"

    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    #: Signs the shop's order webhooks (HMAC-SHA256); sealed like PII. None: not set up.
    shop_webhook_secret_sealed: Mapped[str | None] = mapped_column(Text, default=None)


class User(IdMixin, CreatedMixin, Base):
    """A console user. One person may belong to several workspaces."""

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(8), default="zh-CN")
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)
    #: The workspace the console opens after sign-in (checked against the memberships;
    #: no foreign key: a stale value falls back to the first membership).
    last_workspace_id: Mapped[int | None] = mapped_column(BigId, default=None)


class WorkspaceMember(CreatedMixin, Base):
    __tablename__ = "workspace_members"

    workspace_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16))


class ApiKey(IdMixin, CreatedMixin, Base):
    """Secret shown once; only its SHA-256 is stored (the key has 256 bits of entropy)."""

    __tablename__ = "api_keys"
    __table_args__ = (UniqueConstraint("key_hash"),)

    workspace_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str | None] = mapped_column(String(128), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class ConsoleSession(IdMixin, CreatedMixin, Base):
    """A signed-in console browser. The cookie holds a random token; only its SHA-256 is
    stored, so a copy of the database opens no session. Deleting the row ends it."""

    __tablename__ = "console_sessions"
    __table_args__ = (UniqueConstraint("token_hash"),)

    token_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The workspace the console shows; None until the user joins one (invitations only).
    workspace_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE"), default=None, index=True
    )
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The absolute end of the session, whatever its activity.
    expires_at: Mapped[datetime]


class WorkspaceInvitation(IdMixin, CreatedMixin, Base):
    """An invitation to join a workspace with a role, accepted by the person it names.

    The accept URL carries a random token shown once to the inviter; only its SHA-256 is
    stored. Status: pending until accepted, declined, revoked or past ``expires_at``."""

    __tablename__ = "workspace_invitations"
    __table_args__ = (UniqueConstraint("token_hash"),)

    workspace_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64))
    invited_by: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime]
    #: accepted, declined or revoked; None while pending.
    outcome: Mapped[str | None] = mapped_column(String(16), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    user_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
