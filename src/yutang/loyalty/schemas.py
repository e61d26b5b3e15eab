"""Request and response models of points and earn rules."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

Trigger = Literal[
    "order_paid", "signup", "checkin", "post", "share", "referral", "birthday", "form_submitted", "custom"
]
#: Triggers a client reports through ``POST /members/{id}/activities``.
ActivityType = Literal["checkin", "post", "share", "custom"]


class Conditions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: Orders: the eligible spend (after the product/category filter) must reach this.
    min_amount_cents: int | None = Field(default=None, ge=0)
    #: Orders: only items of these products / categories count.
    product_ids: list[str] | None = Field(default=None, max_length=500)
    categories: list[str] | None = Field(default=None, max_length=100)
    #: Only members of these tiers earn.
    tier_ids: list[int] | None = Field(default=None, max_length=50)
    #: Only members of this segment earn.
    segment_id: int | None = None


class Caps(BaseModel):
    model_config = ConfigDict(extra="forbid")
    day: int | None = Field(default=None, ge=1)
    week: int | None = Field(default=None, ge=1)
    month: int | None = Field(default=None, ge=1)
    lifetime: int | None = Field(default=None, ge=1)


class RuleIn(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    trigger: Trigger
    event_name: str | None = Field(default=None, max_length=64, description="For `custom` triggers")
    active: bool = True
    conditions: Conditions = Field(default_factory=Conditions)
    amount_type: Literal["fixed", "per_unit"] = "fixed"
    points: int = Field(ge=1, le=1_000_000)
    unit_cents: int = Field(default=100, ge=1)
    tier_multiplier: bool = False
    caps: Caps = Field(default_factory=Caps)
    expiry_months: int | None = Field(default=None, ge=1, le=120)
    pending_days: int = Field(default=0, ge=0, le=365)
    allow_negative: bool = False
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


class RulePatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    active: bool | None = None
    conditions: Conditions | None = None
    points: int | None = Field(default=None, ge=1, le=1_000_000)
    unit_cents: int | None = Field(default=None, ge=1)
    caps: Caps | None = None
    expiry_months: int | None = Field(default=None, ge=1, le=120)
    pending_days: int | None = Field(default=None, ge=0, le=365)
    allow_negative: bool | None = None
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


class AdjustIn(BaseModel):
    delta: int = Field(description="Points to add (positive) or remove (negative)")
    reason: str = Field(min_length=1, max_length=200)
    expires_at: AwareDatetime | None = None


class SpendIn(BaseModel):
    points: int
    reason: str = Field(default="", max_length=200)
    ref_type: str | None = Field(default=None, max_length=32)
    ref_id: str | None = Field(default=None, max_length=64)


class ActivityIn(BaseModel):
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


class TierProgramIn(BaseModel):
    metric: Literal["spend", "points"] = "spend"
    window_days: int | None = Field(default=365, ge=1, le=3650)
    downgrade_policy: Literal["none", "one_level", "recompute"] = "one_level"
    grace_days: int = Field(default=30, ge=0, le=365)


class TierProgramOut(TierProgramIn):
    model_config = ConfigDict(from_attributes=True)


class TierIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    rank: int = Field(ge=0, le=1000)
    #: Cents of spend, or points, over the programme's window.
    threshold: int = Field(ge=0)
    benefits: dict[str, object] = Field(default_factory=dict)


class TierPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=64)
    threshold: int | None = Field(default=None, ge=0)
    benefits: dict[str, object] | None = None


class TierOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    rank: int
    threshold: int
    benefits: dict[str, object]
    created_at: datetime


class SetTierIn(BaseModel):
    tier_id: int | None
    reason: str = Field(min_length=1, max_length=200)


class TierChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    from_tier_id: int | None
    to_tier_id: int | None
    reason: str
    metric_value: int
    created_at: datetime
