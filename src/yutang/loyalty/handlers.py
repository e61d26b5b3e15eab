"""Outbox handlers of loyalty: earn rules pay on orders, joins and activities, refunds take
points back, and tiers upgrade at once when the programme's metric moves.

The handler names are stored in the receipts of events already handled: they stay as
they are (``loyalty.earn_on_member.activity`` …) whatever the functions are called.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.commerce.events import OrderPaid, OrderRefunded
from yutang.kit import events
from yutang.loyalty import tiers
from yutang.loyalty.earning import Occasion, apply_rules, claw_back_order, earn_on_activity
from yutang.loyalty.events import MemberActivity, PointsEarned
from yutang.members.events import FormSubmitted, MemberJoined
from yutang.models.commerce import Order, OrderItem
from yutang.models.platform import OutboxEvent

_ctx = events.handler_ctx


# --- earn rules -------------------------------------------------------------------------


@events.on(OrderPaid, name="loyalty.earn_on_order")
async def _on_order_paid(session: AsyncSession, ev: OutboxEvent) -> None:
    paid = OrderPaid.read(ev)
    if paid.member_id is None:
        return
    order = await session.get(Order, paid.order_id)
    if order is None:
        return
    items = list((await session.scalars(select(OrderItem).where(OrderItem.order_id == order.id))).all())
    occ = Occasion(
        "order_paid",
        paid.member_id,
        f"order:{order.id}",
        order.paid_at,
        ref=("order", str(order.id)),
        items=items,
        total_cents=order.total_cents,
    )
    await apply_rules(_ctx(session, ev), occ)


@events.on(OrderRefunded, name="loyalty.clawback_on_refund")
async def _on_order_refunded(session: AsyncSession, ev: OutboxEvent) -> None:
    await claw_back_order(_ctx(session, ev), OrderRefunded.read(ev))


@events.on(MemberJoined, name="loyalty.earn_on_signup")
async def _on_joined(session: AsyncSession, ev: OutboxEvent) -> None:
    member_id = MemberJoined.read(ev).member_id
    await apply_rules(_ctx(session, ev), Occasion("signup", member_id, "signup", ev.created_at))


@events.on(MemberActivity, name="loyalty.earn_on_member.activity")
async def _on_activity(session: AsyncSession, ev: OutboxEvent) -> None:
    activity = MemberActivity.read(ev)  # the trigger is the activity's type (checkin, post …)
    await earn_on_activity(
        _ctx(session, ev), ev, activity.type, activity.member_id, activity.external_id, activity.name
    )


@events.on(FormSubmitted, name="loyalty.earn_on_form.submitted")
async def _on_form(session: AsyncSession, ev: OutboxEvent) -> None:
    form = FormSubmitted.read(ev)
    await earn_on_activity(_ctx(session, ev), ev, "form_submitted", form.member_id, form.external_id, None)


# The earn rules of the ``referral`` trigger run on ``invitation.qualified``: referrals sits
# above loyalty, so its handlers module registers that one (under loyalty's handler name).


# --- tiers: upgrade at once -------------------------------------------------------------


async def _upgrade(session: AsyncSession, ev: OutboxEvent, member_id: int | None, metric: str) -> None:
    """Reassess the member's tier when this event moves the programme's ``metric``."""
    if member_id is None:
        return
    ctx = _ctx(session, ev)
    if (await tiers.program(ctx)).metric != metric:
        return  # this event cannot change the programme's metric
    await tiers.reassess(ctx, member_id)


@events.on(OrderPaid, name="tiers.upgrade_on_order.paid")
async def _upgrade_on_spend(session: AsyncSession, ev: OutboxEvent) -> None:
    await _upgrade(session, ev, OrderPaid.read(ev).member_id, "spend")


@events.on(PointsEarned, name="tiers.upgrade_on_points.earned")
async def _upgrade_on_points(session: AsyncSession, ev: OutboxEvent) -> None:
    await _upgrade(session, ev, PointsEarned.read(ev).member_id, "points")
