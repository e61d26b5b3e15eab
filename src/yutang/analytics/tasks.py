"""The worker keeps the event store in step: a sync every minute (the store's one writer)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from yutang.analytics import sync
from yutang.config import get_settings
from yutang.kit import jobs


@jobs.periodic("analytics_sync", minute="*")
async def sync_store(engine: AsyncEngine) -> int:
    done = await sync.sync(engine, get_settings().resolved_analytics_path())
    return done.total
