"""What the report pages share: names for a breakdown's ids, the range a page shows and
its picker's context."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends
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


@dataclass(frozen=True)
class Asked:
    """The range a report page's link asks for: ``days``, one of the last-n-days buttons,
    or the days typed, ``start`` and ``end`` (YYYY-MM-DD; either wins over ``days``)."""

    days: int | None = None
    start: str | None = None
    end: str | None = None

    @property
    def typed(self) -> bool:
        return self.start is not None or self.end is not None


def asked_range(days: int | None = None, start: str | None = None, end: str | None = None) -> Asked:
    return Asked(days, start, end)


#: A report page's range parameters (``days``, ``start``, ``end``), read at once.
AskedRange = Annotated[Asked, Depends(asked_range)]


async def chosen_window(ctx: Ctx, asked: Asked, default: int = 30) -> Window:
    """The range a report page shows: the days typed, else the last 7 / 30 / 90 days."""
    first, last = day(asked.start), day(asked.end)
    if first is not None or last is not None:
        return await window_of(ctx, first, last)
    latest = await window_of(ctx, None, None)
    span = asked.days if asked.days in RANGES else default
    return Window(latest.last - timedelta(days=span - 1), latest.last, latest.zone)


def range_query(window: Window) -> dict[str, str]:
    """The range as a query's ``start`` and ``end`` (the API's CSV, a drill-down's link)."""
    return {"start": window.first.isoformat(), "end": window.last.isoformat()}


def range_context(
    window: Window, asked: Asked, keep: Mapping[str, object] | Sequence[tuple[str, object]] = ()
) -> dict[str, Any]:
    """What a report page's heading and range picker (``console/reports/range.html``)
    show: the window, the last-n-days button chosen (none once a day is typed), the
    buttons, and ``keep``, the page's other choices, which a button's link keeps."""
    days = None if asked.typed else asked.days
    return {"window": window, "days": days, "ranges": RANGES, "keep": urlencode(keep)}
