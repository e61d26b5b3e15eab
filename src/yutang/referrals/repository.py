"""Reads of the referrals domain that endpoints need."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.kit.pagination import paginate
from yutang.models.referrals import Invitation, ReferralCampaign


async def art_of(session: AsyncSession, campaign_id: int) -> bytes | None:
    """The campaign's poster art (a deferred column, loaded on its own)."""
    found: bytes | None = await session.scalar(
        select(ReferralCampaign.art).where(ReferralCampaign.id == campaign_id)
    )
    return found


async def has_art(session: AsyncSession, campaign_id: int) -> bool:
    """Whether the campaign has its own poster art (without loading the picture)."""
    found = await session.scalar(
        select(ReferralCampaign.art.is_not(None)).where(ReferralCampaign.id == campaign_id)
    )
    return bool(found)


async def invitations(
    session: AsyncSession,
    campaign_id: int,
    *,
    status: str | None,
    inviter_id: int | None,
    cursor: str | None,
    limit: int,
) -> Sequence[Invitation]:
    """One page of a campaign's invitations, newest first (one row more than ``limit``)."""
    stmt = select(Invitation).where(Invitation.campaign_id == campaign_id)
    if status:
        stmt = stmt.where(Invitation.status == status)
    if inviter_id is not None:
        stmt = stmt.where(Invitation.inviter_id == inviter_id)
    return (await session.scalars(paginate(stmt, Invitation.id, cursor, limit))).all()


async def held_invitations(
    session: AsyncSession, workspace_id: int, *, campaign_id: int | None, cursor: str | None, limit: int
) -> Sequence[Invitation]:
    """The review queue: held invitations of the workspace (or of one campaign),
    newest first, one row more than ``limit``."""
    stmt = select(Invitation).where(Invitation.workspace_id == workspace_id, Invitation.status == "held")
    if campaign_id is not None:
        stmt = stmt.where(Invitation.campaign_id == campaign_id)
    return (await session.scalars(paginate(stmt, Invitation.id, cursor, limit))).all()
