"""Referral campaigns' part of a data-subject request.

Export: the campaigns the member took part in (display name, invite code, counts) with
the stage awards they were paid, the invitations they sent — the invited friend only
as an id and a status, never more of another person (not when the friend joined or
reached the goal) — and the invitation they joined through. Device cookies and IP
hashes stay out: they are keys for matching devices, not data about this account.

Erasure: the display name is the member's words (often their name) and shows on the
public leaderboard and in the title of their personal link; it becomes a neutral
label. The invitation they joined through loses its visitor cookie and IP hash: the
member's own visitor id is cleared for the same reason (a person who comes back on the
same phone must not be tied to the erased record). Counts, stages and awards stay
(they were paid), tied to the anonymous id. :mod:`yutang.privacy` composes both.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from yutang.kit.context import Ctx
from yutang.kit.records import plain
from yutang.links import service as links
from yutang.links.schemas import LinkPatch
from yutang.models.referrals import Invitation, ReferralCampaign, ReferralParticipant, StageAward
from yutang.referrals import service

#: What the leaderboard and the link title show for a member who was erased.
ERASED_NAME = "已注销"
#: Left out of the invitation the member joined through: device keys, and the operator
#: who reviewed it (staff, not the member).
_NOT_EXPORTED = ("ip_hash", "visitor_id", "reviewed_by")


async def export(ctx: Ctx, member_id: int) -> dict[str, Any]:
    """Section ``referrals``."""
    s = ctx.session
    ws = ctx.workspace_id
    participations = (
        await s.scalars(
            select(ReferralParticipant)
            .where(ReferralParticipant.workspace_id == ws, ReferralParticipant.member_id == member_id)
            .order_by(ReferralParticipant.id)
        )
    ).all()
    awards = (
        await s.scalars(
            select(StageAward)
            .where(StageAward.workspace_id == ws, StageAward.inviter_id == member_id)
            .order_by(StageAward.id)
        )
    ).all()
    sent = (
        await s.scalars(
            select(Invitation)
            .where(Invitation.workspace_id == ws, Invitation.inviter_id == member_id)
            .order_by(Invitation.id)
        )
    ).all()
    joined = (
        await s.scalars(
            select(Invitation)
            .where(Invitation.workspace_id == ws, Invitation.invitee_id == member_id)
            .order_by(Invitation.id)
        )
    ).all()
    return {
        "referrals": {
            "participations": [
                {
                    **plain(p, omit=("member_id", "token")),
                    "stage_awards": [
                        plain(a, omit=("inviter_id", "campaign_id"))
                        for a in awards
                        if a.campaign_id == p.campaign_id
                    ],
                }
                for p in participations
            ],
            "invitations_sent": [
                {"id": i.id, "campaign_id": i.campaign_id, "invitee_id": i.invitee_id, "status": i.status}
                for i in sent
            ],
            "invited_by": [plain(i, omit=_NOT_EXPORTED) for i in joined],
        }
    }


async def erase(ctx: Ctx, member_id: int) -> None:
    """Replace the member's display name on every campaign and in their link's title, and
    take the device keys off the invitation they joined through.

    Runs before the member's row is locked: the declared lock order (``kit.locks``) has
    participants, then invitations, then members — a qualification holds its participant
    while it pays the inviter, so locking the member first could deadlock with it."""
    s = ctx.session
    ws = ctx.workspace_id
    rows = await s.execute(
        select(ReferralParticipant.id, ReferralCampaign.name)
        .join(ReferralCampaign, ReferralCampaign.id == ReferralParticipant.campaign_id)
        .where(ReferralParticipant.workspace_id == ws, ReferralParticipant.member_id == member_id)
        .order_by(ReferralParticipant.id)
    )
    for participant_id, campaign_name in rows.all():
        participant = await service.get_participant(ctx, participant_id, lock=True)
        participant.display_name = ERASED_NAME
        if participant.link_id is not None:
            title = f"{campaign_name} · {ERASED_NAME}"[:200]
            await links.update_link(ctx, participant.link_id, LinkPatch(title=title))
    invitation_ids = await s.scalars(
        select(Invitation.id)
        .where(Invitation.workspace_id == ws, Invitation.invitee_id == member_id)
        .order_by(Invitation.id)
    )
    for invitation_id in invitation_ids.all():
        invitation = await service.get_invitation(ctx, invitation_id, lock=True)
        invitation.visitor_id = None
        invitation.ip_hash = None
    await s.flush()
