"""Click statistics from the event store: ``/api/v1/stats/clicks`` and
``/api/v1/stats/channels``, the ``yutang stats`` commands, the console's link and
channel pages and the overview's clicks and visitors.

The figures are the link module's (:mod:`yutang.links.stats` shapes the answers and
names the ids from the transactional database): over the workspace's local days of a
range, **clicks** are human clicks (robots and HEAD requests left out, counted apart as
``bot_clicks``), **unique visitors** the visitor cookies behind them, each once. They
are counted here from the click facts (``link.clicked``) — one SQL text for DuckDB and
ClickHouse — so they are as fresh as the last sync (:func:`engines.synced_at`, within a
minute when the worker runs). A link's live counter (``links.click_count``, for
``max_clicks``) stays in the transactional database: it is not a report.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

from anyio import to_thread

from yutang.analytics import engines
from yutang.analytics.engines import Reader
from yutang.analytics.facts import CLICK
from yutang.kit.context import Ctx
from yutang.links import stats
from yutang.links.schemas import ChannelStatsOut, Dimension, StatsOut, StatsTotals
from yutang.links.stats import Counts, Range

#: What each dimension groups by (a day: the workspace's local day).
KEYS: dict[str, str] = {
    "day": "LOCAL_DAY(occurred_at, :tz)",
    "channel": "channel_id",
    "link": "link_id",
    "device": "PROP(props, 'device_type')",
    "os": "PROP(props, 'os')",
    "browser": "PROP(props, 'browser')",
    "referrer": "PROP(props, 'referrer_host')",
    "none": "CAST(NULL AS BIGINT)",
}
_SQL = """
WITH scope AS (
    SELECT {key} AS key, is_bot, visitor_id
    FROM facts
    WHERE workspace_id = :ws AND type = :click AND occurred_at >= :start AND occurred_at < :end
      {only}
)
SELECT key,
       CAST(sum(CASE WHEN is_bot THEN 0 ELSE 1 END) AS BIGINT) AS clicks,
       CAST(count(DISTINCT CASE WHEN is_bot THEN NULL ELSE visitor_id END) AS BIGINT) AS visitors,
       CAST(sum(CASE WHEN is_bot THEN 1 ELSE 0 END) AS BIGINT) AS bots
FROM scope
GROUP BY key
"""


def _key(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date | datetime) else str(value)


def counted(
    reader: Reader,
    workspace_id: int,
    rng: Range,
    by: Dimension | None,
    *,
    link_id: int | None = None,
    channel_id: int | None = None,
) -> dict[str | None, tuple[int, int, int]]:
    """Per key of the dimension (``by`` None: one row, key None, for the whole range) the
    clicks, unique visitors and robot clicks — keys as text (a day as ``2026-03-02``, an
    id as its digits); a key with robots only has no human click: 0, 0, n."""
    only = ""
    params: dict[str, Any] = {
        "ws": workspace_id,
        "click": CLICK,
        "tz": rng.tz.key,
        "start": rng.utc_start,
        "end": rng.utc_end,
    }
    if link_id is not None:
        only += " AND link_id = :link"
        params["link"] = link_id
    if channel_id is not None:
        only += " AND channel_id = :channel"
        params["channel"] = channel_id
    sql = _SQL.format(key=KEYS[by or "none"], only=only)
    return {
        _key(key): (int(clicks or 0), int(visitors or 0), int(bots or 0))
        for key, clicks, visitors, bots in reader.rows(sql, params)
    }


def _humans(found: dict[str | None, tuple[int, int, int]]) -> dict[str | None, Counts]:
    return {key: (c, u) for key, (c, u, _) in found.items() if c}


async def click_stats(
    ctx: Ctx,
    reader: Reader,
    rng: Range,
    dimension: Dimension,
    *,
    link_id: int | None = None,
    channel_id: int | None = None,
) -> StatsOut:
    """Clicks and unique visitors of the workspace (or a link, or a channel) by a dimension."""

    def run() -> tuple[StatsTotals, dict[str | None, Counts], datetime | None]:
        whole = counted(reader, ctx.workspace_id, rng, None, link_id=link_id, channel_id=channel_id)
        c, u, b = whole.get(None, (0, 0, 0))
        found = counted(reader, ctx.workspace_id, rng, dimension, link_id=link_id, channel_id=channel_id)
        totals = StatsTotals(clicks=c, unique_visitors=u, bot_clicks=b)
        return totals, _humans(found), engines.synced_at(reader)

    totals, grouped, as_of = await to_thread.run_sync(run)
    return await stats.click_stats_of(ctx.session, ctx.workspace_id, rng, dimension, totals, grouped, as_of)


async def channel_stats(ctx: Ctx, reader: Reader, rng: Range) -> ChannelStatsOut:
    """Per channel: links, clicks, unique visitors, exposures and the diversion rate."""

    def run() -> tuple[dict[int | None, Counts], datetime | None]:
        found = _humans(counted(reader, ctx.workspace_id, rng, "channel"))
        return {None if k is None else int(k): v for k, v in found.items()}, engines.synced_at(reader)

    by_channel, as_of = await to_thread.run_sync(run)
    return await stats.channel_stats_of(ctx.session, ctx.workspace_id, rng, by_channel, as_of)


def daily(reader: Reader, workspace_id: int) -> Callable[[Range], Awaitable[tuple[dict[str, Counts], int]]]:
    """The overview's clicks (:data:`yutang.overview.trends.ClickCounts`): per local day
    of a range its human clicks and unique visitors, and the range's visitors once."""

    async def counts(rng: Range) -> tuple[dict[str, Counts], int]:
        def run() -> tuple[dict[str, Counts], int]:
            per_day = _humans(counted(reader, workspace_id, rng, "day"))
            whole = counted(reader, workspace_id, rng, None).get(None, (0, 0, 0))
            return {k: v for k, v in per_day.items() if k is not None}, whole[1]

        return await to_thread.run_sync(run)

    return counts
