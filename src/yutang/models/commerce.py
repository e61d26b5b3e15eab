"""Orders and refunds from the brand's shop. Money is integer cents (分)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yutang.models.base import Base, BigId, CreatedMixin, IdMixin

ORDER_STATUSES = ("paid", "partially_refunded", "refunded")


class Order(IdMixin, CreatedMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("workspace_id", "external_id"),
        Index("ix_orders_member_paid", "member_id", "paid_at"),
        Index("ix_orders_ws_id", "workspace_id", "id"),
    )

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    #: The shop's order id: the idempotency key of every import path.
    external_id: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    status: Mapped[str] = mapped_column(String(20), default="paid")
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    total_cents: Mapped[int]
    refunded_cents: Mapped[int] = mapped_column(default=0)
    paid_at: Mapped[datetime]
    channel_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("channels.id", ondelete="SET NULL"), default=None
    )
    #: SHA-256 of the order as first received: a replay with other content is refused.
    content_hash: Mapped[str] = mapped_column(String(64))


class OrderItem(IdMixin, Base):
    __tablename__ = "order_items"

    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str | None] = mapped_column(String(64), default=None)
    quantity: Mapped[int]
    price_cents: Mapped[int]


class Refund(IdMixin, CreatedMixin, Base):
    __tablename__ = "refunds"
    __table_args__ = (UniqueConstraint("workspace_id", "external_id"),)

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(64))
    amount_cents: Mapped[int]
    reason: Mapped[str] = mapped_column(String(200), default="")
    refunded_at: Mapped[datetime]
