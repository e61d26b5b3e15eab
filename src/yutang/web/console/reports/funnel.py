"""数据 › 漏斗 Funnels: the AARRR loop or steps the operator picks, in the order chosen,
with the time each step took, the conversion trend per period of entry, a breakdown by
the entering fact, and the members behind every step and drop-off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from yutang.analytics import funnel as funnel_report
from yutang.analytics.endpoints.frame import in_thread, reader
from yutang.analytics.endpoints.funnel import FunnelCell, funnel_members
from yutang.analytics.engines import Reader
from yutang.analytics.facts import CLICK
from yutang.kit import discovery, events
from yutang.kit.context import Ctx
from yutang.models.referrals import ReferralCampaign
from yutang.web.console.frame import can, chart_json, header, line_chart, render, router
from yutang.web.console.reports import drill
from yutang.web.console.reports.frame import (
    PERIODS,
    AskedRange,
    chosen_window,
    names,
    range_context,
    range_query,
)
from yutang.web.i18n import pick_language, translator
from yutang.web.i18n.values import word


def funnel_types() -> list[str]:
    """Every type of fact a step may be: the declared event types and the store's own."""
    discovery.load()
    return sorted(
        {t for t, cls in events.CATALOGUE.items() if cls.__module__.startswith("yutang.")}
        | {CLICK, funnel_report.FRIEND_JOINED}
    )


def duration(seconds: int | None, lang: str) -> str:
    """A time to convert in days, hours and minutes ("1 天 2 小时" / "1 d 2 h")."""
    if seconds is None:
        return "–"
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    units = ("天", "小时", "分") if lang == "zh-CN" else ("d", "h", "min")
    parts = [f"{n} {u}" for n, u in zip((days, hours, minutes), units, strict=True) if n]
    return " ".join(parts[:2]) or ("不到 1 分" if lang == "zh-CN" else "under a minute")


async def key_names(ctx: Ctx, by: str) -> dict[int, str]:
    """What to call each id of the breakdown (campaigns: the referral campaigns)."""
    if by != "campaign":
        return await names(ctx, by)
    rows = await ctx.session.execute(
        select(ReferralCampaign.id, ReferralCampaign.name).where(
            ReferralCampaign.workspace_id == ctx.workspace_id
        )
    )
    return {i: n for i, n in rows.tuples()}


def _pick(value: str | None, allowed: tuple[str, ...], default: str) -> str:
    return value if value in allowed else default


@router.get("/console/reports/funnel", response_class=HTMLResponse)
async def funnel_page(
    request: Request,
    asked: AskedRange,
    ctx: Ctx = Depends(can("stats:read")),
    engine: Reader = Depends(reader),
    window: int = funnel_report.DEFAULT_WINDOW_DAYS,
    order: str | None = None,
    trend: str | None = None,
    by: str | None = None,
) -> HTMLResponse:
    """A funnel of the steps chosen (the AARRR loop by default): its chart and table, the
    time each step took, the trend per period of entry and the breakdown."""
    known = funnel_types()
    chosen = [t for t in request.query_params.getlist("step") if t in known][: funnel_report.MAX_STEPS]
    steps = [funnel_report.Step(t) for t in chosen] if len(chosen) >= 2 else list(funnel_report.AARRR)
    window_days = window if 1 <= window <= 180 else funnel_report.DEFAULT_WINDOW_DAYS
    step_order: Any = _pick(order, funnel_report.ORDERS, "sequential")
    period: Any = _pick(trend, PERIODS, "week")
    split_by: Any = _pick(by, funnel_report.BYS, "none")
    span = await chosen_window(ctx, asked)
    args = (steps, (), window_days, step_order)

    def run() -> tuple[Any, ...]:
        found = funnel_report.funnel(engine, ctx.workspace_id, span, *args)
        over = funnel_report.trend(engine, ctx.workspace_id, span, period, *args)
        split = (
            funnel_report.breakdown(engine, ctx.workspace_id, span, split_by, *args)
            if split_by != "none"
            else []
        )
        return found, over, split

    found, over, split = await in_thread(run)
    lang = pick_language(request)
    t = translator(lang)
    entered = found[0].people if found else 0
    rows = [
        {
            **r.figures(entered, found[i - 1].people if i else entered),
            "time": duration(r.median_seconds, lang),
        }
        for i, r in enumerate(found)
    ]
    labels = [word("fact_type", r.step.type, lang) for r in found]
    chart = {
        "animation": False,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 150, "right": 48, "top": 8, "bottom": 24},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": labels, "inverse": True},
        "color": ["#0a6e53"],
        "series": [
            {"type": "bar", "data": [r.people for r in found], "label": {"show": True, "position": "right"}}
        ],
    }
    buckets = [word("funnel_bucket", name, lang) for name, _, _ in funnel_report.BUCKETS]
    spread = {
        "animation": False,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0, "type": "scroll"},
        "grid": {"left": 48, "right": 16, "top": 32, "bottom": 56},
        # every range named, slanted so they fit side by side
        "xAxis": {"type": "category", "data": buckets, "axisLabel": {"interval": 0, "rotate": 30}},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": f"{i}. {labels[i - 1]}", "type": "bar", "data": list(r.distribution)}
            for i, r in enumerate(found[1:], 2)
        ],
    }
    # percentages; a period nobody entered is a gap, not a zero
    lines: dict[str, list[float | None]] = {
        t("funnel_overall_conversion"): [_pct(g.conversion()) for g in over]
    }
    for i in range(1, len(steps)):
        name = t("funnel_step_conversion_n").replace("{n}", str(i + 1))
        lines[name] = [_pct(g.from_previous()[i - 1]) for g in over]
    trend_chart = line_chart([g.period.isoformat() for g in over], {name: [0.0] for name in lines})
    for series, data in zip(trend_chart["series"], lines.values(), strict=True):
        series["data"], series["connectNulls"] = data, False
    trend_chart["yAxis"] = {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}}
    definition = [("step", s.type) for s in steps] + [("window", window_days), ("order", step_order)]
    cell = [("step", s.type) for s in steps] + [("window_days", window_days), ("order", step_order)]
    cell += range_query(span).items()
    return render(
        request,
        "console/reports/funnel.html",
        **range_context(span, asked, [*definition, ("trend", period), ("by", split_by)]),
        rows=rows,
        steps=steps,
        window_days=window_days,
        types=known,
        orders=funnel_report.ORDERS,
        order=step_order,
        periods=PERIODS,
        period=period,
        breakdowns=funnel_report.BYS,
        by=split_by,
        trend=over,
        split=[(k, [r.people for r in res]) for k, res in split],
        key_names=await key_names(ctx, split_by) if split else {},
        chart=chart_json(chart),
        spread=chart_json(spread),
        trend_chart=chart_json(trend_chart),
        drill=urlencode(cell),
        **await header(ctx),
    )


def _pct(rate: float | None) -> float | None:
    return round(rate * 100, 1) if rate is not None else None


def _drill_title(t: Callable[[str], str], cell: FunnelCell) -> str:
    key = "funnel_drill_dropped" if cell.dropped else "funnel_drill_at"
    return t(key).replace("{n}", str(cell.at))


drill.register("/funnel/members", FunnelCell, funnel_members, _drill_title, "/console/reports/funnel")
