"""The worker keeps the event store in step: a sync every minute (the DuckDB file's one
writer; or ClickHouse, when ``YUTANG_ANALYTICS_URL`` names one)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from yutang.analytics import sync
from yutang.analytics.engines import target_of
from yutang.config import get_settings
from yutang.kit import jobs


@jobs.periodic("analytics_sync", minute="*")
async def sync_store(engine: AsyncEngine) -> int:
    settings = get_settings()
    done = await sync.sync(engine, target_of(settings))
    return done.total
