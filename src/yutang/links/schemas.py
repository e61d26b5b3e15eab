"""Request and response models of the links domain."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from yutang.kit.schemas import MAX_CENTS, MAX_COUNT, Bool, Id, In, Int
from yutang.models.links import CHANNEL_TYPES

_LINK_IN: dict[str, Any] = {
    "url": "https://shop.brand.cn/p/1001",
    "title": "双十一包裹卡",
    "tags": ["双十一", "包裹卡"],
    "channel_id": 3,
    "utm": {"source": "package_card", "campaign": "double11"},
    "expires_at": "2026-11-30T23:59:59+08:00",
    "expired_url": "https://shop.brand.cn/",
}
_LINK_OUT: dict[str, Any] = {
    "id": 57,
    "kind": "link",
    "short_url": "https://go.brand.cn/Kx7pQ2m",
    "slug": "Kx7pQ2m",
    "domain": "go.brand.cn",
    "url": "https://shop.brand.cn/p/1001",
    "destination": "https://shop.brand.cn/p/1001?utm_source=package_card&utm_campaign=double11",
    "title": "双十一包裹卡",
    "tags": ["双十一", "包裹卡"],
    "channel_id": 3,
    "utm": {"source": "package_card", "campaign": "double11"},
    "expires_at": "2026-11-30T23:59:59+08:00",
    "expired_url": "https://shop.brand.cn/",
    "max_clicks": None,
    "exhausted_url": None,
    "fallback_url": None,
    "redirect_status": 302,
    "disabled": False,
    "archived": False,
    "status": "active",
    "click_count": 1284,
    "targets": None,
    "created_at": "2026-11-01T02:00:00Z",
    "updated_at": "2026-11-01T02:00:00Z",
}

#: Touchpoints: 包裹卡 门店 文章 短信 模板消息 海报 直播 企业微信 社群 小程序 视频号 抖音 小红书
#: 线下活动 其他.
ChannelType = Literal[
    "package_card",
    "store",
    "article",
    "sms",
    "template_message",
    "poster",
    "live_stream",
    "wecom",
    "community",
    "mini_program",
    "channels",
    "douyin",
    "xiaohongshu",
    "offline_event",
    "other",
]
#: What a link does now: ``expired`` past its date, ``exhausted`` at its click limit
#: (both answer with their fallback or a 410), ``disabled``, ``archived``, else ``active``.
LinkStatus = Literal["active", "expired", "exhausted", "disabled", "archived"]
assert set(ChannelType.__args__) == set(CHANNEL_TYPES)  # type: ignore[attr-defined]


class DomainIn(In):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"host": "go.brand.cn", "is_default": True, "https": True}]}
    )
    host: str = Field(min_length=1, max_length=253, examples=["go.brand.cn"])
    is_default: Bool = False
    https: Bool = True


class DomainOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 1,
                    "host": "go.brand.cn",
                    "is_default": True,
                    "https": True,
                    "created_at": "2026-11-24T02:00:00Z",
                }
            ]
        },
    )
    id: int
    host: str
    is_default: bool
    https: bool
    created_at: datetime


class ChannelIn(In):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "双十一包裹卡", "type": "package_card", "exposures": 50000}]}
    )
    name: str = Field(min_length=1, max_length=120)
    type: ChannelType = "other"
    exposures: Int | None = Field(default=None, ge=0, le=MAX_COUNT)


class ChannelPatch(In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"exposures": 62000}]})
    name: str | None = Field(default=None, min_length=1, max_length=120)
    type: ChannelType | None = None
    exposures: Int | None = Field(default=None, ge=0, le=MAX_COUNT)
    archived: Bool | None = None


class ChannelOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 3,
                    "name": "双十一包裹卡",
                    "type": "package_card",
                    "exposures": 50000,
                    "archived": False,
                    "created_at": "2026-11-01T02:00:00Z",
                }
            ]
        },
    )
    id: int
    name: str
    type: str
    exposures: int | None
    archived: bool
    created_at: datetime


class Utm(In):
    source: str | None = Field(default=None, max_length=200)
    medium: str | None = Field(default=None, max_length=200)
    campaign: str | None = Field(default=None, max_length=200)
    term: str | None = Field(default=None, max_length=200)
    content: str | None = Field(default=None, max_length=200)


class TargetIn(In):
    label: str = Field(min_length=1, max_length=120)
    destination: str = Field(min_length=1, max_length=4096)
    weight: Int = Field(default=1, ge=0, le=10_000)
    daily_cap: Int | None = Field(default=None, ge=1, le=MAX_COUNT)
    enabled: Bool = True


class TargetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    label: str
    destination: str
    weight: int
    daily_cap: int | None
    enabled: bool
    today: int = 0


class LinkIn(In):
    """A short link; give ``targets`` (and no ``url``) for a live code."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _LINK_IN,
                {
                    "slug": "qun",
                    "title": "企业微信群活码",
                    "targets": [
                        {"label": "1号群", "destination": "https://work.weixin.qq.com/g/1", "daily_cap": 200},
                        {"label": "2号群", "destination": "https://work.weixin.qq.com/g/2", "daily_cap": 200},
                    ],
                    "fallback_url": "https://brand.cn/full",
                },
            ]
        }
    )

    url: str | None = Field(default=None, min_length=1, max_length=4096)
    slug: str | None = Field(default=None, min_length=1, max_length=200)
    domain: str | None = Field(
        default=None, max_length=253, description="Host of a link domain; default if unset"
    )
    title: str = Field(default="", max_length=200)
    tags: list[Annotated[str, Field(max_length=64)]] = Field(default_factory=list, max_length=20)
    channel_id: Id | None = None
    utm: Utm = Field(default_factory=Utm)
    expires_at: AwareDatetime | None = None
    expired_url: str | None = Field(default=None, max_length=4096)
    max_clicks: Int | None = Field(default=None, ge=1, le=MAX_COUNT)
    exhausted_url: str | None = Field(default=None, max_length=4096)
    redirect_status: Literal[301, 302] = 302
    targets: list[TargetIn] | None = Field(default=None, max_length=100)
    fallback_url: str | None = Field(default=None, max_length=4096)


