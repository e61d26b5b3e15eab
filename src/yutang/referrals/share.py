"""The share kit of a participant: the addresses to share and the poster PNG."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from yutang.kit.context import Ctx
from yutang.models.links import Link, LinkDomain
from yutang.models.referrals import ReferralParticipant, ReferralStage
from yutang.models.workspaces import Workspace
from yutang.referrals import poster, service


def stage_lines(stages: Sequence[ReferralStage]) -> list[str]:
    names = {"points": "积分", "coupon": "优惠券", "reward": "礼品", "wallet": "储值", "lottery": "盲盒"}
    lines = []
    for s in stages:
        what = "、".join(
            f"{r['amount']} {names['points']}" if r["kind"] == "points" else names[r["kind"]]
            for r in s.rewards
        )
        lines.append(f"邀请 {s.threshold} 位好友 → {s.name if s.name != str(s.threshold) else what}")
    return lines


async def share_urls(ctx: Ctx, participant: ReferralParticipant) -> dict[str, str | None]:
    domain = await service.default_domain(ctx)
    short = None
    if participant.link_id is not None:
        link = await ctx.session.get(Link, participant.link_id)
        if link is not None:
            host = await ctx.session.get(LinkDomain, link.domain_id)
            short = service.page_url(host or domain, f"/{link.slug}")
    return {
        "short_url": short,
        "landing_url": service.page_url(domain, f"/invite/{participant.code}"),
        "progress_url": service.page_url(domain, f"/invite/me/{participant.token}"),
    }


async def poster_png(ctx: Ctx, participant: ReferralParticipant) -> tuple[bytes, str]:
    """The participant's share poster and its ETag: campaign art, their display name,
    the QR code of their personal short link (so the scans count as their clicks).

    A poster takes ~40 ms of CPU to draw, and members reload their page: posters are
    kept in a small in-process cache keyed by everything drawn on them (a new art,
    title or stage changes the campaign's ``updated_at`` and so the key)."""
    campaign = await service.get_campaign(ctx, participant.campaign_id)
    workspace = await ctx.session.get(Workspace, ctx.workspace_id)
    urls = await share_urls(ctx, participant)
    look = campaign.poster or {}
    drawn: dict[str, Any] = {
        "brand": workspace.name if workspace else "",
        "title": look.get("title") or campaign.name,
        "subtitle": look.get("subtitle") or "",
        "inviter": participant.display_name,
        "stages": stage_lines(await service.stages_of(ctx, campaign.id)),
        "url": urls["short_url"] or urls["landing_url"] or "",
        "code": participant.code,
        "color": look.get("color") or "#0e7c66",
    }
    key = poster.cache_key(drawn, campaign.id, campaign.updated_at.isoformat())
    cached = poster.CACHE.get(key)
    if cached is None:
        await ctx.session.refresh(campaign, ["art"])
        cached = poster.render(**drawn, art=campaign.art)
        poster.CACHE.put(key, cached)
    return cached, key
