"""Distribution (分销): distributors, their team tree, commission plans, the commission
ledger and withdrawals. Money is integer cents.

Yutang pays commission on at most two levels (the buyer's distributor, and the one
who recruited them), in line with the rules on multi-level selling; a plan with a
third level is refused, and the tree is never walked further.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yutang.models.base import Base, BigId, CreatedMixin, IdMixin, utcnow

MAX_LEVELS = 2
ENTRY_PATHS = ("approved", "task", "purchase")


class DistributionSettings(Base):
    """One row per workspace."""

    __tablename__ = "distribution_settings"

    workspace_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    #: A distributor's own purchases earn them level-1 commission.
    self_purchase: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Commission stays pending this long after the order was paid (the refund window).
    refund_window_days: Mapped[int] = mapped_column(default=7)
    min_withdrawal_cents: Mapped[int] = mapped_column(default=1000)
    #: Task entry: {"orders": 3, "checkin_streak": 7}; purchase entry: {"product_ids": [...]}.
    task_entry: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    gift_pack_product_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Members who join through a referral campaign are bound to an inviting distributor.
    bind_invitees: Mapped[bool] = mapped_column(Boolean, default=True)


class DistributorLevel(IdMixin, Base):
    __tablename__ = "distributor_levels"
    __table_args__ = (UniqueConstraint("workspace_id", "rank"),)

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    rank: Mapped[int]
    #: Reached when the team (two levels of recruits) and its sales are this large.
    min_team_size: Mapped[int] = mapped_column(default=0)
    min_team_sales_cents: Mapped[int] = mapped_column(default=0)
    #: Extra level-1 commission in basis points on percentage plans.
    bonus_bp: Mapped[int] = mapped_column(default=0)


class Distributor(IdMixin, CreatedMixin, Base):
    __tablename__ = "distributors"
    __table_args__ = (
        UniqueConstraint("workspace_id", "member_id"),
        UniqueConstraint("workspace_id", "code"),
        Index("ix_distributors_parent", "parent_id"),
    )

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id", ondelete="CASCADE"))
    #: pending (applied, waiting for an operator) | active | suspended | rejected
    status: Mapped[str] = mapped_column(String(10), default="active")
    #: approved (by an operator, e.g. a KOL) | task | purchase
    entry: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(16))
    #: The distributor who recruited this one (their level-2 upline is the parent's parent).
    parent_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("distributors.id", ondelete="SET NULL"), default=None
    )
    level_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("distributor_levels.id", ondelete="SET NULL"), default=None
    )
    # Cached sums of the commission ledger (checked by `yutang doctor`).
    pending_cents: Mapped[int] = mapped_column(default=0)
    #: May go below zero when a refund reverses commission already available or paid out.
    available_cents: Mapped[int] = mapped_column(default=0)
    frozen_cents: Mapped[int] = mapped_column(default=0)
    withdrawn_cents: Mapped[int] = mapped_column(default=0)
    activated_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DistributionBinding(CreatedMixin, Base):
    """A customer belongs to the distributor who brought them (first binding wins)."""

    __tablename__ = "distribution_bindings"

    member_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    distributor_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("distributors.id", ondelete="CASCADE"), index=True
    )
    #: code (the distributor's code given by the shop) | referral (a campaign invitation)
    via: Mapped[str] = mapped_column(String(10))


class CommissionPlan(IdMixin, CreatedMixin, Base):
    __tablename__ = "commission_plans"

    workspace_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: percent (rates in basis points of the item's amount) | fixed (cents per unit)
    kind: Mapped[str] = mapped_column(String(8))
    #: [level 1, level 2]; never more than two.
    rates: Mapped[list[int]] = mapped_column(JSON)
    #: Which items: these products, else these categories, else (both empty) everything.
    product_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)


class Commission(IdMixin, CreatedMixin, Base):
    __tablename__ = "commissions"
    __table_args__ = (
        UniqueConstraint("order_id", "level"),
        Index("ix_commissions_distributor", "distributor_id", "status"),
        Index("ix_commissions_release", "status", "release_at"),
    )

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    distributor_id: Mapped[int] = mapped_column(BigId, ForeignKey("distributors.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"))
    buyer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("members.id", ondelete="SET NULL"))
    level: Mapped[int]
    #: What the order paid on the items the plans cover, and the commission on it.
    base_cents: Mapped[int]
    amount_cents: Mapped[int]
    reversed_cents: Mapped[int] = mapped_column(default=0)
    #: pending | available | reversed (all of it)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    release_at: Mapped[datetime]
    released_at: Mapped[datetime | None] = mapped_column(default=None)
    #: [{"product_id", "plan_id", "cents"}] — how the amount was reached.
    detail: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class CommissionEntry(IdMixin, CreatedMixin, Base):
    """The append-only commission ledger; each bucket of a distributor is the sum."""

    __tablename__ = "commission_entries"
    __table_args__ = (
        UniqueConstraint("workspace_id", "dedupe_key"),
        Index("ix_commission_entries_distributor", "distributor_id", "id"),
    )

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    distributor_id: Mapped[int] = mapped_column(BigId, ForeignKey("distributors.id", ondelete="CASCADE"))
    #: earn | release | reverse | withdraw (request) | paid (approved) | returned (rejected)
    kind: Mapped[str] = mapped_column(String(10))
    pending_delta: Mapped[int] = mapped_column(default=0)
    available_delta: Mapped[int] = mapped_column(default=0)
    frozen_delta: Mapped[int] = mapped_column(default=0)
    withdrawn_delta: Mapped[int] = mapped_column(default=0)
    commission_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("commissions.id"), default=None)
    withdrawal_id: Mapped[int | None] = mapped_column(BigId, default=None)
    dedupe_key: Mapped[str | None] = mapped_column(String(128), default=None)


class Withdrawal(IdMixin, CreatedMixin, Base):
    __tablename__ = "withdrawals"
    __table_args__ = (Index("ix_withdrawals_ws_status", "workspace_id", "status"),)

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    distributor_id: Mapped[int] = mapped_column(BigId, ForeignKey("distributors.id", ondelete="CASCADE"))
    amount_cents: Mapped[int]
    #: requested | paid | rejected
    status: Mapped[str] = mapped_column(String(10), default="requested")
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by: Mapped[str | None] = mapped_column(String(80), default=None)
    note: Mapped[str] = mapped_column(String(200), default="")


class CheckinDay(Base):
    """The local days a member checked in (what check-in streaks are counted from)."""

    __tablename__ = "checkin_days"

    member_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
