"""Referral campaigns (任务宝): who takes part, who they invited, what was paid.

An invitation moves ``clicked → joined → qualified → rewarded``; it may instead be
``held`` for review (anti-fraud), ``rejected`` (never pays) or ``revoked`` (the invitee
was blocked or erased soon after joining). ``reasons`` holds the reason codes.
A stage award is one row per (stage, inviter): the unique key is what makes a stage
pay once however many qualifications arrive at the same moment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yutang.models.base import Base, BigId, CreatedMixin, IdMixin, utcnow

INVITATION_STATUSES = ("clicked", "joined", "held", "qualified", "rewarded", "rejected", "revoked")
#: Invitations that still count toward (or may come to count toward) the inviter's stages.
LIVE_STATUSES = ("joined", "held", "qualified", "rewarded")
GOAL_KINDS = ("join", "form", "checkin", "order", "event")
REWARD_KINDS = ("points", "coupon", "reward", "wallet", "lottery")


class ReferralCampaign(IdMixin, CreatedMixin, Base):
    __tablename__ = "referral_campaigns"

    workspace_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    #: active | paused | ended (an operator ended it before ``ends_at``)
    status: Mapped[str] = mapped_column(String(8), default="active")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    #: {} (everyone), {"segment_id": 3}, {"tier_ids": [1, 2]}
    eligibility: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: {"kind": "order", "min_total_cents": 9900, "first_order": true} …
    goal: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The invitee must reach the goal within this many days of joining.
    goal_days: Mapped[int] = mapped_column(default=30)
    invitee_rewards: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: Qualified invitations counted per inviter (None: no cap).
    max_per_inviter: Mapped[int | None] = mapped_column(default=None)
    #: An invitee blocked or erased within this many days of joining stops counting.
    revoke_days: Mapped[int] = mapped_column(default=7)
    #: … and what that invitation earned is taken back.
    clawback: Mapped[bool] = mapped_column(Boolean, default=False)
    #: {"device_limit", "ip_limit", "window_hours", "burst_limit", "burst_minutes"}
    fraud: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: What one point costs the brand, in 1/100 cent (for the cost per new member).
    point_cost_centi: Mapped[int] = mapped_column(default=100)
    channel_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("channels.id", ondelete="SET NULL"), default=None
    )
    #: Poster: {"title", "subtitle", "color"}; ``art`` an optional background (PNG/JPEG).
    poster: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    art: Mapped[bytes | None] = mapped_column(LargeBinary, default=None, deferred=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReferralStage(IdMixin, Base):
    __tablename__ = "referral_stages"
    __table_args__ = (UniqueConstraint("campaign_id", "threshold"),)

    campaign_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("referral_campaigns.id", ondelete="CASCADE"), index=True
    )
    threshold: Mapped[int]
    name: Mapped[str] = mapped_column(String(120), default="")
    rewards: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class ReferralParticipant(IdMixin, CreatedMixin, Base):
    __tablename__ = "referral_participants"
    __table_args__ = (
        UniqueConstraint("campaign_id", "member_id"),
        UniqueConstraint("workspace_id", "code"),
        Index("ix_referral_participants_board", "campaign_id", "counted"),
    )

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(BigId, ForeignKey("referral_campaigns.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id", ondelete="CASCADE"))
    #: The invite code (on the poster and in the link); public.
    code: Mapped[str] = mapped_column(String(16))
    #: The secret in the member's own progress page address.
    token: Mapped[str] = mapped_column(String(32), unique=True)
    link_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("links.id", ondelete="SET NULL"))
    display_name: Mapped[str] = mapped_column(String(40))
    #: Qualified invitations that count toward the stages (cached; checked by doctor).
    counted: Mapped[int] = mapped_column(default=0)


class Invitation(IdMixin, CreatedMixin, Base):
    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("campaign_id", "invitee_id"),
        Index("ix_invitations_visitor", "campaign_id", "visitor_id"),
        Index("ix_invitations_inviter", "campaign_id", "inviter_id", "status"),
        Index("ix_invitations_invitee", "invitee_id"),
        Index("ix_invitations_ip", "campaign_id", "ip_hash"),
    )

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(BigId, ForeignKey("referral_campaigns.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("referral_participants.id", ondelete="CASCADE")
    )
    inviter_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id", ondelete="CASCADE"))
    invitee_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("members.id", ondelete="CASCADE"), default=None
    )
    status: Mapped[str] = mapped_column(String(10), default="clicked")
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: cookie (the landing page saw the visitor) | code (an explicit invite code)
    via: Mapped[str] = mapped_column(String(8), default="cookie")
    visitor_id: Mapped[str | None] = mapped_column(String(32), default=None)
    ip_hash: Mapped[str | None] = mapped_column(String(32), default=None)
    clicked_at: Mapped[datetime | None] = mapped_column(default=None)
    joined_at: Mapped[datetime | None] = mapped_column(default=None)
    #: The goal was reached (while held, it waits here for the review).
    goal_met_at: Mapped[datetime | None] = mapped_column(default=None)
    qualified_at: Mapped[datetime | None] = mapped_column(default=None)
    rewarded_at: Mapped[datetime | None] = mapped_column(default=None)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    #: Its place among the inviter's counted invitations (1 = first).
    ordinal: Mapped[int | None] = mapped_column(default=None)
    #: What the invitee was paid: [{"kind", "ref", "cost_cents", …}]
    invitee_payouts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    reviewed_by: Mapped[str | None] = mapped_column(String(80), default=None)


class StageAward(IdMixin, CreatedMixin, Base):
    __tablename__ = "stage_awards"
    __table_args__ = (UniqueConstraint("stage_id", "inviter_id"),)

    workspace_id: Mapped[int] = mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("referral_campaigns.id", ondelete="CASCADE"), index=True
    )
    stage_id: Mapped[int] = mapped_column(BigId, ForeignKey("referral_stages.id", ondelete="CASCADE"))
    inviter_id: Mapped[int] = mapped_column(BigId, ForeignKey("members.id", ondelete="CASCADE"))
    #: paid | clawed_back (paid again, in a new round, if the count comes back)
    status: Mapped[str] = mapped_column(String(12), default="paid")
    round: Mapped[int] = mapped_column(default=1)
    payouts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    clawed_back_at: Mapped[datetime | None] = mapped_column(default=None)
