"""``/reports/funnel``: people through ordered steps (the AARRR loop by default)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from yutang.analytics import funnel as funnel_report
from yutang.analytics.endpoints import drill
from yutang.analytics.endpoints.drill import RangedQuery
from yutang.analytics.endpoints.frame import (
    Format,
    RangeOut,
    csv_text,
    in_thread,
    range_out,
    reader,
    router,
    window_of,
)
from yutang.analytics.engines import Reader
from yutang.analytics.errors import INVALID_FUNNEL, UNKNOWN_EVENT_TYPE
from yutang.analytics.facts import CLICK
from yutang.auth.dependencies import require
from yutang.kit import events
from yutang.kit.context import Ctx
from yutang.kit.errors import BadRequest
from yutang.kit.http import CSV_RESPONSE, csv_file
from yutang.kit.schemas import MAX_INT, AnyInt, In, Int


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
    #: At most this many seconds after the step before (order ``any``: after step 1).
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
                    "order": "sequential",
                    "trend": "week",
                    "by": "channel",
                }
            ]
        }
    )
    start: date | None = None
    end: date | None = None
    steps: list[StepIn] = Field(min_length=2, max_length=funnel_report.MAX_STEPS)
    exclusions: list[StepIn] = Field(default_factory=list, max_length=5)
    window_days: Int = Field(default=funnel_report.DEFAULT_WINDOW_DAYS, ge=1, le=180)
    #: ``sequential`` (other facts may come between steps), ``strict`` (each step is the
    #: person's very next fact) or ``any`` (steps 2 … n in any order after step 1).
    order: funnel_report.Order = "sequential"
    #: Also the people of each step per day, week or month of entry (``trend``).
    trend: funnel_report.TrendPeriod | None = None
    #: Also the funnel per channel, link, campaign, tier or owner staff of the entering
    #: fact (``breakdown``).
    by: funnel_report.By = "none"


class BucketOut(BaseModel):
    #: ``lt_1m``, ``1m_10m``, ``10m_1h``, ``1h_6h``, ``6h_24h``, ``1d_3d``, ``3d_7d``, ``gt_7d``.
    bucket: str
    #: The bucket's times from the step before: ``from_seconds`` ≤ t < ``to_seconds``.
    from_seconds: int
    to_seconds: int | None
    people: int


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
    #: How many took how long from the step before (empty for step 1).
    distribution: list[BucketOut]


class TrendOut(BaseModel):
    #: The first day of the period of entry (a week: its Monday; a month: its 1st).
    period: date
    #: The people of each step among those who entered in the period.
    people: list[int]
    #: The last step ÷ the first (null when nobody entered).
    conversion: float | None
    #: Each step after the first ÷ the step before.
    from_previous: list[float | None]


class BreakdownOut(BaseModel):
    #: The entering fact's channel, link, campaign, tier or staff user id (null: none).
    key: int | None
    steps: list[FunnelStepOut]


class FunnelOut(RangeOut):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "start": "2026-11-01",
                    "end": "2026-11-30",
                    "timezone": "Asia/Shanghai",
                    "window_days": 14,
                    "order": "sequential",
                    "by": "none",
                    "steps": [
                        {
                            "type": "member.joined",
                            "label": "joined",
                            "people": 400,
                            "from_first": 1.0,
                            "from_previous": 1.0,
                            "dropped": 0,
                            "median_seconds": None,
                            "distribution": [],
                        },
                        {
                            "type": "order.paid",
                            "label": "first week order",
                            "people": 92,
                            "from_first": 0.23,
                            "from_previous": 0.23,
                            "dropped": 308,
                            "median_seconds": 172_800,
                            "distribution": [
                                {
                                    "bucket": "1d_3d",
                                    "from_seconds": 86_400,
                                    "to_seconds": 259_200,
                                    "people": 50,
                                }
                            ],
                        },
                    ],
                    "trend": [
                        {
                            "period": "2026-11-02",
                            "people": [97, 21],
                            "conversion": 0.2165,
                            "from_previous": [0.2165],
                        }
                    ],
                    "breakdown": [],
                }
            ]
        }
    )
    window_days: int
    order: str
    by: str
    steps: list[FunnelStepOut]
    #: Per period of entry, with ``trend`` (else empty).
    trend: list[TrendOut]
    #: Per value of ``by`` (else empty).
    breakdown: list[BreakdownOut]


def _steps(given: list[StepIn], field: str = "steps") -> list[funnel_report.Step]:
    known = {*events.CATALOGUE, CLICK, funnel_report.FRIEND_JOINED}
    for i, step in enumerate(given):
        if step.type not in known:
            raise BadRequest(
                f"No fact is of the type {step.type!r}.",
                code=UNKNOWN_EVENT_TYPE,
                details={"field": f"{field}[{i}].type"},
            )
    return [funnel_report.Step(s.type, dict(s.where), s.within_seconds, s.label) for s in given]


def step_figures(found: list[funnel_report.StepResult]) -> list[FunnelStepOut]:
    """Each step's figures, its distribution by bucket."""
    first = found[0].people if found else 0
    out = []
    for i, r in enumerate(found):
        spread = [
            BucketOut(bucket=name, from_seconds=lo, to_seconds=hi, people=n)
            for (name, lo, hi), n in zip(funnel_report.BUCKETS, r.distribution, strict=True)
        ]
        figures = r.figures(first, found[i - 1].people if i else first)
        out.append(FunnelStepOut(**figures, distribution=spread if i else []))
    return out


