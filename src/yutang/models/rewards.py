"""Coupons, the rewards catalog, lotteries and points auctions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yutang.models.base import Base, BigId, CreatedMixin, IdMixin


class CouponTemplate(IdMixin, CreatedMixin, Base):
    __tablename__ = "coupon_templates"

    workspace_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    #: amount_off (``value`` cents), percent_off (``value`` %), gift (``gift_name``)
    kind: Mapped[str] = mapped_column(String(12))
    value: Mapped[int] = mapped_column(default=0)
    gift_name: Mapped[str | None] = mapped_column(String(120), default=None)
    min_spend_cents: Mapped[int] = mapped_column(default=0)
    #: Valid for this many days from issue; or the fixed window below.
    valid_days: Mapped[int | None] = mapped_column(default=None)
    valid_from: Mapped[datetime | None] = mapped_column(default=None)
    valid_until: Mapped[datetime | None] = mapped_column(default=None)
    #: How many codes may exist in total (None: no limit); ``issued_count`` counts them.
    total_limit: Mapped[int | None] = mapped_column(default=None)
    issued_count: Mapped[int] = mapped_column(default=0)
    per_member_limit: Mapped[int | None] = mapped_column(default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Coupon(IdMixin, CreatedMixin, Base):
    __tablename__ = "coupons"
    __table_args__ = (
        UniqueConstraint("workspace_id", "code"),
        Index("ix_coupons_member", "member_id", "template_id"),
    )

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    template_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("coupon_templates.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(32))
    #: Unassigned codes (generated in bulk, handed out on paper) have no member yet.
    member_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    #: available (generated, unassigned) | issued | redeemed | voided
    status: Mapped[str] = mapped_column(String(10))
    valid_from: Mapped[datetime | None] = mapped_column(default=None)
    valid_until: Mapped[datetime | None] = mapped_column(default=None)
    issued_at: Mapped[datetime | None] = mapped_column(default=None)
    #: Why it was issued: "reward:3", "plan:2", "lottery:5", "tier:4", "api" …
    source: Mapped[str] = mapped_column(String(40), default="api")
    redeemed_at: Mapped[datetime | None] = mapped_column(default=None)
    redeemed_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    voided_at: Mapped[datetime | None] = mapped_column(default=None)


class Reward(IdMixin, CreatedMixin, Base):
    __tablename__ = "rewards"

    workspace_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    #: gift (a thing to ship or hand over) | coupon (issues ``coupon_template_id``)
    kind: Mapped[str] = mapped_column(String(8))
    coupon_template_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("coupon_templates.id", ondelete="SET NULL"), default=None
    )
    points_cost: Mapped[int]
    #: Units left (None: unlimited). Changed only by guarded UPDATEs: never below zero.
    stock: Mapped[int | None] = mapped_column(default=None)
    per_member_limit: Mapped[int | None] = mapped_column(default=None)
    valid_from: Mapped[datetime | None] = mapped_column(default=None)
    valid_until: Mapped[datetime | None] = mapped_column(default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Redemption(IdMixin, CreatedMixin, Base):
    __tablename__ = "redemptions"
    __table_args__ = (Index("ix_redemptions_member_reward", "member_id", "reward_id"),)

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    reward_id: Mapped[int] = mapped_column(BigId, ForeignKey("rewards.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(default=1)
    points: Mapped[int]
    #: None for a gift (a referral reward): no points were spent.
    points_entry_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("points_entries.id"), default=None)
    coupon_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    #: completed | cancelled (points and stock given back)
    status: Mapped[str] = mapped_column(String(10), default="completed")
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)


class Lottery(IdMixin, CreatedMixin, Base):
    __tablename__ = "lotteries"

    workspace_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    points_per_draw: Mapped[int] = mapped_column(default=0)
    #: Draws per member per day (the workspace's day); None: no limit.
    daily_limit: Mapped[int | None] = mapped_column(default=None)
    starts_at: Mapped[datetime | None] = mapped_column(default=None)
    ends_at: Mapped[datetime | None] = mapped_column(default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class LotteryPrize(IdMixin, Base):
    __tablename__ = "lottery_prizes"

    lottery_id: Mapped[int] = mapped_column(BigId, ForeignKey("lotteries.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    #: points | coupon | gift
    kind: Mapped[str] = mapped_column(String(8))
    points: Mapped[int] = mapped_column(default=0)
    coupon_template_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("coupon_templates.id", ondelete="SET NULL"), default=None
    )
    #: Chance in basis points (1/10,000); the prizes' sum is at most 10,000.
    probability_bp: Mapped[int]
    stock: Mapped[int | None] = mapped_column(default=None)
    awarded_count: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)


class LotteryDraw(IdMixin, CreatedMixin, Base):
    __tablename__ = "lottery_draws"
    __table_args__ = (Index("ix_lottery_draws_member", "lottery_id", "member_id", "created_at"),)

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    lottery_id: Mapped[int] = mapped_column(BigId, ForeignKey("lotteries.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id", ondelete="CASCADE"))
    #: The random number in [0, 10,000) that decided, and the table it was read against:
    #: [{"prize_id", "from", "to", "stock_left"}, …]
    roll: Mapped[int]
    table: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: won | no_prize | out_of_stock (the roll hit a prize with nothing left)
    outcome: Mapped[str] = mapped_column(String(12))
    prize_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("lottery_prizes.id", ondelete="SET NULL"))
    points_entry_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("points_entries.id"), default=None)
    award_ref: Mapped[str | None] = mapped_column(String(64), default=None)


class Auction(IdMixin, CreatedMixin, Base):
    __tablename__ = "auctions"

    workspace_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(1000), default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    min_bid: Mapped[int]
    increment: Mapped[int]
    #: open | closed | cancelled
    status: Mapped[str] = mapped_column(String(10), default="open")
    leader_member_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    leading_bid: Mapped[int | None] = mapped_column(default=None)
    leading_bid_id: Mapped[int | None] = mapped_column(BigId, default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)


class AuctionBid(IdMixin, CreatedMixin, Base):
    __tablename__ = "auction_bids"
    __table_args__ = (Index("ix_auction_bids_auction", "auction_id", "id"),)

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    auction_id: Mapped[int] = mapped_column(BigId, ForeignKey("auctions.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id", ondelete="CASCADE"))
    amount: Mapped[int]
    #: The ledger entry that holds the bid's points.
    hold_entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("points_entries.id"))
    #: leading | outbid (points released) | won (points charged) | cancelled
    status: Mapped[str] = mapped_column(String(10))
