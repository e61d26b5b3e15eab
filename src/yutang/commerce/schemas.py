"""Orders and refunds as the shop sends them. Amounts are integer cents (分).

Amounts are checked by the service (code ``invalid_amount``), not by the schema, so the
API, the signed webhook and the CSV import refuse a bad amount the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue
from pydantic.config import JsonDict

from yutang.kit.schemas import MAX_CENTS, MAX_COUNT, Bool, Id, In, Int
from yutang.members.schemas import Identities

#: 满199减30 applied: the items sum to 26,700 cents, the customer paid 23,700.
_ITEMS: list[JsonValue] = [
    {
        "product_id": "SKU-1001",
        "name": "玻尿酸补水面膜 10片装",
        "category": "护肤",
        "quantity": 2,
        "price_cents": 9900,
    },
    {
        "product_id": "SKU-2003",
        "name": "氨基酸洁面乳 120g",
        "category": "护肤",
        "quantity": 1,
        "price_cents": 6900,
    },
]


class OrderItemIn(In):
    product_id: str = Field(min_length=1, max_length=64)
    name: str = Field(default="", max_length=200)
    category: str | None = Field(default=None, max_length=64)
    quantity: Int = Field(default=1, ge=-MAX_COUNT, le=MAX_COUNT)
    price_cents: Int = Field(ge=-MAX_CENTS, le=MAX_CENTS)


class OrderIn(In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "external_id": "SH20260618001",
                    "customer": {"phone": "13800138000"},
                    "total_cents": 23700,
                    "paid_at": "2026-06-18T20:12:45+08:00",
                    "channel_id": 3,
                    "items": _ITEMS,
                }
            ]
        }
    )
    external_id: str = Field(min_length=1, max_length=64, description="The shop's order id")
    member_id: Id | None = None
    #: Used to find the member when ``member_id`` is not given.
    customer: Identities | None = None
    #: What the customer paid; defaults to Σ quantity × price of the items.
    total_cents: Int | None = Field(default=None, ge=-MAX_CENTS, le=MAX_CENTS)
    currency: str = Field(default="CNY", min_length=3, max_length=3)
    paid_at: AwareDatetime
    channel_id: Id | None = None
    items: list[OrderItemIn] = Field(default_factory=list, max_length=500)


class OrderItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    product_id: str
    name: str
    category: str | None
    quantity: int
    price_cents: int


_REFUND: JsonDict = {
    "external_id": "RF20260620001",
    "amount_cents": 6900,
    "reason": "洁面乳破损",
    "refunded_at": "2026-06-20T11:02:00+08:00",
}


class RefundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    external_id: str
    amount_cents: int
    reason: str
    refunded_at: datetime


class OrderOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 5521,
                    "external_id": "SH20260618001",
                    "member_id": 1024,
                    "status": "partially_refunded",
                    "currency": "CNY",
                    "total_cents": 23700,
                    "refunded_cents": 6900,
                    "paid_at": "2026-06-18T20:12:45+08:00",
                    "channel_id": 3,
                    "items": _ITEMS,
                    "refunds": [{"id": 77, **_REFUND}],
                    "created_at": "2026-06-18T20:12:47+08:00",
                }
            ]
        }
    )
    id: int
    external_id: str
    member_id: int | None
    status: str
    currency: str
    total_cents: int
    refunded_cents: int
    paid_at: datetime
    channel_id: int | None
    items: list[OrderItemOut]
    refunds: list[RefundOut]
    created_at: datetime


class RefundIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [_REFUND]})
    external_id: str = Field(min_length=1, max_length=64, description="The shop's refund id")
    amount_cents: Int = Field(ge=-MAX_CENTS, le=MAX_CENTS)
    reason: str = Field(default="", max_length=200)
    refunded_at: AwareDatetime | None = None


class WebhookIn(In):
    """``POST /api/v1/webhooks/shop/{workspace}``, signed with ``X-Yutang-Signature``."""

    type: str = Field(description="`order.paid` or `order.refunded`", max_length=32)
    order: OrderIn | None = None
    order_external_id: str | None = Field(default=None, max_length=64)
    refund: RefundIn | None = None


class TopUpIn(In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"amount_cents": 100000, "payment_ref": "4200001234202606181111111111"}]
        }
    )
    amount_cents: Int = Field(ge=-MAX_CENTS, le=MAX_CENTS)
    payment_ref: str = Field(
        min_length=1, max_length=64, description="The payment's id: a retry tops up once"
    )


class WalletSpendIn(In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"amount_cents": 23700, "order_ref": "SH20260618001", "reason": "储值支付"}]
        }
    )
    amount_cents: Int = Field(ge=-MAX_CENTS, le=MAX_CENTS)
    order_ref: str = Field(min_length=1, max_length=64, description="The order paid: the same ref pays once")
    reason: str = Field(default="", max_length=200)


class WalletRefundIn(In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "spend_entry_id": 902,
                    "amount_cents": 6900,
                    "refund_ref": "RF20260620001",
                    "reason": "洁面乳破损",
                }
            ]
        }
    )
    spend_entry_id: Id
    amount_cents: Int = Field(ge=-MAX_CENTS, le=MAX_CENTS)
    refund_ref: str = Field(min_length=1, max_length=64)
    reason: str = Field(default="", max_length=200)


#: 23,700 paid from 100,000 principal + 10,000 bonus: the bonus share is 23,700 × 10,000 // 110,000.
_WALLET_SPEND: JsonDict = {
    "id": 902,
    "kind": "spend",
    "principal_delta": -21546,
    "bonus_delta": -2154,
    "principal_after": 78454,
    "bonus_after": 7846,
    "reason": "储值支付",
    "ref_type": "order",
    "ref_id": "SH20260618001",
    "refund_of": None,
    "created_at": "2026-06-18T20:12:45+08:00",
}


class WalletEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    principal_delta: int
    bonus_delta: int
    principal_after: int
    bonus_after: int
    reason: str
    ref_type: str | None
    ref_id: str | None
    refund_of: int | None
    created_at: datetime


class WalletOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "member_id": 1024,
                    "principal_cents": 78454,
                    "bonus_cents": 7846,
                    "balance_cents": 86300,
                    "entries": [
                        _WALLET_SPEND,
                        {
                            "id": 901,
                            "kind": "topup",
                            "principal_delta": 100000,
                            "bonus_delta": 10000,
                            "principal_after": 100000,
                            "bonus_after": 10000,
                            "reason": "充1000送100",
                            "ref_type": "payment",
                            "ref_id": "4200001234202606181111111111",
                            "refund_of": None,
                            "created_at": "2026-06-18T19:58:10+08:00",
                        },
                    ],
                }
            ]
        }
    )
    member_id: int
    principal_cents: int
    bonus_cents: int
    balance_cents: int
    entries: list[WalletEntryOut]


class WalletMoveOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "entry": _WALLET_SPEND,
                    "principal_cents": 78454,
                    "bonus_cents": 7846,
                    "balance_cents": 86300,
                    "replayed": False,
                }
            ]
        }
    )
    entry: WalletEntryOut
    principal_cents: int
    bonus_cents: int
    balance_cents: int
    replayed: bool


_TOP_UP_RULE: JsonDict = {"name": "充1000送100", "min_amount_cents": 100000, "bonus_cents": 10000}


class TopUpRuleIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [_TOP_UP_RULE]})
    name: str = Field(min_length=1, max_length=120)
    min_amount_cents: Int = Field(ge=-MAX_CENTS, le=MAX_CENTS)
    bonus_cents: Int = Field(ge=-MAX_CENTS, le=MAX_CENTS)


class TopUpRulePatch(In):
    """What of a top-up rule may change; only fields sent change (``null`` leaves one as it is)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"bonus_cents": 15000}, {"name": "充1000送150", "active": False}]}
    )
    name: str | None = Field(default=None, min_length=1, max_length=120)
    min_amount_cents: Int | None = Field(default=None, ge=-MAX_CENTS, le=MAX_CENTS)
    bonus_cents: Int | None = Field(default=None, ge=-MAX_CENTS, le=MAX_CENTS)
    active: Bool | None = Field(default=None, description="false: top-ups no longer get its bonus")

    def changes(self) -> dict[str, Any]:
        """The fields sent, as the service takes them (a ``null`` one left out)."""
        return {k: v for k, v in self.model_dump(exclude_unset=True).items() if v is not None}


class TopUpRuleOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [{"id": 3, **_TOP_UP_RULE, "active": True}]}
    )
    id: int
    name: str
    min_amount_cents: int
    bonus_cents: int
    active: bool
