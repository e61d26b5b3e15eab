"""Request and response models of distribution (分销)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from yutang.kit.schemas import MAX_CENTS, MAX_COUNT, AnyInt, Bool, Id, In, Int

_SETTINGS: dict[str, Any] = {
    "self_purchase": False,
    "refund_window_days": 7,
    "min_withdrawal_cents": 1000,
    "task_entry": {"orders": 3, "checkin_streak": 7},
    "gift_pack_product_ids": ["SKU-GIFT-399"],
    "bind_invitees": True,
}
_LEVEL: dict[str, Any] = {
    "name": "金牌推广员",
    "rank": 2,
    "min_team_size": 20,
    "min_team_sales_cents": 5000000,
    "bonus_bp": 200,
}
#: Level 1 earns 10 % (1,000 basis points) of the item amount, level 2 earns 3 %.
_PLAN: dict[str, Any] = {
    "name": "护肤品类佣金",
    "kind": "percent",
    "rates": [1000, 300],
    "product_ids": [],
    "categories": ["护肤", "面膜"],
    "active": True,
}
_DISTRIBUTOR_OUT: dict[str, Any] = {
    "id": 88,
    "member_id": 1024,
    "status": "active",
    "entry": "approved",
    "code": "D4M8Q2ZK",
    "parent_id": 12,
    "level_id": 2,
    "pending_cents": 12800,
    "available_cents": 45600,
    "frozen_cents": 10000,
    "withdrawn_cents": 200000,
    "activated_at": "2026-10-08T02:00:00Z",
    "created_at": "2026-10-08T02:00:00Z",
}
_COMMISSION_OUT: dict[str, Any] = {
    "id": 7301,
    "distributor_id": 88,
    "order_id": 66120,
    "buyer_id": 2087,
    "level": 1,
    "base_cents": 39900,
    "amount_cents": 3990,
    "reversed_cents": 0,
    "status": "pending",
    "release_at": "2026-11-19T13:05:00Z",
    "released_at": None,
    "created_at": "2026-11-12T13:05:00Z",
}


class SettingsIn(In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"refund_window_days": 15, "task_entry": {"orders": 3}, "bind_invitees": True}]
        }
    )
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
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_SETTINGS]})
    self_purchase: bool
    refund_window_days: int
    min_withdrawal_cents: int
    task_entry: dict[str, Any]
    gift_pack_product_ids: list[str]
    bind_invitees: bool


# The fields of a level and of a plan, bounded once: the create and the change take the same.
_LevelName = Annotated[str, Field(min_length=1, max_length=60)]
_Rank = Annotated[Int, Field(ge=1, le=100)]
_TeamSize = Annotated[Int, Field(ge=0, le=MAX_COUNT)]
_TeamSales = Annotated[Int, Field(ge=0, le=MAX_CENTS)]
_BonusBp = Annotated[Int, Field(ge=0, le=5000)]
_PlanName = Annotated[str, Field(min_length=1, max_length=120)]
_Kind = Literal["percent", "fixed"]
_Rates = Annotated[list[AnyInt], Field(min_length=1, max_length=10)]
_ProductIds = Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=500)]
_Categories = Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=100)]


class LevelIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [_LEVEL]})
    name: _LevelName
    rank: _Rank
    min_team_size: _TeamSize = 0
    min_team_sales_cents: _TeamSales = 0
    bonus_bp: _BonusBp = 0


class LevelPatch(In):
    """A change of a level: only the fields given (a null leaves that field as it is)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"min_team_sales_cents": 8000000, "bonus_bp": 300}]}
    )
    name: _LevelName | None = None
    rank: _Rank | None = None
    min_team_size: _TeamSize | None = None
    min_team_sales_cents: _TeamSales | None = None
    bonus_bp: _BonusBp | None = None


class LevelOut(LevelIn):
    model_config = ConfigDict(
        from_attributes=True, extra="ignore", json_schema_extra={"examples": [{"id": 2, **_LEVEL}]}
    )
    id: int


class PlanIn(In):
    """``rates``: level 1 and (optionally) level 2 — basis points of the item amount for
    ``percent``, cents per unit for ``fixed``. A third rate is refused."""

    model_config = ConfigDict(json_schema_extra={"examples": [_PLAN]})
    name: _PlanName
    kind: _Kind = "percent"
    rates: _Rates
    product_ids: _ProductIds = Field(default_factory=list)
    categories: _Categories = Field(default_factory=list)
    active: Bool = True


class PlanPatch(In):
    """A change of a plan: only the fields given (a null leaves that field as it is). The
    rates are checked with the plan's kind as it will be, as on creation."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"rates": [1200, 300]}, {"active": False}]})
    name: _PlanName | None = None
    kind: _Kind | None = None
    rates: _Rates | None = None
    product_ids: _ProductIds | None = None
    categories: _Categories | None = None
    active: Bool | None = None


class PlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{"id": 5, **_PLAN}]})
    id: int
    name: str
    kind: str
    rates: list[int]
    product_ids: list[str]
    categories: list[str]
    active: bool


class AppointIn(In):
    """An operator makes a member a distributor (a KOL, say), or records an application."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"member_id": 1024, "parent_code": "A9X3T7LP", "apply_only": False}]}
    )
    member_id: Id
    #: The recruiting distributor's code, if any.
    parent_code: str | None = Field(default=None, max_length=16)
    apply_only: Bool = Field(default=False, description="Record an application for review instead")


class DecisionIn(In):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"decision": "approve", "note": "小红书粉丝1.2万，通过"}]}
    )
    decision: Literal["approve", "reject"]
    note: str = Field(default="", max_length=200)


class DistributorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_DISTRIBUTOR_OUT]})
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
    model_config = ConfigDict(json_schema_extra={"examples": [{"member_id": 2087, "code": "D4M8Q2ZK"}]})
    member_id: Id
    code: str = Field(min_length=4, max_length=16)


class BindingOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {"member_id": 2087, "distributor_id": 88, "via": "code", "created_at": "2026-11-12T12:58:00Z"}
            ]
        },
    )
    member_id: int
    distributor_id: int
    via: str
    created_at: datetime


class CommissionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_COMMISSION_OUT]})
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


class WithdrawIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"amount_cents": 30000}]})
    amount_cents: Int = Field(ge=-MAX_CENTS, le=MAX_CENTS)


class WithdrawalOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 410,
                    "distributor_id": 88,
                    "amount_cents": 30000,
                    "status": "requested",
                    "decided_at": None,
                    "decided_by": None,
                    "note": "",
                    "created_at": "2026-11-28T08:00:00Z",
                }
            ]
        },
    )
    id: int
    distributor_id: int
    amount_cents: int
    status: str
    decided_at: datetime | None
    decided_by: str | None
    note: str
    created_at: datetime


class TeamOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "distributor_id": 88,
                    "level1": [95, 102, 117],
                    "level2": [131, 140],
                    "team_size": 5,
                    "team_sales_cents": 1286000,
                }
            ]
        }
    )
    distributor_id: int
    level1: list[int]
    level2: list[int]
    team_size: int
    team_sales_cents: int


class DistributorFigures(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "distributor_id": 88,
                    "member_id": 1024,
                    "orders": 46,
                    "sales_cents": 1835400,
                    "pending_cents": 12800,
                    "available_cents": 45600,
                    "reversed_cents": 3990,
                    "withdrawn_cents": 200000,
                    "team_size": 5,
                }
            ]
        }
    )
    distributor_id: int
    member_id: int
    orders: int
    sales_cents: int
    pending_cents: int
    available_cents: int
    reversed_cents: int
    withdrawn_cents: int
    team_size: int
