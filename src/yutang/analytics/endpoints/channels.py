"""``/reports/channels``: what each channel (or link) brought, and what it cost."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import Depends, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from yutang.analytics import channels as channels_report
from yutang.analytics.endpoints import drill
from yutang.analytics.endpoints.drill import RangedQuery
from yutang.analytics.endpoints.frame import (
    Format,
    RangeOut,
    answer,
    in_thread,
    range_out,
    reader,
    router,
    window_of,
)
from yutang.analytics.engines import Reader
from yutang.analytics.window import Window
from yutang.auth.dependencies import require
from yutang.kit.context import Ctx
from yutang.kit.http import CSV_RESPONSE
from yutang.kit.schemas import MAX_INT
from yutang.links import costs
from yutang.models.links import Channel, Link


class ChannelFigures(BaseModel):
    #: The channel's or link's id; null: clicks and members of no channel (or link).
    key: int | None
    name: str | None
    #: Entered per period and spread over its days (null: nothing entered for the range).
    exposures: int | None
    clicks: int
    unique_visitors: int
    #: clicks ÷ exposures
    diversion_rate: float | None
    #: Members the channel brought whose first join is in the range.
    joins: int
    #: joins ÷ unique visitors
    join_rate: float | None
    #: Members the channel brought whose first paid order is in the range.
    first_orders: int
    gmv_cents: int
    refunds_cents: int
    #: Net revenue of the members the channel brought: GMV − refunds.
    revenue_cents: int
    revenue_per_click_cents: float | None
    spend_cents: int | None
    #: spend ÷ joins
    cpa_cents: float | None
    #: (revenue − spend) ÷ spend
    roi: float | None


_EXAMPLE: dict[str, Any] = {
    "key": 3,
    "name": "双十一包裹卡",
    "exposures": 50_000,
    "clicks": 3_120,
    "unique_visitors": 2_870,
    "diversion_rate": 0.0624,
    "joins": 1_204,
    "join_rate": 0.4195,
    "first_orders": 310,
    "gmv_cents": 9_350_000,
    "refunds_cents": 250_000,
    "revenue_cents": 9_100_000,
    "revenue_per_click_cents": 2_916.67,
    "spend_cents": 1_500_000,
    "cpa_cents": 1_245.85,
    "roi": 5.0667,
}


class ChannelsOut(RangeOut):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "start": "2026-11-01",
                    "end": "2026-11-30",
                    "timezone": "Asia/Shanghai",
                    "by": "channel",
                    "rows": [_EXAMPLE],
                    "total": {**_EXAMPLE, "key": None, "name": None},
                }
            ]
        }
    )
    by: str
    rows: list[ChannelFigures]
    #: The whole workspace (unique visitors counted once; every entry's exposures and spend).
    total: ChannelFigures


@dataclass(frozen=True)
class ChannelsReport:
    window: Window
    by: channels_report.By
    rows: list[channels_report.ChannelRow]
    total: channels_report.ChannelRow
    names: dict[int, str]


async def key_names(ctx: Ctx, by: str, keys: Iterable[int | None]) -> dict[int, str]:
    """What to call the channels or links of the rows (archived ones too)."""
    wanted = {k for k in keys if k is not None}
    if not wanted:
        return {}
    if by == "channel":
        rows = await ctx.session.execute(
            select(Channel.id, Channel.name).where(
                Channel.workspace_id == ctx.workspace_id, Channel.id.in_(wanted)
            )
        )
        return {i: name for i, name in rows.all()}
    found = await ctx.session.execute(
        select(Link.id, Link.title, Link.slug).where(
            Link.workspace_id == ctx.workspace_id, Link.id.in_(wanted)
        )
    )
    return {i: title or slug for i, title, slug in found.all()}


async def channels_of(
    ctx: Ctx, engine: Reader, start: date | None, end: date | None, by: channels_report.By
) -> ChannelsReport:
    """The report, with the exposures and spend entered for the range's days."""
    window = await window_of(ctx, start, end)
    entered = [
        channels_report.Cost(c.channel_id, c.link_id, c.starts_on, c.ends_on, c.exposures, c.spend_cents)
        for c in await costs.costs_between(ctx, window.first, window.last)
    ]

    def run() -> tuple[list[channels_report.ChannelRow], list[channels_report.ChannelRow]]:
        rows = channels_report.channels(engine, ctx.workspace_id, window, by, entered)
        total = channels_report.channels(engine, ctx.workspace_id, window, "none", entered)
        return rows, total

    rows, total = await in_thread(run)
    return ChannelsReport(window, by, rows, total[0], await key_names(ctx, by, (r.key for r in rows)))


def _figures(row: channels_report.ChannelRow, names: dict[int, str]) -> ChannelFigures:
    name = None if row.key is None else names.get(row.key, f"#{row.key}")
    return ChannelFigures(**row.figures(), name=name)


@router.get("/channels", response_model=ChannelsOut, responses=CSV_RESPONSE)
async def channels(
    ctx: Ctx = Depends(require("stats:read")),
    start: date | None = None,
    end: date | None = None,
    by: channels_report.By = "channel",
    format: Format = "json",
    engine: Reader = Depends(reader),
) -> ChannelsOut | Response:
    """Per channel (touchpoint) or per link: exposures, clicks, unique visitors, diversion
    rate, joins, join rate, first orders, net revenue, revenue per click and, with the
    spend entered for the channel (`/channels/{id}/costs`), cost per new member and ROI
    (definitions: docs/analytics.md)."""
    found = await channels_of(ctx, engine, start, end, by)
    out = ChannelsOut(
        **range_out(found.window),
        by=by,
        rows=[_figures(r, found.names) for r in found.rows],
        total=_figures(found.total, {}),
    )
    return answer(out, format, out.rows, ChannelFigures, f"channels-by-{by}.csv")


class ChannelCell(RangedQuery):
    """The joins (or first orders) of one row of ``/reports/channels``."""

    by: channels_report.By = "channel"
    #: The row's channel or link (omit: the row of none).
    key: int | None = Field(default=None, ge=1, le=MAX_INT)
    figure: channels_report.Drill = "joins"


async def channel_members(ctx: Ctx, engine: Reader, cell: ChannelCell) -> list[int]:
    window = await cell.window(ctx)
    return await in_thread(
        channels_report.members, engine, ctx.workspace_id, window, cell.by, cell.key, cell.figure
    )


drill.register(
    router,
    "/channels/members",
    ChannelCell,
    channel_members,
    what="a channel's (or link's) new members or first orders",
)
