"""数据 › RFM: the recency × frequency grid as a heatmap, the named groups with their
members and money, the RFM tags (last refreshed, "refresh now"), and links from every
group and cell to its members and from every group to the members list on its tag."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from yutang.analytics import rfm as rfm_report
from yutang.analytics import rfm_tags
from yutang.analytics.endpoints.common import reader
from yutang.analytics.endpoints.rfm import RfmCell, rfm_members
from yutang.analytics.engines import Reader
from yutang.kit.context import Ctx
from yutang.members import repository as members_repo
from yutang.models.members import Tag
from yutang.web.console.frame import can, chart_json, day, header, may, render, router
from yutang.web.console.reports import drill
from yutang.web.i18n import pick_language, translator, worder


def heatmap(rows: list[str], columns: list[str], grid: list[list[int]], name: str) -> dict[str, Any]:
    """An ECharts heatmap option: ``grid[row][column]`` counts, rows bottom to top."""
    top = max((v for row in grid for v in row), default=0)
    return {
        "animation": False,
        "tooltip": {"position": "top"},
        "grid": {"left": 72, "right": 16, "top": 16, "bottom": 72},
        "xAxis": {"type": "category", "data": columns, "splitArea": {"show": True}},
        "yAxis": {"type": "category", "data": rows, "splitArea": {"show": True}},
        "visualMap": {
            "min": 0,
            "max": max(top, 1),
            "calculable": False,
            "orient": "horizontal",
            "left": "center",
            "bottom": 8,
            "inRange": {"color": ["#f3faf7", "#0a6e53"]},
        },
        "series": [
            {
                "name": name,
                "type": "heatmap",
                "data": [[c, r, grid[r][c]] for r in range(len(rows)) for c in range(len(columns))],
                "label": {"show": True},
            }
        ],
    }


async def _tag_ids(ctx: Ctx) -> dict[str, int]:
    """The RFM tags of the workspace by group (none before the first refresh)."""
    group = await members_repo.tag_group(ctx.session, ctx.workspace_id, rfm_tags.TAG_GROUP)
    if group is None:
        return {}
    tags = await ctx.session.scalars(select(Tag).where(Tag.group_id == group.id))
    return {t.name: t.id for t in tags.all()}


@router.get("/console/reports/rfm", response_class=HTMLResponse)
async def rfm_page(
    request: Request,
    ctx: Ctx = Depends(can("stats:read")),
    engine: Reader = Depends(reader),
    as_of: str | None = None,
    done: str | None = None,
) -> HTMLResponse:
    """The grid, the groups, the tags."""
    chosen_day, scores = await rfm_tags.scores(ctx, engine, day(as_of))
    made = rfm_report.summary(scores)
    t = translator(pick_language(request))
    rows = [t("rfm_r_score").replace("{n}", str(n)) for n in range(1, 6)]
    columns = [t("rfm_f_score").replace("{n}", str(n)) for n in range(1, 6)]
    query = {"as_of": chosen_day.isoformat()} if as_of else {}
    return render(
        request,
        "console/reports/rfm.html",
        as_of=chosen_day,
        summary=made,
        chart=chart_json(heatmap(rows, columns, made.grid, t("rfm_scored"))),
        top=max((v for row in made.grid for v in row), default=0),
        tag_ids=await _tag_ids(ctx),
        last=await rfm_tags.last_refresh(ctx),
        refreshed=done == "refreshed",
        drill=urlencode(query),
        writer=may(ctx)("members:write"),
        **await header(ctx),
    )


@router.post("/console/reports/rfm/refresh")
async def rfm_refresh(ctx: Ctx = Depends(can("members:write")), engine: Reader = Depends(reader)) -> Response:
    """Refresh the RFM tags now (the worker does it daily)."""
    await rfm_tags.refresh(ctx, engine)
    return RedirectResponse("/console/reports/rfm?done=refreshed", status_code=303)


def _title(t: Callable[[str], str], cell: RfmCell) -> str:
    if cell.group is not None:
        named = worder(t("rfm_lang"))("rfm_group", cell.group)
        return t("rfm_drill_group").replace("{group}", named)
    if cell.r is not None and cell.f is not None:
        return t("rfm_drill_cell").replace("{r}", str(cell.r)).replace("{f}", str(cell.f))
    return t("rfm_drill_all")


drill.register("/rfm/members", RfmCell, rfm_members, _title, "/console/reports/rfm")