async def _funnel(ctx: Ctx, body: FunnelIn, engine: Reader) -> FunnelOut:
    window = await window_of(ctx, body.start, body.end)
    steps, exclusions = _steps(body.steps), _steps(body.exclusions, "exclusions")
    args = (steps, exclusions, body.window_days, body.order)

    def run() -> tuple[Any, ...]:
        found = funnel_report.funnel(engine, ctx.workspace_id, window, *args)
        over = funnel_report.trend(engine, ctx.workspace_id, window, body.trend, *args) if body.trend else []
        split = (
            funnel_report.breakdown(engine, ctx.workspace_id, window, body.by, *args)
            if body.by != "none"
            else []
        )
        return found, over, split

    found, over, split = await in_thread(run)
    return FunnelOut(
        **range_out(window),
        window_days=body.window_days,
        order=body.order,
        by=body.by,
        steps=step_figures(found),
        trend=[
            TrendOut(
                period=g.period,
                people=list(g.people),
                conversion=g.conversion(),
                from_previous=g.from_previous(),
            )
            for g in over
        ],
        breakdown=[BreakdownOut(key=k, steps=step_figures(f)) for k, f in split],
    )


def _csv(out: FunnelOut) -> Response:
    names = ["step", "type", "label", "people", "from_first", "from_previous", "dropped", "median_seconds"]
    names += [name for name, _, _ in funnel_report.BUCKETS]
    rows = []
    for i, s in enumerate(out.steps, 1):
        row: dict[str, Any] = {"step": i, **s.model_dump(exclude={"distribution"})}
        row.update({b.bucket: b.people for b in s.distribution})
        rows.append(row)
    return csv_file(csv_text(rows, names), "funnel.csv")


@router.post("/funnel", response_model=FunnelOut, responses=CSV_RESPONSE)
async def funnel(
    body: FunnelIn,
    ctx: Ctx = Depends(require("stats:read")),
    engine: Reader = Depends(reader),
    format: Format = "json",
) -> FunnelOut | Response:
    """People through steps: they enter with their first step 1 in the range; each next
    step counts when it follows in the `order` asked, within the window (`window_days`
    from entering, counted past the range) and the step's own `within_seconds`; an
    exclusion step in that time takes a person out. Per step: people, conversions,
    drop-off, the median time from the step before and its distribution; with `trend`,
    the same per period of entry; with `by`, per channel, link, campaign, tier or staff of
    the entering fact (definitions: docs/analytics.md). `unknown_event_type` names a step
    of no known type. The members behind a step: `GET /reports/funnel/members`."""
    out = await _funnel(ctx, body, engine)
    return _csv(out) if format == "csv" else out


