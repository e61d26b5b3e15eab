"""数据 › 渠道 Channels: what each touchpoint (or link) brought, and what it cost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from yutang.analytics import channels as channels_report
from yutang.analytics.endpoints.channels import ChannelCell, channel_members, channels_of
from yutang.analytics.endpoints.frame import reader
from yutang.analytics.engines import Reader
from yutang.kit.context import Ctx
from yutang.web.console.frame import can, chart_json, header, render, router
from yutang.web.console.reports import drill
from yutang.web.console.reports.frame import AskedRange, chosen_window, range_context, range_query
from yutang.web.i18n import pick_language, translator

BY = ("channel", "link")
#: The figures the table sorts by (a row's attribute), in the table's order.
SORTS = (
    "exposures",
    "clicks",
    "visitors",
    "diversion_rate",
    "joins",
    "join_rate",
    "first_orders",
    "revenue_cents",
    "revenue_per_click_cents",
    "spend_cents",
    "cpa_cents",
    "roi",
)
#: The most rows a chart shows (the largest by the figure charted).
CHART_ROWS = 15


def sorted_rows(
    rows: list[channels_report.ChannelRow], names: dict[int, str], sort: str, descending: bool
) -> list[channels_report.ChannelRow]:
    """The rows by a figure (or by name), rows without the figure last either way."""
    if sort == "name":
        return sorted(
            rows, key=lambda r: names.get(r.key, "") if r.key is not None else "", reverse=descending
        )
    known = [r for r in rows if getattr(r, sort) is not None]
    unknown = [r for r in rows if getattr(r, sort) is None]
    return sorted(known, key=lambda r: getattr(r, sort), reverse=descending) + unknown


def _charts(
    rows: list[channels_report.ChannelRow], label: Callable[[Any], str], t: Callable[[str], str]
) -> dict[str, Any]:
    rated = sorted((r for r in rows if r.diversion_rate is not None), key=lambda r: -(r.diversion_rate or 0))
    rated = rated[:CHART_ROWS]
    diversion = {
        "animation": False,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 150, "right": 56, "top": 8, "bottom": 24},
        "xAxis": {"type": "value", "axisLabel": {"formatter": "{value}%"}},
        "yAxis": {"type": "category", "data": [label(r.key) for r in rated], "inverse": True},
        "color": ["#0a6e53"],
        "series": [
            {
                "name": t("diversion"),
                "type": "bar",
                "data": [round(100 * (r.diversion_rate or 0), 2) for r in rated],
                "label": {"show": True, "position": "right", "formatter": "{c}%"},
            }
        ],
    }
    earning = sorted(rows, key=lambda r: -r.revenue_cents)[:CHART_ROWS]
    money = {
        "animation": False,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 56, "right": 56, "top": 32, "bottom": 56},
        "xAxis": {"type": "category", "data": [label(r.key) for r in earning], "axisLabel": {"rotate": 30}},
        "yAxis": [{"type": "value", "name": t("net_yuan")}, {"type": "value", "name": t("channel_cpa_yuan")}],
        "color": ["#2563eb", "#d97706"],
        "series": [
            {
                "name": t("net_yuan"),
                "type": "bar",
                "data": [round(r.revenue_cents / 100, 2) for r in earning],
            },
            {
                "name": t("channel_cpa_yuan"),
                "type": "bar",
                "yAxisIndex": 1,
                "data": [None if r.cpa_cents is None else round(r.cpa_cents / 100, 2) for r in earning],
            },
        ],
    }
    return {"diversion": chart_json(diversion), "money": chart_json(money), "rated": bool(rated)}


@router.get("/console/reports/channels", response_class=HTMLResponse)
async def channels_page(
    request: Request,
    asked: AskedRange,
    ctx: Ctx = Depends(can("stats:read")),
    engine: Reader = Depends(reader),
    by: str = "channel",
    sort: str = "joins",
    order: str = "desc",
) -> HTMLResponse:
    """Per channel or link: the table (sorted by any figure), the diversion rate and the
    revenue beside the cost per new member as charts; joins and first orders open their
    members."""
    chosen_by: channels_report.By = "link" if by == "link" else "channel"
    sort = sort if sort in (*SORTS, "name") else "joins"
    descending = order != "asc"
    window = await chosen_window(ctx, asked)
    found = await channels_of(ctx, engine, window.first, window.last, chosen_by)
    t = translator(pick_language(request))

    def label(key: int | None) -> str:
        return t(f"report_key_none_{chosen_by}") if key is None else found.names.get(key, f"#{key}")

    query = {**range_query(window), "by": chosen_by}
    return render(
        request,
        "console/reports/channels.html",
        **range_context(window, asked, {"by": chosen_by}),
        by=chosen_by,
        breakdowns=BY,
        rows=sorted_rows(found.rows, found.names, sort, descending),
        total=found.total,
        label=label,
        sort=sort,
        descending=descending,
        sorts=SORTS,
        charts=_charts(found.rows, label, t),
        csv_query=urlencode({**query, "format": "csv"}),
        sort_base=urlencode(query),
        drill_query=urlencode(query),
        **await header(ctx),
    )


def _title(t: Callable[[str], str], cell: ChannelCell) -> str:
    return t(f"channel_drill_{cell.figure}")


drill.register("/channels/members", ChannelCell, channel_members, _title, "/console/reports/channels")
