"""Background job of rewards: close the points auctions whose end has passed (hourly, at
minute 5, in the worker; ``yutang points maintain`` runs it by hand). Safe to run at any
time: a closed auction is not closed twice."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from yutang.kit import jobs
from yutang.kit.context import SYSTEM, Ctx
from yutang.kit.db import unit_of_work
from yutang.models.workspaces import Workspace
from yutang.rewards import auctions

log = logging.getLogger(__name__)


async def close_auctions(engine: AsyncEngine | None = None, *, now: datetime | None = None) -> int:
    """Close every ended auction, one transaction per workspace. Returns how many closed."""
    closed = 0
    async with unit_of_work(readonly=True, engine=engine) as s:
        workspace_ids = list((await s.scalars(select(Workspace.id).order_by(Workspace.id))).all())
    for ws in workspace_ids:
        async with unit_of_work(engine=engine) as s:
            closed += await auctions.close_ended(Ctx(s, ws, SYSTEM), now=now)
    if closed:
        log.info("auctions closed: %s", closed)
    return closed


@jobs.periodic("auctions_close", minute="5")
async def _hourly(engine: AsyncEngine) -> None:
    await close_auctions(engine)
