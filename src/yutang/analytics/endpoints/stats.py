"""``/api/v1/stats/clicks`` and ``/api/v1/stats/channels``: the click statistics of the
links module, counted by the event store (:mod:`yutang.analytics.clicks`). Their paths,
parameters, answers and CSV are those they had when they read the clicks table; the
answer gains ``as_of``, when the store was last synced."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Response

from yutang.analytics import clicks
from yutang.analytics.endpoints.frame import reader
from yutang.analytics.engines import Reader
from yutang.auth.dependencies import require
from yutang.kit.context import Ctx
from yutang.kit.http import CSV_RESPONSE, api_router, csv_file
from yutang.kit.schemas import ParamId
from yutang.links import service, stats
from yutang.links.schemas import ChannelStatsOut, Dimension, StatsOut

router = api_router(prefix="/api/v1")


@router.get("/stats/clicks", tags=["stats"], response_model=StatsOut, responses=CSV_RESPONSE)
async def click_stats(
    ctx: Ctx = Depends(require("stats:read")),
    start: date | None = None,
    end: date | None = None,
    dimension: Dimension = "day",
    link_id: ParamId | None = None,
    channel_id: ParamId | None = None,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
    engine: Reader = Depends(reader),
) -> StatsOut | Response:
    """Clicks and unique visitors for the workspace, a link or a channel, by a dimension.
    Dates are the workspace's local days, both ends included (default: the last 30 days).
    Counted by the event store: as fresh as its last sync (`as_of`, about a minute)."""
    if link_id is not None:
        await service.get_link(ctx, link_id)
    if channel_id is not None:
        await service.get_channel(ctx, channel_id)
    rng = await stats.make_range(ctx.session, ctx.workspace_id, start, end)
    result = await clicks.click_stats(ctx, engine, rng, dimension, link_id=link_id, channel_id=channel_id)
    if format == "csv":
        return csv_file(stats.stats_csv(result), f"clicks-by-{dimension}.csv")
    return result


@router.get("/stats/channels", tags=["stats"], response_model=ChannelStatsOut, responses=CSV_RESPONSE)
async def channel_stats(
    ctx: Ctx = Depends(require("stats:read")),
    start: date | None = None,
    end: date | None = None,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
    engine: Reader = Depends(reader),
) -> ChannelStatsOut | Response:
    """Per channel (touchpoint): links, clicks, unique visitors, exposures and the
    diversion rate (clicks ÷ exposures) where exposures are known. Counted by the event
    store: as fresh as its last sync (`as_of`, about a minute)."""
    rng = await stats.make_range(ctx.session, ctx.workspace_id, start, end)
    result = await clicks.channel_stats(ctx, engine, rng)
    if format == "csv":
        return csv_file(stats.channel_stats_csv(result), "channels.csv")
    return result
