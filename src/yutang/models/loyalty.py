"""Points: an append-only ledger of entries, the lots earnings create, and earn rules.

* ``PointsEntry`` rows are never updated or deleted. ``amount`` is the change of the
  member's available balance, ``pending_delta`` the change of their pending points.
  ``Member.points_balance`` / ``points_pending`` cache the sums (``yutang doctor``
  checks them).
* Each earning creates a ``PointsLot``: pending until ``available_at`` when the rule
  locks it, expiring at ``expires_at`` (or never). Spending, expiry and claw-backs
  take points out of lots and record which lots in ``PointsAllocation``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yutang.models.base import Base, BigId, CreatedMixin, IdMixin

ENTRY_KINDS = ("earn", "release", "spend", "expire", "clawback", "adjust", "reverse")
LOT_STATES = ("pending", "available", "closed")
TRIGGERS = (
    "order_paid",
    "signup",
    "checkin",
    "post",
    "share",
    "referral",
    "birthday",
    "form_submitted",
    "custom",
)


class PointsEntry(IdMixin, CreatedMixin, Base):
    __tablename__ = "points_entries"
    __table_args__ = (
        UniqueConstraint("workspace_id", "dedupe_key"),
        Index("ix_points_entries_member", "member_id", "id"),
        Index("ix_points_entries_rule", "member_id", "rule_id", "created_at"),
    )

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    #: Change of the available balance (negative for spend, expiry, claw-back).
    amount: Mapped[int]
    #: Change of the pending points (earning into a locked lot, its release, claw-back).
    pending_delta: Mapped[int] = mapped_column(default=0)
    balance_after: Mapped[int]
    reason: Mapped[str] = mapped_column(String(200), default="")
    #: What caused it: ("order", "123"), ("reward", "7"), ("event", "991") …
    ref_type: Mapped[str | None] = mapped_column(String(32), default=None)
    ref_id: Mapped[str | None] = mapped_column(String(64), default=None)
    rule_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("earn_rules.id", ondelete="SET NULL"), default=None
    )
    #: Makes a retried operation a no-op: "rule:3:event:991", "order:5:refund:2" …
    dedupe_key: Mapped[str | None] = mapped_column(String(128), default=None)
    actor: Mapped[str] = mapped_column(String(80), default="system")


class PointsLot(IdMixin, CreatedMixin, Base):
    __tablename__ = "points_lots"
    __table_args__ = (
        Index("ix_points_lots_member_state", "member_id", "state", "expires_at"),
        Index("ix_points_lots_due", "state", "available_at"),
        Index("ix_points_lots_expiry", "state", "expires_at"),
        Index("ix_points_lots_ref", "member_id", "ref_type", "ref_id"),
    )

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("points_entries.id"))
    amount: Mapped[int]
    remaining: Mapped[int]
    state: Mapped[str] = mapped_column(String(10))
    #: Pending lots become available at this time (the refund window has passed).
    available_at: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    ref_type: Mapped[str | None] = mapped_column(String(32), default=None)
    ref_id: Mapped[str | None] = mapped_column(String(64), default=None)


class PointsAllocation(Base):
    """Which lots an outgoing entry (spend, expiry, claw-back) took its points from."""

    __tablename__ = "points_allocations"

    entry_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("points_entries.id", ondelete="CASCADE"), primary_key=True
    )
    lot_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("points_lots.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    amount: Mapped[int]


class EarnRule(IdMixin, CreatedMixin, Base):
    __tablename__ = "earn_rules"
    __table_args__ = (Index("ix_earn_rules_ws_trigger", "workspace_id", "trigger"),)

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    trigger: Mapped[str] = mapped_column(String(24))
    #: For ``custom`` triggers: the event name the rule listens to.
    event_name: Mapped[str | None] = mapped_column(String(64), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: {"min_amount_cents", "product_ids", "categories", "tier_ids", "segment_id"}
    conditions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: "fixed" (``points``) or "per_unit" (``points`` per ``unit_cents`` of eligible spend)
    amount_type: Mapped[str] = mapped_column(String(10), default="fixed")
    points: Mapped[int]
    unit_cents: Mapped[int] = mapped_column(default=100)
    #: Multiply by the member's tier multiplier (tiers come with their own module).
    tier_multiplier: Mapped[bool] = mapped_column(Boolean, default=False)
    #: {"day": n, "week": n, "month": n, "lifetime": n}: points per member per window.
    caps: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    expiry_months: Mapped[int | None] = mapped_column(default=None)
    pending_days: Mapped[int] = mapped_column(default=0)
    #: A refund may take the member's balance below zero to recover these points.
    allow_negative: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_at: Mapped[datetime | None] = mapped_column(default=None)
    ends_at: Mapped[datetime | None] = mapped_column(default=None)


class TierProgram(Base):
    """How a workspace's tiers are earned and lost (one programme per workspace)."""

    __tablename__ = "tier_programs"

    workspace_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    #: "spend" (cents, net of refunds) or "points" (points earned) over the window.
    metric: Mapped[str] = mapped_column(String(8), default="spend")
    #: Rolling window in days; None counts everything ever.
    window_days: Mapped[int | None] = mapped_column(default=365)
    #: At evaluation, a member below their tier: "none" keeps it, "one_level" steps one
    #: tier down, "recompute" moves to the tier the metric qualifies for.
    downgrade_policy: Mapped[str] = mapped_column(String(10), default="one_level")
    grace_days: Mapped[int] = mapped_column(default=30)


class Tier(IdMixin, CreatedMixin, Base):
    __tablename__ = "tiers"
    __table_args__ = (UniqueConstraint("workspace_id", "rank"), UniqueConstraint("workspace_id", "name"))

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    #: Higher is better; thresholds must rise with rank.
    rank: Mapped[int]
    threshold: Mapped[int]
    #: {"points_multiplier": 1.5, "discount_percent": 5, "birthday_points": 200,
    #:  "coupon_template_ids": [..], "distribution": true}
    benefits: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class TierChange(IdMixin, CreatedMixin, Base):
    __tablename__ = "tier_changes"
    __table_args__ = (Index("ix_tier_changes_member", "member_id", "id"),)

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id", ondelete="CASCADE"))
    from_tier_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("tiers.id", ondelete="SET NULL"))
    to_tier_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("tiers.id", ondelete="SET NULL"))
    #: upgrade | downgrade | manual | grace_started | grace_cleared
    reason: Mapped[str] = mapped_column(String(16))
    metric_value: Mapped[int] = mapped_column(default=0)
