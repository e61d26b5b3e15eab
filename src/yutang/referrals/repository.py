"""Reads of the referrals domain that endpoints need."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.kit.pagination import paginate
from yutang.models.referrals import Invitation, ReferralCampaign


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
