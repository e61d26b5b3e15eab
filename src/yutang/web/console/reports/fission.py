"""数据 › 裂变与价值 Fission & value: K per referral campaign and over time, the seed's
value formula (customers × LTV × fission coefficient) with its factors, and a what-if."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from yutang.analytics import fission as fission_report
from yutang.analytics import value as value_report
from yutang.analytics.endpoints.fission import FissionCell, fission_members
from yutang.analytics.endpoints.frame import in_thread, reader
from yutang.analytics.engines import Reader
from yutang.analytics.window import Window
from yutang.kit.context import Ctx
from yutang.referrals import service as referrals
from yutang.web.console.frame import can, chart_json, header, render, router
from yutang.web.console.reports import drill
from yutang.web.console.reports.frame import PERIODS, AskedRange, chosen_window, range_context, range_query
from yutang.web.i18n import pick_language, translator

#: What the what-if's inputs accept, in percent.
CHANGE_MIN, CHANGE_MAX = -100.0, 1000.0
#: The months since joining the LTV may be read at.
LTV_MONTHS = (3, 6, 12, 24)
_COLORS = ["#0a6e53", "#d97706", "#2563eb", "#9333ea"]


def _change(value: str | None) -> float:
    """A what-if's change as typed (a number of percent, bounded; anything else is 0)."""
    try:
        number = float(value or 0)
    except ValueError:
        return 0.0
    if number != number:  # NaN
        return 0.0
    return max(CHANGE_MIN, min(CHANGE_MAX, number))


def _yuan(cents: float | None) -> float | None:
    return None if cents is None else round(cents / 100, 2)


def k_chart(rows: list[fission_report.FissionRow], t: Callable[[str], str]) -> dict[str, Any]:
    """Sharers and referred members per period (bars) and K (a line, its own axis)."""
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 48, "right": 48, "top": 32, "bottom": 28},
        "xAxis": {"type": "category", "data": [r.period.isoformat() for r in rows]},
        "yAxis": [{"type": "value", "minInterval": 1}, {"type": "value", "name": "K"}],
        "color": _COLORS,
        "series": [
            {"name": t("fv_sharers"), "type": "bar", "data": [r.sharers for r in rows]},
            {"name": t("fv_referred"), "type": "bar", "data": [r.referred for r in rows]},
            {
                "name": "K",
                "type": "line",
                "yAxisIndex": 1,
                "connectNulls": False,
                "data": [None if r.k is None else round(r.k, 3) for r in rows],
            },
        ],
    }


def value_chart(rows: list[value_report.ValueRow], t: Callable[[str], str]) -> dict[str, Any]:
    """The value and the steady-state value per period end, in yuan (gaps where undefined)."""
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 72, "right": 16, "top": 32, "bottom": 28},
        "xAxis": {"type": "category", "data": [r.as_of.isoformat() for r in rows]},
        "yAxis": {"type": "value"},
        "color": _COLORS,
        "series": [
            {"name": t("fv_value_yuan"), "type": "line", "data": [_yuan(r.value_cents) for r in rows]},
            {
                "name": t("fv_steady_yuan"),
                "type": "line",
                "data": [_yuan(r.steady_value_cents) for r in rows],
            },
        ],
    }


def _axis_line(color: str) -> dict[str, Any]:
    return {"show": True, "lineStyle": {"color": color}}


def factors_chart(rows: list[value_report.ValueRow], t: Callable[[str], str]) -> dict[str, Any]:
    """The three factors on their own axes: customers, LTV (yuan), the fission coefficient."""
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 56, "right": 112, "top": 32, "bottom": 28},
        "xAxis": {"type": "category", "data": [r.as_of.isoformat() for r in rows]},
        # each axis in its series' colour, named by the legend (names atop two right-hand
        # axes overlap)
        "yAxis": [
            {"type": "value", "minInterval": 1, "axisLine": _axis_line(_COLORS[0])},
            {"type": "value", "axisLine": _axis_line(_COLORS[1])},
            {"type": "value", "offset": 56, "min": 1, "axisLine": _axis_line(_COLORS[2])},
        ],
        "color": _COLORS,
        "series": [
            {"name": t("fv_customers"), "type": "bar", "data": [r.customers for r in rows]},
            {
                "name": t("fv_ltv_yuan"),
                "type": "line",
                "yAxisIndex": 1,
                "data": [_yuan(r.ltv_cents) for r in rows],
            },
            {
                "name": t("fv_coefficient"),
                "type": "line",
                "yAxisIndex": 2,
                "data": [round(r.coefficient, 3) for r in rows],
            },
        ],
    }


