"""Request and response bodies of the rewards catalog, lotteries and points auctions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from pydantic.config import JsonDict

from yutang.kit.schemas import MAX_COUNT, MAX_POINTS, Bool, Id, In, Int

_REWARD: JsonDict = {
    "name": "品牌定制帆布袋",
    "kind": "gift",
    "points_cost": 1500,
    "stock": 200,
    "per_member_limit": 1,
    "valid_until": "2026-12-31T23:59:59+08:00",
}


class RewardIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [_REWARD]})
    name: str = Field(min_length=1, max_length=120)
    kind: Literal["gift", "coupon"]
    coupon_template_id: Id | None = None
    points_cost: Int = Field(ge=-MAX_POINTS, le=MAX_POINTS)
    stock: Int | None = Field(default=None, ge=0, le=MAX_COUNT)
    per_member_limit: Int | None = Field(default=None, ge=1, le=MAX_COUNT)
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None


class RewardPatch(In):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"points_cost": 1200, "valid_until": "2027-01-31T23:59:59+08:00"}]}
    )
    name: str | None = Field(default=None, min_length=1, max_length=120)
    points_cost: Int | None = Field(default=None, ge=1, le=MAX_POINTS)
    per_member_limit: Int | None = Field(default=None, ge=1, le=MAX_COUNT)
    valid_until: AwareDatetime | None = None
    active: Bool | None = None


class RewardOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 21,
                    **_REWARD,
                    "coupon_template_id": None,
                    "stock": 186,
                    "valid_from": None,
                    "active": True,
                }
            ]
        },
    )
    id: int
    name: str
    kind: str
    coupon_template_id: int | None
    points_cost: int
    stock: int | None
    per_member_limit: int | None
    valid_from: datetime | None
    valid_until: datetime | None
    active: bool


class RestockIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"delta": 100}]})
    delta: Int = Field(ge=-MAX_POINTS, le=MAX_POINTS)


class RedeemRewardIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"member_id": 1024, "quantity": 1}]})
    member_id: Id
    quantity: Int = Field(default=1, ge=-MAX_COUNT, le=MAX_COUNT)


class RedemptionOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 73,
                    "reward_id": 21,
                    "member_id": 1024,
                    "quantity": 1,
                    "points": 1500,
                    "points_entry_id": 4831,
                    "coupon_ids": [],
                    "status": "completed",
                    "created_at": "2026-06-18T20:15:03+08:00",
                }
            ]
        },
    )
    id: int
    reward_id: int
    member_id: int
    quantity: int
    points: int
    points_entry_id: int | None
    coupon_ids: list[int]
    status: str
    created_at: datetime


class PrizeIn(In):
    name: str = Field(min_length=1, max_length=120)
    kind: Literal["points", "coupon", "gift"]
    points: Int = Field(default=0, ge=0, le=MAX_POINTS)
    coupon_template_id: Id | None = None
    probability_bp: Int = Field(ge=0, le=10_000, description="Chance in 1/10,000")
    stock: Int | None = Field(default=None, ge=0, le=MAX_COUNT)


class LotteryIn(In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "618幸运大转盘",
                    "points_per_draw": 50,
                    "daily_limit": 3,
                    "starts_at": "2026-06-01T00:00:00+08:00",
                    "ends_at": "2026-06-18T23:59:59+08:00",
                    "prizes": [
                        {"name": "100积分", "kind": "points", "points": 100, "probability_bp": 2000},
                        {
                            "name": "满199减30券",
                            "kind": "coupon",
                            "coupon_template_id": 7,
                            "probability_bp": 500,
                            "stock": 1000,
                        },
                        {"name": "品牌保温杯", "kind": "gift", "probability_bp": 10, "stock": 20},
                    ],
                }
            ]
        }
    )
    name: str = Field(min_length=1, max_length=120)
    points_per_draw: Int = Field(default=0, ge=-MAX_POINTS, le=MAX_POINTS)
    daily_limit: Int | None = Field(default=None, ge=1, le=MAX_COUNT)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    prizes: list[PrizeIn] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _window(self) -> LotteryIn:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class LotteryPatch(In):
    """What of a lottery may change. Only fields sent change; ``null`` removes the daily
    limit, the start or the end, and leaves any other field as it is. ``prizes`` replaces
    the whole table, only while nobody has drawn."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"ends_at": "2026-06-20T23:59:59+08:00", "daily_limit": 5},
                {"active": False},
                {"prizes": [{"name": "200积分", "kind": "points", "points": 200, "probability_bp": 1500}]},
            ]
        }
    )
    name: str | None = Field(default=None, min_length=1, max_length=120)
    points_per_draw: Int | None = Field(default=None, ge=0, le=MAX_POINTS)
    daily_limit: Int | None = Field(default=None, ge=1, le=MAX_COUNT)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    active: Bool | None = Field(default=None, description="false: nobody can draw until it is true again")
    prizes: list[PrizeIn] | None = Field(default=None, min_length=1, max_length=50)

    def changes(self) -> dict[str, Any]:
        """The fields sent but the prizes, as the service takes them: a ``null`` daily
        limit, start or end removed, any other ``null`` left out."""
        nullable = ("daily_limit", "starts_at", "ends_at")
        sent = self.model_dump(exclude_unset=True, exclude={"prizes"})
        return {k: v for k, v in sent.items() if v is not None or k in nullable}

    def prize_table(self) -> list[dict[str, Any]] | None:
        """The new prize table, or None to keep the one there is."""
        return None if self.prizes is None else [p.model_dump() for p in self.prizes]


class PrizeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    kind: str
    points: int
    coupon_template_id: int | None
    probability_bp: int
    stock: int | None
    awarded_count: int


class LotteryOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 4,
                    "name": "618幸运大转盘",
                    "points_per_draw": 50,
                    "daily_limit": 3,
                    "starts_at": "2026-06-01T00:00:00+08:00",
                    "ends_at": "2026-06-18T23:59:59+08:00",
                    "active": True,
                    "prizes": [
                        {
                            "id": 31,
                            "name": "100积分",
                            "kind": "points",
                            "points": 100,
                            "coupon_template_id": None,
                            "probability_bp": 2000,
                            "stock": None,
                            "awarded_count": 812,
                        },
                        {
                            "id": 32,
                            "name": "满199减30券",
                            "kind": "coupon",
                            "points": 0,
                            "coupon_template_id": 7,
                            "probability_bp": 500,
                            "stock": 1000,
                            "awarded_count": 266,
                        },
                        {
                            "id": 33,
                            "name": "品牌保温杯",
                            "kind": "gift",
                            "points": 0,
                            "coupon_template_id": None,
                            "probability_bp": 10,
                            "stock": 20,
                            "awarded_count": 2,
                        },
                    ],
                }
            ]
        }
    )
    id: int
    name: str
    points_per_draw: int
    daily_limit: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    active: bool
    prizes: list[PrizeOut]


class DrawIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"member_id": 1024}]})
    member_id: Id


class DrawOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 9001,
                    "lottery_id": 4,
                    "member_id": 1024,
                    "roll": 2317,
                    "table": [
                        {"prize_id": 31, "from": 0, "to": 2000, "stock_left": None},
                        {"prize_id": 32, "from": 2000, "to": 2500, "stock_left": 734},
                        {"prize_id": 33, "from": 2500, "to": 2510, "stock_left": 18},
                    ],
                    "outcome": "won",
                    "prize_id": 32,
                    "award_ref": "coupon:5013",
                    "created_at": "2026-06-18T20:15:03+08:00",
                }
            ]
        },
    )
    id: int
    lottery_id: int
    member_id: int
    roll: int
    table: list[dict[str, object]]
    outcome: str
    prize_id: int | None
    award_ref: str | None
    created_at: datetime


_AUCTION: JsonDict = {
    "name": "联名限量球鞋 积分竞拍",
    "description": "尺码 42，竞拍成功后 7 日内发货",
    "starts_at": "2026-07-01T10:00:00+08:00",
    "ends_at": "2026-07-03T22:00:00+08:00",
    "min_bid": 5000,
    "increment": 500,
}


class AuctionIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [_AUCTION]})
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=1000)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    min_bid: Int = Field(ge=-MAX_POINTS, le=MAX_POINTS)
    increment: Int = Field(ge=-MAX_POINTS, le=MAX_POINTS)


class AuctionOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 6,
                    **_AUCTION,
                    "status": "open",
                    "leader_member_id": 1024,
                    "leading_bid": 6500,
                    "closed_at": None,
                }
            ]
        },
    )
    id: int
    name: str
    description: str
    starts_at: datetime
    ends_at: datetime
    min_bid: int
    increment: int
    status: str
    leader_member_id: int | None
    leading_bid: int | None
    closed_at: datetime | None


class BidIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"member_id": 1024, "amount": 6500}]})
    member_id: Id
    amount: Int = Field(ge=-MAX_POINTS, le=MAX_POINTS)


class BidOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 55,
                    "auction_id": 6,
                    "member_id": 1024,
                    "amount": 6500,
                    "status": "leading",
                    "created_at": "2026-07-02T21:48:12+08:00",
                }
            ]
        },
    )
    id: int
    auction_id: int
    member_id: int
    amount: int
    status: str
    created_at: datetime
