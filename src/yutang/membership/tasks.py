"""Background job of paid membership: remind members whose subscription ends soon and
expire the ended ones (hourly, at minute 5, in the worker; ``yutang points maintain``
runs it by hand). Safe to run at any time: a reminder and an expiry happen once."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from yutang.kit import jobs
from yutang.kit.context import SYSTEM, Ctx
from yutang.kit.db import unit_of_work
from yutang.membership import service as membership
from yutang.models.workspaces import Workspace

log = logging.getLogger(__name__)


async def remind_and_expire(
    engine: AsyncEngine | None = None, *, now: datetime | None = None
) -> tuple[int, int]:
    """(reminded, expired) over every workspace, one transaction per workspace."""
    reminded = expired = 0
    async with unit_of_work(readonly=True, engine=engine) as s:
        workspace_ids = list((await s.scalars(select(Workspace.id).order_by(Workspace.id))).all())
    for ws in workspace_ids:
        async with unit_of_work(engine=engine) as s:
            r, e = await membership.remind_and_expire(Ctx(s, ws, SYSTEM), now=now)
        reminded += r
        expired += e
    if reminded or expired:
        log.info("memberships: %s reminded, %s expired", reminded, expired)
    return reminded, expired


@jobs.periodic("membership_reminders", minute="5")
async def _hourly(engine: AsyncEngine) -> None:
    await remind_and_expire(engine)
