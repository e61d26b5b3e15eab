"""Click statistics over a date range in the workspace's timezone: the range, the
answers' shape, the names of their ids and their CSV.

The figures themselves are counted by the event store (:mod:`yutang.analytics.clicks`,
a floor above this module): reports never scan the clicks table. Bots (known crawlers
and HEAD requests) are kept but left out of every count except ``bot_clicks``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.kit.errors import INVALID_RANGE, BadRequest
from yutang.links.schemas import (
    ChannelStatsOut,
    ChannelStatsRow,
    Dimension,
    StatsOut,
    StatsRow,
    StatsTotals,
)
from yutang.models.links import Channel, Link
from yutang.models.workspaces import Workspace

MAX_RANGE_DAYS = 731


@dataclass(frozen=True)
class Range:
    start: date
    end: date  # inclusive
    tz: ZoneInfo

    @property
    def utc_start(self) -> datetime:
        return datetime.combine(self.start, time(), self.tz).astimezone(UTC)

    @property
    def utc_end(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), self.tz).astimezone(UTC)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


async def make_range(session: AsyncSession, workspace_id: int, start: date | None, end: date | None) -> Range:
    ws = await session.get(Workspace, workspace_id)
    tz = ZoneInfo(ws.timezone if ws else "UTC")
    today = datetime.now(tz).date()
    end = end or today
    start = start or end - timedelta(days=29)
    if start > end:
        raise BadRequest("The range starts after it ends.", code=INVALID_RANGE)
    if (end - start).days >= MAX_RANGE_DAYS:
        raise BadRequest(f"A range spans at most {MAX_RANGE_DAYS} days.", code=INVALID_RANGE)
    return Range(start, end, tz)


#: Human clicks and unique visitors of a key.
Counts = tuple[int, int]


async def click_stats_of(
    session: AsyncSession,
    workspace_id: int,
    rng: Range,
    dimension: Dimension,
    totals: StatsTotals,
    counted: dict[str | None, Counts],
    as_of: datetime | None = None,
) -> StatsOut:
    """The answer of ``/stats/clicks`` for the figures counted (by the event store:
    :mod:`yutang.analytics.clicks`) — the keys named, the days of the range filled with
    zeros, the other rows by clicks, most first."""
    labels = await _labels(session, workspace_id, dimension, counted.keys())
    if dimension == "day":
        rows = [
            StatsRow(
                key=d.isoformat(),
                label=d.isoformat(),
                clicks=counted.get(d.isoformat(), (0, 0))[0],
                unique_visitors=counted.get(d.isoformat(), (0, 0))[1],
            )
            for d in rng.days()
        ]
    else:
        rows = sorted(
            (
                StatsRow(key=k or "", label=labels.get(k, k or "(none)"), clicks=c, unique_visitors=u)
                for k, (c, u) in counted.items()
            ),
            key=lambda r: (-r.clicks, r.key),
        )
    return StatsOut(
        start=rng.start,
        end=rng.end,
        timezone=rng.tz.key,
        dimension=dimension,
        totals=totals,
        rows=rows,
        as_of=as_of,
    )


async def _labels(
    session: AsyncSession, workspace_id: int, dimension: str, keys: Any
) -> dict[str | None, str]:
    # Only the channel and link dimensions have id keys (days, devices … are not numbers).
    ids = [int(k) for k in keys if k is not None] if dimension in ("channel", "link") else []
    if dimension == "channel":
        labels: dict[str | None, str] = {None: "(no channel)"}
        if ids:
            rows = await session.execute(
                select(Channel.id, Channel.name).where(
                    Channel.workspace_id == workspace_id, Channel.id.in_(ids)
                )
            )
            labels.update({str(i): n for i, n in rows.all()})
        return labels
    if dimension == "link" and ids:
        link_rows = await session.execute(
            select(Link.id, Link.slug, Link.title).where(Link.workspace_id == workspace_id, Link.id.in_(ids))
        )
        return {str(i): (f"{s} · {t}" if t else s) for i, s, t in link_rows.all()}
    if dimension == "referrer":
        return {None: "(direct)"}
    return {}


async def channel_stats_of(
    session: AsyncSession,
    workspace_id: int,
    rng: Range,
    by_channel: dict[int | None, Counts],
    as_of: datetime | None = None,
) -> ChannelStatsOut:
    """The answer of ``/stats/channels`` for the clicks counted per channel (by the event
    store): every channel of the workspace (an archived one only with clicks), its links
    and exposures (the channel's own settings), and a row of no channel."""
    link_counts = await session.execute(
        select(Link.channel_id, func.count())
        .where(Link.workspace_id == workspace_id, Link.archived.is_(False))
        .group_by(Link.channel_id)
    )
    links_by_channel = {cid: n for cid, n in link_counts.all()}
    channels = (
        await session.scalars(
            select(Channel).where(Channel.workspace_id == workspace_id).order_by(Channel.id)
        )
    ).all()
    rows = []
    for ch in channels:
        c, u = by_channel.get(ch.id, (0, 0))
        if ch.archived and c == 0:
            continue
        rate = round(c / ch.exposures, 4) if ch.exposures else None
        rows.append(
            ChannelStatsRow(
                channel_id=ch.id,
                name=ch.name,
                type=ch.type,
                links=links_by_channel.get(ch.id, 0),
                clicks=c,
                unique_visitors=u,
                exposures=ch.exposures,
                diversion_rate=rate,
            )
        )
    if None in by_channel or None in links_by_channel:
        c, u = by_channel.get(None, (0, 0))
        rows.append(
            ChannelStatsRow(
                channel_id=None,
                name="(no channel)",
                type="other",
                links=links_by_channel.get(None, 0),
                clicks=c,
                unique_visitors=u,
                exposures=None,
                diversion_rate=None,
            )
        )
    rows.sort(key=lambda r: -r.clicks)
    return ChannelStatsOut(start=rng.start, end=rng.end, timezone=rng.tz.key, rows=rows, as_of=as_of)


def to_csv(header: list[str], rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def stats_csv(stats: StatsOut) -> str:
    return to_csv(
        [stats.dimension, "label", "clicks", "unique_visitors"],
        [[r.key, r.label, r.clicks, r.unique_visitors] for r in stats.rows],
    )


def channel_stats_csv(stats: ChannelStatsOut) -> str:
    return to_csv(
        [
            "channel_id",
            "name",
            "type",
            "links",
            "clicks",
            "unique_visitors",
            "exposures",
            "diversion_rate",
        ],
        [
            [
                r.channel_id or "",
                r.name,
                r.type,
                r.links,
                r.clicks,
                r.unique_visitors,
                "" if r.exposures is None else r.exposures,
                "" if r.diversion_rate is None else r.diversion_rate,
            ]
            for r in stats.rows
        ],
    )
