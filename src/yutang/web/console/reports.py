"""数据 Reports: figures read from the event store (analytics/), with charts and CSV.

Each page reads the same report function as the API (``/api/v1/reports/…``) under the
same permission, in a worker thread; names for the ids a report breaks down by
(channels, links, tiers, staff) come from the workspace's own lists.
"""

from __future__ import annotations

from datetime import timedelta
from typing import cast
from urllib.parse import urlencode

from anyio import to_thread
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from yutang.analytics import funnel as funnel_report
from yutang.analytics import retention as retention_report
from yutang.analytics import revenue as revenue_report
from yutang.analytics.endpoints import RETURNS, STARTS, lifecycle_of, reader, retention_of, window_of
from yutang.analytics.engines import Reader
from yutang.analytics.facts import CLICK
from yutang.analytics.window import Window
from yutang.kit import discovery, events
from yutang.kit.context import Ctx
from yutang.links import service as links
from yutang.loyalty import tiers
from yutang.web.console.frame import RANGES, can, chart_json, day, header, line_chart, render, router
from yutang.web.i18n import pick_language, translator
from yutang.web.i18n.values import word
from yutang.workspaces import repository as ws_repo

PERIODS = ("day", "week", "month")
BREAKDOWNS = ("none", "channel", "link", "tier", "staff")


async def names(ctx: Ctx, by: str) -> dict[int, str]:
    """What to call each id of a breakdown."""
    if by == "channel":
        rows, _ = await links.list_channels(ctx, None, 1000, include_archived=True)
        return {c.id: c.name for c in rows}
    if by == "link":
        found, _ = await links.list_links(ctx, None, 1000, include_archived=True)
        return {lk.id: lk.title or lk.slug for lk in found}
    if by == "tier":
        return {tr.id: tr.name for tr in await tiers.tiers(ctx.session, ctx.workspace_id)}
    if by == "staff":
        return {
            uid: name or email for uid, email, name, _ in await ws_repo.members(ctx.session, ctx.workspace_id)
        }
    return {}


async def chosen_window(
    ctx: Ctx, days: int | None, start: str | None, end: str | None, default: int = 30
) -> Window:
    """The range a report page shows: the days typed, else the last 7 / 30 / 90 days."""
    first, last = day(start), day(end)
    if first is not None or last is not None:
        return await window_of(ctx, first, last)
    latest = await window_of(ctx, None, None)
    span = days if days in RANGES else default
    return Window(latest.last - timedelta(days=span - 1), latest.last, latest.zone)


@router.get("/console/reports", response_class=HTMLResponse)
@router.get("/console/reports/revenue", response_class=HTMLResponse)
async def revenue_page(
    request: Request,
    ctx: Ctx = Depends(can("stats:read")),
    engine: Reader = Depends(reader),
    days: int | None = None,
    start: str | None = None,
    end: str | None = None,
    period: str = "day",
    by: str = "none",
) -> HTMLResponse:
    period = period if period in PERIODS else "day"
    by = by if by in BREAKDOWNS else "none"
    window = await chosen_window(ctx, days, start, end)

    def run() -> tuple[
        list[revenue_report.RevenueRow], list[revenue_report.RevenueRow], list[revenue_report.RevenueRow]
    ]:
        per = revenue_report.revenue(engine, ctx.workspace_id, window, period, "none")  # type: ignore[arg-type]
        split = revenue_report.revenue(engine, ctx.workspace_id, window, "total", by) if by != "none" else []  # type: ignore[arg-type]
        total = revenue_report.revenue(engine, ctx.workspace_id, window, "total", "none")
        return per, split, total

    per, split, total = await to_thread.run_sync(run)
    t = translator(pick_language(request))
    labels = [r.period.isoformat() for r in per]
    chart = line_chart(
        labels,
        {
            t("gmv_yuan"): [round(r.gmv_cents / 100, 2) for r in per],
            t("net_yuan"): [round(r.net_cents / 100, 2) for r in per],
        },
    )
    orders_chart = line_chart(
        labels, {t("orders"): [r.orders for r in per], t("buyers"): [r.buyers for r in per]}
    )
    query = {"start": window.first.isoformat(), "end": window.last.isoformat(), "period": period, "by": by}
    return render(
        request,
        "console/reports/revenue.html",
        window=window,
        days=days if start is None and end is None else None,
        ranges=RANGES,
        period=period,
        by=by,
        periods=PERIODS,
        breakdowns=BREAKDOWNS,
        per=per,
        split=split,
        total=total[0] if total else revenue_report.RevenueRow(window.first, None, 0, 0, 0, 0, 0, 0, 0),
        key_names=await names(ctx, by),
        charts={"money": chart_json(chart), "orders": chart_json(orders_chart)},
        csv_query=urlencode({**query, "format": "csv"}),
        keep=urlencode({"period": period, "by": by}),
        **await header(ctx),
    )


