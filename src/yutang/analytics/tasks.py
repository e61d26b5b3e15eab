"""The worker keeps the event store in step: a sync every minute (the DuckDB file's one
writer; or ClickHouse, when ``YUTANG_ANALYTICS_URL`` names one); and once a day, after a
sync, every workspace's RFM tags refreshed (20:05 UTC, 04:05 in China: the day before is
all in, and the day's campaigns see the tags)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from yutang.analytics import rfm_tags, sync
from yutang.analytics.engines import reader_of, target_of
from yutang.config import get_settings
from yutang.kit import jobs


@jobs.periodic("analytics_sync", minute="*")
async def sync_store(engine: AsyncEngine) -> int:
    settings = get_settings()
    done = await sync.sync(engine, target_of(settings))
    return done.total


async def refresh_rfm_tags(engine: AsyncEngine) -> list[rfm_tags.Refreshed]:
    """Sync the store, then refresh the RFM tags of every workspace."""
    settings = get_settings()
    await sync.sync(engine, target_of(settings))
    return await rfm_tags.refresh_all(engine, reader_of(settings))


@jobs.periodic("rfm_tags", hour="20", minute="5")
async def _daily_rfm(engine: AsyncEngine) -> int:
    return sum(r.changed for r in await refresh_rfm_tags(engine))
