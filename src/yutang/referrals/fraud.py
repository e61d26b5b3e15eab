"""Anti-fraud rules of referral campaigns, each with a stable reason code.

Two verdicts: **reject** (the invitation can never pay) and **hold** (an operator
approves or rejects it). Checked when an invitee is attached to an inviter.

==================  =======  ==========================================================
reason              verdict  when
==================  =======  ==========================================================
``self_invite``     reject   the invitee is the inviter, or used the inviter's device
``known_member``    reject   the invitee was a member before this invitation
``shared_device``   hold     the device cookie already brought ``device_limit`` invitees
``shared_ip``       hold     the IP hash already brought ``ip_limit`` invitees
``invite_ring``     hold     the invitee is upstream of the inviter (A → B → A, cycles)
``burst``           hold     the inviter gained ``burst_limit`` joins within minutes
==================  =======  ==========================================================

A ring almost always involves a known member too (the upstream member joined
first), so it usually comes with ``known_member`` and the invitation is rejected;
the ring's reason is kept beside it. Device and IP counts are per campaign (a
device farm serving several inviters is caught too) within ``window_hours``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from yutang.kit.context import Ctx
from yutang.models.members import Member
from yutang.models.referrals import LIVE_STATUSES, Invitation, ReferralCampaign

REJECT_REASONS = ("self_invite", "known_member")
HOLD_REASONS = ("shared_device", "shared_ip", "invite_ring", "burst")
#: How far up the referral graph a ring is looked for.
RING_DEPTH = 32
DEFAULTS: dict[str, int] = {
    "device_limit": 1,
    "ip_limit": 3,
    "window_hours": 24,
    "burst_limit": 10,
    "burst_minutes": 10,
}


@dataclass
class Verdict:
    reject: list[str] = field(default_factory=list)
    hold: list[str] = field(default_factory=list)


def settings(campaign: ReferralCampaign) -> dict[str, Any]:
    return {**DEFAULTS, **(campaign.fraud or {})}


async def _count(ctx: Ctx, campaign_id: int, exclude: int, *where: Any) -> int:
    return int(
        await ctx.session.scalar(
            select(func.count())
            .select_from(Invitation)
            .where(
                Invitation.campaign_id == campaign_id,
                Invitation.id != exclude,
                Invitation.invitee_id.is_not(None),
                *where,
            )
        )
        or 0
    )


async def upstream_of(ctx: Ctx, member_id: int, *, depth: int = RING_DEPTH) -> list[int]:
    """Who invited ``member_id``, who invited them … (any campaign of the workspace)."""
    chain: list[int] = []
    seen = {member_id}
    current = member_id
    for _ in range(depth):
        inviter = await ctx.session.scalar(
            select(Invitation.inviter_id)
            .where(
                Invitation.workspace_id == ctx.workspace_id,
                Invitation.invitee_id == current,
                Invitation.status.in_(LIVE_STATUSES),
            )
            .order_by(Invitation.id)
            .limit(1)
        )
        if inviter is None or inviter in seen:
            break
        chain.append(inviter)
        seen.add(inviter)
        current = inviter
    return chain


async def judge(
    ctx: Ctx,
    campaign: ReferralCampaign,
    inv: Invitation,
    inviter: Member,
    invitee: Member,
    *,
    new_member: bool,
    now: datetime,
) -> Verdict:
    v = Verdict()
    rules = settings(campaign)
    if invitee.id == inviter.id or (
        inv.visitor_id is not None and inviter.visitor_id is not None and inv.visitor_id == inviter.visitor_id
    ):
        v.reject.append("self_invite")
    if v.reject:
        return v
    if not new_member:
        v.reject.append("known_member")
    # The rest is reported even beside a rejection: a ring shows up as a ring.
    since = now - timedelta(hours=int(rules["window_hours"]))
    if inv.visitor_id and (
        await _count(
            ctx, campaign.id, inv.id, Invitation.visitor_id == inv.visitor_id, Invitation.joined_at >= since
        )
        >= int(rules["device_limit"])
    ):
        v.hold.append("shared_device")
    if inv.ip_hash and (
        await _count(
            ctx, campaign.id, inv.id, Invitation.ip_hash == inv.ip_hash, Invitation.joined_at >= since
        )
        >= int(rules["ip_limit"])
    ):
        v.hold.append("shared_ip")
    if invitee.id in await upstream_of(ctx, inviter.id):
        v.hold.append("invite_ring")
    burst_since = now - timedelta(minutes=int(rules["burst_minutes"]))
    if await _count(
        ctx,
        campaign.id,
        inv.id,
        Invitation.participant_id == inv.participant_id,
        Invitation.joined_at >= burst_since,
    ) >= int(rules["burst_limit"]):
        v.hold.append("burst")
    return v
