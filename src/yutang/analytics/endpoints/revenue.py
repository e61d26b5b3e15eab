"""``/reports/revenue``: money per period and breakdown, as JSON or CSV."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from yutang.analytics import revenue as revenue_report
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
from yutang.auth.dependencies import require
from yutang.kit.context import Ctx
from yutang.kit.http import CSV_RESPONSE
from yutang.kit.schemas import MAX_INT


class RevenueFigures(BaseModel):
    period: str
    #: The breakdown's value: the channel's, link's, campaign's, tier's or staff user's id,
    #: or the source's name (``api``, ``form`` … ``other``); null: the row of none.
    key: int | str | None
    gmv_cents: int
    refunds_cents: int
    net_cents: int
    orders: int
    buyers: int
    active_members: int
    aov_cents: float | None
    arpu_cents: float | None
    arppu_cents: float | None
    purchase_frequency: float | None
    repurchase_rate: float | None


class RevenueOut(RangeOut):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "start": "2026-11-04",
                    "end": "2026-12-03",
                    "timezone": "Asia/Shanghai",
                    "period": "week",
                    "by": "channel",
                    "rows": [],
                    "total": {
                        "period": "2026-11-04",
                        "key": None,
                        "gmv_cents": 5_123_400,
                        "refunds_cents": 120_000,
                        "net_cents": 5_003_400,
                        "orders": 212,
                        "buyers": 160,
                        "active_members": 1_204,
                        "aov_cents": 24_167.0,
                        "arpu_cents": 4_155.65,
                        "arppu_cents": 31_271.25,
                        "purchase_frequency": 1.325,
                        "repurchase_rate": 0.1875,
                    },
                }
            ]
        }
    )
    period: str
    by: str
    #: One row per period and value of ``by`` (``key``: the channel's, link's, campaign's,
    #: tier's or staff user's id, or the source; null for none).
    rows: list[RevenueFigures]
    #: The whole range at once (buyers and active members counted once, not summed).
    total: RevenueFigures


@router.get("/revenue", response_model=RevenueOut, responses=CSV_RESPONSE)
async def revenue(
    ctx: Ctx = Depends(require("stats:read")),
    start: date | None = None,
    end: date | None = None,
    period: revenue_report.Period = "day",
    by: revenue_report.By = "none",
    format: Format = "json",
    engine: Reader = Depends(reader),
) -> RevenueOut | Response:
    """GMV, refunds, net revenue, orders, buyers, AOV, ARPU, ARPPU, purchase frequency
    and repurchase rate per day, week or month, overall or by channel, link, campaign (the
    member's first-touch referral campaign), tier, owner staff or source (how the member
    joined) — definitions: docs/analytics.md."""
    window = await window_of(ctx, start, end)

    def run() -> tuple[list[revenue_report.RevenueRow], list[revenue_report.RevenueRow]]:
        rows = revenue_report.revenue(engine, ctx.workspace_id, window, period, by)
        total = revenue_report.revenue(engine, ctx.workspace_id, window, "total", "none")
        return rows, total

    rows, total = await in_thread(run)
    empty = revenue_report.RevenueRow(window.first, None, 0, 0, 0, 0, 0, 0, 0)
    out = RevenueOut(
        **range_out(window),
        period=period,
        by=by,
        rows=[RevenueFigures(**r.figures()) for r in rows],
        total=RevenueFigures(**(total[0] if total else empty).figures()),
    )
    return answer(out, format, out.rows, RevenueFigures, f"revenue-by-{period}.csv")


class RevenueCell(RangedQuery):
    """One member figure of one row of ``/reports/revenue``."""

    period: revenue_report.Period = "day"
    by: revenue_report.By = "none"
    #: The row's period (its first day).
    at: date
    #: The row's channel, link, campaign, tier or staff user (an id), or source (``api``,
    #: ``form`` … ``other``); omit: the row of none.
    key: Annotated[int, Field(ge=1, le=MAX_INT)] | Annotated[str, Field(max_length=20)] | None = None
    figure: revenue_report.Figure = "buyers"

    @model_validator(mode="after")
    def _key_of_the_breakdown(self) -> RevenueCell:
        if self.key is None:
            return self
        if self.by == "source":
            if self.key not in revenue_report.SOURCES:
                raise ValueError(f"key: a source is one of {', '.join(revenue_report.SOURCES)}")
            return self
        if self.by == "none":
            raise ValueError("key: only a breakdown's row has a key")
        text = str(self.key)
        if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_INT:
            raise ValueError(f"key: the id of a {self.by}, 1 to {MAX_INT}")
        self.key = int(text)
        return self


async def revenue_members(ctx: Ctx, engine: Reader, cell: RevenueCell) -> list[int]:
    window = await cell.window(ctx)
    return await in_thread(
        revenue_report.members,
        engine,
        ctx.workspace_id,
        window,
        cell.period,
        cell.by,
        cell.at,
        cell.key,
        cell.figure,
    )


drill.register(
    router,
    "/revenue/members",
    RevenueCell,
    revenue_members,
    what="a row's buyers, repeat buyers or active members",
)
