"""Request and response bodies of paid membership plans and subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from yutang.kit.schemas import MAX_CENTS, MAX_POINTS, Bool, Id, In, Int

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


class PlanPatch(In):
    """What of a plan may change: every field is optional, a ``null`` one is left as it is.
    ``gift_coupon_template_ids`` and ``benefits`` are replaced whole."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"price_cents": 16900, "active": False}, {"name": "PLUS年卡"}]}
    )
    name: str | None = Field(default=None, min_length=1, max_length=120)
    price_cents: Int | None = Field(default=None, ge=1, le=MAX_CENTS)
    period: Literal["month", "quarter", "year"] | None = None
    gift_points: Int | None = Field(default=None, ge=0, le=MAX_POINTS)
    gift_coupon_template_ids: list[Id] | None = Field(default=None, max_length=20)
    benefits: dict[str, object] | None = Field(default=None, max_length=20)
    remind_days: Int | None = Field(default=None, ge=0, le=60)
    active: Bool | None = Field(default=None, description="false: the plan is no longer sold")

    def changes(self) -> dict[str, Any]:
        """The fields sent, as the service takes them (a ``null`` one left out)."""
        return {k: v for k, v in self.model_dump(exclude_unset=True).items() if v is not None}


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
