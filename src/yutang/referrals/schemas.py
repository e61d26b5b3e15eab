"""Request and response models of referral campaigns (任务宝)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from yutang.kit.schemas import MAX_CENTS, AnyInt, Bool, Id, In, Int

RewardKind = Literal["points", "coupon", "reward", "wallet", "lottery"]
GoalKind = Literal["join", "form", "checkin", "order", "event"]

_STAGES: list[Any] = [
    {
        "threshold": 3,
        "name": "邀3位好友得50元券",
        "rewards": [{"kind": "coupon", "template_id": 21, "cost_cents": 5000}],
    },
    {
        "threshold": 10,
        "name": "邀10位好友得正装精华",
        "rewards": [{"kind": "reward", "reward_id": 6, "cost_cents": 12000}],
    },
]
_INVITEE_REWARDS: list[Any] = [{"kind": "points", "amount": 200}]
#: As stored and answered: each stage with its id.
_STAGES_OUT: list[Any] = [{"id": 17 + i, **stage} for i, stage in enumerate(_STAGES)]
_FRAUD: dict[str, Any] = {
    "device_limit": 1,
    "ip_limit": 3,
    "window_hours": 24,
    "burst_limit": 10,
    "burst_minutes": 10,
}
_POSTER: dict[str, Any] = {
    "title": "邀3位好友得50元券",
    "subtitle": "好友扫码入会即算，上不封顶",
    "color": "#0e7c66",
}
_INVITATION_OUT: dict[str, Any] = {
    "id": 5120,
    "campaign_id": 9,
    "inviter_id": 1024,
    "invitee_id": 2087,
    "status": "qualified",
    "reasons": [],
    "via": "cookie",
    "clicked_at": "2026-11-12T11:02:00Z",
    "joined_at": "2026-11-12T11:05:00Z",
    "goal_met_at": "2026-11-12T11:05:00Z",
    "qualified_at": "2026-11-12T11:05:00Z",
    "rewarded_at": None,
    "ended_at": None,
    "ordinal": 3,
    "invitee_payouts": [
        {
            "kind": "points",
            "ref": 88231,
            "amount": 200,
            "cost_cents": 200,
            "spec": {"kind": "points", "amount": 200},
        }
    ],
    "reviewed_by": None,
}


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


def _distinct_thresholds(stages: list[StageIn]) -> list[StageIn]:
    thresholds = [s.threshold for s in stages]
    if len(set(thresholds)) != len(thresholds):
        raise ValueError("two stages have the same threshold")
    return stages


#: A campaign's stages, as created and as replaced by a patch: one to twenty, no two
#: with the same threshold (stored in increasing order of threshold).
Stages = Annotated[list[StageIn], Field(min_length=1, max_length=20), AfterValidator(_distinct_thresholds)]
#: What each qualified invitee is paid (nothing by default).
InviteeRewards = Annotated[list[RewardSpec], Field(max_length=10)]


class PosterIn(In):
    title: str = Field(default="", max_length=40)
    subtitle: str = Field(default="", max_length=80)
    color: str = Field(default="#0e7c66", max_length=7, pattern=r"^#[0-9a-fA-F]{6}$")


class CampaignIn(In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "双十一 邀3位好友得50元券",
                    "starts_at": "2026-11-01T00:00:00+08:00",
                    "ends_at": "2026-11-12T00:00:00+08:00",
                    "eligibility": {"segment_id": 7},
                    "goal": {"kind": "order", "min_total_cents": 9900, "first_order": True},
                    "goal_days": 14,
                    "stages": _STAGES,
                    "invitee_rewards": _INVITEE_REWARDS,
                    "max_per_inviter": 50,
                    "revoke_days": 7,
                    "clawback": True,
                    "fraud": _FRAUD,
                    "point_cost_centi": 100,
                    "channel_id": 3,
                    "poster": _POSTER,
                }
            ]
        }
    )
    name: str = Field(min_length=1, max_length=120)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    eligibility: Eligibility = Field(default_factory=Eligibility)
    goal: Goal = Field(default_factory=Goal)
    goal_days: Int = Field(default=30, ge=1, le=365)
    stages: Stages
    invitee_rewards: InviteeRewards = Field(default_factory=list)
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
        return self


#: What a patch may change only while nobody has taken part in the campaign yet.
RULES = ("starts_at", "eligibility", "goal", "goal_days", "stages", "invitee_rewards", "max_per_inviter")


class CampaignPatch(In):
    """What changes; left out, it stays. The name, state, end, poster and fraud
    thresholds change at any time (before the campaign has ended); the rules —
    ``starts_at``, ``eligibility``, ``goal``, ``goal_days``, ``stages`` (the whole list,
    replaced), ``invitee_rewards``, ``max_per_inviter`` (null: no cap) — only while
    nobody has taken part yet."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "paused",
                    "ends_at": "2026-11-15T00:00:00+08:00",
                    "fraud": {**_FRAUD, "ip_limit": 2},
                },
                {"stages": _STAGES, "invitee_rewards": _INVITEE_REWARDS, "goal": {"kind": "join"}},
            ]
        }
    )
    name: str | None = Field(default=None, min_length=1, max_length=120)
    status: Literal["active", "paused", "ended"] | None = None
    ends_at: AwareDatetime | None = None
    poster: PosterIn | None = None
    fraud: Fraud | None = None
    starts_at: AwareDatetime | None = None
    eligibility: Eligibility | None = None
    goal: Goal | None = None
    goal_days: Int | None = Field(default=None, ge=1, le=365)
    stages: Stages | None = None
    invitee_rewards: InviteeRewards | None = None
    max_per_inviter: Int | None = Field(default=None, ge=1, le=100_000)

    @model_validator(mode="after")
    def _coherent(self) -> CampaignPatch:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self

    def rules(self) -> list[str]:
        """The rules this patch changes, in the order of :data:`RULES` (a null leaves a
        rule as it is, but for ``max_per_inviter``, where it lifts the cap)."""
        return [
            name
            for name in RULES
            if name in self.model_fields_set
            and (getattr(self, name) is not None or name == "max_per_inviter")
        ]


class StageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    threshold: int
    name: str
    rewards: list[dict[str, Any]]


class CampaignOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 9,
                    "name": "双十一 邀3位好友得50元券",
                    "status": "active",
                    "live": True,
                    "starts_at": "2026-10-31T16:00:00Z",
                    "ends_at": "2026-11-11T16:00:00Z",
                    "eligibility": {"segment_id": 7},
                    "goal": {
                        "kind": "order",
                        "min_total_cents": 9900,
                        "first_order": True,
                        "where": {},
                        "at_least": {},
                    },
                    "goal_days": 14,
                    "stages": _STAGES_OUT,
                    "invitee_rewards": _INVITEE_REWARDS,
                    "max_per_inviter": 50,
                    "revoke_days": 7,
                    "clawback": True,
                    "fraud": _FRAUD,
                    "point_cost_centi": 100,
                    "channel_id": 3,
                    "poster": _POSTER,
                    "has_art": True,
                    "created_at": "2026-10-25T06:30:00Z",
                }
            ]
        },
    )
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
    model_config = ConfigDict(json_schema_extra={"examples": [{"member_id": 1024, "display_name": "小明"}]})
    member_id: Id
    display_name: str | None = Field(default=None, min_length=1, max_length=20)


class ParticipantOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 301,
                    "campaign_id": 9,
                    "member_id": 1024,
                    "code": "K7P2QX9M",
                    "display_name": "小明",
                    "counted": 2,
                    "link_id": 640,
                    "short_url": "https://go.brand.cn/r7Kx2Qp",
                    "progress_url": "https://go.brand.cn/invite/me/9c1f3b7a2e5d4a6f",
                    "poster_url": "/api/v1/referrals/participants/301/poster.png",
                    "created_at": "2026-11-01T01:20:00Z",
                }
            ]
        }
    )
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

    model_config = ConfigDict(json_schema_extra={"examples": [{"member_id": 2087, "code": "K7P2QX9M"}]})
    member_id: Id
    code: str = Field(min_length=4, max_length=16)


class ClaimInvitationIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"member_id": 2087}]})
    member_id: Id


class ReviewIn(In):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"decision": "reject", "note": "同一设备邀请5人，判定为刷单"}]}
    )
    decision: Literal["approve", "reject"]
    note: str = Field(default="", max_length=200)


class InvitationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_INVITATION_OUT]})
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


class StageProgress(BaseModel):
    threshold: int
    name: str
    reached: bool
    paid: bool


class ProgressOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "campaign_id": 9,
                    "member_id": 1024,
                    "counted": 2,
                    "pending": 1,
                    "held": 0,
                    "next_threshold": 3,
                    "summary": "已邀请 2/3 人，1 人待完成",
                    "stages": [
                        {"threshold": 3, "name": "邀3位好友得50元券", "reached": False, "paid": False},
                        {"threshold": 10, "name": "邀10位好友得正装精华", "reached": False, "paid": False},
                    ],
                }
            ]
        }
    )
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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"rank": 1, "member_id": 1388, "display_name": "李**", "counted": 27}]
        }
    )
    rank: int
    member_id: int
    display_name: str
    counted: int


class Figures(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "campaign_id": 9,
                    "participants": 1860,
                    "seed_participants": 420,
                    "shares": 1860,
                    "clicked": 9542,
                    "joined": 3127,
                    "new_members": 2890,
                    "qualified": 2311,
                    "rewarded": 2204,
                    "held": 37,
                    "revoked": 58,
                    "rejected": 146,
                    "rejected_by_reason": {"self_invite": 21, "known_member": 97, "shared_device": 28},
                    "fission_rate": 1.55,
                    "k_factor": 1.24,
                    "reward_cost_cents": 6843200,
                    "cost_per_new_member_cents": 2368,
                    "tree_depth": 6,
                }
            ]
        }
    )
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
