"""Outbox handlers of distribution: commissions on orders and refunds, entry by task or
purchase, and binding referral invitees to the inviting distributor."""

from __future__ import annotations

import contextlib

from sqlalchemy.ext.asyncio import AsyncSession

from yutang.commerce.events import OrderPaid, OrderRefunded
from yutang.distribution import commissions, service
from yutang.kit import events
from yutang.kit.errors import YutangError
from yutang.loyalty.events import MemberActivity
from yutang.members import service as members
from yutang.models.platform import OutboxEvent
from yutang.referrals.events import InvitationJoined

_ctx = events.handler_ctx


@events.on(OrderPaid, name="distribution.commission_on_order")
async def _on_order(session: AsyncSession, ev: OutboxEvent) -> None:
    paid = OrderPaid.read(ev)
    if paid.member_id is None:
        return
    ctx = _ctx(session, ev)
    # Lock order: the buyer, then the order, then distributors (entry paths lock the buyer).
    await members.get_member(ctx, paid.member_id, lock=True)
    # Commission first: an order that makes its buyer a distributor pays their upline,
    # never the buyer themselves.
    await commissions.on_order_paid(ctx, paid.order_id)
    await service.check_purchase_entry(ctx, paid.member_id, paid.order_id)
    await service.check_task_entry(ctx, paid.member_id)


@events.on(OrderRefunded, name="distribution.reverse_on_refund")
async def _on_refund(session: AsyncSession, ev: OutboxEvent) -> None:
    await commissions.on_order_refunded(_ctx(session, ev), OrderRefunded.read(ev))


@events.on(MemberActivity, name="distribution.checkin_streak")
async def _on_activity(session: AsyncSession, ev: OutboxEvent) -> None:
    activity = MemberActivity.read(ev)
    if activity.type != "checkin":
        return
    ctx = _ctx(session, ev)
    days = await service.record_checkin(ctx, activity.member_id, ev.created_at)
    await service.check_task_entry(ctx, activity.member_id, streak_days=days)


@events.on(InvitationJoined, name="distribution.bind_invitee")
async def _on_invited(session: AsyncSession, ev: OutboxEvent) -> None:
    joined = InvitationJoined.read(ev)
    ctx = _ctx(session, ev)
    if joined.invitee_id is None or not (await service.settings(ctx)).bind_invitees:
        return
    dist = await service.of_member(ctx, joined.inviter_id)
    if dist is None or dist.status != "active":
        return
    # Bound already (the first binding stays), or the invitee left: nothing to do.
    with contextlib.suppress(YutangError):
        await service.bind(ctx, joined.invitee_id, dist, "referral")
