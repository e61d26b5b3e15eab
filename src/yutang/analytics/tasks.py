"""The worker keeps the event store in step: a sync every minute (the store's one
writer); and once a day, after a sync, every workspace's RFM tags refreshed (20:05 UTC,
04:05 in China: yesterday's orders are all in, and the day's campaigns see the tags)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from yutang.analytics import rfm_tags, sync
from yutang.analytics.engines import DuckReader
from yutang.config import get_settings
from yutang.kit import jobs


@jobs.periodic("analytics_sync", minute="*")
async def sync_store(engine: AsyncEngine) -> int:
    done = await sync.sync(engine, get_settings().resolved_analytics_path())
    return done.total


async def refresh_rfm_tags(engine: AsyncEngine) -> list[rfm_tags.Refreshed]:
    """Sync the store, then refresh the RFM tags of every workspace."""
    path = get_settings().resolved_analytics_path()
    await sync.sync(engine, path)
    return await rfm_tags.refresh_all(engine, DuckReader(path))


@jobs.periodic("rfm_tags", hour="20", minute="5")
async def _daily_rfm(engine: AsyncEngine) -> int:
    return sum(r.changed for r in await refresh_rfm_tags(engine))
