"""Outbox handlers of referral campaigns: attribution on join, goals, revocation.

Each runs inside the dispatcher's savepoint with its receipt, so a redelivered event
moves nothing twice (and the services below are idempotent on their own as well).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.commerce.events import OrderPaid
from yutang.kit import events
from yutang.loyalty.earning import earn_on_activity
from yutang.loyalty.events import MemberActivity
from yutang.members.events import FormSubmitted, MemberErased, MemberJoined, MemberUpdated
from yutang.models.commerce import Order
from yutang.models.members import Member
from yutang.models.platform import OutboxEvent
from yutang.models.referrals import Invitation
from yutang.referrals import service
from yutang.referrals.events import InvitationQualified


class AttributionPending(RuntimeError):
    """The member's join is not attributed yet (its event failed or another worker has
    it): this goal event is retried later instead of being judged without it."""


async def _joins_pending(session: AsyncSession, member_ids: set[int], before: int) -> set[int]:
    """Of these members, those whose ``member.joined`` (older than event ``before``) is
    still waiting in the outbox."""
    if not member_ids:
        return set()
    rows = await session.scalars(
        select(OutboxEvent.payload["member_id"].as_integer()).where(
            OutboxEvent.dispatched_at.is_(None),
            OutboxEvent.attempts < events.MAX_ATTEMPTS,  # a join given up on holds nothing back
            OutboxEvent.type == MemberJoined.type_name,
            OutboxEvent.id < before,
            OutboxEvent.payload["member_id"].as_integer().in_(member_ids),
        )
    )
    return {int(m) for m in rows.all() if m is not None}


async def _goal(
    session: AsyncSession, ev: OutboxEvent, member_id: int, kind: str, facts: dict[str, Any]
) -> None:
    if await _joins_pending(session, {member_id}, ev.id):
        raise AttributionPending(f"member {member_id} joined in an event not handled yet")
    await service.goal_reached(_ctx(session, ev), member_id, kind, facts, ev.created_at)


_ctx = events.handler_ctx


@events.on(MemberJoined, name="referrals.attribute_on_join")
async def _on_joined(session: AsyncSession, ev: OutboxEvent) -> None:
    await service.on_member_joined(_ctx(session, ev), MemberJoined.read(ev).member_id, ev.created_at)


@events.on(FormSubmitted, name="referrals.goal_form")
async def _on_form(session: AsyncSession, ev: OutboxEvent) -> None:
    form = FormSubmitted.read(ev)
    await _goal(session, ev, form.member_id, "form", {"form_id": form.form_id})


@events.on(MemberActivity, name="referrals.goal_checkin")
async def _on_checkin(session: AsyncSession, ev: OutboxEvent) -> None:
    activity = MemberActivity.read(ev)
    if activity.type != "checkin":
        return
    await _goal(session, ev, activity.member_id, "checkin", {})


#: Events that are never an invitee's goal (the campaign's own; their member_id is the inviter).
NOT_GOALS = ("invitation.", "referral.")


def _about_a_member(ev: OutboxEvent) -> int | None:
    member_id = ev.payload.get("member_id")
    if not isinstance(member_id, int) or ev.workspace_id is None or ev.type.startswith(NOT_GOALS):
        return None
    return member_id


async def _invitees_only(session: AsyncSession, batch: list[OutboxEvent]) -> set[int]:
    """One query per batch: only events about members with an open invitation matter.

    The filter sees every event of the batch, member.joined included (it is not one of
    this handler's own types, but the "*" registration hands it every type)."""
    about = {ev.id: m for ev in batch if (m := _about_a_member(ev)) is not None}
    if not about:
        return set()
    # Members who join in this very batch get their invitation from an earlier event of
    # it (attribution on join): their later events count too.
    joining = {MemberJoined.read(ev).member_id for ev in batch if ev.type == MemberJoined.type_name}
    # … and members whose join an earlier batch has not handled yet (the handler waits).
    joining |= await _joins_pending(session, set(about.values()), max(about))
    open_ = set(
        (
            await session.scalars(
                select(Invitation.invitee_id).where(
                    Invitation.invitee_id.in_(set(about.values())),
                    Invitation.status.in_(("joined", "held")),
                    Invitation.goal_met_at.is_(None),
                )
            )
        ).all()
    )
    return {event_id for event_id, m in about.items() if m in open_ or m in joining}


@events.on("*", name="referrals.goal_event", batch_filter=_invitees_only)
async def _on_any_event(session: AsyncSession, ev: OutboxEvent) -> None:
    """Goals of kind ``event``: any domain event about a member who is someone's invitee."""
    member_id = _about_a_member(ev)
    if member_id is None:
        return
    await _goal(session, ev, member_id, "event", {"type": ev.type, "payload": ev.payload})


@events.on(OrderPaid, name="referrals.goal_order")
async def _on_order(session: AsyncSession, ev: OutboxEvent) -> None:
    paid = OrderPaid.read(ev)
    if paid.member_id is None:
        return
    earlier = await session.scalar(
        select(func.count())
        .select_from(Order)
        .where(Order.member_id == paid.member_id, Order.id < paid.order_id)
    )
    facts = {"total_cents": paid.total_cents, "first_order": not earlier}
    await _goal(session, ev, paid.member_id, "order", facts)


@events.on(MemberUpdated, name="referrals.revoke_on_block")
async def _on_updated(session: AsyncSession, ev: OutboxEvent) -> None:
    updated = MemberUpdated.read(ev)
    if "status" not in updated.fields:
        return
    member = await session.get(Member, updated.member_id)
    if member is not None and member.status == "blocked":
        await service.revoke_for_member(_ctx(session, ev), member.id, "invitee_blocked", ev.created_at)


@events.on(InvitationQualified, name="loyalty.earn_on_invitation.qualified")
async def _pay_referral_rules(session: AsyncSession, ev: OutboxEvent) -> None:
    """Loyalty's earn rules with the ``referral`` trigger pay the inviter (``member_id``).
    Registered here because loyalty must not import referrals; the name is loyalty's, as
    stored in the receipts of events handled before."""
    qualified = InvitationQualified.read(ev)
    await earn_on_activity(
        _ctx(session, ev), ev, "referral", qualified.member_id, qualified.external_id, None
    )


@events.on(MemberErased, name="referrals.revoke_on_erase")
async def _on_erased(session: AsyncSession, ev: OutboxEvent) -> None:
    await service.revoke_for_member(
        _ctx(session, ev), MemberErased.read(ev).member_id, "invitee_erased", ev.created_at
    )
