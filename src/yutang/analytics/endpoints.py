"""Reports of the event store: ``/api/v1/reports/…``.

A report reads the store (never the transactional database) in a worker thread, so a
long scan does not hold the server's event loop. Dates are the workspace's local days,
both ends included (default: the last 30 days).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Annotated, Any, cast
from zoneinfo import ZoneInfo

from anyio import to_thread
from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from yutang.analytics import funnel as funnel_report
from yutang.analytics import lifecycle as lifecycle_report
from yutang.analytics import retention as retention_report
from yutang.analytics import revenue as revenue_report
from yutang.analytics.engines import DuckReader, Reader
from yutang.analytics.errors import UNKNOWN_EVENT_TYPE
from yutang.analytics.facts import ACTIVE_TYPES, CLICK
from yutang.analytics.window import MAX_DAYS, Window
from yutang.auth.dependencies import require
from yutang.kit import events
from yutang.kit.context import Ctx
from yutang.kit.errors import INVALID_RANGE, BadRequest
from yutang.kit.http import CSV_RESPONSE, api_router, csv_file
from yutang.kit.schemas import AnyInt, In, Int
from yutang.models.workspaces import Workspace

router = api_router(prefix="/api/v1/reports", tags=["reports"])


def reader(request: Request) -> Reader:
    """The engine the reports run on: the embedded store of the app's settings."""
    return DuckReader(request.app.state.settings.resolved_analytics_path())


async def window_of(ctx: Ctx, start: date | None, end: date | None) -> Window:
    ws = await ctx.session.get(Workspace, ctx.workspace_id)
    zone = ws.timezone if ws else "UTC"
    last = end or datetime.now(ZoneInfo(zone)).date()
    first = start or last - timedelta(days=29)
    if first > last:
        raise BadRequest("The range starts after it ends.", code=INVALID_RANGE)
    if (last - first).days >= MAX_DAYS:
        raise BadRequest(f"A range spans at most {MAX_DAYS} days.", code=INVALID_RANGE)
    return Window(first, last, zone)


class RevenueFigures(BaseModel):
    period: str
    key: int | None
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


class RevenueOut(BaseModel):
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
    start: date
    end: date
    timezone: str
    period: str
    by: str
    #: One row per period and value of ``by`` (``key``: the channel's, link's, tier's or
    #: staff user's id; null for none).
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
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
    engine: Reader = Depends(reader),
) -> RevenueOut | Response:
    """GMV, refunds, net revenue, orders, buyers, AOV, ARPU, ARPPU, purchase frequency
    and repurchase rate per day, week or month, overall or by channel, link, tier or
    owner staff (definitions: docs/analytics.md)."""
    window = await window_of(ctx, start, end)

    def run() -> tuple[list[revenue_report.RevenueRow], list[revenue_report.RevenueRow]]:
        rows = revenue_report.revenue(engine, ctx.workspace_id, window, period, by)
        total = revenue_report.revenue(engine, ctx.workspace_id, window, "total", "none")
        return rows, total

    rows, total = await to_thread.run_sync(run)
    empty = revenue_report.RevenueRow(window.first, None, 0, 0, 0, 0, 0, 0, 0)
    out = RevenueOut(
        start=window.first,
        end=window.last,
        timezone=window.zone,
        period=period,
        by=by,
        rows=[RevenueFigures(**r.figures()) for r in rows],
        total=RevenueFigures(**(total[0] if total else empty).figures()),
    )
    if format == "csv":
        return csv_file(_csv([r.model_dump() for r in out.rows]), f"revenue-by-{period}.csv")
    return out


# --- funnels ----------------------------------------------------------------------------


class StepIn(In):
    #: A type of fact: ``link.clicked``, ``referral.friend_joined`` or an event type
    #: (docs/events.md).
    type: str = Field(min_length=3, max_length=64, pattern=r"^[a-z_]+\.[a-z_]+$")
    #: Narrowed by ``channel_id``, ``link_id``, ``campaign_id``, ``tier_id``, ``staff_id`` or
    #: a field of the fact's props (all must match).
    where: dict[
        Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")],
        Annotated[str, Field(max_length=120)] | AnyInt,
    ] = Field(default_factory=dict, max_length=5)
    #: At most this many seconds after the step before.
    within_seconds: Int | None = Field(default=None, ge=1, le=365 * 86_400)
    label: str = Field(default="", max_length=40)


class FunnelIn(In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "start": "2026-11-01",
                    "end": "2026-11-30",
                    "steps": [
                        {"type": "member.joined", "where": {"channel_id": 3}, "label": "joined"},
                        {"type": "order.paid", "within_seconds": 604800, "label": "first week order"},
                    ],
                    "exclusions": [{"type": "order.refunded"}],
                    "window_days": 14,
                }
            ]
        }
    )
    start: date | None = None
    end: date | None = None
    steps: list[StepIn] = Field(min_length=2, max_length=funnel_report.MAX_STEPS)
    exclusions: list[StepIn] = Field(default_factory=list, max_length=5)
    window_days: Int = Field(default=funnel_report.DEFAULT_WINDOW_DAYS, ge=1, le=180)


class FunnelStepOut(BaseModel):
    type: str
    label: str
    people: int
    #: Of the people who entered (step 1), and of those of the step before.
    from_first: float | None
    from_previous: float | None
    dropped: int
    #: The lower median of the time from the step before, in seconds.
    median_seconds: int | None


class FunnelOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "start": "2026-11-01",
                    "end": "2026-11-30",
                    "timezone": "Asia/Shanghai",
                    "window_days": 14,
                    "steps": [
                        {
                            "type": "member.joined",
                            "label": "joined",
                            "people": 400,
                            "from_first": 1.0,
                            "from_previous": 1.0,
                            "dropped": 0,
                            "median_seconds": None,
                        },
                        {
                            "type": "order.paid",
                            "label": "first week order",
                            "people": 92,
                            "from_first": 0.23,
                            "from_previous": 0.23,
                            "dropped": 308,
                            "median_seconds": 172_800,
                        },
                    ],
                }
            ]
        }
    )
    start: date
    end: date
    timezone: str
    window_days: int
    steps: list[FunnelStepOut]


def _steps(given: list[StepIn]) -> list[funnel_report.Step]:
    known = {*events.CATALOGUE, CLICK, funnel_report.FRIEND_JOINED}
    for i, step in enumerate(given):
        if step.type not in known:
            raise BadRequest(
                f"No fact is of the type {step.type!r}.",
                code=UNKNOWN_EVENT_TYPE,
                details={"field": f"steps[{i}].type"},
            )
    return [funnel_report.Step(s.type, dict(s.where), s.within_seconds, s.label) for s in given]


async def _funnel(ctx: Ctx, body: FunnelIn, engine: Reader) -> FunnelOut:
    window = await window_of(ctx, body.start, body.end)
    steps, exclusions = _steps(body.steps), _steps(body.exclusions)
    found = await to_thread.run_sync(
        lambda: funnel_report.funnel(engine, ctx.workspace_id, window, steps, exclusions, body.window_days)
    )
    first = found[0].people if found else 0
    out = [r.figures(first, found[i - 1].people if i else first) for i, r in enumerate(found)]
    return FunnelOut(
        start=window.first,
        end=window.last,
        timezone=window.zone,
        window_days=body.window_days,
        steps=[FunnelStepOut(**o) for o in out],
    )


@router.post("/funnel", response_model=FunnelOut)
async def funnel(
    body: FunnelIn, ctx: Ctx = Depends(require("stats:read")), engine: Reader = Depends(reader)
) -> FunnelOut:
    """People through ordered steps: they enter with step 1 in the range; each next step
    counts when it follows the one before within the window (`window_days` from entering,
    counted past the range) and the step's own `within_seconds`; an exclusion step in that
    time takes a person out. `unknown_event_type` names a step of no known type."""
    return await _funnel(ctx, body, engine)


@router.get("/funnel", response_model=FunnelOut)
async def aarrr(
    ctx: Ctx = Depends(require("stats:read")),
    engine: Reader = Depends(reader),
    start: date | None = None,
    end: date | None = None,
    window_days: Annotated[int, Query(ge=1, le=180)] = funnel_report.DEFAULT_WINDOW_DAYS,
) -> FunnelOut:
    """The AARRR loop: clicked a link → joined → activated (an activity) → ordered →
    referred a friend who joined."""
    steps = [StepIn(type=s.type, label=s.label) for s in funnel_report.AARRR]
    return await _funnel(ctx, FunnelIn(start=start, end=end, steps=steps, window_days=window_days), engine)


# --- retention --------------------------------------------------------------------------

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


class RetentionOut(BaseModel):
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
    start: date
    end: date
    timezone: str
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
    found = await to_thread.run_sync(
        lambda: retention_report.retention(
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
    )
    return RetentionOut(
        start=window.first,
        end=window.last,
        timezone=window.zone,
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


# --- lifecycle --------------------------------------------------------------------------


class LifecycleRowOut(BaseModel):
    period: date
    new: int
    returning: int
    resurrecting: int
    #: Active in the period before, not in this one.
    dormant: int


class LifecycleOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "start": "2026-11-02",
                    "end": "2026-11-15",
                    "timezone": "Asia/Shanghai",
                    "unit": "week",
                    "rows": [
                        {
                            "period": "2026-11-02",
                            "new": 120,
                            "returning": 340,
                            "resurrecting": 45,
                            "dormant": 150,
                        },
                        {
                            "period": "2026-11-09",
                            "new": 98,
                            "returning": 362,
                            "resurrecting": 51,
                            "dormant": 143,
                        },
                    ],
                }
            ]
        }
    )
    start: date
    end: date
    timezone: str
    unit: str
    rows: list[LifecycleRowOut]


async def lifecycle_of(
    ctx: Ctx, engine: Reader, start: date | None, end: date | None, unit: str
) -> LifecycleOut:
    window = await window_of(ctx, start, end)
    rows = await to_thread.run_sync(
        lambda: lifecycle_report.lifecycle(
            engine, ctx.workspace_id, window, cast("lifecycle_report.Unit", unit)
        )
    )
    return LifecycleOut(
        start=window.first,
        end=window.last,
        timezone=window.zone,
        unit=unit,
        rows=[LifecycleRowOut(**r.__dict__) for r in rows],
    )


@router.get("/lifecycle", response_model=LifecycleOut)
async def lifecycle(
    ctx: Ctx = Depends(require("stats:read")),
    engine: Reader = Depends(reader),
    start: date | None = None,
    end: date | None = None,
    unit: Annotated[str, Query(pattern="^(day|week|month)$")] = "week",
) -> LifecycleOut:
    """Per day, week or month: members new (joined), returning (active the period before
    too), resurrecting (active earlier, not the period before) and dormant (active the
    period before, not in this one)."""
    return await lifecycle_of(ctx, engine, start, end, unit)


def _csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    names = list(RevenueFigures.model_fields)
    writer = csv.DictWriter(buf, fieldnames=names)
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()
