"""Members' part of a data-subject request: the profile (with tags, static segments and
tier), the form answers and the clicks of the member's visitor cookie (export), and the
removal of all their PII (erasure).

The shape every domain's ``privacy.py`` has; :mod:`yutang.privacy` composes them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from yutang.kit import audit, events
from yutang.kit.context import Ctx
from yutang.members import forms, repository, service
from yutang.members.events import MemberErased
from yutang.models.base import utcnow
from yutang.models.members import FormSubmission, Segment, SegmentMember


async def export(ctx: Ctx, member_id: int) -> dict[str, Any]:
    """Sections ``member``, ``form_submissions`` and ``clicks``; refuses an unknown member
    (``unknown_member``), so it runs first."""
    member = await service.get_member(ctx, member_id)
    view = (await service.views(ctx, [member], pii=True))[0]
    s = ctx.session
    clicks = await repository.clicks_of(s, ctx.workspace_id, member.visitor_id) if member.visitor_id else []
    frozen_in = (
        await s.scalars(
            select(Segment.name)
            .join(SegmentMember, SegmentMember.segment_id == Segment.id)
            .where(Segment.workspace_id == ctx.workspace_id, SegmentMember.member_id == member.id)
            .order_by(Segment.id)
        )
    ).all()
    submitted = (
        await s.scalars(
            select(FormSubmission).where(FormSubmission.member_id == member.id).order_by(FormSubmission.id)
        )
    ).all()
    return {
        "member": {
            "id": member.id,
            "anonymous_id": member.anonymous_id,
            "status": member.status,
            "name": view.name,
            "identities": view.identities,
            "gender": member.gender,
            "birthday": member.birthday.isoformat() if member.birthday else None,
            "address": view.address,
            "id_number": view.id_number,
            "attributes": member.attributes,
            "tags": [f"{group}/{tag.name}" for tag, group in view.tags],
            # Static segments hold a snapshot of their members; dynamic ones are worked out
            # from the profile above each time, so nothing of them is held here.
            "segments": list(frozen_in),
            "source_channel_id": member.source_channel_id,
            "first_link_id": member.first_link_id,
            "owner_user_id": member.owner_user_id,
            "consents": member.consents,
            "joined_at": member.joined_at.isoformat(),
            "last_active_at": member.last_active_at.isoformat() if member.last_active_at else None,
            "points_balance": member.points_balance,
            "points_pending": member.points_pending,
            "tier_id": member.tier_id,
            "tier_since": member.tier_since.isoformat() if member.tier_since else None,
            "tier_grace_until": member.tier_grace_until.isoformat() if member.tier_grace_until else None,
        },
        "form_submissions": [
            {"form_id": f.form_id, "at": f.created_at.isoformat(), "answers": forms.opened(f)}
            for f in submitted
        ],
        "clicks": [
            {
                "at": c.occurred_at.isoformat(),
                "link_id": c.link_id,
                "channel_id": c.channel_id,
                "device_type": c.device_type,
                "os": c.os,
                "browser": c.browser,
                "referrer": c.referrer,
            }
            for c in clicks
        ],
    }


async def erase(ctx: Ctx, member_id: int) -> None:
    """Remove the member's PII for good and mark them ``erased`` (announced as
    ``member.erased``). Ledgers and orders stay, tied to the anonymous id. An erased
    member is left as they are."""
    member = await service.get_member(ctx, member_id, lock=True)
    if member.status == "erased":
        return
    await repository.delete_identities(ctx.session, member.id)
    await repository.remove_tags(ctx.session, member.id)
    # A static segment's snapshot is a profile of the member, like a tag: they leave it
    # (its ``frozen_count`` stays what it was when it was frozen).
    await ctx.session.execute(delete(SegmentMember).where(SegmentMember.member_id == member.id))
    # Form answers are the member's words (and may hold an ID number): gone with them.
    await ctx.session.execute(delete(FormSubmission).where(FormSubmission.member_id == member.id))
    member.name_sealed = None
    member.address_sealed = None
    member.id_number_sealed = None
    member.birthday = None
    member.gender = "unknown"
    member.attributes = {}
    member.visitor_id = None
    member.consents = {}
    member.status = "erased"
    member.erased_at = utcnow()
    await ctx.session.flush()
    audit.record(ctx, "member.erased", "member", member.id, {"anonymous_id": member.anonymous_id})
    events.emit(ctx, MemberErased(member_id=member.id, anonymous_id=member.anonymous_id))
