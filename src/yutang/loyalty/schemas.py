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
