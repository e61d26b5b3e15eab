"""Stored value (储值): a prepaid wallet per member, with top-up bonus rules.

The wallet keeps two buckets: ``principal`` (money the member paid) and ``bonus``
(what top-up rules added). ``WalletEntry`` rows are the append-only ledger; the
wallet's figures cache their sums.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yutang.models.base import Base, BigId, CreatedMixin, IdMixin, utcnow


class Wallet(Base):
    __tablename__ = "wallets"

    member_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    principal_cents: Mapped[int] = mapped_column(default=0)
    bonus_cents: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WalletEntry(IdMixin, CreatedMixin, Base):
    __tablename__ = "wallet_entries"
    __table_args__ = (
        UniqueConstraint("workspace_id", "dedupe_key"),
        Index("ix_wallet_entries_member", "member_id", "id"),
    )

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id", ondelete="CASCADE"))
    #: topup | spend | refund | grant (given by the brand) | ungrant (a grant taken back)
    kind: Mapped[str] = mapped_column(String(8))
    principal_delta: Mapped[int]
    bonus_delta: Mapped[int]
    principal_after: Mapped[int]
    bonus_after: Mapped[int]
    reason: Mapped[str] = mapped_column(String(200), default="")
    ref_type: Mapped[str | None] = mapped_column(String(32), default=None)
    ref_id: Mapped[str | None] = mapped_column(String(64), default=None)
    #: A refund names the spend it gives back.
    refund_of: Mapped[int | None] = mapped_column(BigId, ForeignKey("wallet_entries.id"), default=None)
    rule_id: Mapped[int | None] = mapped_column(BigId, default=None)
    dedupe_key: Mapped[str | None] = mapped_column(String(128), default=None)
    actor: Mapped[str] = mapped_column(String(80), default="system")


class TopUpRule(IdMixin, CreatedMixin, Base):
    """Top up at least ``min_amount_cents``, get ``bonus_cents`` (the best rule applies)."""

    __tablename__ = "top_up_rules"

    workspace_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    min_amount_cents: Mapped[int]
    bonus_cents: Mapped[int]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
