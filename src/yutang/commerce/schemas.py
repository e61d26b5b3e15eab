"""Orders and refunds as the shop sends them. Amounts are integer cents (分).

Amounts are checked by the service (code ``invalid_amount``), not by the schema, so the
API, the signed webhook and the CSV import refuse a bad amount the same way.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from yutang.kit.schemas import MAX_CENTS, MAX_COUNT, Id, In, Int
from yutang.members.schemas import Identities


class OrderItemIn(In):
    product_id: str = Field(min_length=1, max_length=64)
    name: str = Field(default="", max_length=200)
    category: str | None = Field(default=None, max_length=64)
    quantity: Int = Field(default=1, ge=-MAX_COUNT, le=MAX_COUNT)
    price_cents: Int = Field(ge=-MAX_CENTS, le=MAX_CENTS)


class OrderIn(In):
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


class RefundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    external_id: str
    amount_cents: int
    reason: str
    refunded_at: datetime


class OrderOut(BaseModel):
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
    amount_cents: Int = Field(ge=-MAX_CENTS, le=MAX_CENTS)
    payment_ref: str = Field(
        min_length=1, max_length=64, description="The payment's id: a retry tops up once"
    )


class WalletSpendIn(In):
    amount_cents: Int = Field(ge=-MAX_CENTS, le=MAX_CENTS)
    order_ref: str = Field(min_length=1, max_length=64, description="The order paid: the same ref pays once")
    reason: str = Field(default="", max_length=200)


class WalletRefundIn(In):
    spend_entry_id: Id
    amount_cents: Int = Field(ge=-MAX_CENTS, le=MAX_CENTS)
    refund_ref: str = Field(min_length=1, max_length=64)
    reason: str = Field(default="", max_length=200)


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
    member_id: int
    principal_cents: int
    bonus_cents: int
    balance_cents: int
    entries: list[WalletEntryOut]


class WalletMoveOut(BaseModel):
    entry: WalletEntryOut
    principal_cents: int
    bonus_cents: int
    balance_cents: int
    replayed: bool


class TopUpRuleIn(In):
    name: str = Field(min_length=1, max_length=120)
    min_amount_cents: Int = Field(ge=-MAX_CENTS, le=MAX_CENTS)
    bonus_cents: Int = Field(ge=-MAX_CENTS, le=MAX_CENTS)


class TopUpRuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    min_amount_cents: int
    bonus_cents: int
    active: bool
