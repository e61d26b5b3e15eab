"""Paid membership (付费会员): plans and members' subscriptions to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yutang.models.base import Base, BigId, CreatedMixin, IdMixin

PERIODS = ("month", "quarter", "year")


class MembershipPlan(IdMixin, CreatedMixin, Base):
    __tablename__ = "membership_plans"

    workspace_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    price_cents: Mapped[int]
    period: Mapped[str] = mapped_column(String(8))
    #: The welcome gift of a new subscription (not of renewals).
    gift_points: Mapped[int] = mapped_column(default=0)
    gift_coupon_template_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    #: While active: {"points_multiplier": 2, "discount_percent": 10, "free_shipping": true, …}
    benefits: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: ``membership.expiring`` is announced this many days before the end.
    remind_days: Mapped[int] = mapped_column(default=7)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Subscription(IdMixin, CreatedMixin, Base):
    __tablename__ = "subscriptions"
    __table_args__ = (
        Index("ix_subscriptions_member", "member_id", "plan_id"),
        Index("ix_subscriptions_end", "status", "ends_at"),
    )

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id", ondelete="CASCADE"))
    plan_id: Mapped[int] = mapped_column(BigId, ForeignKey("membership_plans.id", ondelete="CASCADE"))
    #: active | expired | cancelled
    status: Mapped[str] = mapped_column(String(10), default="active")
    started_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    renewals: Mapped[int] = mapped_column(default=0)
    #: The ``ends_at`` that the expiry reminder was sent for (a renewal moves it on).
    reminded_for: Mapped[datetime | None] = mapped_column(default=None)


class SubscriptionPayment(IdMixin, CreatedMixin, Base):
    """One purchase or renewal, idempotent on the payment's reference."""

    __tablename__ = "subscription_payments"
    __table_args__ = (UniqueConstraint("workspace_id", "payment_ref"),)

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(BigId, ForeignKey("subscriptions.id", ondelete="CASCADE"))
    payment_ref: Mapped[str] = mapped_column(String(64))
    amount_cents: Mapped[int]
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
