"""Request and response models of points and earn rules."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from pydantic.config import JsonDict

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


#: An order rule: 1 point per yuan of skincare spend, credited after 7 days.
_RULE: JsonDict = {
    "name": "消费每满1元得1积分",
    "trigger": "order_paid",
    "amount_type": "per_unit",
    "points": 1,
    "unit_cents": 100,
    "tier_multiplier": True,
    "conditions": {"min_amount_cents": 9900, "categories": ["护肤"]},
    "caps": {"day": 5000},
    "expiry_months": 12,
    "pending_days": 7,
}


class RuleIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [_RULE]})
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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"points": 2, "caps": {"day": 8000, "month": 50000}, "ends_at": "2026-12-31T23:59:59+08:00"}
            ]
        }
    )
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
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 12,
                    **_RULE,
                    "event_name": None,
                    "active": True,
                    "allow_negative": False,
                    "starts_at": None,
                    "ends_at": None,
                    "created_at": "2026-03-01T10:00:00+08:00",
                }
            ]
        },
    )
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
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 4821,
                    "kind": "earn",
                    "amount": 199,
                    "pending_delta": 0,
                    "balance_after": 2680,
                    "reason": "消费每满1元得1积分",
                    "ref_type": "order",
                    "ref_id": "5521",
                    "rule_id": 12,
                    "actor": "system",
                    "created_at": "2026-06-18T20:15:03+08:00",
                }
            ]
        },
    )
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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "member_id": 1024,
                    "balance": 2680,
                    "pending": 199,
                    "lots": [
                        {
                            "id": 311,
                            "amount": 3000,
                            "remaining": 2680,
                            "state": "available",
                            "available_at": None,
                            "expires_at": "2027-03-31T23:59:59+08:00",
                            "ref_type": "order",
                            "ref_id": "5210",
                            "created_at": "2026-03-31T12:00:00+08:00",
                        },
                        {
                            "id": 342,
                            "amount": 199,
                            "remaining": 199,
                            "state": "pending",
                            "available_at": "2026-06-25T20:15:03+08:00",
                            "expires_at": "2027-06-25T20:15:03+08:00",
                            "ref_type": "order",
                            "ref_id": "5521",
                            "created_at": "2026-06-18T20:15:03+08:00",
                        },
                    ],
                }
            ]
        }
    )
    member_id: int
    balance: int
    pending: int
    #: Open lots, soonest expiry first (what spending would use first).
    lots: list[LotOut]


class AdjustIn(In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"delta": 500, "reason": "客服补偿：快递延误三天", "expires_at": "2026-12-31T23:59:59+08:00"}
            ]
        }
    )
    delta: Int = Field(
        description="Points to add (positive) or remove (negative)", ge=-MAX_POINTS, le=MAX_POINTS
    )
    reason: str = Field(min_length=1, max_length=200)
    expires_at: AwareDatetime | None = None


class SpendIn(In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"points": 500, "reason": "积分抵现", "ref_type": "order", "ref_id": "SH20260618001"}
            ]
        }
    )
    points: Int = Field(ge=-MAX_POINTS, le=MAX_POINTS)
    reason: str = Field(default="", max_length=200)
    ref_type: str | None = Field(default=None, max_length=32)
    ref_id: str | None = Field(default=None, max_length=64)


class ActivityIn(In):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"type": "checkin", "external_id": "checkin-1024-2026-06-18"}]}
    )
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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "entry": {
                        "id": 4830,
                        "kind": "spend",
                        "amount": -500,
                        "pending_delta": 0,
                        "balance_after": 2180,
                        "reason": "积分抵现",
                        "ref_type": "order",
                        "ref_id": "SH20260618001",
                        "rule_id": None,
                        "actor": "api_key:3",
                        "created_at": "2026-06-18T20:12:40+08:00",
                    },
                    "balance": 2180,
                    "pending": 199,
                    "replayed": False,
                }
            ]
        }
    )
    entry: EntryOut
    balance: int
    pending: int
    replayed: bool


_PROGRAM: JsonDict = {
    "metric": "spend",
    "window_days": 365,
    "downgrade_policy": "one_level",
    "grace_days": 30,
}


class TierProgramIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [_PROGRAM]})
    metric: Literal["spend", "points"] = "spend"
    window_days: Int | None = Field(default=365, ge=1, le=3650)
    downgrade_policy: Literal["none", "one_level", "recompute"] = "one_level"
    grace_days: Int = Field(default=30, ge=0, le=365)


class TierProgramOut(TierProgramIn):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_PROGRAM]})


#: The 金卡 tier's benefits.
_GOLD: JsonDict = {
    "points_multiplier": 1.5,
    "discount_percent": 5,
    "birthday_points": 500,
    "coupon_template_ids": [7],
}


class TierIn(In):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "金卡", "rank": 2, "threshold": 500000, "benefits": _GOLD}]}
    )
    name: str = Field(min_length=1, max_length=64)
    rank: Int = Field(ge=0, le=1000)
    #: Cents of spend, or points, over the programme's window.
    threshold: Int = Field(ge=0, le=MAX_POINTS)
    benefits: dict[str, object] = Field(default_factory=dict, max_length=20)


class TierPatch(In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"threshold": 600000, "benefits": {"points_multiplier": 2, "discount_percent": 8}}]
        }
    )
    name: str | None = Field(default=None, min_length=1, max_length=64)
    threshold: Int | None = Field(default=None, ge=0, le=MAX_POINTS)
    benefits: dict[str, object] | None = Field(default=None, max_length=20)


class TierOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 3,
                    "name": "金卡",
                    "rank": 2,
                    "threshold": 500000,
                    "benefits": _GOLD,
                    "created_at": "2026-01-05T09:30:00+08:00",
                }
            ]
        },
    )
    id: int
    name: str
    rank: int
    threshold: int
    benefits: dict[str, object]
    created_at: datetime


class SetTierIn(In):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"tier_id": 3, "reason": "门店VIP客户，店长申请升级"}]}
    )
    tier_id: Id | None
    reason: str = Field(min_length=1, max_length=200)


class TierChangeOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 88,
                    "from_tier_id": 2,
                    "to_tier_id": 3,
                    "reason": "upgrade",
                    "metric_value": 512300,
                    "created_at": "2026-06-18T20:15:03+08:00",
                }
            ]
        },
    )
    id: int
    from_tier_id: int | None
    to_tier_id: int | None
    reason: str
    metric_value: int
    created_at: datetime


# --- coupons, rewards, lotteries, auctions, paid membership ---------------------------------


_TEMPLATE: JsonDict = {
    "name": "满199减30",
    "kind": "amount_off",
    "value": 3000,
    "min_spend_cents": 19900,
    "valid_days": 30,
    "total_limit": 10000,
    "per_member_limit": 2,
}


class CouponTemplateIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [_TEMPLATE]})
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
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    **_TEMPLATE,
                    "gift_name": None,
                    "valid_from": None,
                    "valid_until": None,
                    "issued_count": 1280,
                    "active": True,
                }
            ]
        },
    )
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
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 5012,
                    "template_id": 7,
                    "code": "7K3QF-M9XPD",
                    "member_id": 1024,
                    "status": "issued",
                    "valid_from": "2026-06-18T20:15:03+08:00",
                    "valid_until": "2026-07-18T20:15:03+08:00",
                    "issued_at": "2026-06-18T20:15:03+08:00",
                    "source": "api",
                    "redeemed_at": None,
                    "redeemed_ref": None,
                }
            ]
        },
    )
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
    model_config = ConfigDict(json_schema_extra={"examples": [{"template_id": 7, "member_id": 1024}]})
    template_id: Id
    member_id: Id


class GenerateIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"count": 500}]})
    count: Int = Field(ge=1, le=10_000)


class ClaimIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"member_id": 1024}]})
    member_id: Id


class RedeemCouponIn(In):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"member_id": 1024, "order_ref": "SH20260618001"}]}
    )
    #: When given, the coupon must be this member's.
    member_id: Id | None = None
    order_ref: str | None = Field(default=None, max_length=64)


class ReasonIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "活动取消，统一作废"}]})
    reason: str = Field(min_length=1, max_length=200)


_REWARD: JsonDict = {
    "name": "品牌定制帆布袋",
    "kind": "gift",
    "points_cost": 1500,
    "stock": 200,
    "per_member_limit": 1,
    "valid_until": "2026-12-31T23:59:59+08:00",
}


class RewardIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [_REWARD]})
    name: str = Field(min_length=1, max_length=120)
    kind: Literal["gift", "coupon"]
    coupon_template_id: Id | None = None
    points_cost: Int = Field(ge=-MAX_POINTS, le=MAX_POINTS)
    stock: Int | None = Field(default=None, ge=0, le=MAX_COUNT)
    per_member_limit: Int | None = Field(default=None, ge=1, le=MAX_COUNT)
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None


class RewardPatch(In):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"points_cost": 1200, "valid_until": "2027-01-31T23:59:59+08:00"}]}
    )
    name: str | None = Field(default=None, min_length=1, max_length=120)
    points_cost: Int | None = Field(default=None, ge=1, le=MAX_POINTS)
    per_member_limit: Int | None = Field(default=None, ge=1, le=MAX_COUNT)
    valid_until: AwareDatetime | None = None
    active: Bool | None = None


class RewardOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 21,
                    **_REWARD,
                    "coupon_template_id": None,
                    "stock": 186,
                    "valid_from": None,
                    "active": True,
                }
            ]
        },
    )
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
    model_config = ConfigDict(json_schema_extra={"examples": [{"delta": 100}]})
    delta: Int = Field(ge=-MAX_POINTS, le=MAX_POINTS)


class RedeemRewardIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"member_id": 1024, "quantity": 1}]})
    member_id: Id
    quantity: Int = Field(default=1, ge=-MAX_COUNT, le=MAX_COUNT)


class RedemptionOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 73,
                    "reward_id": 21,
                    "member_id": 1024,
                    "quantity": 1,
                    "points": 1500,
                    "points_entry_id": 4831,
                    "coupon_ids": [],
                    "status": "completed",
                    "created_at": "2026-06-18T20:15:03+08:00",
                }
            ]
        },
    )
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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "618幸运大转盘",
                    "points_per_draw": 50,
                    "daily_limit": 3,
                    "starts_at": "2026-06-01T00:00:00+08:00",
                    "ends_at": "2026-06-18T23:59:59+08:00",
                    "prizes": [
                        {"name": "100积分", "kind": "points", "points": 100, "probability_bp": 2000},
                        {
                            "name": "满199减30券",
                            "kind": "coupon",
                            "coupon_template_id": 7,
                            "probability_bp": 500,
                            "stock": 1000,
                        },
                        {"name": "品牌保温杯", "kind": "gift", "probability_bp": 10, "stock": 20},
                    ],
                }
            ]
        }
    )
    name: str = Field(min_length=1, max_length=120)
    points_per_draw: Int = Field(default=0, ge=-MAX_POINTS, le=MAX_POINTS)
    daily_limit: Int | None = Field(default=None, ge=1, le=MAX_COUNT)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    prizes: list[PrizeIn] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _window(self) -> LotteryIn:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 4,
                    "name": "618幸运大转盘",
                    "points_per_draw": 50,
                    "daily_limit": 3,
                    "starts_at": "2026-06-01T00:00:00+08:00",
                    "ends_at": "2026-06-18T23:59:59+08:00",
                    "active": True,
                    "prizes": [
                        {
                            "id": 31,
                            "name": "100积分",
                            "kind": "points",
                            "points": 100,
                            "coupon_template_id": None,
                            "probability_bp": 2000,
                            "stock": None,
                            "awarded_count": 812,
                        },
                        {
                            "id": 32,
                            "name": "满199减30券",
                            "kind": "coupon",
                            "points": 0,
                            "coupon_template_id": 7,
                            "probability_bp": 500,
                            "stock": 1000,
                            "awarded_count": 266,
                        },
                        {
                            "id": 33,
                            "name": "品牌保温杯",
                            "kind": "gift",
                            "points": 0,
                            "coupon_template_id": None,
                            "probability_bp": 10,
                            "stock": 20,
                            "awarded_count": 2,
                        },
                    ],
                }
            ]
        }
    )
    id: int
    name: str
    points_per_draw: int
    daily_limit: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    active: bool
    prizes: list[PrizeOut]


class DrawIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"member_id": 1024}]})
    member_id: Id


class DrawOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 9001,
                    "lottery_id": 4,
                    "member_id": 1024,
                    "roll": 2317,
                    "table": [
                        {"prize_id": 31, "from": 0, "to": 2000, "stock_left": None},
                        {"prize_id": 32, "from": 2000, "to": 2500, "stock_left": 734},
                        {"prize_id": 33, "from": 2500, "to": 2510, "stock_left": 18},
                    ],
                    "outcome": "won",
                    "prize_id": 32,
                    "award_ref": "coupon:5013",
                    "created_at": "2026-06-18T20:15:03+08:00",
                }
            ]
        },
    )
    id: int
    lottery_id: int
    member_id: int
    roll: int
    table: list[dict[str, object]]
    outcome: str
    prize_id: int | None
    award_ref: str | None
    created_at: datetime


_AUCTION: JsonDict = {
    "name": "联名限量球鞋 积分竞拍",
    "description": "尺码 42，竞拍成功后 7 日内发货",
    "starts_at": "2026-07-01T10:00:00+08:00",
    "ends_at": "2026-07-03T22:00:00+08:00",
    "min_bid": 5000,
    "increment": 500,
}


class AuctionIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [_AUCTION]})
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=1000)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    min_bid: Int = Field(ge=-MAX_POINTS, le=MAX_POINTS)
    increment: Int = Field(ge=-MAX_POINTS, le=MAX_POINTS)


class AuctionOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 6,
                    **_AUCTION,
                    "status": "open",
                    "leader_member_id": 1024,
                    "leading_bid": 6500,
                    "closed_at": None,
                }
            ]
        },
    )
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
    model_config = ConfigDict(json_schema_extra={"examples": [{"member_id": 1024, "amount": 6500}]})
    member_id: Id
    amount: Int = Field(ge=-MAX_POINTS, le=MAX_POINTS)


class BidOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 55,
                    "auction_id": 6,
                    "member_id": 1024,
                    "amount": 6500,
                    "status": "leading",
                    "created_at": "2026-07-02T21:48:12+08:00",
                }
            ]
        },
    )
    id: int
    auction_id: int
    member_id: int
    amount: int
    status: str
    created_at: datetime


_PLAN: JsonDict = {
    "name": "PLUS年卡会员",
    "price_cents": 19900,
    "period": "year",
    "gift_points": 2000,
    "gift_coupon_template_ids": [7],
    "benefits": {"points_multiplier": 2, "discount_percent": 10},
    "remind_days": 7,
}


class PlanIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [_PLAN]})
    name: str = Field(min_length=1, max_length=120)
    price_cents: Int = Field(ge=-MAX_CENTS, le=MAX_CENTS)
    period: Literal["month", "quarter", "year"]
    gift_points: Int = Field(default=0, ge=-MAX_POINTS, le=MAX_POINTS)
    gift_coupon_template_ids: list[Id] = Field(default_factory=list, max_length=20)
    benefits: dict[str, object] = Field(default_factory=dict, max_length=20)
    remind_days: Int = Field(default=7, ge=0, le=60)


class PlanOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [{"id": 2, **_PLAN, "active": True}]}
    )
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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"plan_id": 2, "payment_ref": "4200001234202606182222222222", "amount_cents": 19900}]
        }
    )
    plan_id: Id
    payment_ref: str = Field(min_length=1, max_length=64, description="The payment's id: a retry buys once")
    amount_cents: Int | None = Field(default=None, ge=-MAX_CENTS, le=MAX_CENTS)


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 310,
                    "member_id": 1024,
                    "plan_id": 2,
                    "status": "active",
                    "started_at": "2026-06-18T20:30:00+08:00",
                    "ends_at": "2027-06-18T20:30:00+08:00",
                    "renewals": 0,
                }
            ]
        },
    )
    id: int
    member_id: int
    plan_id: int
    status: str
    started_at: datetime
    ends_at: datetime
    renewals: int
