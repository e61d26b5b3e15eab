"""RFM written back as tags: a tag group ``RFM`` with one tag per named group, so
segments (filter ``tag`` = ``"RFM/champions"``), campaigns and broadcasts can pick
members by their RFM group.

A refresh scores the workspace as of today (its own timezone) from the event store and
re-assigns the group's tags in one transaction: every scored member carries exactly the
tag of their group, members who no longer score (erased, no paid order left) lose it,
and no other tag group is touched. The tags are stable keys (``champions``,
``cant_lose`` …; the console shows them in words). Tag changes go through the members'
tag service, so each member whose RFM tag changed gets one ``member.tagged`` event, as
with tagging by hand; a second refresh on the same facts changes nothing. Each refresh
leaves one audit entry, ``rfm.refreshed``, with what it did (the console's "last
refreshed").

Refreshes of one workspace take turns on the workspace's row lock. The worker runs one
for every workspace each day after syncing the store (:mod:`yutang.analytics.tasks`);
``yutang analytics rfm`` and ``POST /api/v1/reports/rfm/refresh`` run one now.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from anyio import to_thread
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from yutang.analytics import rfm
from yutang.analytics.engines import Reader
from yutang.kit import audit
from yutang.kit.context import SYSTEM, Actor, Ctx
from yutang.kit.db import unit_of_work
from yutang.kit.locks import for_update
from yutang.members import service as members
from yutang.models.platform import AuditEntry
from yutang.models.workspaces import Workspace

log = logging.getLogger(__name__)

#: The tag group the refresh keeps (exclusive: one RFM tag a member).
TAG_GROUP = "RFM"
#: The audit action of a refresh.
REFRESHED = "rfm.refreshed"


@dataclass(frozen=True)
class Refreshed:
    """What one workspace's refresh did."""

    workspace_id: int
    as_of: date
    scored: int
    #: Scored members now holding their tag (scored members erased since are not tagged).
    tagged: int
    added: int
    removed: int
    #: Members whose RFM tag changed.
    changed: int
    #: Group → members holding its tag now.
    held: dict[str, int]
    group_id: int

    def said(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "scored": self.scored,
            "tagged": self.tagged,
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
        }


async def today_of(ctx: Ctx) -> tuple[date, str]:
    """Today in the workspace's timezone, and the zone."""
    ws = await ctx.session.get(Workspace, ctx.workspace_id)
    zone = ws.timezone if ws else "UTC"
    return datetime.now(ZoneInfo(zone)).date(), zone


async def scores(ctx: Ctx, reader: Reader, as_of: date | None = None) -> tuple[date, list[rfm.Scores]]:
    """The workspace's RFM scores as of ``as_of`` (default: today), read in a thread."""
    today, zone = await today_of(ctx)
    day = as_of or today
    found = await to_thread.run_sync(lambda: rfm.rfm(reader, ctx.workspace_id, day, zone))
    return day, found


async def write(ctx: Ctx, as_of: date, scored: list[rfm.Scores]) -> Refreshed:
    """Re-assign the RFM tags to ``scored``, in the caller's transaction."""
    # One refresh of a workspace at a time: a second waits here, then finds nothing to do.
    row = select(Workspace).where(Workspace.id == ctx.workspace_id)
    await ctx.session.execute(for_update(ctx.session, row, "workspaces", ctx.workspace_id))
    done = await members.assign_group_tags(ctx, TAG_GROUP, rfm.GROUPS, {s.member_id: s.group for s in scored})
    refreshed = Refreshed(
        workspace_id=ctx.workspace_id,
        as_of=as_of,
        scored=len(scored),
        tagged=sum(done.held.values()),
        added=done.added,
        removed=done.removed,
        changed=done.changed,
        held=done.held,
        group_id=done.group_id,
    )
    audit.record(ctx, REFRESHED, "tag_group", done.group_id, refreshed.said())
    return refreshed


async def refresh(ctx: Ctx, reader: Reader, as_of: date | None = None) -> Refreshed:
    """Score the workspace and re-assign its RFM tags (in the caller's transaction)."""
    day, found = await scores(ctx, reader, as_of)
    return await write(ctx, day, found)


async def refresh_all(
    engine: AsyncEngine | None,
    reader: Reader,
    workspace_ids: list[int] | None = None,
    *,
    actor: Actor = SYSTEM,
) -> list[Refreshed]:
    """:func:`refresh` for every workspace (or those named), one transaction each."""
    if workspace_ids is None:
        async with unit_of_work(readonly=True, engine=engine) as s:
            workspace_ids = list((await s.scalars(select(Workspace.id).order_by(Workspace.id))).all())
    out: list[Refreshed] = []
    for ws in workspace_ids:
        async with unit_of_work(readonly=True, engine=engine) as s:
            day, found = await scores(Ctx(s, ws, actor), reader)
        async with unit_of_work(engine=engine) as s:
            out.append(await write(Ctx(s, ws, actor), day, found))
    log.info(
        "rfm tags: %s workspaces, %s members scored, %s changed",
        len(out),
        sum(r.scored for r in out),
        sum(r.changed for r in out),
    )
    return out


@dataclass(frozen=True)
class LastRefresh:
    at: datetime
    actor_type: str
    changes: dict[str, Any]


async def last_refresh(ctx: Ctx) -> LastRefresh | None:
    """When the workspace's RFM tags were last refreshed, by whom, and what it did."""
    entry = await ctx.session.scalar(
        select(AuditEntry)
        .where(AuditEntry.workspace_id == ctx.workspace_id, AuditEntry.action == REFRESHED)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    if entry is None:
        return None
    return LastRefresh(entry.created_at, entry.actor_type, dict(entry.changes))