# --- funnels ----------------------------------------------------------------------------


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


@router.get("/console/reports/funnel", response_class=HTMLResponse)
async def funnel_page(
    request: Request,
    ctx: Ctx = Depends(can("stats:read")),
    engine: Reader = Depends(reader),
    days: int | None = None,
    start: str | None = None,
    end: str | None = None,
    window: int = funnel_report.DEFAULT_WINDOW_DAYS,
) -> HTMLResponse:
    """A funnel of the steps chosen (the AARRR loop by default), its chart and table."""
    known = funnel_types()
    chosen = [t for t in request.query_params.getlist("step") if t in known][: funnel_report.MAX_STEPS]
    steps = [funnel_report.Step(t) for t in chosen] if len(chosen) >= 2 else list(funnel_report.AARRR)
    window_days = window if 1 <= window <= 180 else funnel_report.DEFAULT_WINDOW_DAYS
    span_window = await chosen_window(ctx, days, start, end)
    found = await to_thread.run_sync(
        lambda: funnel_report.funnel(engine, ctx.workspace_id, span_window, steps, (), window_days)
    )
    lang = pick_language(request)
    entered = found[0].people if found else 0
    rows = [
        {
            **r.figures(entered, found[i - 1].people if i else entered),
            "time": duration(r.median_seconds, lang),
        }
        for i, r in enumerate(found)
    ]
    labels = [word_of(lang, r.step.type) for r in found]
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
    keep = urlencode([("step", s.type) for s in steps] + [("window", window_days)])
    return render(
        request,
        "console/reports/funnel.html",
        window=span_window,
        days=days if start is None and end is None else None,
        ranges=RANGES,
        rows=rows,
        steps=steps,
        window_days=window_days,
        types=known,
        chart=chart_json(chart),
        keep=keep,
        **await header(ctx),
    )


def word_of(lang: str, fact_type: str) -> str:
    return word("fact_type", fact_type, lang)


# --- retention --------------------------------------------------------------------------

UNITS = ("day", "week", "month")
MODES = ("on", "on_or_after", "first_time")


@router.get("/console/reports/retention", response_class=HTMLResponse)
async def retention_page(
    request: Request,
    ctx: Ctx = Depends(can("stats:read")),
    engine: Reader = Depends(reader),
    days: int | None = None,
    start: str | None = None,
    end: str | None = None,
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
    window = await chosen_window(ctx, days, start, end, default=90)
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
    keep = urlencode({"unit": unit, "mode": mode, "starts_with": starts_with, "returns_with": returns_with})
    return render(
        request,
        "console/reports/retention.html",
        report=found,
        periods=periods,
        days=days if start is None and end is None else None,
        ranges=RANGES,
        units=UNITS,
        modes=MODES,
        starts=list(STARTS),
        returns=list(RETURNS),
        chart=chart_json(line_chart(labels, series)),  # type: ignore[arg-type]
        stages=stages,
        lifecycle_chart=chart_json(lifecycle_chart),
        keep=keep,
        **await header(ctx),
    )
