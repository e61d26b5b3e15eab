"""Background job of distribution: commissions whose refund window ended become
available (hourly at minute 10; safe to run any time, any number of times)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from yutang.distribution import commissions
from yutang.kit import jobs
from yutang.kit.context import SYSTEM, Ctx
from yutang.kit.db import unit_of_work
from yutang.models.workspaces import Workspace


async def release(engine: AsyncEngine | None = None, *, now: datetime | None = None) -> int:
    async with unit_of_work(readonly=True, engine=engine) as s:
        workspace_ids = list((await s.scalars(select(Workspace.id).order_by(Workspace.id))).all())
    total = 0
    for ws in workspace_ids:
        while True:
            async with unit_of_work(engine=engine) as s:
                n = await commissions.release_due(Ctx(s, ws, SYSTEM), now=now)
            total += n
            if n < 200:  # each batch commits, so locks are held briefly
                break
    return total


@jobs.periodic("commission_release", minute="10")
async def _hourly(engine: AsyncEngine) -> None:
    await release(engine)
