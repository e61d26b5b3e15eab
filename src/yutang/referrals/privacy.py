"""Referral campaigns' part of a data-subject request.

Export: the campaigns the member took part in (display name, invite code, counts), the
invitations they sent — the invited friend only as an id and a status, never more of
another person — and the invitation they joined through. Device cookies and IP hashes
stay out: they identify devices, not this person's account.

Erasure: the display name is the member's words (often their name) and shows on the
public leaderboard and in the title of their personal link; it becomes a neutral
label. Counts, stages and awards stay (they were paid), tied to the anonymous id.
:mod:`yutang.privacy` composes both.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from yutang.kit.context import Ctx
from yutang.kit.records import plain
from yutang.links import service as links
from yutang.links.schemas import LinkPatch
from yutang.models.referrals import Invitation, ReferralCampaign, ReferralParticipant

#: What the leaderboard and the link title show for a member who was erased.
ERASED_NAME = "已注销"
_DEVICE = ("ip_hash", "visitor_id")


async def export(ctx: Ctx, member_id: int) -> dict[str, Any]:
    """Section ``referrals``."""
    s = ctx.session
    participations = (
        await s.scalars(
            select(ReferralParticipant)
            .where(
                ReferralParticipant.workspace_id == ctx.workspace_id,
                ReferralParticipant.member_id == member_id,
            )
            .order_by(ReferralParticipant.id)
        )
    ).all()
    invitations = (
        await s.scalars(
            select(Invitation)
            .where(
                Invitation.workspace_id == ctx.workspace_id,
                or_(Invitation.inviter_id == member_id, Invitation.invitee_id == member_id),
            )
            .order_by(Invitation.id)
        )
    ).all()
    return {
        "referrals": {
            "participations": [plain(p, omit=("member_id", "token")) for p in participations],
            "invitations_sent": [
                {
                    "id": i.id,
                    "campaign_id": i.campaign_id,
                    "invitee_id": i.invitee_id,
                    "status": i.status,
                    "joined_at": i.joined_at.isoformat() if i.joined_at else None,
                    "qualified_at": i.qualified_at.isoformat() if i.qualified_at else None,
                }
                for i in invitations
                if i.inviter_id == member_id
            ],
            "invited_by": [plain(i, omit=_DEVICE) for i in invitations if i.invitee_id == member_id],
        }
    }


async def erase(ctx: Ctx, member_id: int) -> None:
    """Replace the member's display name on every campaign, and in their link's title."""
    s = ctx.session
    rows = await s.execute(
        select(ReferralParticipant, ReferralCampaign.name)
        .join(ReferralCampaign, ReferralCampaign.id == ReferralParticipant.campaign_id)
        .where(
            ReferralParticipant.workspace_id == ctx.workspace_id, ReferralParticipant.member_id == member_id
        )
    )
    for participant, campaign_name in rows.all():
        participant.display_name = ERASED_NAME
        if participant.link_id is not None:
            title = f"{campaign_name} · {ERASED_NAME}"[:200]
            await links.update_link(ctx, participant.link_id, LinkPatch(title=title))
    await s.flush()
