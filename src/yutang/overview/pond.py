"""Figures of the pond for the console's members page: members, activity, points liability,
sales, tiers, channels (members, commerce, loyalty and links read together; see the
package docstring)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import case, func, select

from yutang.kit.context import Ctx
from yutang.models.base import utcnow
from yutang.models.commerce import Order
from yutang.models.links import Channel
from yutang.models.loyalty import Tier
from yutang.models.members import Member


@dataclass
class Overview:
    members: int
    joined_30d: int
    active_30d: int
    points_outstanding: int
    points_pending: int
    sales_30d_cents: int
    tiers: list[tuple[str, int]]  # (tier name or "", members), best tier first, no tier last
    channels: list[tuple[str, int]]  # (channel name or "", members who came from it)


async def overview(ctx: Ctx) -> Overview:
    s, ws = ctx.session, ctx.workspace_id
    since = utcnow() - timedelta(days=30)
    live = (Member.workspace_id == ws, Member.status != "erased")
    row = (
        await s.execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((Member.points_balance > 0, Member.points_balance), else_=0)), 0),
                func.coalesce(func.sum(Member.points_pending), 0),
            ).where(*live)
        )
    ).one()
    joined = await s.scalar(select(func.count()).select_from(Member).where(*live, Member.joined_at >= since))
    active = await s.scalar(
        select(func.count()).select_from(Member).where(*live, Member.last_active_at >= since)
    )
    sales = await s.scalar(
        select(func.coalesce(func.sum(Order.total_cents - Order.refunded_cents), 0)).where(
            Order.workspace_id == ws, Order.paid_at >= since
        )
    )
    tier_rows = (
        await s.execute(
            select(Tier.name, Tier.rank, func.count(Member.id))
            .select_from(Member)
            .outerjoin(Tier, Tier.id == Member.tier_id)
            .where(*live)
            .group_by(Tier.name, Tier.rank)
        )
    ).all()
    tiers = [
        (name or "", n)
        for name, rank, n in sorted(tier_rows, key=lambda r: -(r[1] if r[1] is not None else -1))
    ]
    channel_rows = (
        await s.execute(
            select(Channel.name, func.count(Member.id))
            .select_from(Member)
            .outerjoin(Channel, Channel.id == Member.source_channel_id)
            .where(*live)
            .group_by(Channel.name)
            .order_by(func.count(Member.id).desc())
        )
    ).all()
    return Overview(
        members=int(row[0]),
        joined_30d=int(joined or 0),
        active_30d=int(active or 0),
        points_outstanding=int(row[1]),
        points_pending=int(row[2]),
        sales_30d_cents=int(sales or 0),
        tiers=tiers,
        channels=[(name or "", int(n)) for name, n in channel_rows],
    )
