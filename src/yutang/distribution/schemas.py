"""Request and response models of distribution (分销)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from yutang.kit.schemas import MAX_CENTS, MAX_COUNT, AnyInt, Bool, Id, In, Int


class SettingsIn(In):
    self_purchase: Bool | None = None
    refund_window_days: Int | None = Field(default=None, ge=0, le=365)
    min_withdrawal_cents: Int | None = Field(default=None, ge=1, le=100_000_000)
    #: {"orders": 3} and/or {"checkin_streak": 7}: reaching either makes a distributor.
    task_entry: dict[str, AnyInt] | None = Field(default=None, max_length=2)
    gift_pack_product_ids: list[Annotated[str, Field(max_length=64)]] | None = Field(
        default=None, max_length=100
    )
    bind_invitees: Bool | None = None

    @model_validator(mode="after")
    def _task(self) -> SettingsIn:
        for key, value in (self.task_entry or {}).items():
            if key not in ("orders", "checkin_streak") or not 1 <= value <= 365:
                raise ValueError("task_entry takes orders and checkin_streak, each 1-365")
        return self


class SettingsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    self_purchase: bool
    refund_window_days: int
    min_withdrawal_cents: int
    task_entry: dict[str, Any]
    gift_pack_product_ids: list[str]
    bind_invitees: bool


class LevelIn(In):
    name: str = Field(min_length=1, max_length=60)
    rank: Int = Field(ge=1, le=100)
    min_team_size: Int = Field(default=0, ge=0, le=MAX_COUNT)
    min_team_sales_cents: Int = Field(default=0, ge=0, le=MAX_CENTS)
    bonus_bp: Int = Field(default=0, ge=0, le=5000)


class LevelOut(LevelIn):
    model_config = ConfigDict(from_attributes=True, extra="ignore")
    id: int


class PlanIn(In):
    """``rates``: level 1 and (optionally) level 2 — basis points of the item amount for
    ``percent``, cents per unit for ``fixed``. A third rate is refused."""

    name: str = Field(min_length=1, max_length=120)
    kind: Literal["percent", "fixed"] = "percent"
    rates: list[AnyInt] = Field(min_length=1, max_length=10)
    product_ids: list[Annotated[str, Field(max_length=64)]] = Field(default_factory=list, max_length=500)
    categories: list[Annotated[str, Field(max_length=64)]] = Field(default_factory=list, max_length=100)
    active: Bool = True


class PlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    kind: str
    rates: list[int]
    product_ids: list[str]
    categories: list[str]
    active: bool


class AppointIn(In):
    """An operator makes a member a distributor (a KOL, say), or records an application."""

    member_id: Id
    #: The recruiting distributor's code, if any.
    parent_code: str | None = Field(default=None, max_length=16)
    apply_only: Bool = Field(default=False, description="Record an application for review instead")


class DecisionIn(In):
    decision: Literal["approve", "reject"]
    note: str = Field(default="", max_length=200)


class DistributorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    member_id: int
    status: str
    entry: str
    code: str
    parent_id: int | None
    level_id: int | None
    pending_cents: int
    available_cents: int
    frozen_cents: int
    withdrawn_cents: int
    activated_at: datetime | None
    created_at: datetime


class BindIn(In):
    member_id: Id
    code: str = Field(min_length=4, max_length=16)


class BindingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    member_id: int
    distributor_id: int
    via: str
    created_at: datetime


class CommissionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    distributor_id: int
    order_id: int
    buyer_id: int | None
    level: int
    base_cents: int
    amount_cents: int
    reversed_cents: int
    status: str
    release_at: datetime
    released_at: datetime | None
    created_at: datetime


class CommissionPage(BaseModel):
    items: list[CommissionOut]
    next_cursor: str | None


class WithdrawIn(In):
    amount_cents: Int = Field(ge=-MAX_CENTS, le=MAX_CENTS)


class WithdrawalOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    distributor_id: int
    amount_cents: int
    status: str
    decided_at: datetime | None
    decided_by: str | None
    note: str
    created_at: datetime


class TeamOut(BaseModel):
    distributor_id: int
    level1: list[int]
    level2: list[int]
    team_size: int
    team_sales_cents: int


class DistributorFigures(BaseModel):
    distributor_id: int
    member_id: int
    orders: int
    sales_cents: int
    pending_cents: int
    available_cents: int
    reversed_cents: int
    withdrawn_cents: int
    team_size: int
