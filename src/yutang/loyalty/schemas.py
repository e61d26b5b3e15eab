"""Request and response models of points and earn rules."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from yutang.kit.schemas import MAX_CENTS, MAX_COUNT, MAX_POINTS, Bool, Id, In, Int

Trigger = Literal[
    "order_paid", "signup", "checkin", "post", "share", "referral", "birthday", "form_submitted", "custom"
]
#: Triggers a client reports through ``POST /members/{id}/activities``.
ActivityType = Literal["checkin", "post", "share", "custom"]


class Conditions(In):
    #: Orders: the eligible spend (after the product/category filter) must reach this.
    min_amount_cents: Int | None = Field(default=None, ge=0, le=MAX_CENTS)
    #: Orders: only items of these products / categories count.
    product_ids: list[Annotated[str, Field(max_length=64)]] | None = Field(default=None, max_length=500)
    categories: list[Annotated[str, Field(max_length=64)]] | None = Field(default=None, max_length=100)
    #: Only members of these tiers earn.
    tier_ids: list[Id] | None = Field(default=None, max_length=50)
    #: Only members of this segment earn.
    segment_id: Id | None = None


class Caps(In):
    day: Int | None = Field(default=None, ge=1, le=MAX_COUNT)
    week: Int | None = Field(default=None, ge=1, le=MAX_COUNT)
    month: Int | None = Field(default=None, ge=1, le=MAX_COUNT)
    lifetime: Int | None = Field(default=None, ge=1, le=MAX_COUNT)


class RuleIn(In):
    name: str = Field(min_length=1, max_length=120)
    trigger: Trigger
    event_name: str | None = Field(default=None, max_length=64, description="For `custom` triggers")
    active: Bool = True
    conditions: Conditions = Field(default_factory=Conditions)
    amount_type: Literal["fixed", "per_unit"] = "fixed"
    points: Int = Field(ge=1, le=1_000_000)
    unit_cents: Int = Field(default=100, ge=1, le=MAX_CENTS)
    tier_multiplier: Bool = False
    caps: Caps = Field(default_factory=Caps)
    expiry_months: Int | None = Field(default=None, ge=1, le=120)
    pending_days: Int = Field(default=0, ge=0, le=365)
    allow_negative: Bool = False
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _coherent(self) -> RuleIn:
        if self.trigger == "custom" and not self.event_name:
            raise ValueError("a custom trigger needs event_name")
        if self.amount_type == "per_unit" and self.trigger != "order_paid":
            raise ValueError("per_unit amounts apply to order_paid rules only")
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class RulePatch(In):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    active: Bool | None = None
    conditions: Conditions | None = None
    points: Int | None = Field(default=None, ge=1, le=1_000_000)
    unit_cents: Int | None = Field(default=None, ge=1, le=MAX_CENTS)
    caps: Caps | None = None
    expiry_months: Int | None = Field(default=None, ge=1, le=120)
    pending_days: Int | None = Field(default=None, ge=0, le=365)
    allow_negative: Bool | None = None
    ends_at: AwareDatetime | None = None


class RuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    trigger: str
    event_name: str | None
    active: bool
    conditions: dict[str, object]
    amount_type: str
    points: int
    unit_cents: int
    tier_multiplier: bool
    caps: dict[str, int]
    expiry_months: int | None
    pending_days: int
    allow_negative: bool
    starts_at: datetime | None
    ends_at: datetime | None
    created_at: datetime


class EntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    amount: int
    pending_delta: int
    balance_after: int
    reason: str
    ref_type: str | None
    ref_id: str | None
    rule_id: int | None
    actor: str
    created_at: datetime


class LotOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    amount: int
    remaining: int
    state: str
    available_at: datetime | None
    expires_at: datetime | None
    ref_type: str | None
    ref_id: str | None
    created_at: datetime


class BalanceOut(BaseModel):
    member_id: int
    balance: int
    pending: int
    #: Open lots, soonest expiry first (what spending would use first).
    lots: list[LotOut]


class AdjustIn(In):
    delta: Int = Field(
        description="Points to add (positive) or remove (negative)", ge=-MAX_POINTS, le=MAX_POINTS
    )
    reason: str = Field(min_length=1, max_length=200)
    expires_at: AwareDatetime | None = None


class SpendIn(In):
    points: Int = Field(ge=-MAX_POINTS, le=MAX_POINTS)
    reason: str = Field(default="", max_length=200)
    ref_type: str | None = Field(default=None, max_length=32)
    ref_id: str | None = Field(default=None, max_length=64)


class ActivityIn(In):
    type: ActivityType
    #: For ``custom``: the event name earn rules listen to.
    name: str | None = Field(default=None, max_length=64)
    #: The client's id of the activity: the same id twice earns once.
    external_id: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _named(self) -> ActivityIn:
        if self.type == "custom" and not self.name:
            raise ValueError("a custom activity needs a name")
        return self


class MovementOut(BaseModel):
    entry: EntryOut
    balance: int
    pending: int
    replayed: bool


class TierProgramIn(In):
    metric: Literal["spend", "points"] = "spend"
    window_days: Int | None = Field(default=365, ge=1, le=3650)
    downgrade_policy: Literal["none", "one_level", "recompute"] = "one_level"
    grace_days: Int = Field(default=30, ge=0, le=365)


class TierProgramOut(TierProgramIn):
    model_config = ConfigDict(from_attributes=True)


class TierIn(In):
    name: str = Field(min_length=1, max_length=64)
    rank: Int = Field(ge=0, le=1000)
    #: Cents of spend, or points, over the programme's window.
    threshold: Int = Field(ge=0, le=MAX_POINTS)
    benefits: dict[str, object] = Field(default_factory=dict, max_length=20)


class TierPatch(In):
    name: str | None = Field(default=None, min_length=1, max_length=64)
    threshold: Int | None = Field(default=None, ge=0, le=MAX_POINTS)
    benefits: dict[str, object] | None = Field(default=None, max_length=20)


class TierOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    rank: int
    threshold: int
    benefits: dict[str, object]
    created_at: datetime


class SetTierIn(In):
    tier_id: Id | None
    reason: str = Field(min_length=1, max_length=200)


class TierChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    from_tier_id: int | None
    to_tier_id: int | None
    reason: str
    metric_value: int
    created_at: datetime


# --- coupons, rewards, lotteries, auctions, paid membership ---------------------------------


class CouponTemplateIn(In):
    name: str = Field(min_length=1, max_length=120)
    kind: Literal["amount_off", "percent_off", "gift"]
    value: Int = Field(
        default=0, description="Cents for amount_off, percent for percent_off", ge=0, le=MAX_CENTS
    )
    gift_name: str | None = Field(default=None, max_length=120)
    min_spend_cents: Int = Field(default=0, ge=0, le=MAX_CENTS)
    valid_days: Int | None = Field(default=None, ge=1, le=3650)
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    total_limit: Int | None = Field(default=None, ge=1, le=MAX_COUNT)
    per_member_limit: Int | None = Field(default=None, ge=1, le=MAX_COUNT)


class CouponTemplateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    kind: str
    value: int
    gift_name: str | None
    min_spend_cents: int
    valid_days: int | None
    valid_from: datetime | None
    valid_until: datetime | None
    total_limit: int | None
    issued_count: int
    per_member_limit: int | None
    active: bool


class CouponOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    template_id: int
    code: str
    member_id: int | None
    status: str
    valid_from: datetime | None
    valid_until: datetime | None
    issued_at: datetime | None
    source: str
    redeemed_at: datetime | None
    redeemed_ref: str | None


class IssueIn(In):
    template_id: Id
    member_id: Id


class GenerateIn(In):
    count: Int = Field(ge=1, le=10_000)


class ClaimIn(In):
    member_id: Id


class RedeemCouponIn(In):
    #: When given, the coupon must be this member's.
    member_id: Id | None = None
    order_ref: str | None = Field(default=None, max_length=64)


class ReasonIn(In):
    reason: str = Field(min_length=1, max_length=200)


class RewardIn(In):
    name: str = Field(min_length=1, max_length=120)
    kind: Literal["gift", "coupon"]
    coupon_template_id: Id | None = None
    points_cost: Int = Field(ge=-MAX_POINTS, le=MAX_POINTS)
    stock: Int | None = Field(default=None, ge=0, le=MAX_COUNT)
    per_member_limit: Int | None = Field(default=None, ge=1, le=MAX_COUNT)
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None


class RewardPatch(In):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    points_cost: Int | None = Field(default=None, ge=1, le=MAX_POINTS)
    per_member_limit: Int | None = Field(default=None, ge=1, le=MAX_COUNT)
    valid_until: AwareDatetime | None = None
    active: Bool | None = None


class RewardOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    kind: str
    coupon_template_id: int | None
    points_cost: int
    stock: int | None
    per_member_limit: int | None
    valid_from: datetime | None
    valid_until: datetime | None
    active: bool


class RestockIn(In):
    delta: Int = Field(ge=-MAX_POINTS, le=MAX_POINTS)


class RedeemRewardIn(In):
    member_id: Id
    quantity: Int = Field(default=1, ge=-MAX_COUNT, le=MAX_COUNT)


class RedemptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    reward_id: int
    member_id: int
    quantity: int
    points: int
    points_entry_id: int | None
    coupon_ids: list[int]
    status: str
    created_at: datetime


class PrizeIn(In):
    name: str = Field(min_length=1, max_length=120)
    kind: Literal["points", "coupon", "gift"]
    points: Int = Field(default=0, ge=0, le=MAX_POINTS)
    coupon_template_id: Id | None = None
    probability_bp: Int = Field(ge=0, le=10_000, description="Chance in 1/10,000")
    stock: Int | None = Field(default=None, ge=0, le=MAX_COUNT)


class LotteryIn(In):
    name: str = Field(min_length=1, max_length=120)
    points_per_draw: Int = Field(default=0, ge=-MAX_POINTS, le=MAX_POINTS)
    daily_limit: Int | None = Field(default=None, ge=1, le=MAX_COUNT)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    prizes: list[PrizeIn] = Field(min_length=1, max_length=50)


class PrizeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    kind: str
    points: int
    coupon_template_id: int | None
    probability_bp: int
    stock: int | None
    awarded_count: int


class LotteryOut(BaseModel):
    id: int
    name: str
    points_per_draw: int
    daily_limit: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    active: bool
    prizes: list[PrizeOut]


class DrawIn(In):
    member_id: Id


class DrawOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    lottery_id: int
    member_id: int
    roll: int
    table: list[dict[str, object]]
    outcome: str
    prize_id: int | None
    award_ref: str | None
    created_at: datetime


class AuctionIn(In):
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=1000)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    min_bid: Int = Field(ge=-MAX_POINTS, le=MAX_POINTS)
    increment: Int = Field(ge=-MAX_POINTS, le=MAX_POINTS)


class AuctionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    description: str
    starts_at: datetime
    ends_at: datetime
    min_bid: int
    increment: int
    status: str
    leader_member_id: int | None
    leading_bid: int | None
    closed_at: datetime | None


class BidIn(In):
    member_id: Id
    amount: Int = Field(ge=-MAX_POINTS, le=MAX_POINTS)


class BidOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    auction_id: int
    member_id: int
    amount: int
    status: str
    created_at: datetime


class PlanIn(In):
    name: str = Field(min_length=1, max_length=120)
    price_cents: Int = Field(ge=-MAX_CENTS, le=MAX_CENTS)
    period: Literal["month", "quarter", "year"]
    gift_points: Int = Field(default=0, ge=-MAX_POINTS, le=MAX_POINTS)
    gift_coupon_template_ids: list[Id] = Field(default_factory=list, max_length=20)
    benefits: dict[str, object] = Field(default_factory=dict, max_length=20)
    remind_days: Int = Field(default=7, ge=0, le=60)


class PlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    price_cents: int
    period: str
    gift_points: int
    gift_coupon_template_ids: list[int]
    benefits: dict[str, object]
    remind_days: int
    active: bool


class PurchaseIn(In):
    plan_id: Id
    payment_ref: str = Field(min_length=1, max_length=64, description="The payment's id: a retry buys once")
    amount_cents: Int | None = Field(default=None, ge=-MAX_CENTS, le=MAX_CENTS)


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    member_id: int
    plan_id: int
    status: str
    started_at: datetime
    ends_at: datetime
    renewals: int
