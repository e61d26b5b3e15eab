"""数据 › 收入 Revenue: money per period and breakdown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from yutang.analytics import revenue as revenue_report
from yutang.analytics.endpoints.frame import in_thread, reader
from yutang.analytics.endpoints.revenue import RevenueCell, revenue_members
from yutang.analytics.engines import Reader
from yutang.kit.context import Ctx
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
from yutang.web.i18n import pick_language, translator, worder


@router.get("/console/reports", response_class=HTMLResponse)
@router.get("/console/reports/revenue", response_class=HTMLResponse)
async def revenue_page(
    request: Request,
    asked: AskedRange,
    ctx: Ctx = Depends(can("stats:read")),
    engine: Reader = Depends(reader),
    period: str = "day",
    by: str = "none",
) -> HTMLResponse:
    period = period if period in PERIODS else "day"
    by = by if by in revenue_report.BYS else "none"
    window = await chosen_window(ctx, asked)

    def run() -> tuple[
        list[revenue_report.RevenueRow], list[revenue_report.RevenueRow], list[revenue_report.RevenueRow]
    ]:
        per = revenue_report.revenue(engine, ctx.workspace_id, window, period, "none")  # type: ignore[arg-type]
        split = revenue_report.revenue(engine, ctx.workspace_id, window, "total", by) if by != "none" else []
        total = revenue_report.revenue(engine, ctx.workspace_id, window, "total", "none")
        return per, split, total

    per, split, total = await in_thread(run)
    # a value the window's facts name but no money nor active member came with (the
    # clicks and the workspace's own facts are "of no member") is no row worth reading
    split = [r for r in split if r.gmv_cents or r.refunds_cents or r.orders or r.active_members]
    lang = pick_language(request)
    t = translator(lang)
    key_names = await names(ctx, by)
    split_names = [_key_name(t, worder(lang), by, key_names, r.key) for r in split]
    split_chart = _split_chart(t, split_names, split)
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
    query = {**range_query(window), "period": period, "by": by}
    return render(
        request,
        "console/reports/revenue.html",
        **range_context(window, asked, {"period": period, "by": by}),
        period=period,
        by=by,
        periods=PERIODS,
        breakdowns=revenue_report.BYS,
        per=per,
        split=list(zip(split_names, split, strict=True)),
        total=total[0] if total else revenue_report.RevenueRow(window.first, None, 0, 0, 0, 0, 0, 0, 0),
        key_names=key_names,
        charts={
            "money": chart_json(chart),
            "orders": chart_json(orders_chart),
            "split": chart_json(split_chart) if split else None,
        },
        csv_query=urlencode({**query, "format": "csv"}),
        drill_per=urlencode({**query, "by": "none"}),
        drill_split=urlencode({**query, "period": "total"}),
        **await header(ctx),
    )


def _key_name(
    t: Callable[[str], str],
    word: Callable[[str, object], str],
    by: str,
    key_names: dict[int, str],
    key: int | str | None,
) -> str:
    """A row of the breakdown in words: its name (a source: how members joined), never
    an id where a name exists."""
    if key is None:
        return t("report_key_none_" + by)
    if isinstance(key, str):
        return word("member_join_via", key)
    return key_names.get(key) or f"#{key}"


def _split_chart(t: Callable[[str], str], labels: list[str], rows: list[revenue_report.RevenueRow]) -> Any:
    """GMV and net revenue per row of the breakdown (bars)."""
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 48, "right": 16, "top": 32, "bottom": 28, "containLabel": True},
        "xAxis": {
            "type": "category",
            "data": labels,
            "axisLabel": {"interval": 0, "rotate": 30 if len(rows) > 6 else 0},
        },
        "yAxis": {"type": "value"},
        "color": ["#0a6e53", "#d97706"],
        "series": [
            {"name": t("gmv_yuan"), "type": "bar", "data": [round(r.gmv_cents / 100, 2) for r in rows]},
            {"name": t("net_yuan"), "type": "bar", "data": [round(r.net_cents / 100, 2) for r in rows]},
        ],
    }


def _revenue_title(t: Callable[[str], str], cell: RevenueCell) -> str:
    return f"{t('drill_revenue_' + cell.figure)} · {cell.at}"


drill.register("/revenue/members", RevenueCell, revenue_members, _revenue_title, "/console/reports/revenue")
