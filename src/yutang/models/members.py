"""Members (the people in the pond), their identities and tags.

Name, address and ID number are sealed (AES-GCM, :mod:`yutang.kit.crypto`);
the ``*_sealed`` columns never hold clear text. Identities (phone, email, WeChat
openid/unionid, the shop's customer id) are sealed too and found through their
keyed hash, unique per workspace and kind.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yutang.models.base import Base, BigId, CreatedMixin, IdMixin, utcnow

MEMBER_STATUSES = ("active", "blocked", "erased")
IDENTITY_KINDS = ("phone", "email", "openid", "unionid", "customer_id")
GENDERS = ("unknown", "male", "female")


class Member(IdMixin, CreatedMixin, Base):
    __tablename__ = "members"
    __table_args__ = (
        Index("ix_members_ws_id", "workspace_id", "id"),
        Index("ix_members_ws_joined", "workspace_id", "joined_at"),
    )

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="active")
    #: A random id that stays when the member is erased, so ledgers keep a subject.
    anonymous_id: Mapped[str] = mapped_column(String(32), unique=True)
    name_sealed: Mapped[str | None] = mapped_column(Text, default=None)
    address_sealed: Mapped[str | None] = mapped_column(Text, default=None)
    id_number_sealed: Mapped[str | None] = mapped_column(Text, default=None)
    gender: Mapped[str] = mapped_column(String(8), default="unknown")
    birthday: Mapped[date | None] = mapped_column(Date, default=None)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source_channel_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("channels.id", ondelete="SET NULL"), default=None, index=True
    )
    first_link_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("links.id", ondelete="SET NULL"), default=None
    )
    visitor_id: Mapped[str | None] = mapped_column(String(32), default=None)
    owner_user_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    tier_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("tiers.id", ondelete="SET NULL"), default=None, index=True
    )
    tier_since: Mapped[datetime | None] = mapped_column(default=None)
    #: Set when an evaluation found the member below their tier: the downgrade waits until then.
    tier_grace_until: Mapped[datetime | None] = mapped_column(default=None)
    #: {"marketing": {"granted": true, "at": "2026-11-24T06:00:00+00:00"}, ...}
    consents: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_active_at: Mapped[datetime | None] = mapped_column(default=None)
    # Cached figures, kept by the services that own them (checked by `yutang doctor`).
    points_balance: Mapped[int] = mapped_column(default=0)
    points_pending: Mapped[int] = mapped_column(default=0)
    total_spent_cents: Mapped[int] = mapped_column(default=0)
    order_count: Mapped[int] = mapped_column(default=0)
    last_order_at: Mapped[datetime | None] = mapped_column(default=None)
    erased_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MemberIdentity(IdMixin, CreatedMixin, Base):
    __tablename__ = "member_identities"
    __table_args__ = (UniqueConstraint("workspace_id", "kind", "value_hash"),)

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    value_hash: Mapped[str] = mapped_column(String(64))
    value_sealed: Mapped[str] = mapped_column(Text)


class TagGroup(IdMixin, CreatedMixin, Base):
    __tablename__ = "tag_groups"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    #: A member holds at most one tag of an exclusive group (e.g. "life stage").
    exclusive: Mapped[bool] = mapped_column(default=False)


class Tag(IdMixin, CreatedMixin, Base):
    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("workspace_id", "group_id", "name"),)

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(BigId, ForeignKey("tag_groups.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))


class MemberTag(Base):
    __tablename__ = "member_tags"

    member_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Segment(IdMixin, CreatedMixin, Base):
    """Members selected by a filter (dynamic), frozen from one (static), or picked from a
    report's figure (list: no filter, its members are exactly the ones saved)."""

    __tablename__ = "segments"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(8), default="dynamic")  # dynamic | static | list
    filter: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Static segments: how many members were frozen in, and when.
    frozen_count: Mapped[int | None] = mapped_column(default=None)
    frozen_at: Mapped[datetime | None] = mapped_column(default=None)


class SegmentMember(Base):
    __tablename__ = "segment_members"

    segment_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Form(IdMixin, CreatedMixin, Base):
    """An info-collection form (e.g. KOC selection): typed fields, each may map onto the
    member's profile. Filled on a public page or through the API."""

    __tablename__ = "forms"
    __table_args__ = (UniqueConstraint("workspace_id", "slug"),)

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(120))
    title_en: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(String(2000), default="")
    #: [{"key", "label", "label_en", "type", "required", "options", "min", "max", "maps_to"}, …]
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=True)


class FormSubmission(IdMixin, CreatedMixin, Base):
    __tablename__ = "form_submissions"
    __table_args__ = (Index("ix_form_submissions_form", "form_id", "id"),)

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    form_id: Mapped[int] = mapped_column(BigId, ForeignKey("forms.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id", ondelete="CASCADE"), index=True)
    #: The answers as JSON, sealed: forms ask for ID numbers and addresses.
    data_sealed: Mapped[str] = mapped_column(Text)
    via: Mapped[str] = mapped_column(String(8), default="api")  # api | page
