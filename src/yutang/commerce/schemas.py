"""Orders and refunds as the shop sends them. Amounts are integer cents (分).

Amounts are checked by the service (code ``invalid_amount``), not by the schema, so the
API, the signed webhook and the CSV import refuse a bad amount the same way.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from yutang.members.schemas import Identities


class OrderItemIn(BaseModel):
    product_id: str = Field(min_length=1, max_length=64)
    name: str = Field(default="", max_length=200)
    category: str | None = Field(default=None, max_length=64)
    quantity: int = 1
    price_cents: int


class OrderIn(BaseModel):
    external_id: str = Field(min_length=1, max_length=64, description="The shop's order id")
    member_id: int | None = None
    #: Used to find the member when ``member_id`` is not given.
    customer: Identities | None = None
    #: What the customer paid; defaults to Σ quantity × price of the items.
    total_cents: int | None = None
    currency: str = Field(default="CNY", min_length=3, max_length=3)
    paid_at: AwareDatetime
    channel_id: int | None = None
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


class RefundIn(BaseModel):
    external_id: str = Field(min_length=1, max_length=64, description="The shop's refund id")
    amount_cents: int
    reason: str = Field(default="", max_length=200)
    refunded_at: AwareDatetime | None = None


class WebhookIn(BaseModel):
    """``POST /api/v1/webhooks/shop/{workspace}``, signed with ``X-Yutang-Signature``."""

    type: str = Field(description="`order.paid` or `order.refunded`")
    order: OrderIn | None = None
    order_external_id: str | None = None
    refund: RefundIn | None = None


class TopUpIn(BaseModel):
    amount_cents: int
    payment_ref: str = Field(
        min_length=1, max_length=64, description="The payment's id: a retry tops up once"
    )


class WalletSpendIn(BaseModel):
    amount_cents: int
    order_ref: str = Field(min_length=1, max_length=64, description="The order paid: the same ref pays once")
    reason: str = Field(default="", max_length=200)


class WalletRefundIn(BaseModel):
    spend_entry_id: int
    amount_cents: int
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


class TopUpRuleIn(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    min_amount_cents: int
    bonus_cents: int


class TopUpRuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    min_amount_cents: int
    bonus_cents: int
    active: bool
