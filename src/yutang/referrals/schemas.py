"""Request and response models of referral campaigns (任务宝)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from yutang.kit.schemas import MAX_CENTS, AnyInt, Bool, Id, In, Int

RewardKind = Literal["points", "coupon", "reward", "wallet", "lottery"]
GoalKind = Literal["join", "form", "checkin", "order", "event"]


class RewardSpec(In):
    """One thing paid: ``points`` (amount), a ``coupon`` (template_id), a catalog
    ``reward`` (reward_id, as a gift), stored value (``wallet``, amount in cents) or a
    blind box (``lottery``: one free draw from that lottery's prize pool)."""

    kind: RewardKind
    amount: Int | None = Field(default=None, ge=1, le=100_000_000)
    template_id: Id | None = None
    reward_id: Id | None = None
    lottery_id: Id | None = None
    #: What this costs the brand, in cents (for the cost per new member). Points and
    #: stored value are costed by themselves when this is left out.
    cost_cents: Int | None = Field(default=None, ge=0, le=MAX_CENTS)

    @model_validator(mode="after")
    def _complete(self) -> RewardSpec:
        need = {
            "points": "amount",
            "wallet": "amount",
            "coupon": "template_id",
            "reward": "reward_id",
            "lottery": "lottery_id",
        }[self.kind]
        if getattr(self, need) is None:
            raise ValueError(f"a {self.kind} reward needs {need}")
        return self


class Goal(In):
    """What an invitee must do to count: join; submit a form (``form_id``, or any);
    check in; place an order (at least ``min_total_cents``; ``first_order``: their
    first); or any domain event about them (``event``): ``event_type`` (default
    ``member.activity``, where ``event_name`` names a custom activity) whose payload
    has the values in ``where`` and at least the numbers in ``at_least``."""

    kind: GoalKind = "join"
    form_id: Id | None = None
    min_total_cents: Int | None = Field(default=None, ge=0, le=MAX_CENTS)
    first_order: Bool = False
    event_type: str | None = Field(default=None, max_length=64, pattern=r"^[a-z_]+\.[a-z_]+$")
    event_name: str | None = Field(default=None, max_length=64)
    where: dict[str, Annotated[str, Field(max_length=200)] | AnyInt | Bool] = Field(
        default_factory=dict, max_length=10
    )
    at_least: dict[str, AnyInt] = Field(default_factory=dict, max_length=10)

    @model_validator(mode="after")
    def _coherent(self) -> Goal:
        if self.kind == "event" and not (self.event_name or self.event_type):
            raise ValueError("an event goal needs event_type (or event_name for a custom activity)")
        if self.event_type and self.event_type.startswith(("invitation.", "referral.")):
            raise ValueError("a goal cannot be the campaign's own events")
        return self


class Eligibility(In):
    """Who may take part: everyone (empty), a segment's members, or members of tiers."""

    segment_id: Id | None = None
    tier_ids: list[Id] | None = Field(default=None, max_length=50)


class Fraud(In):
    """Thresholds of the anti-fraud rules; an invitation past one is held for review."""

    #: Invitees of one inviter from one device cookie / one IP hash within the window.
    device_limit: Int = Field(default=1, ge=1, le=1000)
    ip_limit: Int = Field(default=3, ge=1, le=1000)
    window_hours: Int = Field(default=24, ge=1, le=24 * 90)
    #: Joins credited to one inviter within ``burst_minutes``.
    burst_limit: Int = Field(default=10, ge=1, le=10_000)
    burst_minutes: Int = Field(default=10, ge=1, le=24 * 60)


class StageIn(In):
    threshold: Int = Field(ge=1, le=100_000, description="Qualified invitations needed")
    name: str = Field(default="", max_length=120)
    rewards: list[RewardSpec] = Field(min_length=1, max_length=10)


class PosterIn(In):
    title: str = Field(default="", max_length=40)
    subtitle: str = Field(default="", max_length=80)
    color: str = Field(default="#0e7c66", max_length=7, pattern=r"^#[0-9a-fA-F]{6}$")


class CampaignIn(In):
    name: str = Field(min_length=1, max_length=120)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    eligibility: Eligibility = Field(default_factory=Eligibility)
    goal: Goal = Field(default_factory=Goal)
    goal_days: Int = Field(default=30, ge=1, le=365)
    stages: list[StageIn] = Field(min_length=1, max_length=20)
    invitee_rewards: list[RewardSpec] = Field(default_factory=list, max_length=10)
    max_per_inviter: Int | None = Field(default=None, ge=1, le=100_000)
    revoke_days: Int = Field(default=7, ge=0, le=365)
    clawback: Bool = False
    fraud: Fraud = Field(default_factory=Fraud)
    point_cost_centi: Int = Field(default=100, ge=0, le=1_000_000, description="1/100 cent per point")
    channel_id: Id | None = None
    poster: PosterIn = Field(default_factory=PosterIn)

    @model_validator(mode="after")
    def _coherent(self) -> CampaignIn:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        thresholds = [s.threshold for s in self.stages]
        if len(set(thresholds)) != len(thresholds):
            raise ValueError("two stages have the same threshold")
        return self


class CampaignPatch(In):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    status: Literal["active", "paused", "ended"] | None = None
    ends_at: AwareDatetime | None = None
    poster: PosterIn | None = None
    fraud: Fraud | None = None


class StageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    threshold: int
    name: str
    rewards: list[dict[str, Any]]


class CampaignOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    status: str
    live: bool
    starts_at: datetime
    ends_at: datetime
    eligibility: dict[str, Any]
    goal: dict[str, Any]
    goal_days: int
    stages: list[StageOut]
    invitee_rewards: list[dict[str, Any]]
    max_per_inviter: int | None
    revoke_days: int
    clawback: bool
    fraud: dict[str, Any]
    point_cost_centi: int
    channel_id: int | None
    poster: dict[str, Any]
    has_art: bool
    created_at: datetime


class TakePartIn(In):
    member_id: Id
    display_name: str | None = Field(default=None, min_length=1, max_length=20)


class ParticipantOut(BaseModel):
    id: int
    campaign_id: int
    member_id: int
    code: str
    display_name: str
    counted: int
    link_id: int | None
    short_url: str | None
    progress_url: str | None
    poster_url: str
    created_at: datetime


class ClaimIn(In):
    """An invitee names their inviter's code (typed in, or carried by the shop)."""

    member_id: Id
    code: str = Field(min_length=4, max_length=16)


class ClaimInvitationIn(In):
    member_id: Id


class ReviewIn(In):
    decision: Literal["approve", "reject"]
    note: str = Field(default="", max_length=200)


class InvitationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    campaign_id: int
    inviter_id: int
    invitee_id: int | None
    status: str
    reasons: list[str]
    via: str
    clicked_at: datetime | None
    joined_at: datetime | None
    goal_met_at: datetime | None
    qualified_at: datetime | None
    rewarded_at: datetime | None
    ended_at: datetime | None
    ordinal: int | None
    invitee_payouts: list[dict[str, Any]]
    reviewed_by: str | None


class InvitationPage(BaseModel):
    items: list[InvitationOut]
    next_cursor: str | None


class StageProgress(BaseModel):
    threshold: int
    name: str
    reached: bool
    paid: bool


class ProgressOut(BaseModel):
    campaign_id: int
    member_id: int
    counted: int
    pending: int
    held: int
    next_threshold: int | None
    #: "2 of 3, 1 pending" in the asked language.
    summary: str
    stages: list[StageProgress]


class BoardRow(BaseModel):
    rank: int
    member_id: int
    display_name: str
    counted: int


class Figures(BaseModel):
    campaign_id: int
    participants: int
    seed_participants: int
    shares: int
    clicked: int
    joined: int
    new_members: int
    qualified: int
    rewarded: int
    held: int
    revoked: int
    rejected: int
    rejected_by_reason: dict[str, int]
    fission_rate: float | None
    k_factor: float | None
    reward_cost_cents: int
    cost_per_new_member_cents: int | None
    tree_depth: int
