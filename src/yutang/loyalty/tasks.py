"""Background jobs of loyalty: release pending points, expire lots, birthday points
(hourly), and the tier evaluation (daily at 03:15 UTC).

All of them are safe to run at any time and any number of times: released lots are no
longer pending, expired lots are closed, and birthday credits carry a per-year dedupe
key. They run hourly (at minute 5) in the worker; ``yutang points maintain`` runs them
by hand.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from yutang.kit import jobs
from yutang.kit.context import SYSTEM, Ctx
from yutang.kit.db import unit_of_work
from yutang.loyalty import earning, tiers
from yutang.loyalty import service as points
from yutang.models.workspaces import Workspace

log = logging.getLogger(__name__)


@dataclass
class MaintenanceReport:
    released_lots: int = 0
    expired_points: int = 0
    birthday_credits: int = 0
    workspaces: list[int] = field(default_factory=list)


async def maintain(engine: AsyncEngine | None = None, *, now: datetime | None = None) -> MaintenanceReport:
    """Run the hourly jobs for every workspace, one transaction per workspace and job."""
    report = MaintenanceReport()
    async with unit_of_work(readonly=True, engine=engine) as s:
        workspace_ids = list((await s.scalars(select(Workspace.id).order_by(Workspace.id))).all())
    for ws in workspace_ids:
        report.workspaces.append(ws)
        # Release first: points whose lock ends and whose date passes in the same hour
        # are released, then expired, and never spent in between.
        while True:
            async with unit_of_work(engine=engine) as s:
                n = await points.release_due(Ctx(s, ws, SYSTEM), now=now)
            report.released_lots += n
            if n < 1000:
                break
        while True:
            async with unit_of_work(engine=engine) as s:
                n = await points.expire_due(Ctx(s, ws, SYSTEM), now=now)
            report.expired_points += n
            if n == 0:
                break
        async with unit_of_work(engine=engine) as s:
            report.birthday_credits += await earning.birthday_points(Ctx(s, ws, SYSTEM), now=now)
    log.info(
        "loyalty maintenance: %s lots released, %s points expired, %s birthday credits",
        report.released_lots,
        report.expired_points,
        report.birthday_credits,
    )
    return report


async def evaluate_tiers(engine: AsyncEngine | None = None, *, now: datetime | None = None) -> dict[str, int]:
    """The tier evaluation for every workspace (grace periods, downgrades by policy)."""
    totals: dict[str, int] = {}
    async with unit_of_work(readonly=True, engine=engine) as s:
        workspace_ids = list((await s.scalars(select(Workspace.id).order_by(Workspace.id))).all())
    for ws in workspace_ids:
        async with unit_of_work(engine=engine) as s:
            for key, value in (await tiers.evaluate(Ctx(s, ws, SYSTEM), now=now)).items():
                totals[key] = totals.get(key, 0) + value
    log.info("tier evaluation: %s", totals)
    return totals


@jobs.periodic("loyalty_maintenance", minute="5")
async def _hourly(engine: AsyncEngine) -> None:
    await maintain(engine)


@jobs.periodic("tier_evaluation", hour="3", minute="15")
async def _daily(engine: AsyncEngine) -> None:
    await evaluate_tiers(engine)
