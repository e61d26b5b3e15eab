"""``/reports/ltv``: customer value — historic per join-month cohort, and predicted per
member and cohort by BG/NBD and Gamma–Gamma."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from yutang.analytics import clv
from yutang.analytics import ltv as ltv_report
from yutang.analytics.endpoints import drill
from yutang.analytics.endpoints.drill import DrillQuery
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
from yutang.analytics.errors import FIT_FAILED, NOT_ENOUGH_DATA
from yutang.analytics.window import Window
from yutang.auth.dependencies import require
from yutang.kit.context import Ctx
from yutang.kit.errors import BadRequest
from yutang.kit.http import CSV_RESPONSE, csv_file
from yutang.kit.pagination import Cursor, Limit, page_list

#: How many members a page of the most valuable holds by default.
TOP = 20
MAX_HORIZON = 60
#: P(alive) is shown as a histogram of this many bins of equal width.
BINS = 10


async def cohorts_of(ctx: Ctx, start: date | None, end: date | None) -> Window:
    """Whole months: from the first of ``start``'s month (default: eleven months before
    this one) to ``end`` (default: today)."""
    last = (await window_of(ctx, None, end)).last
    first = (start or _months_before(last.replace(day=1), 11)).replace(day=1)
    return await window_of(ctx, first, last)


def _months_before(at: date, n: int) -> date:
    months = at.year * 12 + at.month - 1 - n
    return date(months // 12, months % 12 + 1, 1)


# -- historic ----------------------------------------------------------------------------


class LtvCohortOut(BaseModel):
    #: The first of the month they joined.
    start: date
    size: int
    #: Net revenue per member of the cohort up to and including month 0, 1, 2 … since
    #: joining (cents; null: not reached yet).
    ltv_cents: list[float | None]


class LtvOut(RangeOut):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "start": "2026-01-01",
                    "end": "2026-12-04",
                    "timezone": "Asia/Shanghai",
                    "months": 2,
                    "cohorts": [
                        {"start": "2026-10-01", "size": 320, "ltv_cents": [4_210.5, 6_020.75, 7_108.0]}
                    ],
                    "average": [4_210.5, 6_020.75, 7_108.0],
                }
            ]
        }
    )
    months: int
    cohorts: list[LtvCohortOut]
    #: Per month since joining, over the cohorts that reached it: their net revenue ÷
    #: their members.
    average: list[float | None]


async def ltv_of(ctx: Ctx, engine: Reader, start: date | None, end: date | None, months: int) -> LtvOut:
    window = await cohorts_of(ctx, start, end)
    today = datetime.now(ZoneInfo(window.zone)).date()
    found = await in_thread(ltv_report.historic, engine, ctx.workspace_id, window, today, months)
    return LtvOut(
        **range_out(window),
        months=months,
        cohorts=[
            LtvCohortOut(start=c.start, size=c.size, ltv_cents=[_r(v) for v in c.per_member_cents])
            for c in found.cohorts
        ],
        average=[_r(v) for v in found.average],
    )


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


@router.get("/ltv", response_model=LtvOut, responses=CSV_RESPONSE)
async def ltv(
    ctx: Ctx = Depends(require("stats:read")),
    engine: Reader = Depends(reader),
    start: date | None = None,
    end: date | None = None,
    months: Annotated[int, Query(ge=1, le=ltv_report.MAX_MONTHS)] = 12,
    format: Format = "json",
) -> LtvOut | Response:
    """Historic customer value: the members who joined in each month from `start`'s
    month (default: the last 12 months) to `end`, and their cumulative net revenue (paid −
    refunded) per member at month 0, 1 … `months` since joining (definitions:
    docs/analytics.md). CSV: one row per cohort, a column per month."""
    found = await ltv_of(ctx, engine, start, end, months)
    if format == "csv":
        names = ["cohort", "size", *(f"month_{n}" for n in range(months + 1))]
        rows = [
            {
                "cohort": c.start.isoformat(),
                "size": c.size,
                **{f"month_{n}": v for n, v in enumerate(c.ltv_cents)},
            }
            for c in found.cohorts
        ]
        return csv_file(csv_text(rows, names), "ltv-by-month.csv")
    return found


# -- predicted ---------------------------------------------------------------------------


class BgNbdOut(BaseModel):
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    #: The buyers it was fitted on.
    customers: int


class GammaGammaOut(BaseModel):
    p: float
    q: float
    gamma: float
    log_likelihood: float
    #: The buyers with a repeat purchase it was fitted on.
    customers: int
    #: pγ / (q − 1): the expected spend per purchase of a buyer of whom nothing is known.
    population_mean_cents: float


class CohortValueOut(BaseModel):
    start: date
    members: int
    buyers: int
    expected_purchases: float
    value_cents: float
    value_per_member_cents: float | None
    mean_p_alive: float | None


class MemberValueOut(BaseModel):
    member_id: int
    cohort: date | None
    #: Repeat purchases; recency and T in the model's unit.
    frequency: int
    recency: float
    T: float
    monetary_cents: float | None
    p_alive: float
    expected_purchases: float
    expected_spend_cents: float
    value_cents: float


class MembersPage(BaseModel):
    data: list[MemberValueOut]
    next_cursor: str | None


class AliveBin(BaseModel):
    #: P(alive) from ``low`` (included) to ``high`` (excluded; the last bin includes 1).
    low: float
    high: float
    members: int


class PredictedOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "as_of": "2026-12-04",
                    "timezone": "Asia/Shanghai",
                    "unit": "week",
                    "horizon_months": 12,
                    "discount": 0.1,
                    "start": "2026-01-01",
                    "end": "2026-12-04",
                    "bgnbd": {
                        "r": 0.243,
                        "alpha": 4.414,
                        "a": 0.793,
                        "b": 2.426,
                        "log_likelihood": -9582.4,
                        "customers": 2357,
                    },
                    "gamma_gamma": {
                        "p": 6.25,
                        "q": 3.74,
                        "gamma": 1544.0,
                        "log_likelihood": -4055.9,
                        "customers": 946,
                        "population_mean_cents": 3517.1,
                    },
                    "buyers": 2357,
                    "repeat_buyers": 946,
                    "expected_purchases": 1843.2,
                    "value_cents": 6_482_113.5,
                    "p_alive": [{"low": 0.9, "high": 1.0, "members": 1602}],
                    "cohorts": [],
                    "members": {"data": [], "next_cursor": None},
                }
            ]
        }
    )
    as_of: date
    timezone: str
    #: The unit of recency, T and alpha.
    unit: str
    horizon_months: int
    #: Annual discount rate of the value.
    discount: float
    #: The join months of the cohorts.
    start: date
    end: date
    bgnbd: BgNbdOut
    gamma_gamma: GammaGammaOut
    buyers: int
    repeat_buyers: int
    #: Over every buyer, in the horizon.
    expected_purchases: float
    value_cents: float
    p_alive: list[AliveBin]
    cohorts: list[CohortValueOut]
    #: Buyers, the most valuable first.
    members: MembersPage


def alive_bins(prediction: ltv_report.Prediction) -> list[AliveBin]:
    bands = [(i / BINS, (i + 1) / BINS) for i in range(BINS)]
    return [
        AliveBin(
            low=low, high=high, members=sum(1 for m in prediction.members if in_band(m.p_alive, low, high))
        )
        for low, high in bands
    ]


async def prediction_of(
    ctx: Ctx,
    engine: Reader,
    as_of: date | None,
    start: date | None,
    end: date | None,
    unit: clv.Unit,
    horizon_months: int,
    discount: float,
) -> tuple[ltv_report.Prediction, Window]:
    """The fitted models and their predictions, or a clear refusal (422)."""
    window = await cohorts_of(ctx, start, end)
    day = as_of or datetime.now(ZoneInfo(window.zone)).date()

    try:
        found = await in_thread(
            ltv_report.predicted,
            engine,
            ctx.workspace_id,
            day,
            window.zone,
            window,
            unit=unit,
            horizon_months=horizon_months,
            annual_discount=discount,
        )
    except ltv_report.NotEnoughData as exc:
        raise BadRequest(
            "Too few buyers to predict their value: the models need at least "
            f"{ltv_report.MIN_BUYERS} buyers, {ltv_report.MIN_REPEAT_BUYERS} of them with a repeat purchase.",
            code=NOT_ENOUGH_DATA,
            details={"buyers": exc.buyers, "repeat_buyers": exc.repeat_buyers},
            status_code=422,
        ) from exc
    except clv.FitError as exc:
        raise BadRequest(
            f"The models could not be fitted to these purchases: {exc}.", code=FIT_FAILED, status_code=422
        ) from exc
    return found, window


@router.get("/ltv/predicted", response_model=PredictedOut)
async def predicted(
    ctx: Ctx = Depends(require("stats:read")),
    engine: Reader = Depends(reader),
    as_of: date | None = None,
    start: date | None = None,
    end: date | None = None,
    unit: clv.Unit = "week",
    horizon_months: Annotated[int, Query(ge=1, le=MAX_HORIZON)] = 12,
    discount: Annotated[float, Query(ge=0, le=1)] = 0.0,
    cursor: Cursor = None,
    limit: Limit = TOP,
) -> PredictedOut:
    """Predicted customer value as of `as_of` (default: today): BG/NBD (expected purchases,
    P(alive)) and Gamma–Gamma (spend per purchase) fitted on the workspace's buyers, with
    time in `unit`s (day, week or month); each buyer's expected purchases and value over
    the next `horizon_months`, discounted at the annual rate `discount`; per cohort of
    the join months from `start` to `end` (as in `/reports/ltv`); the buyers, most
    valuable first, a page at a time. Too few buyers: `not_enough_data`; no fit:
    `fit_failed` (both 422). Definitions and sources: docs/analytics.md."""
    found, window = await prediction_of(ctx, engine, as_of, start, end, unit, horizon_months, discount)
    part, nxt = page_list(found.members, cursor, limit)
    bg, gg = found.purchases, found.spend
    return PredictedOut(
        as_of=found.as_of,
        timezone=window.zone,
        unit=unit,
        horizon_months=horizon_months,
        discount=discount,
        start=window.first,
        end=window.last,
        bgnbd=BgNbdOut(
            r=bg.r,
            alpha=bg.alpha,
            a=bg.a,
            b=bg.b,
            log_likelihood=round(bg.log_likelihood, 4),
            customers=bg.customers,
        ),
        gamma_gamma=GammaGammaOut(
            p=gg.p,
            q=gg.q,
            gamma=gg.gamma,
            log_likelihood=round(gg.log_likelihood, 4),
            customers=gg.customers,
            population_mean_cents=round(gg.population_mean, 2),
        ),
        buyers=len(found.members),
        repeat_buyers=found.repeat_buyers,
        expected_purchases=round(sum(m.expected_purchases for m in found.members), 4),
        value_cents=round(sum(m.value_cents for m in found.members), 2),
        p_alive=alive_bins(found),
        cohorts=[
            CohortValueOut(
                start=c.start,
                members=c.members,
                buyers=c.buyers,
                expected_purchases=round(c.expected_purchases, 4),
                value_cents=round(c.value_cents, 2),
                value_per_member_cents=_r(c.value_per_member_cents),
                mean_p_alive=_r(c.mean_p_alive, 4),
            )
            for c in found.cohorts
        ],
        members=MembersPage(
            data=[
                MemberValueOut(
                    member_id=m.member_id,
                    cohort=m.cohort,
                    frequency=m.frequency,
                    recency=round(m.recency, 4),
                    T=round(m.T, 4),
                    monetary_cents=_r(m.monetary_cents),
                    p_alive=round(m.p_alive, 4),
                    expected_purchases=round(m.expected_purchases, 4),
                    expected_spend_cents=round(m.expected_spend_cents, 2),
                    value_cents=round(m.value_cents, 2),
                )
                for m in part
            ],
            next_cursor=nxt,
        ),
    )


# -- drill-down ------------------------------------------------------------------------------


class LtvCohort(DrillQuery):
    """A cohort of ``/reports/ltv``: the members who first joined in the month ``cohort``."""

    start: date | None = None
    end: date | None = None
    #: The first of the cohort's month.
    cohort: date


async def cohort_members(ctx: Ctx, engine: Reader, cell: LtvCohort) -> list[int]:
    window = await cohorts_of(ctx, cell.start, cell.end)
    return await in_thread(ltv_report.cohort_members, engine, ctx.workspace_id, window, cell.cohort)


drill.register(router, "/ltv/members", LtvCohort, cohort_members, what="a cohort of the months joined")


class AliveBand(DrillQuery):
    """Buyers of ``/reports/ltv/predicted`` whose P(alive) is at least ``low`` and below
    ``high`` (1 included when ``high`` is 1), under the model fitted as of ``as_of`` in
    ``unit``s."""

    as_of: date | None = None
    unit: clv.Unit = "week"
    low: float = Field(default=0.0, ge=0, le=1)
    high: float = Field(default=1.0, ge=0, le=1)


def in_band(p_alive: float, low: float, high: float) -> bool:
    return low <= p_alive < high or (high >= 1 and p_alive >= 1 and low <= 1)


async def alive_members(ctx: Ctx, engine: Reader, band: AliveBand) -> list[int]:
    found, _ = await prediction_of(ctx, engine, band.as_of, None, None, band.unit, 1, 0.0)
    return sorted(m.member_id for m in found.members if in_band(m.p_alive, band.low, band.high))


drill.register(
    router, "/ltv/predicted/members", AliveBand, alive_members, what="a band of P(alive) of the buyers"
)
