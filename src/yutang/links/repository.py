"""Every query of the links domain (except click statistics: see stats.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, cast, exists, func, literal, select, tuple_
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.models.base import utcnow
from yutang.models.links import Channel, Link, LinkDomain, LiveCodeCounter, LiveCodeTarget


async def domains(session: AsyncSession, workspace_id: int) -> list[LinkDomain]:
    rows = await session.scalars(
        select(LinkDomain).where(LinkDomain.workspace_id == workspace_id).order_by(LinkDomain.id)
    )
    return list(rows.all())


async def domain_by_host(session: AsyncSession, host: str) -> LinkDomain | None:
    return await session.scalar(select(LinkDomain).where(LinkDomain.host == host))


async def channel(session: AsyncSession, workspace_id: int, channel_id: int) -> Channel | None:
    return await session.scalar(
        select(Channel).where(Channel.workspace_id == workspace_id, Channel.id == channel_id)
    )


async def channel_by_name(session: AsyncSession, workspace_id: int, name: str) -> Channel | None:
    return await session.scalar(
        select(Channel).where(Channel.workspace_id == workspace_id, Channel.name == name)
    )


async def channel_ids(session: AsyncSession, workspace_id: int, ids: Iterable[int]) -> set[int]:
    wanted = set(ids)
    if not wanted:
        return set()
    rows = await session.scalars(
        select(Channel.id).where(Channel.workspace_id == workspace_id, Channel.id.in_(wanted))
    )
    return set(rows.all())


def channels_query(workspace_id: int, include_archived: bool) -> Select[Any]:
    stmt = select(Channel).where(Channel.workspace_id == workspace_id)
    if not include_archived:
        stmt = stmt.where(Channel.archived.is_(False))
    return stmt


async def link(session: AsyncSession, workspace_id: int, link_id: int) -> Link | None:
    return await session.scalar(select(Link).where(Link.workspace_id == workspace_id, Link.id == link_id))


async def taken_slugs(session: AsyncSession, pairs: Iterable[tuple[int, str]]) -> set[tuple[int, str]]:
    wanted = list(set(pairs))
    found: set[tuple[int, str]] = set()
    for i in range(0, len(wanted), 400):
        chunk = wanted[i : i + 400]
        rows = await session.execute(
            select(Link.domain_id, Link.slug).where(tuple_(Link.domain_id, Link.slug).in_(chunk))
        )
        found.update((d, s) for d, s in rows.all())
    return found


def status_condition(status: str, now: datetime) -> ColumnElement[bool]:
    """The links whose :func:`yutang.links.service.status_of` is ``status`` at ``now``."""
    live = Link.archived.is_(False) & Link.disabled.is_(False)
    past_date = Link.expires_at.is_not(None) & (Link.expires_at <= now)
    used_up = Link.max_clicks.is_not(None) & (Link.click_count >= Link.max_clicks)
    conditions: dict[str, ColumnElement[bool]] = {
        "archived": Link.archived.is_(True),
        "disabled": Link.archived.is_(False) & Link.disabled.is_(True),
        "expired": live & past_date,
        "exhausted": live & ~past_date & used_up,
        "active": live & ~past_date & ~used_up,
    }
    return conditions[status]


def links_query(
    workspace_id: int,
    *,
    dialect: str,
    channel_id: int | None = None,
    tag: str | None = None,
    q: str | None = None,
    kind: str | None = None,
    include_archived: bool = False,
    status: str | None = None,
    now: datetime | None = None,
    created_from: datetime | None = None,
    created_before: datetime | None = None,
) -> Select[Any]:
    stmt = select(Link).where(Link.workspace_id == workspace_id)
    if not include_archived and status != "archived":
        stmt = stmt.where(Link.archived.is_(False))
    if status is not None:
        stmt = stmt.where(status_condition(status, now or utcnow()))
    if created_from is not None:
        stmt = stmt.where(Link.created_at >= created_from)
    if created_before is not None:
        stmt = stmt.where(Link.created_at < created_before)
    if channel_id is not None:
        stmt = stmt.where(Link.channel_id == channel_id)
    if kind is not None:
        stmt = stmt.where(Link.kind == kind)
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        stmt = stmt.where(
            Link.slug.like(like, escape="\\")
            | Link.title.like(like, escape="\\")
            | Link.url.like(like, escape="\\")
        )
    if tag:
        # Exact membership in the JSON list, in SQL, so that cursor pages stay full
        # (SQLite's LIKE ignores ASCII case, and a pattern would need escaping).
        if dialect == "sqlite":
            each = func.json_each(Link.tags).table_valued("value")
            stmt = stmt.where(exists(select(literal(1)).select_from(each).where(each.c.value == tag)))
        else:
            stmt = stmt.where(cast(Link.tags, JSONB).contains([tag]))
    return stmt


async def targets(session: AsyncSession, link_ids: Iterable[int]) -> dict[int, list[LiveCodeTarget]]:
    ids = list(set(link_ids))
    out: dict[int, list[LiveCodeTarget]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = await session.scalars(
        select(LiveCodeTarget).where(LiveCodeTarget.link_id.in_(ids)).order_by(LiveCodeTarget.id)
    )
    for t in rows.all():
        out[t.link_id].append(t)
    return out


async def counters_for_day(session: AsyncSession, target_ids: Iterable[int], day: date) -> dict[int, int]:
    ids = list(target_ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(LiveCodeCounter.target_id, LiveCodeCounter.count).where(
            LiveCodeCounter.target_id.in_(ids), LiveCodeCounter.day == day
        )
    )
    return {t: c for t, c in rows.all()}


async def link_by_slug(session: AsyncSession, domain_id: int, slug: str) -> Link | None:
    return await session.scalar(select(Link).where(Link.domain_id == domain_id, Link.slug == slug))


async def link_like(
    session: AsyncSession, domain_id: int, destination: str, title: str, channel_id: int | None
) -> Link | None:
    """A plain link (not archived) on the domain with this destination, title and channel."""
    return await session.scalar(
        select(Link)
        .where(
            Link.domain_id == domain_id,
            Link.kind == "link",
            Link.archived.is_(False),
            Link.destination == destination,
            Link.title == title,
            Link.channel_id.is_(None) if channel_id is None else Link.channel_id == channel_id,
        )
        .order_by(Link.id)
        .limit(1)
    )
