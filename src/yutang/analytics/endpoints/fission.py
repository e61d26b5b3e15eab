"""``/reports/fission`` (K per campaign and per period, JSON or CSV), ``/reports/value``
(the seed's value formula over time, its factors and a what-if) and the members behind
a campaign's sharers and referred friends."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, Query, Response
from pydantic import BaseModel, ConfigDict

from yutang.analytics import fission as fission_report
from yutang.analytics import ltv as ltv_report
from yutang.analytics import value as value_report
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
from yutang.kit.schemas import ParamId

#: A what-if's change, in percent (−100: down to nothing; +1000: eleven times).
Change = Annotated[float, Query(ge=-100, le=1000)]


class FissionFigures(BaseModel):
    period: str
    #: The referral campaign; null for the whole workspace.
    campaign_id: int | None
    participants: int
    sharers: int
    seed_sharers: int
    inviting_sharers: int
    clicks: int
    invitations: int
    friends_joined: int
    referred: int
    qualified: int
    #: referred ÷ sharers (null with no sharer).
    k: float | None
    #: friends joined ÷ inviting sharers.
    friends_per_sharer: float | None
    #: referred ÷ seed sharers (seed 000's 裂变率).
    fission_rate: float | None


class FissionOut(RangeOut):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "start": "2026-11-04",
                    "end": "2026-12-03",
                    "timezone": "Asia/Shanghai",
                    "period": "week",
                    "by": "campaign",
                    "rows": [],
                    "campaigns": [],
                    "total": {
                        "period": "2026-11-04",
                        "campaign_id": None,
                        "participants": 120,
                        "sharers": 150,
                        "seed_sharers": 96,
                        "inviting_sharers": 61,
                        "clicks": 1_840,
                        "invitations": 240,
                        "friends_joined": 198,
                        "referred": 190,
                        "qualified": 121,
                        "k": 1.2667,
                        "friends_per_sharer": 3.2459,
                        "fission_rate": 1.9792,
                    },
                }
            ]
        }
    )
    period: str
    by: str
    #: Per period: the whole workspace (``by`` none: every period, zeros included) or each
    #: campaign with something in it.
    rows: list[FissionFigures]
    #: Each campaign over the whole range.
    campaigns: list[FissionFigures]
    #: The whole workspace over the whole range (a sharer of two campaigns counted once).
    total: FissionFigures


@router.get("/fission", response_model=FissionOut, responses=CSV_RESPONSE)
async def fission(
    ctx: Ctx = Depends(require("stats:read")),
    start: date | None = None,
    end: date | None = None,
    period: fission_report.Period = "week",
    by: fission_report.By = "none",
    format: Format = "json",
    engine: Reader = Depends(reader),
) -> FissionOut | Response:
    """K (referred new members ÷ members who shared) per referral campaign and for the
    whole workspace, per day, week or month, with sharers, clicks on their links,
    invitations, friends joined, referred members, friends per inviting sharer and the
    fission rate (definitions: docs/analytics.md, "Fission and value")."""
    window = await window_of(ctx, start, end)

    def run() -> tuple[list[fission_report.FissionRow], ...]:
        rows = fission_report.fission(engine, ctx.workspace_id, window, period, by)
        campaigns = fission_report.fission(engine, ctx.workspace_id, window, "total", "campaign")
        total = fission_report.fission(engine, ctx.workspace_id, window, "total", "none")
        return rows, campaigns, total

    rows, campaigns, total = await in_thread(run)
    out = FissionOut(
        **range_out(window),
        period=period,
        by=by,
        rows=[FissionFigures(**r.figures()) for r in rows],
        campaigns=[FissionFigures(**r.figures()) for r in campaigns],
        total=FissionFigures(**(total[0] if total else fission_report.empty(window.first)).figures()),
    )
    return answer(out, format, out.rows, FissionFigures, f"fission-by-{period}.csv")


class ValueFigures(BaseModel):
    period: str
    #: The last day counted (the period's, or the range's for the last period).
    as_of: str
    #: Members at the period's end.
    customers: int
    #: Members of the cohorts the LTV is read over: those who joined in ``ltv_joined_through``'s
    #: month or before (their month ``ltv_months`` was over by ``as_of``).
    ltv_members: int
    #: The youngest join month counted (its first day).
    ltv_joined_through: str
    #: The customer-value report's historic LTV at month ``ltv_months`` since joining
    #: over those cohorts (null: no cohort that old, see ``ltv_missing``).
    ltv_cents: float | None
    #: Why there is no LTV: ``no_old_cohort`` (nobody joined by ``ltv_joined_through``).
    ltv_missing: str | None
    #: Of the LTV, what came in the month the members joined (month 0).
    first_month_ltv_cents: float | None
    aov_cents: float | None
    orders_per_member: float | None
    k: float | None
    #: 1 + K.
    fission_coefficient: float
    #: customers × LTV × fission coefficient (null while LTV is unknown).
    value_cents: float | None
    #: customers × LTV ÷ (1 − K); null for K ≥ 1 (no finite value) or unknown LTV.
    steady_value_cents: float | None


class ScenarioOut(BaseModel):
    k_change: float
    retention_change: float
    aov_change: float
    customers: int
    k: float
    fission_coefficient: float
    ltv_cents: float | None
    value_cents: float | None
    steady_value_cents: float | None


class WhatIfOut(BaseModel):
    #: The last period's factors as measured.
    base: ScenarioOut
    #: The same after the changes asked for.
    changed: ScenarioOut
    #: changed ÷ base − 1 (null when either is unknown or zero).
    value_change: float | None
    steady_value_change: float | None


class ValueOut(RangeOut):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "start": "2026-01-01",
                    "end": "2026-12-03",
                    "timezone": "Asia/Shanghai",
                    "period": "month",
                    "ltv_months": 12,
                    "rows": [],
                    "what_if": {
                        "base": {
                            "k_change": 0,
                            "retention_change": 0,
                            "aov_change": 0,
                            "customers": 12_000,
                            "k": 0.3,
                            "fission_coefficient": 1.3,
                            "ltv_cents": 18_500.0,
                            "value_cents": 288_600_000.0,
                            "steady_value_cents": 317_142_857.14,
                        },
                        "changed": {
                            "k_change": 10,
                            "retention_change": 0,
                            "aov_change": 0,
                            "customers": 12_000,
                            "k": 0.33,
                            "fission_coefficient": 1.33,
                            "ltv_cents": 18_500.0,
                            "value_cents": 295_260_000.0,
                            "steady_value_cents": 331_343_283.58,
                        },
                        "value_change": 0.0231,
                        "steady_value_change": 0.0448,
                    },
                }
            ]
        }
    )
    period: str
    #: The month since joining the LTV is read at.
    ltv_months: int
    rows: list[ValueFigures]
    what_if: WhatIfOut


def _change(new: float | None, old: float | None) -> float | None:
    return None if new is None or not old else round(new / old - 1, 4)


@router.get("/value", response_model=ValueOut, responses=CSV_RESPONSE)
async def value(
    ctx: Ctx = Depends(require("stats:read")),
    start: date | None = None,
    end: date | None = None,
    period: value_report.Period = "month",
    ltv_months: Annotated[int, Query(ge=1, le=ltv_report.MAX_MONTHS)] = value_report.DEFAULT_LTV_MONTHS,
    k_change: Change = 0,
    retention_change: Change = 0,
    aov_change: Change = 0,
    format: Format = "json",
    engine: Reader = Depends(reader),
) -> ValueOut | Response:
    """The seed's value formula at the end of each period: customers × LTV × (1 + K),
    its three factors, and customers × LTV ÷ (1 − K) beside it (undefined for K ≥ 1);
    the LTV is the customer-value report's historic LTV at month `ltv_months` since
    joining, over the cohorts that old by the period's end; the what-if moves the last
    period's K, retention or AOV by the given percentages."""
    window = await window_of(ctx, start, end)
    rows = await in_thread(value_report.value, engine, ctx.workspace_id, window, period, ltv_months)
    last = rows[-1]
    base = value_report.baseline(last)
    changed = value_report.what_if(last, k_change, retention_change, aov_change)
    out = ValueOut(
        **range_out(window),
        period=period,
        ltv_months=ltv_months,
        rows=[ValueFigures(**r.figures()) for r in rows],
        what_if=WhatIfOut(
            base=ScenarioOut(**base.figures()),
            changed=ScenarioOut(**changed.figures()),
            value_change=_change(changed.value_cents, base.value_cents),
            steady_value_change=_change(changed.steady_value_cents, base.steady_value_cents),
        ),
    )
    return answer(out, format, out.rows, ValueFigures, f"value-by-{period}.csv")


class FissionCell(RangedQuery):
    """A campaign's (or, without one, the workspace's) sharers or referred members in
    the range of ``/reports/fission``."""

    campaign_id: ParamId | None = None
    who: Literal["sharers", "referred"] = "sharers"


async def fission_members(ctx: Ctx, engine: Reader, cell: FissionCell) -> list[int]:
    bounds = (await cell.window(ctx)).bounds()
    return await in_thread(
        fission_report.members_of,
        engine,
        ctx.workspace_id,
        cell.campaign_id,
        bounds["start"],
        bounds["end"],
        cell.who,
    )


drill.register(
    router,
    "/fission/members",
    FissionCell,
    fission_members,
    what="a referral campaign's sharers or the new members its invitations brought",
)
