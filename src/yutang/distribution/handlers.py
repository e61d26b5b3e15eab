"""Outbox handlers of distribution: commissions on orders and refunds, entry by task or
purchase, and binding referral invitees to the inviting distributor."""

from __future__ import annotations

import contextlib

from sqlalchemy.ext.asyncio import AsyncSession

from yutang.distribution import commissions, service
from yutang.kit import events
from yutang.kit.errors import YutangError
from yutang.members import service as members
from yutang.models.platform import OutboxEvent

_ctx = events.handler_ctx


@events.on("order.paid", name="distribution.commission_on_order")
async def _on_order(session: AsyncSession, ev: OutboxEvent) -> None:
    member_id = ev.payload.get("member_id")
    if member_id is None:
        return
    ctx = _ctx(session, ev)
    order_id = int(ev.payload["order_id"])
    # Lock order: the buyer, then the order, then distributors (entry paths lock the buyer).
    await members.get_member(ctx, int(member_id), lock=True)
    # Commission first: an order that makes its buyer a distributor pays their upline,
    # never the buyer themselves.
    await commissions.on_order_paid(ctx, order_id)
    await service.check_purchase_entry(ctx, int(member_id), order_id)
    await service.check_task_entry(ctx, int(member_id))


@events.on("order.refunded", name="distribution.reverse_on_refund")
async def _on_refund(session: AsyncSession, ev: OutboxEvent) -> None:
    await commissions.on_order_refunded(_ctx(session, ev), ev.payload)


@events.on("member.activity", name="distribution.checkin_streak")
async def _on_activity(session: AsyncSession, ev: OutboxEvent) -> None:
    if ev.payload.get("type") != "checkin":
        return
    ctx = _ctx(session, ev)
    member_id = int(ev.payload["member_id"])
    days = await service.record_checkin(ctx, member_id, ev.created_at)
    await service.check_task_entry(ctx, member_id, streak_days=days)


@events.on("invitation.joined", name="distribution.bind_invitee")
async def _on_invited(session: AsyncSession, ev: OutboxEvent) -> None:
    ctx = _ctx(session, ev)
    if not (await service.settings(ctx)).bind_invitees:
        return
    dist = await service.of_member(ctx, int(ev.payload["inviter_id"]))
    if dist is None or dist.status != "active":
        return
    # Bound already (the first binding stays), or the invitee left: nothing to do.
    with contextlib.suppress(YutangError):
        await service.bind(ctx, int(ev.payload["invitee_id"]), dist, "referral")
