"""数据 › 客户价值 Customer value: historic LTV per join-month cohort (curves and matrix),
and the predicted value of BG/NBD and Gamma–Gamma (parameters, cohorts, P(alive), the
most valuable buyers)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, cast
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from yutang.analytics import clv
from yutang.analytics.endpoints.frame import reader
from yutang.analytics.endpoints.ltv import (
    AliveBand,
    LtvCohort,
    alive_bins,
    alive_members,
    cohort_members,
    cohorts_of,
    ltv_of,
    prediction_of,
)
from yutang.analytics.engines import Reader
from yutang.analytics.errors import FIT_FAILED, NOT_ENOUGH_DATA
from yutang.auth.permissions import allowed
from yutang.kit.context import Ctx
from yutang.kit.errors import YutangError
from yutang.members import service as members
from yutang.models.members import Member
from yutang.web.console.frame import can, chart_json, header, line_chart, render, router
from yutang.web.console.reports import drill
from yutang.web.console.reports.frame import range_query
from yutang.web.i18n import error_words, pick_language, translator

SPANS = (6, 12, 24)
UNITS = ("day", "week", "month")
HORIZONS = (3, 6, 12, 24)
#: Annual discount rates offered, in percent.
DISCOUNTS = (0, 5, 10, 15, 20)
TOP = 20


@router.get("/console/reports/ltv", response_class=HTMLResponse)
async def ltv_page(
    request: Request,
    ctx: Ctx = Depends(can("stats:read")),
    engine: Reader = Depends(reader),
    span: int = 12,
    unit: str = "week",
    horizon: int = 12,
    discount: int = 0,
) -> HTMLResponse:
    span = span if span in SPANS else 12
    unit = unit if unit in UNITS else "week"
    horizon = horizon if horizon in HORIZONS else 12
    discount = discount if discount in DISCOUNTS else 0
    lang = pick_language(request)
    t = translator(lang)
    latest = await cohorts_of(ctx, None, None)
    start = _months_back(latest.last.replace(day=1), span - 1)
    window = await cohorts_of(ctx, start, latest.last)
    historic = await ltv_of(ctx, engine, window.first, window.last, span)
    months = list(range(span + 1))
    labels = [t("retention_period_month").replace("{n}", str(n)) for n in months]
    series = {t("ltv_average"): [None if v is None else round(v / 100, 2) for v in historic.average]}
    for c in historic.cohorts[-6:]:
        series[c.start.isoformat()[:7]] = [None if v is None else round(v / 100, 2) for v in c.ltv_cents]
    curves = line_chart(labels, series)  # type: ignore[arg-type]
    curves["xAxis"] = {
        **curves["xAxis"],
        "name": t("ltv_months_since_joining"),
        "nameLocation": "middle",
        "nameGap": 24,
    }
    curves["grid"] = {**curves["grid"], "bottom": 44}

    predicted: dict[str, Any] | None = None
    refusal: str | None = None
    try:
        found, _ = await prediction_of(
            ctx, engine, None, window.first, window.last, cast("clv.Unit", unit), horizon, discount / 100
        )
    except YutangError as exc:
        refusal = error_words(str(exc.code), lang, exc.message)
    else:
        bins = alive_bins(found)
        alive_chart = {
            "animation": False,
            "tooltip": {"trigger": "axis"},
            "grid": {"left": 48, "right": 16, "top": 16, "bottom": 28},
            "xAxis": {"type": "category", "data": [f"{b.low:.1f}–{b.high:.1f}" for b in bins]},
            "yAxis": {"type": "value", "minInterval": 1},
            "series": [
                {"name": t("buyers"), "type": "bar", "color": "#0a6e53", "data": [b.members for b in bins]}
            ],
        }
        top = found.members[:TOP]
        predicted = {
            "model": found,
            "top": top,
            "names": await _names(ctx, [m.member_id for m in top]),
            "alive_chart": chart_json(alive_chart),
            "bins": bins,
            "purchases": sum(m.expected_purchases for m in found.members),
            "value": sum(m.value_cents for m in found.members),
            "mean_p_alive": sum(m.p_alive for m in found.members) / len(found.members),
        }
    return render(
        request,
        "console/reports/ltv.html",
        window=window,
        historic=historic,
        months=months,
        curves=chart_json(curves),
        predicted=predicted,
        refusal=refusal,
        span=span,
        spans=SPANS,
        unit=unit,
        units=UNITS,
        horizon=horizon,
        horizons=HORIZONS,
        discount=discount,
        discounts=DISCOUNTS,
        drill=urlencode(range_query(window)),
        drill_alive=urlencode({"unit": unit}),
        csv_query=urlencode({**range_query(window), "months": span, "format": "csv"}),
        **await header(ctx),
    )


def _months_back(at: date, n: int) -> date:
    months = at.year * 12 + at.month - 1 - n
    return date(months // 12, months % 12 + 1, 1)


async def _names(ctx: Ctx, ids: list[int]) -> dict[int, str]:
    """What to call the members shown (masked without ``members:pii``; a member the
    caller may not see, or erased, stays a number)."""
    if not ids:
        return {}
    rows, _, _ = await members.matching(ctx, Member.id.in_(ids) & (Member.status != "erased"), None, len(ids))
    views = await members.views(ctx, rows, pii=allowed(ctx.actor.role, "members:pii"))
    return {v.member.id: v.name or f"#{v.member.id}" for v in views}


def _cohort_title(t: Callable[[str], str], cell: LtvCohort) -> str:
    return f"{t('reports_ltv')} · {t('drill_cohort').replace('{start}', cell.cohort.isoformat()[:7])}"


drill.register("/ltv/members", LtvCohort, cohort_members, _cohort_title, "/console/reports/ltv")


def _band_title(t: Callable[[str], str], band: AliveBand) -> str:
    return t("ltv_alive_band").replace("{low}", f"{band.low:.1f}").replace("{high}", f"{band.high:.1f}")


async def _alive_or_none(ctx: Ctx, engine: Reader, band: AliveBand) -> list[int]:
    """The band's buyers; none where the models are not fitted (the page says why)."""
    try:
        return await alive_members(ctx, engine, band)
    except YutangError as exc:
        if exc.code in (NOT_ENOUGH_DATA, FIT_FAILED):
            return []
        raise


drill.register("/ltv/predicted/members", AliveBand, _alive_or_none, _band_title, "/console/reports/ltv")
