"""Request and response bodies of coupon templates and coupons."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from yutang.kit.schemas import MAX_CENTS, MAX_COUNT, Bool, Id, In, Int

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


#: Fields of a template that ``null`` removes (any other ``null`` leaves its field as it is).
NULLABLE = ("valid_days", "valid_from", "valid_until", "total_limit", "per_member_limit")


class CouponTemplatePatch(In):
    """What of a template may change. Only fields sent change; ``null`` removes a validity
    bound or a limit (``valid_days``, ``valid_from``, ``valid_until``, ``total_limit``,
    ``per_member_limit``) and leaves any other field as it is."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "满199减30（会员专享）", "valid_until": "2026-12-31T23:59:59+08:00"},
                {"active": False},
            ]
        }
    )
    name: str | None = Field(default=None, min_length=1, max_length=120)
    kind: Literal["amount_off", "percent_off", "gift"] | None = None
    value: Int | None = Field(default=None, ge=0, le=MAX_CENTS)
    gift_name: str | None = Field(default=None, max_length=120)
    min_spend_cents: Int | None = Field(default=None, ge=0, le=MAX_CENTS)
    valid_days: Int | None = Field(default=None, ge=1, le=3650)
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    total_limit: Int | None = Field(default=None, ge=1, le=MAX_COUNT)
    per_member_limit: Int | None = Field(default=None, ge=1, le=MAX_COUNT)
    active: Bool | None = Field(
        default=None, description="false: no more coupons are issued (generated codes can still be claimed)"
    )

    def changes(self) -> dict[str, Any]:
        """The fields sent, as the service takes them: a ``null`` one of :data:`NULLABLE`
        removed, any other left out."""
        return {
            k: v for k, v in self.model_dump(exclude_unset=True).items() if v is not None or k in NULLABLE
        }


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
