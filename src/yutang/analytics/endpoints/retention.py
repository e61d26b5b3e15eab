"""``/reports/retention``: cohorts and how many of them come back."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from yutang.analytics import retention as retention_report
from yutang.analytics.endpoints import drill
from yutang.analytics.endpoints.drill import RangedQuery
from yutang.analytics.endpoints.frame import RangeOut, in_thread, range_out, reader, router, window_of
from yutang.analytics.engines import Reader
from yutang.analytics.facts import ACTIVE_TYPES
from yutang.auth.dependencies import require
from yutang.kit.context import Ctx

#: What a cohort starts with, and what counts as coming back.
STARTS: dict[str, tuple[str, ...]] = {"joined": ("member.joined",), "first_order": ("order.paid",)}
RETURNS: dict[str, tuple[str, ...]] = {
    "active": ACTIVE_TYPES,
    "order": ("order.paid",),
    "activity": ("member.activity",),
}


class CohortOut(BaseModel):
    start: date
    size: int
    #: Members counted in period 1, 2 … (null: the cohort has not reached it yet).
    returned: list[int | None]
    rates: list[float | None]
    #: Net revenue per member up to and including period 0, 1, 2 … (cents).
    revenue_per_member_cents: list[float | None]


class RetentionOut(RangeOut):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "start": "2026-10-01",
                    "end": "2026-10-31",
                    "timezone": "Asia/Shanghai",
                    "unit": "month",
                    "mode": "on",
                    "starts_with": "joined",
                    "returns_with": "active",
                    "cohorts": [
                        {
                            "start": "2026-10-01",
                            "size": 320,
                            "returned": [96, None],
                            "rates": [0.3, None],
                            "revenue_per_member_cents": [4_210.5, 6_020.75, None],
                        }
                    ],
                    "weighted": [0.3, None],
                    "simple": [0.3, None],
                }
            ]
        }
    )
    unit: str
    mode: str
    starts_with: str
    returns_with: str
    cohorts: list[CohortOut]
    #: Per period 1, 2 …: over the cohorts that reached it, returned ÷ members (weighted)
    #: and the mean of the cohorts' rates (simple).
    weighted: list[float | None]
    simple: list[float | None]


async def retention_of(
    ctx: Ctx,
    engine: Reader,
    start: date | None,
    end: date | None,
    unit: retention_report.Unit,
    mode: retention_report.Mode,
    periods: int,
    starts_with: str,
    returns_with: str,
) -> RetentionOut:
    window = await window_of(ctx, start, end)
    today = datetime.now(ZoneInfo(window.zone)).date()
    found = await in_thread(
        retention_report.retention,
        engine,
        ctx.workspace_id,
        window,
        today,
        unit=unit,
        mode=mode,
        periods=periods,
        start_types=STARTS[starts_with],
        return_types=RETURNS[returns_with],
    )
    return RetentionOut(
        **range_out(window),
        unit=unit,
        mode=mode,
        starts_with=starts_with,
        returns_with=returns_with,
        cohorts=[
            CohortOut(
                start=c.start,
                size=c.size,
                returned=c.returned,
                rates=[None if r is None else round(r, 4) for r in c.rates()],
                revenue_per_member_cents=[
                    None if r is None else round(r, 2) for r in c.revenue_per_member_cents
                ],
            )
            for c in found.cohorts
        ],
        weighted=[None if r is None else round(r, 4) for r in found.weighted],
        simple=[None if r is None else round(r, 4) for r in found.simple],
    )


@router.get("/retention", response_model=RetentionOut)
async def retention(
    ctx: Ctx = Depends(require("stats:read")),
    engine: Reader = Depends(reader),
    start: date | None = None,
    end: date | None = None,
    unit: retention_report.Unit = "week",
    mode: retention_report.Mode = "on",
    periods: Annotated[int, Query(ge=1, le=retention_report.MAX_PERIODS)] = 8,
    starts_with: Annotated[str, Query(pattern="^(joined|first_order)$")] = "joined",
    returns_with: Annotated[str, Query(pattern="^(active|order|activity)$")] = "active",
) -> RetentionOut:
    """Cohorts of members by when they started (`joined`, or their `first_order`) in the
    range, and how many came back (`active`: any activity; an `order`; an `activity`
    such as a check-in) in each of the next `periods` days, weeks or months: `on` that
    period, `on_or_after` it, or for the `first_time` in it; with the weighted and simple
    averages and net revenue per member (definitions: docs/analytics.md)."""
    return await retention_of(ctx, engine, start, end, unit, mode, periods, starts_with, returns_with)


class RetentionCell(RangedQuery):
    """One cell of ``/reports/retention``: a cohort (``n`` = 0) or its members counted in
    period ``n``."""

    unit: retention_report.Unit = "week"
    mode: retention_report.Mode = "on"
    starts_with: Literal["joined", "first_order"] = "joined"
    returns_with: Literal["active", "order", "activity"] = "active"
    #: The cohort's first day.
    cohort: date
    n: int = Field(default=0, ge=0, le=retention_report.MAX_PERIODS)


async def retention_members(ctx: Ctx, engine: Reader, cell: RetentionCell) -> list[int]:
    return await in_thread(
        retention_report.members,
        engine,
        ctx.workspace_id,
        await cell.window(ctx),
        cell.cohort,
        cell.n,
        unit=cell.unit,
        mode=cell.mode,
        start_types=STARTS[cell.starts_with],
        return_types=RETURNS[cell.returns_with],
    )


drill.register(
    router, "/retention/members", RetentionCell, retention_members, what="a cohort or one of its cells"
)
