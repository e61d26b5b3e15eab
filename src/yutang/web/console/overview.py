"""概览 Overview: the workspace's clicks by day, devices and channels."""

from __future__ import annotations

from datetime import date

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from yutang.kit.context import Ctx
from yutang.links import stats
from yutang.web.console.frame import (
    bar_chart,
    can,
    header,
    render,
    router,
)


@router.get("/console", response_class=HTMLResponse)
async def dashboard(request: Request, ctx: Ctx = Depends(can("stats:read"))) -> HTMLResponse:
    rng = await stats.make_range(ctx.session, ctx.workspace_id, None, None)
    by_day = await stats.click_stats(ctx.session, ctx.workspace_id, rng, "day")
    devices = await stats.click_stats(ctx.session, ctx.workspace_id, rng, "device")
    channels = await stats.channel_stats(ctx.session, ctx.workspace_id, rng)
    return render(
        request,
        "console/overview/dashboard.html",
        page="dashboard",
        stats=by_day,
        devices=devices,
        channels=channels,
        chart=bar_chart([(date.fromisoformat(r.key), r.clicks) for r in by_day.rows]),
        **await header(ctx),
    )
