"""Link domains, channels (touchpoints), short links, live codes and clicks."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from yutang.models.base import Base, BigId, CreatedMixin, IdMixin, utcnow

CHANNEL_TYPES = (
    "package_card",
    "store",
    "article",
    "sms",
    "template_message",
    "poster",
    "live_stream",
    "wecom",
    "community",
    "mini_program",
    "channels",
    "douyin",
    "xiaohongshu",
    "offline_event",
    "other",
)


class LinkDomain(IdMixin, CreatedMixin, Base):
    """A host that serves a workspace's short links. A host belongs to one workspace."""

    __tablename__ = "link_domains"

    workspace_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    host: Mapped[str] = mapped_column(String(253), unique=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    https: Mapped[bool] = mapped_column(Boolean, default=False)


class Channel(IdMixin, CreatedMixin, Base):
    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    workspace_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    type: Mapped[str] = mapped_column(String(32), default="other")
    #: How many people saw the touchpoint (cards printed, SMS sent …), when known.
    exposures: Mapped[int | None] = mapped_column(default=None)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


class ChannelCost(IdMixin, CreatedMixin, Base):
    """What a channel (or one of its links) cost and how many people saw it over a period
    of days (the workspace's calendar, both ends included): entered by an operator, not
    measured. The channels report spreads a period evenly over its days. Periods of the
    same channel (or the same link) do not overlap."""

    __tablename__ = "channel_costs"
    __table_args__ = (Index("ix_channel_costs_ws_channel", "workspace_id", "channel_id", "starts_on"),)

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(BigId, ForeignKey("channels.id", ondelete="CASCADE"))
    #: One link of the channel (a card of one product), or None: the channel as a whole.
    link_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("links.id", ondelete="CASCADE"), index=True, default=None
    )
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    #: People who saw it (cards shipped, messages sent, readers), when known.
    exposures: Mapped[int | None] = mapped_column(default=None)
    #: What it cost, in cents, when known.
    spend_cents: Mapped[int | None] = mapped_column(default=None)
    note: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Link(IdMixin, CreatedMixin, Base):
    """A short link, or (``kind='live'``) a live code rotating among targets."""

    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("domain_id", "slug"),
        Index("ix_links_ws_id", "workspace_id", "id"),
    )

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    domain_id: Mapped[int] = mapped_column(BigId, ForeignKey("link_domains.id"))
    slug: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8), default="link")  # link | live
    #: The destination as given, and (``destination``) with UTM parameters appended.
    url: Mapped[str] = mapped_column(String(2048), default="")
    destination: Mapped[str] = mapped_column(String(4096), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    channel_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("channels.id"), index=True, default=None)
    utm: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    expired_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    max_clicks: Mapped[int | None] = mapped_column(default=None)
    exhausted_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    #: Live codes: where to send people when every target is full for the day.
    fallback_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    redirect_status: Mapped[int] = mapped_column(SmallInteger, default=302)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Human (non-bot) clicks written so far; the redirect path counts on from here.
    click_count: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class LiveCodeTarget(IdMixin, CreatedMixin, Base):
    __tablename__ = "live_code_targets"

    link_id: Mapped[int] = mapped_column(BigId, ForeignKey("links.id", ondelete="CASCADE"), index=True)
    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(120))
    destination: Mapped[str] = mapped_column(String(2048))
    weight: Mapped[int] = mapped_column(default=1)
    daily_cap: Mapped[int | None] = mapped_column(default=None)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class LiveCodeCounter(Base):
    """Visits a target received on a day (the workspace's local day)."""

    __tablename__ = "live_code_counters"

    target_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("live_code_targets.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class Click(Base):
    __tablename__ = "clicks"
    __table_args__ = (
        Index("ix_clicks_ws_time", "workspace_id", "occurred_at"),
        Index("ix_clicks_link_time", "link_id", "occurred_at"),
        Index("ix_clicks_channel_time", "channel_id", "occurred_at"),
        # Joining members are attributed to the first click of their visitor cookie.
        Index("ix_clicks_visitor", "visitor_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    link_id: Mapped[int] = mapped_column(BigId, ForeignKey("links.id", ondelete="CASCADE"))
    channel_id: Mapped[int | None] = mapped_column(BigId, default=None)
    target_id: Mapped[int | None] = mapped_column(BigId, default=None)
    occurred_at: Mapped[datetime]
    visitor_id: Mapped[str] = mapped_column(String(32))
    ip_hash: Mapped[str | None] = mapped_column(String(32), default=None)
    referrer: Mapped[str | None] = mapped_column(String(1024), default=None)
    referrer_host: Mapped[str | None] = mapped_column(String(253), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(512), default=None)
    device_type: Mapped[str] = mapped_column(String(16), default="other")
    os: Mapped[str] = mapped_column(String(64), default="Other")
    browser: Mapped[str] = mapped_column(String(64), default="Other")
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)


class ClickSpoolOffset(Base):
    """How far the click writer has persisted one spool file (yutang.links.spool): moved
    in the same transaction as the rows it wrote, so a killed writer resumes exactly there."""

    __tablename__ = "click_spool_offsets"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    position: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