class LinkPatch(In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "url": "https://shop.brand.cn/p/1002",
                    "max_clicks": 10000,
                    "exhausted_url": "https://shop.brand.cn/",
                }
            ]
        }
    )
    url: str | None = Field(default=None, min_length=1, max_length=4096)
    title: str | None = Field(default=None, max_length=200)
    tags: list[Annotated[str, Field(max_length=64)]] | None = Field(default=None, max_length=20)
    channel_id: Id | None = None
    utm: Utm | None = None
    expires_at: AwareDatetime | None = None
    expired_url: str | None = Field(default=None, max_length=4096)
    max_clicks: Int | None = Field(default=None, ge=1, le=MAX_COUNT)
    exhausted_url: str | None = Field(default=None, max_length=4096)
    redirect_status: Literal[301, 302] | None = None
    disabled: Bool | None = None
    targets: list[TargetIn] | None = Field(default=None, max_length=100)
    fallback_url: str | None = Field(default=None, max_length=4096)


class LinkOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_LINK_OUT]})
    id: int
    kind: str
    short_url: str
    slug: str
    domain: str
    url: str
    destination: str
    title: str
    tags: list[str]
    channel_id: int | None
    utm: dict[str, str]
    expires_at: datetime | None
    expired_url: str | None
    max_clicks: int | None
    exhausted_url: str | None
    fallback_url: str | None
    redirect_status: int
    disabled: bool
    archived: bool
    status: LinkStatus
    click_count: int
    targets: list[TargetOut] | None = None
    created_at: datetime
    updated_at: datetime


class BulkIn(In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "links": [
                        _LINK_IN,
                        {"url": "https://shop.brand.cn/p/1003", "title": "门店海报"},
                    ]
                }
            ]
        }
    )
    links: list[LinkIn] = Field(min_length=1)


class BulkOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"data": [_LINK_OUT]}]})
    data: list[LinkOut]


class RowError(BaseModel):
    row: int
    code: str
    message: str
    field: str | None = None


Dimension = Literal["day", "channel", "link", "device", "os", "browser", "referrer"]


class StatsRow(BaseModel):
    key: str
    label: str
    clicks: int
    unique_visitors: int


class StatsTotals(BaseModel):
    clicks: int
    unique_visitors: int
    bot_clicks: int


class StatsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "start": "2026-11-01",
                    "end": "2026-11-03",
                    "timezone": "Asia/Shanghai",
                    "dimension": "day",
                    "totals": {"clicks": 3120, "unique_visitors": 2410, "bot_clicks": 37},
                    "rows": [
                        {"key": "2026-11-01", "label": "2026-11-01", "clicks": 1200, "unique_visitors": 950},
                        {"key": "2026-11-02", "label": "2026-11-02", "clicks": 1020, "unique_visitors": 800},
                        {"key": "2026-11-03", "label": "2026-11-03", "clicks": 900, "unique_visitors": 660},
                    ],
                    "as_of": "2026-11-04T01:59:12.503120Z",
                }
            ]
        }
    )
    start: date
    end: date
    timezone: str
    dimension: Dimension
    totals: StatsTotals
    rows: list[StatsRow]
    as_of: datetime | None = Field(
        default=None,
        description="When the event store the figures are counted from was last synced (UTC);"
        " clicks after it are not counted yet. Null before the first sync.",
    )


class ChannelStatsRow(BaseModel):
    channel_id: int | None
    name: str
    type: str
    links: int
    clicks: int
    unique_visitors: int
    exposures: int | None
    diversion_rate: float | None = Field(description="clicks ÷ exposures, when exposures are known")


class ChannelStatsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "start": "2026-11-01",
                    "end": "2026-11-30",
                    "timezone": "Asia/Shanghai",
                    "rows": [
                        {
                            "channel_id": 3,
                            "name": "双十一包裹卡",
                            "type": "package_card",
                            "links": 2,
                            "clicks": 1284,
                            "unique_visitors": 1102,
                            "exposures": 50000,
                            "diversion_rate": 0.02568,
                        }
                    ],
                    "as_of": "2026-12-01T01:59:12.503120Z",
                }
            ]
        }
    )
    start: date
    end: date
    timezone: str
    rows: list[ChannelStatsRow]
    as_of: datetime | None = Field(
        default=None,
        description="When the event store the figures are counted from was last synced (UTC);"
        " clicks after it are not counted yet. Null before the first sync.",
    )


# --- exposures and spend of a channel ---------------------------------------------------

#: The most days one entry of exposures and spend covers.
MAX_COST_DAYS = 366
_MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


def month_days(month: str) -> tuple[date, date]:
    """The first and last day of a month written ``2026-11``."""
    year, number = (int(x) for x in month.split("-"))
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return first, date.fromordinal(following.toordinal() - 1)


class CostIn(In):
    """Exposures and spend of a channel — or of one of its links — over days of the
    workspace's calendar (both ends included), or over a ``month``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "month": "2026-11",
                    "exposures": 50000,
                    "spend_cents": 1_500_000,
                    "note": "双十一包裹卡 5 万张",
                },
                {"starts_on": "2026-11-01", "ends_on": "2026-11-14", "link_id": 57, "exposures": 20000},
            ]
        }
    )
    starts_on: date | None = None
    ends_on: date | None = None
    #: Instead of the two days: a whole month, ``YYYY-MM``.
    month: str | None = Field(default=None, pattern=_MONTH)
    #: One link of the channel, or none: the channel as a whole.
    link_id: Id | None = None
    exposures: Int | None = Field(default=None, ge=0, le=MAX_COUNT)
    spend_cents: Int | None = Field(default=None, ge=0, le=MAX_CENTS)
    note: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _days_and_figures(self) -> CostIn:
        if self.month is not None:
            if self.starts_on is not None or self.ends_on is not None:
                raise ValueError("Give a month or the first and last days, not both.")
            self.starts_on, self.ends_on = month_days(self.month)
        elif self.starts_on is None or self.ends_on is None:
            raise ValueError("Give the first and last days (starts_on, ends_on) or a month.")
        if self.exposures is None and self.spend_cents is None:
            raise ValueError("Give exposures, spend_cents or both.")
        return self


class CostPatch(In):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"spend_cents": 1_620_000, "note": "加印 2000 张"}]}
    )
    starts_on: date | None = None
    ends_on: date | None = None
    exposures: Int | None = Field(default=None, ge=0, le=MAX_COUNT)
    spend_cents: Int | None = Field(default=None, ge=0, le=MAX_CENTS)
    note: str | None = Field(default=None, max_length=200)


class CostOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 4,
                    "channel_id": 3,
                    "link_id": None,
                    "starts_on": "2026-11-01",
                    "ends_on": "2026-11-30",
                    "days": 30,
                    "exposures": 50000,
                    "spend_cents": 1_500_000,
                    "note": "双十一包裹卡 5 万张",
                    "created_at": "2026-11-01T02:00:00Z",
                    "updated_at": "2026-11-01T02:00:00Z",
                }
            ]
        },
    )
    id: int
    channel_id: int
    link_id: int | None
    starts_on: date
    ends_on: date
    days: int
    exposures: int | None
    spend_cents: int | None
    note: str
    created_at: datetime
    updated_at: datetime
