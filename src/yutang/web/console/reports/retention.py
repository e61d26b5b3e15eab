"""数据 › 留存 Retention: cohorts, curves, revenue per member and the lifecycle."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from yutang.analytics import retention as retention_report
from yutang.analytics.endpoints.frame import reader
from yutang.analytics.endpoints.lifecycle import LifecycleCell, lifecycle_members, lifecycle_of
from yutang.analytics.endpoints.retention import (
    RETURNS,
    STARTS,
    RetentionCell,
    retention_members,
    retention_of,
)
from yutang.analytics.engines import Reader
from yutang.kit.context import Ctx
from yutang.web.console.frame import can, chart_json, header, line_chart, render, router
from yutang.web.console.reports import drill
from yutang.web.console.reports.frame import AskedRange, chosen_window, range_context, range_query
from yutang.web.i18n import pick_language, translator

UNITS = ("day", "week", "month")
MODES = ("on", "on_or_after", "first_time")


@router.get("/console/reports/retention", response_class=HTMLResponse)
async def retention_page(
    request: Request,
    asked: AskedRange,
    ctx: Ctx = Depends(can("stats:read")),
    engine: Reader = Depends(reader),
    unit: str = "week",
    mode: str = "on",
    starts_with: str = "joined",
    returns_with: str = "active",
) -> HTMLResponse:
    """Cohorts as a matrix shaded by rate, curves beside it, revenue per member."""
    unit = unit if unit in UNITS else "week"
    mode = mode if mode in MODES else "on"
    starts_with = starts_with if starts_with in STARTS else "joined"
    returns_with = returns_with if returns_with in RETURNS else "active"
    window = await chosen_window(ctx, asked, default=90)
    first, last = window.first, window.last
    periods = {"day": 14, "week": 8, "month": 6}[unit]
    found = await retention_of(
        ctx,
        engine,
        first,
        last,
        cast("retention_report.Unit", unit),
        cast("retention_report.Mode", mode),
        periods,
        starts_with,
        returns_with,
    )
    t = translator(pick_language(request))
    labels = [t("retention_period_" + unit).replace("{n}", str(n)) for n in range(1, periods + 1)]
    series = {t("retention_weighted"): [None if r is None else round(100 * r, 1) for r in found.weighted]}
    for c in found.cohorts[-6:]:
        series[c.start.isoformat()] = [None if r is None else round(100 * r, 1) for r in c.rates]
    stages = await lifecycle_of(ctx, engine, first, last, unit)
    kinds = ("new", "returning", "resurrecting", "dormant")
    colours = {"new": "#0a6e53", "returning": "#2563eb", "resurrecting": "#d97706", "dormant": "#a4231b"}
    lifecycle_chart = {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 48, "right": 16, "top": 32, "bottom": 28},
        "xAxis": {"type": "category", "data": [r.period.isoformat() for r in stages.rows]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "name": t("lifecycle_" + k),
                "type": "bar",
                "stack": "out" if k == "dormant" else "in",
                "color": colours[k],
                "data": [-getattr(r, k) if k == "dormant" else getattr(r, k) for r in stages.rows],
            }
            for k in kinds
        ],
    }
    choices = {"unit": unit, "mode": mode, "starts_with": starts_with, "returns_with": returns_with}
    return render(
        request,
        "console/reports/retention.html",
        **range_context(window, asked, choices),
        report=found,
        periods=periods,
        units=UNITS,
        modes=MODES,
        starts=list(STARTS),
        returns=list(RETURNS),
        chart=chart_json(line_chart(labels, series)),  # type: ignore[arg-type]
        stages=stages,
        lifecycle_chart=chart_json(lifecycle_chart),
        drill=urlencode({**range_query(window), **choices}),
        drill_stages=urlencode({**range_query(window), "unit": unit}),
        **await header(ctx),
    )


def _cohort_title(t: Callable[[str], str], cell: RetentionCell) -> str:
    cohort = t("drill_cohort").replace("{start}", str(cell.cohort))
    if cell.n == 0:
        return cohort
    period = t("retention_period_" + cell.unit).replace("{n}", str(cell.n))
    return f"{cohort} · {period} · {t('retention_mode_' + cell.mode)}"


def _stage_title(t: Callable[[str], str], cell: LifecycleCell) -> str:
    return f"{t('lifecycle_' + cell.kind)} · {cell.at}"


drill.register(
    "/retention/members", RetentionCell, retention_members, _cohort_title, "/console/reports/retention"
)
drill.register(
    "/lifecycle/members", LifecycleCell, lifecycle_members, _stage_title, "/console/reports/retention"
)
