"""What a campaign did: progress per member, the leaderboard and the campaign's figures.

Definitions (docs/referrals.md):

* participants — members who took part; seed participants — those who were not
  themselves invited within the campaign.
* shares — human clicks on the participants' personal links.
* clicked / joined / qualified — invitations that reached that step (whatever came after).
* new members — joined invitations not rejected as ``self_invite`` or ``known_member``.
* fission rate — new members ÷ seed participants (seed 000 quotes 1032 %).
* K-factor — qualified invitations ÷ participants.
* cost per new member — what the rewards paid cost (points at the campaign's point
  cost, stored value at face value, coupons at their amount off, or each reward's
  stated ``cost_cents``) ÷ new members.
* tree depth — the longest chain of joined invitations (seed → friend → friend …).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select

from yutang.kit.context import Ctx
from yutang.models.links import Click
from yutang.models.referrals import (
    Invitation,
    ReferralCampaign,
    ReferralParticipant,
    StageAward,
)
from yutang.referrals import payouts, service
from yutang.referrals.schemas import BoardRow, Figures, ProgressOut, StageProgress

NOT_NEW = ("self_invite", "known_member")


def summary(counted: int, next_threshold: int | None, pending: int, lang: str = "zh") -> str:
    if lang.startswith("en"):
        head = f"{counted} of {next_threshold}" if next_threshold else f"{counted} qualified"
        return f"{head}, {pending} pending" if pending else head
    head = f"已邀请 {counted}/{next_threshold} 人" if next_threshold else f"已邀请 {counted} 人"
    return f"{head}，{pending} 人待完成" if pending else head


async def progress(ctx: Ctx, participant: ReferralParticipant, lang: str = "zh") -> ProgressOut:
    rows = dict(
        (
            await ctx.session.execute(
                select(Invitation.status, func.count())
                .where(Invitation.participant_id == participant.id)
                .group_by(Invitation.status)
            )
        ).all()
    )
    paid = set(
        (
            await ctx.session.scalars(
                select(StageAward.stage_id).where(
                    StageAward.campaign_id == participant.campaign_id,
                    StageAward.inviter_id == participant.member_id,
                    StageAward.status == "paid",
                )
            )
        ).all()
    )
    stages = await service.stages_of(ctx, participant.campaign_id)
    nxt = next((s.threshold for s in stages if s.threshold > participant.counted), None)
    pending = int(rows.get("joined", 0)) + int(rows.get("held", 0))
    return ProgressOut(
        campaign_id=participant.campaign_id,
        member_id=participant.member_id,
        counted=participant.counted,
        pending=pending,
        held=int(rows.get("held", 0)),
        next_threshold=nxt,
        summary=summary(participant.counted, nxt, pending, lang),
        stages=[
            StageProgress(
                threshold=s.threshold,
                name=s.name,
                reached=participant.counted >= s.threshold,
                paid=s.id in paid,
            )
            for s in stages
        ],
    )


async def leaderboard(ctx: Ctx, campaign_id: int, limit: int = 20) -> list[BoardRow]:
    await service.get_campaign(ctx, campaign_id)
    rows = (
        await ctx.session.execute(
            select(
                ReferralParticipant.member_id, ReferralParticipant.display_name, ReferralParticipant.counted
            )
            .where(ReferralParticipant.campaign_id == campaign_id, ReferralParticipant.counted > 0)
            .order_by(ReferralParticipant.counted.desc(), ReferralParticipant.id)
            .limit(limit)
        )
    ).all()
    board: list[BoardRow] = []
    for member_id, name, counted in rows:
        # Equal counts share a rank (1, 2, 2, 4).
        rank = board[-1].rank if board and board[-1].counted == counted else len(board) + 1
        board.append(BoardRow(rank=rank, member_id=member_id, display_name=name, counted=counted))
    return board


async def _tree_depth(ctx: Ctx, campaign_id: int) -> int:
    """Longest chain of joined invitations, by a recursive CTE (SQLite and PostgreSQL)."""
    edges = (
        select(Invitation.inviter_id.label("parent"), Invitation.invitee_id.label("child"))
        .where(
            Invitation.campaign_id == campaign_id,
            Invitation.invitee_id.is_not(None),
            Invitation.status.in_(("joined", "held", "qualified", "rewarded")),
        )
        .cte("edges")
    )
    roots = select(edges.c.child.label("node"), literal(1).label("depth")).where(
        edges.c.parent.not_in(select(edges.c.child))
    )
    walk = roots.cte("walk", recursive=True)
    walk = walk.union_all(
        select(edges.c.child, walk.c.depth + 1)
        .join(walk, edges.c.parent == walk.c.node)
        .where(walk.c.depth < 64)
    )
    return int(await ctx.session.scalar(select(func.coalesce(func.max(walk.c.depth), 0))) or 0)


async def figures(ctx: Ctx, campaign_id: int) -> Figures:
    campaign: ReferralCampaign = await service.get_campaign(ctx, campaign_id)
    inv = Invitation
    counts = (
        await ctx.session.execute(
            select(
                func.count(inv.clicked_at),
                func.count(inv.joined_at),
                func.sum(case((inv.qualified_at.is_not(None), 1), else_=0)),
                func.sum(case((inv.status == "rewarded", 1), else_=0)),
                func.sum(case((inv.status == "held", 1), else_=0)),
                func.sum(case((inv.status == "revoked", 1), else_=0)),
                func.sum(case((inv.status == "rejected", 1), else_=0)),
            ).where(inv.campaign_id == campaign.id)
        )
    ).one()
    clicked, joined, qualified, rewarded, held, revoked, rejected = (int(c or 0) for c in counts)
    by_reason: dict[str, int] = {}
    not_new = 0
    for reasons in (
        await ctx.session.scalars(
            select(inv.reasons).where(inv.campaign_id == campaign.id, inv.status == "rejected")
        )
    ).all():
        for r in reasons or ["unknown"]:
            by_reason[r] = by_reason.get(r, 0) + 1
        if set(reasons or []) & set(NOT_NEW):
            not_new += 1
    new_members = joined - not_new
    participants = int(
        await ctx.session.scalar(
            select(func.count())
            .select_from(ReferralParticipant)
            .where(ReferralParticipant.campaign_id == campaign.id)
        )
        or 0
    )
    invited = select(inv.invitee_id).where(
        inv.campaign_id == campaign.id, inv.invitee_id.is_not(None), inv.status.not_in(("rejected",))
    )
    seeds = int(
        await ctx.session.scalar(
            select(func.count())
            .select_from(ReferralParticipant)
            .where(
                ReferralParticipant.campaign_id == campaign.id, ReferralParticipant.member_id.not_in(invited)
            )
        )
        or 0
    )
    link_ids = select(ReferralParticipant.link_id).where(
        ReferralParticipant.campaign_id == campaign.id, ReferralParticipant.link_id.is_not(None)
    )
    shares = int(
        await ctx.session.scalar(
            select(func.count())
            .select_from(Click)
            .where(Click.link_id.in_(link_ids), Click.is_bot.is_(False))
        )
        or 0
    )
    cost = 0
    for (paid,) in (
        await ctx.session.execute(select(StageAward.payouts).where(StageAward.campaign_id == campaign.id))
    ).all():
        cost += _net_cost(paid)
    for (paid,) in (
        await ctx.session.execute(
            select(inv.invitee_payouts).where(
                inv.campaign_id == campaign.id,
                or_(inv.qualified_at.is_not(None), and_(inv.status == "revoked")),
            )
        )
    ).all():
        cost += _net_cost(paid)
    return Figures(
        campaign_id=campaign.id,
        participants=participants,
        seed_participants=seeds,
        shares=shares,
        clicked=clicked,
        joined=joined,
        new_members=new_members,
        qualified=qualified,
        rewarded=rewarded,
        held=held,
        revoked=revoked,
        rejected=rejected,
        rejected_by_reason=dict(sorted(by_reason.items())),
        fission_rate=round(new_members / seeds, 4) if seeds else None,
        k_factor=round(qualified / participants, 4) if participants else None,
        reward_cost_cents=cost,
        cost_per_new_member_cents=cost // new_members if new_members else None,
        tree_depth=await _tree_depth(ctx, campaign.id),
    )


def _net_cost(paid: list[dict[str, Any]] | None) -> int:
    return payouts.cost_of(paid or [])


def figures_csv(rows: list[Figures]) -> str:
    out = io.StringIO()
    fields = [f for f in Figures.model_fields if f != "rejected_by_reason"] + ["rejected_by_reason"]
    writer = csv.writer(out)
    writer.writerow(fields)
    for row in rows:
        data = row.model_dump()
        data["rejected_by_reason"] = ";".join(f"{k}={v}" for k, v in row.rejected_by_reason.items())
        writer.writerow(["" if data[f] is None else data[f] for f in fields])
    return out.getvalue()


#: The steps of a campaign's funnel: each counts the invitations of the step before that
#: went on, so a step never holds more than the one above it.
FUNNEL_STEPS = ("started", "joined", "qualified", "rewarded")


async def funnel(ctx: Ctx, campaign_id: int) -> list[tuple[str, int]]:
    """The campaign's invitations by how far they went: ``started`` — every invitation
    (a click on a personal link or a code given when joining); ``joined`` — the friend
    joined; ``qualified`` — joined and reached the goal; ``rewarded`` — qualified and
    paid. (Shares, clicks on the personal links, count visits rather than invitations and
    stand beside the funnel, not in it.)"""
    campaign = await service.get_campaign(ctx, campaign_id)
    inv = Invitation
    joined = inv.joined_at.is_not(None)
    qualified = and_(joined, inv.qualified_at.is_not(None))
    row = (
        await ctx.session.execute(
            select(
                func.count(),
                func.sum(case((joined, 1), else_=0)),
                func.sum(case((qualified, 1), else_=0)),
                func.sum(case((and_(qualified, inv.status == "rewarded"), 1), else_=0)),
            ).where(inv.campaign_id == campaign.id)
        )
    ).one()
    return list(zip(FUNNEL_STEPS, (int(n or 0) for n in row), strict=True))
