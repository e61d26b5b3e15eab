"""数据 › 漏斗 Funnels: the AARRR loop or steps the operator picks."""

from __future__ import annotations

from urllib.parse import urlencode

from anyio import to_thread
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from yutang.analytics import funnel as funnel_report
from yutang.analytics.endpoints.common import reader
from yutang.analytics.engines import Reader
from yutang.analytics.facts import CLICK
from yutang.kit import discovery, events
from yutang.kit.context import Ctx
from yutang.web.console.frame import RANGES, can, chart_json, header, render, router
from yutang.web.console.reports.common import chosen_window
from yutang.web.i18n import pick_language
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
