"""概览 Overview: the workspace's figures across domains over a chosen range — clicks,
unique visitors, new members, orders, GMV, points issued and redeemed, live campaigns —
with the change against the period before, trend charts, channels and devices."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from yutang.analytics import clicks
from yutang.analytics.endpoints.frame import reader
from yutang.analytics.engines import Reader
from yutang.kit.context import Ctx
from yutang.overview import trends
from yutang.web.console.frame import (
    RANGES,
    can,
    chart_json,
    day,
    header,
    line_chart,
    period,
    render,
    router,
    stats_range,
)
from yutang.web.i18n import pick_language, translator


@router.get("/console", response_class=HTMLResponse)
async def dashboard(
    request: Request,
    ctx: Ctx = Depends(can("stats:read")),
    days: int | None = None,
    start: str | None = None,
    end: str | None = None,
    engine: Reader = Depends(reader),
) -> HTMLResponse:
    chosen = period(days, day(start), day(end))
    rng = await stats_range(ctx, chosen)
    figures = await trends.trends(ctx, rng.start, rng.end, clicks.daily(engine, ctx.workspace_id))
    devices = await clicks.click_stats(ctx, engine, rng, "device")
    channels = await clicks.channel_stats(ctx, engine, rng)
    frame = await header(ctx)
    t = translator(pick_language(request))
    labels = [d.isoformat() for d in figures.days]
    daily = figures.daily
    gmv = [round(c / 100, 2) for c in daily["gmv_cents"]]
    charts = {
        "traffic": line_chart(labels, {t("clicks"): daily["clicks"], t("uniques"): daily["visitors"]}),
        "members": line_chart(labels, {t("new_members"): daily["new_members"]}),
        "sales": line_chart(labels, {t("orders"): [float(n) for n in daily["orders"]], t("gmv_yuan"): gmv}),
        "points": line_chart(
            labels,
            {t("points_issued"): daily["points_issued"], t("points_redeemed"): daily["points_redeemed"]},
        ),
    }
    return render(
        request,
        "console/overview/dashboard.html",
        figures=figures,
        period=chosen,
        ranges=RANGES,
        devices=devices,
        channels=channels,
        charts={name: chart_json(option) for name, option in charts.items()},
        **frame,
    )
