"""What the report pages share: names for a breakdown's ids, the range a page shows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from yutang.analytics.endpoints.frame import window_of
from yutang.analytics.window import Window
from yutang.kit.context import Ctx
from yutang.links import service as links
from yutang.loyalty import tiers
from yutang.models.referrals import ReferralCampaign
from yutang.web.console.frame import RANGES, day
from yutang.workspaces import repository as ws_repo

PERIODS = ("day", "week", "month")
BREAKDOWNS = ("none", "channel", "link", "tier", "staff")


async def names(ctx: Ctx, by: str) -> dict[int, str]:
    """What to call each id of a breakdown."""
    if by == "channel":
        rows, _ = await links.list_channels(ctx, None, 1000, include_archived=True)
        return {c.id: c.name for c in rows}
    if by == "link":
        found, _ = await links.list_links(ctx, None, 1000, include_archived=True)
        return {lk.id: lk.title or lk.slug for lk in found}
    if by == "campaign":  # the referral campaigns (任务宝)
        campaigns = await ctx.session.execute(
            select(ReferralCampaign.id, ReferralCampaign.name).where(
                ReferralCampaign.workspace_id == ctx.workspace_id
            )
        )
        return {i: n for i, n in campaigns.all()}
    if by == "tier":
        return {tr.id: tr.name for tr in await tiers.tiers(ctx.session, ctx.workspace_id)}
    if by == "staff":
        return {
            uid: name or email for uid, email, name, _ in await ws_repo.members(ctx.session, ctx.workspace_id)
        }
    return {}


async def chosen_window(
    ctx: Ctx, days: int | None, start: str | None, end: str | None, default: int = 30
) -> Window:
    """The range a report page shows: the days typed, else the last 7 / 30 / 90 days."""
    first, last = day(start), day(end)
    if first is not None or last is not None:
        return await window_of(ctx, first, last)
    latest = await window_of(ctx, None, None)
    span = days if days in RANGES else default
    return Window(latest.last - timedelta(days=span - 1), latest.last, latest.zone)
