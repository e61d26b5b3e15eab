"""The sync: the outbox's events and the clicks, copied into the event store exactly once.

Each source is read in id order from a watermark. Ids are handed out when a row is
inserted, not when it commits, so on PostgreSQL a transaction that started earlier can
commit a lower id after a higher one was synced: every id skipped between the watermark
and the highest one read is kept as a *gap* and looked for again at each sync, until it
shows up or is older than :data:`GAP_SECONDS` (a transaction that rolled back never
fills its id). The facts of a batch and the new position commit together in the store,
so a sync killed mid-batch, or two syncs one after the other, neither lose nor double a
fact; two syncs at once take turns on the store's write lock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from yutang.analytics import facts, store
from yutang.kit.db import unit_of_work
from yutang.models.links import Click
from yutang.models.members import Member
from yutang.models.platform import OutboxEvent

log = logging.getLogger(__name__)

SOURCES = ("outbox", "click")
BATCH = 50_000
#: A skipped id is looked for this long (longer than any transaction runs).
GAP_SECONDS = 15 * 60.0
#: Beyond this many open gaps (a runaway sequence), the oldest are given up.
MAX_GAPS = 50_000
Progress = Callable[[str, int], None]


@dataclass
class Synced:
    """What one sync did: facts added per source, gaps filled and given up."""

    added: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SOURCES, 0))
    filled: int = 0
    given_up: int = 0
    erased: int = 0

    @property
    def total(self) -> int:
        return sum(self.added.values())


def _target(where: Path | store.Target) -> store.Target:
    return store.DuckTarget(where) if isinstance(where, Path) else where


async def sync(
    engine: AsyncEngine,
    where: Path | store.Target,
    *,
    batch: int = BATCH,
    progress: Progress | None = None,
    now: Callable[[], float] = time.time,
) -> Synced:
    """Bring the store (a DuckDB file, or a target) up to date, a batch at a time."""
    target = _target(where)
    done = Synced()
    for source in SOURCES:
        while True:
            added, more = await _batch(engine, target, source, batch, now(), done)
            done.added[source] += added
            if progress is not None and added:
                progress(source, added)
            if not more:
                break
    return done


async def _batch(
    engine: AsyncEngine, target: store.Target, source: str, batch: int, now: float, done: Synced
) -> tuple[int, bool]:
    """One batch of a source: (facts added, whether more rows may be waiting)."""
    if target.paused():
        return 0, False  # a rebuild is writing a new store; these facts will be in it
    async with target.writing():
        return await _batch_locked(engine, target, source, batch, now, done)


async def _batch_locked(
    engine: AsyncEngine, target: store.Target, source: str, batch: int, now: float, done: Synced
) -> tuple[int, bool]:
    with target.batch() as tx:
        watermark, gaps = tx.state(source)
        read = _read_events if source == "outbox" else _read_clicks
        fresh, found, erasures = await read(engine, watermark, sorted(gaps), batch)
        fresh_ids = [row[1] for row in fresh]
        top = max(fresh_ids, default=watermark)
        seen = set(fresh_ids)
        for missing in range(watermark + 1, top + 1):
            if missing not in seen:
                gaps.setdefault(missing, now)
        for row in found:
            gaps.pop(row[1], None)
        done.filled += len(found)
        expired = [i for i, first in gaps.items() if now - first > GAP_SECONDS]
        if len(gaps) - len(expired) > MAX_GAPS:
            expired += sorted(set(gaps) - set(expired))[: len(gaps) - len(expired) - MAX_GAPS]
        for i in expired:
            del gaps[i]
        done.given_up += len(expired)
        if expired:
            log.info("analytics: %s ids %s… never committed; given up", source, sorted(expired)[:5])
        added = tx.append([*fresh, *found])
        for workspace_id, member_id in erasures:
            tx.erase(workspace_id, member_id)
        done.erased += len(erasures)
        tx.save_state(source, top, gaps)
    return added, len(fresh_ids) >= batch


async def _read_events(
    engine: AsyncEngine, watermark: int, gap_ids: Sequence[int], batch: int
) -> tuple[list[facts.Row], list[facts.Row], list[tuple[int, int]]]:
    """Outbox events above the watermark (a batch) and those of the gaps that showed up,
    as facts; and the erasures among them (workspace, member)."""
    columns = (
        OutboxEvent.id,
        OutboxEvent.workspace_id,
        OutboxEvent.type,
        OutboxEvent.payload,
        OutboxEvent.created_at,
    )
    async with unit_of_work(readonly=True, engine=engine) as s:
        fresh = (
            await s.execute(
                select(*columns).where(OutboxEvent.id > watermark).order_by(OutboxEvent.id).limit(batch)
            )
        ).all()
        found: list[Any] = []
        for chunk in _chunks(gap_ids, 1000):
            found += (await s.execute(select(*columns).where(OutboxEvent.id.in_(chunk)))).all()
        member_ids = {m for row in (*fresh, *found) if (m := facts.event_member(row[3] or {})) is not None}
        members = await _members(s, member_ids)

    erasures: list[tuple[int, int]] = []

    def as_facts(rows: Sequence[Any]) -> list[facts.Row]:
        out = []
        for event_id, workspace_id, type_, payload, created_at in rows:
            if workspace_id is None:
                continue  # the platform's own events belong to no workspace's reports
            body = payload or {}
            member_id = facts.event_member(body)
            member = members.get(member_id or 0)
            out.append(facts.from_event(event_id, workspace_id, type_, body, created_at, member, member_id))
            if type_ == "member.erased" and member_id is not None:
                erasures.append((workspace_id, member_id))
        return out

    return as_facts(fresh), as_facts(found), erasures


async def _read_clicks(
    engine: AsyncEngine, watermark: int, gap_ids: Sequence[int], batch: int
) -> tuple[list[facts.Row], list[facts.Row], list[tuple[int, int]]]:
    columns = (
        Click.id,
        Click.workspace_id,
        Click.link_id,
        Click.channel_id,
        Click.target_id,
        Click.occurred_at,
        Click.visitor_id,
        Click.referrer_host,
        Click.device_type,
        Click.is_bot,
        Click.os,
        Click.browser,
    )
    async with unit_of_work(readonly=True, engine=engine) as s:
        fresh = (
            await s.execute(select(*columns).where(Click.id > watermark).order_by(Click.id).limit(batch))
        ).all()
        found: list[Any] = []
        for chunk in _chunks(gap_ids, 1000):
            found += (await s.execute(select(*columns).where(Click.id.in_(chunk)))).all()
    return (
        [facts.from_click(*tuple(row)) for row in fresh],
        [facts.from_click(*tuple(row)) for row in found],
        [],
    )


async def _members(session: Any, ids: set[int]) -> dict[int, facts.MemberFacts]:
    """Each member's attribution and staff as their row says now."""
    found: dict[int, facts.MemberFacts] = {}
    for chunk in _chunks(sorted(ids), 1000):
        rows = await session.execute(
            select(
                Member.id,
                Member.source_channel_id,
                Member.first_link_id,
                Member.visitor_id,
                Member.owner_user_id,
                Member.tier_id,
                Member.joined_at,
            ).where(Member.id.in_(chunk))
        )
        for member_id, *rest in rows.all():
            found[member_id] = facts.MemberFacts(*rest)
    return found


def _chunks(items: Sequence[int], size: int) -> list[Sequence[int]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


# --- rebuild ----------------------------------------------------------------------------


async def sources_size(engine: AsyncEngine) -> int:
    """How many rows the sources hold (for a progress bar)."""
    async with unit_of_work(readonly=True, engine=engine) as s:
        events = await s.scalar(select(func.count()).select_from(OutboxEvent))
        clicks = await s.scalar(select(func.count()).select_from(Click))
    return int(events or 0) + int(clicks or 0)


async def rebuild(
    engine: AsyncEngine, where: Path | store.Target, *, progress: Progress | None = None
) -> Synced:
    """Build the store again from the transactional database beside the old one, then
    put it in the old one's place: reports read the old store until the new one is whole
    (:meth:`~yutang.analytics.store.DuckTarget.rebuilding`)."""
    async with _target(where).rebuilding() as fresh:
        return await sync(engine, fresh, progress=progress)
