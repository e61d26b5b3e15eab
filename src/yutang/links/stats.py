"""Click statistics over a date range in the workspace's timezone.

Bots (known crawlers and HEAD requests) are kept in the clicks table but left out of
every count except ``bot_clicks``. Days are the workspace's local days: exact on
PostgreSQL (``AT TIME ZONE``); on SQLite the zone's UTC offset at the start of the
range is used, which is exact for zones without daylight saving (Asia/Shanghai).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.kit import calendar
from yutang.kit.errors import INVALID_RANGE, BadRequest
from yutang.links.schemas import (
    ChannelStatsOut,
    ChannelStatsRow,
    Dimension,
    StatsOut,
    StatsRow,
    StatsTotals,
)
from yutang.models.links import Channel, Click, Link
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


def _local_day(session: AsyncSession, rng: Range) -> ColumnElement[Any]:
    return calendar.local_day(session, Click.occurred_at, rng.tz, rng.utc_start)


def _filters(workspace_id: int, rng: Range, link_id: int | None, channel_id: int | None) -> list[Any]:
    conds: list[Any] = [
        Click.workspace_id == workspace_id,
        Click.occurred_at >= rng.utc_start,
        Click.occurred_at < rng.utc_end,
    ]
    if link_id is not None:
        conds.append(Click.link_id == link_id)
    if channel_id is not None:
        conds.append(Click.channel_id == channel_id)
    return conds


_HUMAN = Click.is_bot.is_(False)
_DIMENSION_COLUMNS = {
    "channel": Click.channel_id,
    "link": Click.link_id,
    "device": Click.device_type,
    "os": Click.os,
    "browser": Click.browser,
    "referrer": Click.referrer_host,
}
_CLICKS = func.count(case((_HUMAN, 1)))
_UNIQUES = func.count(distinct(case((_HUMAN, Click.visitor_id))))
_BOTS = func.count(case((Click.is_bot.is_(True), 1)))


async def click_stats(
    session: AsyncSession,
    workspace_id: int,
    rng: Range,
    dimension: Dimension,
    *,
    link_id: int | None = None,
    channel_id: int | None = None,
) -> StatsOut:
    conds = _filters(workspace_id, rng, link_id, channel_id)
    totals_row = (await session.execute(select(_CLICKS, _UNIQUES, _BOTS).where(and_(*conds)))).one()
    totals = StatsTotals(clicks=totals_row[0], unique_visitors=totals_row[1], bot_clicks=totals_row[2])

    key_expr: ColumnElement[Any] = (
        _local_day(session, rng) if dimension == "day" else _DIMENSION_COLUMNS[dimension].expression
    )
    stmt = (
        select(key_expr.label("k"), _CLICKS.label("c"), _UNIQUES.label("u"))
        .where(and_(*conds, _HUMAN))
        .group_by(key_expr)
    )
    raw = {(None if k is None else str(k)): (c, u) for k, c, u in (await session.execute(stmt)).all()}
    labels = await _labels(session, workspace_id, dimension, raw.keys())
    if dimension == "day":
        rows = [
            StatsRow(
                key=d.isoformat(),
                label=d.isoformat(),
                clicks=raw.get(d.isoformat(), (0, 0))[0],
                unique_visitors=raw.get(d.isoformat(), (0, 0))[1],
            )
            for d in rng.days()
        ]
    else:
        rows = sorted(
            (
                StatsRow(key=k or "", label=labels.get(k, k or "(none)"), clicks=c, unique_visitors=u)
                for k, (c, u) in raw.items()
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


async def channel_stats(session: AsyncSession, workspace_id: int, rng: Range) -> ChannelStatsOut:
    conds = _filters(workspace_id, rng, None, None)
    clicks = await session.execute(
        select(Click.channel_id, _CLICKS, _UNIQUES).where(and_(*conds, _HUMAN)).group_by(Click.channel_id)
    )
    by_channel = {cid: (c, u) for cid, c, u in clicks.all()}
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
    return ChannelStatsOut(start=rng.start, end=rng.end, timezone=rng.tz.key, rows=rows)


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