def _span(window: Window, period: str, start: date) -> tuple[date, date]:
    """The days of one period, within the window (a drill-down's range)."""
    if period == "day":
        last = start
    elif period == "week":
        last = start + timedelta(days=6)
    else:
        last = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return max(start, window.first), min(last, window.last)


@router.get("/console/reports/fission", response_class=HTMLResponse)
async def fission_page(
    request: Request,
    asked: AskedRange,
    ctx: Ctx = Depends(can("stats:read")),
    engine: Reader = Depends(reader),
    period: str = "week",
    ltv_months: int = value_report.DEFAULT_LTV_MONTHS,
    k_change: str | None = None,
    retention_change: str | None = None,
    aov_change: str | None = None,
) -> HTMLResponse:
    period = period if period in PERIODS else "week"
    ltv_months = ltv_months if ltv_months in LTV_MONTHS else value_report.DEFAULT_LTV_MONTHS
    changes = {
        "k_change": _change(k_change),
        "retention_change": _change(retention_change),
        "aov_change": _change(aov_change),
    }
    window = await chosen_window(ctx, asked)
    ws = ctx.workspace_id

    def run() -> tuple[
        list[fission_report.FissionRow],
        list[fission_report.FissionRow],
        list[fission_report.FissionRow],
        list[value_report.ValueRow],
    ]:
        per = fission_report.fission(engine, ws, window, period, "none")  # type: ignore[arg-type]
        campaigns = fission_report.fission(engine, ws, window, "total", "campaign")
        total = fission_report.fission(engine, ws, window, "total", "none")
        worth = value_report.value(engine, ws, window, period, ltv_months)  # type: ignore[arg-type]
        return per, campaigns, total, worth

    per, campaigns, total, worth = await in_thread(run)
    t = translator(pick_language(request))
    last = worth[-1]
    base = value_report.baseline(last)
    changed = value_report.what_if(last, **changes)
    names = {c.id: c.name for c in await referrals.list_campaigns(ctx)}
    query = range_query(window)
    return render(
        request,
        "console/reports/fission.html",
        **range_context(window, asked, {"period": period, "ltv_months": ltv_months, **changes}),
        period=period,
        periods=PERIODS,
        ltv_months=ltv_months,
        ltv_choices=LTV_MONTHS,
        changes=changes,
        per=per,
        campaigns=campaigns,
        total=total[0] if total else fission_report.empty(window.first),
        worth=worth,
        last=last,
        base=base,
        changed=changed,
        campaign_names=names,
        spans={
            r.period: urlencode(
                dict(zip(("start", "end"), map(str, _span(window, period, r.period)), strict=True))
            )
            for r in per
        },
        charts={
            "k": chart_json(k_chart(per, t)),
            "value": chart_json(value_chart(worth, t)),
            "factors": chart_json(factors_chart(worth, t)),
        },
        drill=urlencode(query),
        csv_fission=urlencode({**query, "period": period, "by": "campaign", "format": "csv"}),
        csv_value=urlencode({**query, "period": period, "ltv_months": ltv_months, "format": "csv"}),
        **await header(ctx),
    )


def _title(t: Callable[[str], str], cell: FissionCell) -> str:
    what = t("fv_sharers") if cell.who == "sharers" else t("fv_referred")
    scope = (
        t("fv_campaign_n").replace("{id}", str(cell.campaign_id))
        if cell.campaign_id
        else t("fv_all_campaigns")
    )
    days = f"{cell.start} → {cell.end}" if cell.start and cell.end else ""
    return " · ".join(x for x in (scope, what, days) if x)


drill.register("/fission/members", FissionCell, fission_members, _title, "/console/reports/fission")
