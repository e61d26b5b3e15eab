"""Request and response models of distribution (分销)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class SettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    self_purchase: bool | None = None
    refund_window_days: int | None = Field(default=None, ge=0, le=365)
    min_withdrawal_cents: int | None = Field(default=None, ge=1, le=100_000_000)
    #: {"orders": 3} and/or {"checkin_streak": 7}: reaching either makes a distributor.
    task_entry: dict[str, int] | None = None
    gift_pack_product_ids: list[str] | None = Field(default=None, max_length=100)
    bind_invitees: bool | None = None

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


class LevelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=60)
    rank: int = Field(ge=1, le=100)
    min_team_size: int = Field(default=0, ge=0)
    min_team_sales_cents: int = Field(default=0, ge=0)
    bonus_bp: int = Field(default=0, ge=0, le=5000)


class LevelOut(LevelIn):
    model_config = ConfigDict(from_attributes=True, extra="ignore")
    id: int


class PlanIn(BaseModel):
    """``rates``: level 1 and (optionally) level 2 — basis points of the item amount for
    ``percent``, cents per unit for ``fixed``. A third rate is refused."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=120)
    kind: Literal["percent", "fixed"] = "percent"
    rates: list[int] = Field(min_length=1, max_length=10)
    product_ids: list[str] = Field(default_factory=list, max_length=500)
    categories: list[str] = Field(default_factory=list, max_length=100)
    active: bool = True


class PlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    kind: str
    rates: list[int]
    product_ids: list[str]
    categories: list[str]
    active: bool


class AppointIn(BaseModel):
    """An operator makes a member a distributor (a KOL, say), or records an application."""

    model_config = ConfigDict(extra="forbid")
    member_id: int
    #: The recruiting distributor's code, if any.
    parent_code: str | None = Field(default=None, max_length=16)
    apply_only: bool = Field(default=False, description="Record an application for review instead")


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
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


class BindIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member_id: int
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


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount_cents: int


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
