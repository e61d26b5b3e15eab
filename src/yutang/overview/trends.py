"""The workspace's figures per day over a date range, across domains, for the console's
overview: clicks and unique visitors, new members, orders and GMV, points issued and
redeemed — with the same figures over the period before, for the change.

Definitions (shown on the page too):

* clicks / unique visitors — human clicks on the workspace's links (bots left out);
  unique visitors counted per day by the first-party visitor cookie, and over the whole
  range once each. Counted by the event store (as fresh as its last sync), not here:
  the caller passes them in (:data:`ClickCounts`); the other figures read their tables.
* new members — members who joined that day (erased ones included: they joined).
* orders / GMV — orders paid that day; GMV is their totals less what was refunded of them.
* points issued — points earned (pending ones included, on the day they were earned)
  plus points added by hand; points redeemed — points spent.
* live campaigns — referral campaigns running now.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select

from yutang.kit import calendar
from yutang.kit.context import Ctx
from yutang.links.stats import Range, make_range
from yutang.models.base import utcnow
from yutang.models.commerce import Order
from yutang.models.loyalty import PointsEntry
from yutang.models.members import Member
from yutang.models.referrals import ReferralCampaign

METRICS = ("clicks", "visitors", "new_members", "orders", "gmv_cents", "points_issued", "points_redeemed")


@dataclass
class Trends:
    range: Range
    previous: Range
    days: list[date]
    #: metric → one value per day of the range
    daily: dict[str, list[int]]
    totals: dict[str, int]
    previous_totals: dict[str, int]
    live_campaigns: int

    def change(self, metric: str) -> float | None:
        """Change against the period before, as a ratio (None when that was zero)."""
        before = self.previous_totals[metric]
        return None if before == 0 else (self.totals[metric] - before) / before


#: Human clicks and unique visitors per local day of a range (``2026-03-02`` → (clicks,
#: visitors), days without clicks left out), and the range's unique visitors, each once —
#: counted by the event store (:func:`yutang.analytics.clicks.daily`, a module beside
#: this one: the console hands it in).
ClickCounts = Callable[[Range], Awaitable[tuple[dict[str, tuple[int, int]], int]]]


async def _series(
    ctx: Ctx, rng: Range, counted: ClickCounts
) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """Per metric, the value of each local day that has one; and the range's totals."""
    s, ws = ctx.session, ctx.workspace_id
    lo, hi = rng.utc_start, rng.utc_end

    async def by_day(column: Any, *values: Any, where: list[Any]) -> list[tuple[Any, ...]]:
        day = calendar.local_day(s, column, rng.tz, lo)
        stmt = select(day, *values).where(and_(*where)).group_by(day)
        return [tuple(row) for row in (await s.execute(stmt)).all()]

    clicks, visitors = await counted(rng)
    joined = await by_day(
        Member.joined_at,
        func.count(),
        where=[Member.workspace_id == ws, Member.joined_at >= lo, Member.joined_at < hi],
    )
    orders = await by_day(
        Order.paid_at,
        func.count(),
        func.coalesce(func.sum(Order.total_cents - Order.refunded_cents), 0),
        where=[Order.workspace_id == ws, Order.paid_at >= lo, Order.paid_at < hi],
    )
    issued = case(
        (PointsEntry.kind == "earn", PointsEntry.amount + PointsEntry.pending_delta),
        (and_(PointsEntry.kind == "adjust", PointsEntry.amount > 0), PointsEntry.amount),
        else_=0,
    )
    redeemed = case((PointsEntry.kind == "spend", -PointsEntry.amount), else_=0)
    points = await by_day(
        PointsEntry.created_at,
        func.coalesce(func.sum(issued), 0),
        func.coalesce(func.sum(redeemed), 0),
        where=[PointsEntry.workspace_id == ws, PointsEntry.created_at >= lo, PointsEntry.created_at < hi],
    )
    series: dict[str, dict[str, int]] = {m: {} for m in METRICS}
    for day, (n, uv) in clicks.items():
        series["clicks"][day], series["visitors"][day] = n, uv
    for day, n in joined:
        series["new_members"][str(day)] = int(n)
    for day, n, gmv in orders:
        series["orders"][str(day)], series["gmv_cents"][str(day)] = int(n), int(gmv)
    for day, up, down in points:
        series["points_issued"][str(day)], series["points_redeemed"][str(day)] = int(up), int(down)
    totals = {m: sum(v.values()) for m, v in series.items()}
    # Unique visitors of the whole range: each visitor once, not once per day.
    totals["visitors"] = visitors
    return series, totals


async def trends(ctx: Ctx, start: date | None, end: date | None, clicks: ClickCounts) -> Trends:
    """The figures of the range (default: the last 30 days to today) and of the period of
    the same length just before it; the clicks and visitors as ``clicks`` counts them."""
    rng = await make_range(ctx.session, ctx.workspace_id, start, end)
    length = (rng.end - rng.start).days + 1
    previous = await make_range(
        ctx.session, ctx.workspace_id, rng.start - timedelta(days=length), rng.start - timedelta(days=1)
    )
    series, totals = await _series(ctx, rng, clicks)
    _, previous_totals = await _series(ctx, previous, clicks)
    days = rng.days()
    now = utcnow()
    live = await ctx.session.scalar(
        select(func.count()).where(
            ReferralCampaign.workspace_id == ctx.workspace_id,
            ReferralCampaign.status == "active",
            ReferralCampaign.starts_at <= now,
            ReferralCampaign.ends_at > now,
        )
    )
    return Trends(
        range=rng,
        previous=previous,
        days=days,
        daily={m: [series[m].get(d.isoformat(), 0) for d in days] for m in METRICS},
        totals=totals,
        previous_totals=previous_totals,
        live_campaigns=int(live or 0),
    )