@router.get("/funnel", response_model=FunnelOut, responses=CSV_RESPONSE)
async def aarrr(
    ctx: Ctx = Depends(require("stats:read")),
    engine: Reader = Depends(reader),
    start: date | None = None,
    end: date | None = None,
    window_days: Annotated[int, Query(ge=1, le=180)] = funnel_report.DEFAULT_WINDOW_DAYS,
    order: funnel_report.Order = "sequential",
    trend: funnel_report.TrendPeriod | None = None,
    by: funnel_report.By = "none",
    format: Format = "json",
) -> FunnelOut | Response:
    """The AARRR loop: clicked a link → joined → activated (an activity) → ordered →
    referred a friend who joined."""
    steps = [StepIn(type=s.type, label=s.label) for s in funnel_report.AARRR]
    body = FunnelIn(
        start=start, end=end, steps=steps, window_days=window_days, order=order, trend=trend, by=by
    )
    out = await _funnel(ctx, body, engine)
    return _csv(out) if format == "csv" else out


class FunnelCell(RangedQuery):
    """The members behind one step of a funnel, or behind its drop-off."""

    #: The steps' types, in order (as the console writes them); omit for the AARRR loop.
    step: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list, max_length=funnel_report.MAX_STEPS
    )
    #: Instead of ``step``: the funnel's definition as the JSON body of ``POST
    #: /reports/funnel`` (steps with filters and windows, exclusions, window, order).
    definition: str | None = Field(default=None, max_length=8_000)
    window_days: int = Field(default=funnel_report.DEFAULT_WINDOW_DAYS, ge=1, le=180)
    order: funnel_report.Order = "sequential"
    #: The step (1 = the first).
    at: int = Field(ge=1, le=funnel_report.MAX_STEPS)
    #: The members who reached step ``at`` and not the next (its drop-off).
    dropped: bool = False
    #: One row of the breakdown: the entering fact's ``by`` is ``key`` (omit: none).
    by: funnel_report.By = "none"
    key: int | None = Field(default=None, ge=1, le=MAX_INT)


async def funnel_members(ctx: Ctx, engine: Reader, cell: FunnelCell) -> list[int]:
    """The member ids behind the cell (``ids_of`` of the drill-down)."""
    if cell.definition is not None:
        try:
            body = FunnelIn.model_validate_json(cell.definition)
        except ValidationError as exc:
            raise BadRequest(
                "The funnel's definition is not a funnel.",
                code=INVALID_FUNNEL,
                details={
                    "field": "definition",
                    "errors": exc.errors(include_url=False, include_context=False),
                },
            ) from exc
        steps, exclusions = _steps(body.steps), _steps(body.exclusions, "exclusions")
        window = await window_of(ctx, body.start, body.end)
        days, order = body.window_days, body.order
    else:
        types = cell.step or [s.type for s in funnel_report.AARRR]
        given = [StepIn.model_construct(type=t, where={}, within_seconds=None, label="") for t in types]
        steps, exclusions = _steps(given, "step"), []
        window = await cell.window(ctx)
        days, order = cell.window_days, cell.order
    if len(steps) < 2 or cell.at > len(steps) or (cell.dropped and cell.at == len(steps)):
        raise BadRequest(
            "The funnel has no such step (it has 2 steps or more; nobody drops off after the last).",
            code=INVALID_FUNNEL,
            details={"field": "at"},
        )
    return await in_thread(
        funnel_report.member_ids,
        engine,
        ctx.workspace_id,
        window,
        cell.at,
        cell.dropped,
        steps,
        exclusions,
        days,
        order,
        cell.by,
        cell.key,
    )


drill.register(
    router,
    "/funnel/members",
    FunnelCell,
    funnel_members,
    what="a funnel's step (`at`) or its drop-off (`dropped=true`)",
)
