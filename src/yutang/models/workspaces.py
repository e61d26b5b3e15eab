"""Workspaces (tenants), console users, memberships and API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yutang.models.base import Base, BigId, CreatedMixin, IdMixin

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
