"""Paid membership (付费会员; seed: pay 1,000, receive a 1,500 gift pack).

A purchase is idempotent on its payment reference. The first purchase of a plan (or
one after the last term ended) starts a subscription and hands out the welcome gift —
points and coupons; buying again while active is a renewal: the end moves one period
on, without a second gift. The hourly job announces ``membership.expiring``
``remind_days`` before the end (once per term) and ends lapsed subscriptions with
``membership.expired``. While a subscription is active its plan's benefits apply.
"""

from __future__ import annotations

import calendar
from datetime import datetime
from typing import Any

from sqlalchemy import select

from yutang.commerce.errors import PAYMENT_CONFLICT
from yutang.coupons import service as coupons
from yutang.kit import audit, events, lookup
from yutang.kit.context import Ctx
from yutang.kit.errors import INVALID_AMOUNT, REASON_REQUIRED, BadRequest, Conflict, NotFound
from yutang.loyalty import service as points
from yutang.members import service as members
from yutang.membership.errors import INVALID_PLAN, PLAN_INACTIVE, UNKNOWN_PLAN, UNKNOWN_SUBSCRIPTION
from yutang.membership.events import (
    MembershipExpired,
    MembershipExpiring,
    MembershipPurchased,
    MembershipRenewed,
)
from yutang.models.base import utcnow
from yutang.models.membership import PERIODS, MembershipPlan, Subscription, SubscriptionPayment

MONTHS = {"month": 1, "quarter": 3, "year": 12}


def add_period(at: datetime, period: str) -> datetime:
    months = at.month - 1 + MONTHS[period]
    year, month = at.year + months // 12, months % 12 + 1
    return at.replace(year=year, month=month, day=min(at.day, calendar.monthrange(year, month)[1]))


async def _check_plan(ctx: Ctx, data: dict[str, Any]) -> None:
    """Refuse a plan (as it would be once made or changed) before anything is written."""
    if data["period"] not in PERIODS:
        raise BadRequest(f"The period is one of {', '.join(PERIODS)}.", code=INVALID_PLAN)
    if data["price_cents"] <= 0:
        raise BadRequest("A plan has a positive price.", code=INVALID_AMOUNT)
    if data.get("gift_points", 0) < 0:
        raise BadRequest("Gift points are 0 or more.", code=INVALID_AMOUNT)
    for template_id in data.get("gift_coupon_template_ids") or []:
        await coupons.get_template(ctx, template_id)
    from yutang.loyalty import tiers

    await tiers.check_benefits(ctx, data.get("benefits") or {}, code=INVALID_PLAN, flags=True)


async def create_plan(ctx: Ctx, data: dict[str, Any]) -> MembershipPlan:
    await _check_plan(ctx, data)
    plan = MembershipPlan(workspace_id=ctx.workspace_id, **data)
    ctx.session.add(plan)
    await ctx.session.flush()
    audit.record(ctx, "membership_plan.created", "membership_plan", plan.id, {"name": plan.name})
    return plan


async def get_plan(ctx: Ctx, plan_id: int) -> MembershipPlan:
    return await lookup.one(ctx, MembershipPlan, plan_id, code=UNKNOWN_PLAN, what="membership plan")


#: The fields of a plan that :func:`update_plan` changes.
PLAN_CHANGES = (
    "name",
    "price_cents",
    "period",
    "gift_points",
    "gift_coupon_template_ids",
    "benefits",
    "remind_days",
    "active",
)


async def update_plan(ctx: Ctx, plan_id: int, values: dict[str, Any]) -> MembershipPlan:
    """Change a plan: what it costs and how long a term is apply to purchases and renewals
    from now on, the welcome gift to new terms; subscriptions keep the ends they have. Its
    benefits are read while a subscription is active, so they change for current members
    too. ``active: False`` stops selling it (``plan_inactive``). The whole plan is checked
    as on creation before anything is written."""
    plan = await get_plan(ctx, plan_id)
    changes = {k: v for k, v in values.items() if k in PLAN_CHANGES}
    merged = {k: getattr(plan, k) for k in PLAN_CHANGES} | changes
    await _check_plan(ctx, merged)
    for key, value in changes.items():
        setattr(plan, key, value)
    await ctx.session.flush()
    audit.record(ctx, "membership_plan.updated", "membership_plan", plan.id, changes)
    return plan


async def purchase(
    ctx: Ctx,
    member_id: int,
    plan_id: int,
    *,
    payment_ref: str,
    amount_cents: int | None = None,
    now: datetime | None = None,
) -> tuple[Subscription, bool]:
    """Record a paid purchase or renewal. Returns (subscription, new_term_started)."""
    now = now or utcnow()
    member = await members.active_member(ctx, member_id, lock=True)
    plan = await get_plan(ctx, plan_id)
    paid = plan.price_cents if amount_cents is None else amount_cents
    if paid != plan.price_cents:
        raise BadRequest(f"The plan costs {plan.price_cents} cents; {paid} were paid.", code=INVALID_AMOUNT)
    done = await ctx.session.scalar(
        select(SubscriptionPayment).where(
            SubscriptionPayment.workspace_id == ctx.workspace_id,
            SubscriptionPayment.payment_ref == payment_ref,
        )
    )
    if done is not None:
        sub = await ctx.session.get(Subscription, done.subscription_id)
        assert sub is not None
        if sub.member_id != member.id or sub.plan_id != plan.id:
            raise Conflict("This payment was recorded for another purchase.", code=PAYMENT_CONFLICT)
        return sub, False
    if not plan.active:
        raise Conflict("This plan is not on sale.", code=PLAN_INACTIVE)
    current = await ctx.session.scalar(
        select(Subscription)
        .where(
            Subscription.member_id == member.id,
            Subscription.plan_id == plan.id,
            Subscription.status == "active",
            Subscription.ends_at > now,
        )
        .order_by(Subscription.id.desc())
        .limit(1)
    )
    new_term = current is None
    if current is None:
        current = Subscription(
            workspace_id=ctx.workspace_id,
            member_id=member.id,
            plan_id=plan.id,
            status="active",
            started_at=now,
            ends_at=add_period(now, plan.period),
        )
        ctx.session.add(current)
        start = now
    else:
        start = current.ends_at
        current.ends_at = add_period(current.ends_at, plan.period)
        current.renewals += 1
    await ctx.session.flush()
    ctx.session.add(
        SubscriptionPayment(
            workspace_id=ctx.workspace_id,
            subscription_id=current.id,
            payment_ref=payment_ref,
            amount_cents=paid,
            period_start=start,
            period_end=current.ends_at,
        )
    )
    await ctx.session.flush()
    if new_term:
        if plan.gift_points:
            await points.earn(
                ctx,
                member.id,
                plan.gift_points,
                reason=f"{plan.name} welcome gift",
                ref=("subscription", str(current.id)),
                dedupe_key=f"plan-gift:{payment_ref}",
                now=now,
            )
        for template_id in plan.gift_coupon_template_ids:
            await coupons.issue(ctx, template_id, member.id, source=f"plan:{plan.id}", now=now)
    term = MembershipPurchased if new_term else MembershipRenewed
    events.emit(
        ctx,
        term(
            member_id=member.id,
            plan_id=plan.id,
            subscription_id=current.id,
            ends_at=current.ends_at.isoformat(),
            amount_cents=paid,
        ),
    )
    return current, new_term


async def active_subscriptions(ctx: Ctx, member_id: int, now: datetime | None = None) -> list[Subscription]:
    now = now or utcnow()
    rows = await ctx.session.scalars(
        select(Subscription)
        .where(
            Subscription.workspace_id == ctx.workspace_id,
            Subscription.member_id == member_id,
            Subscription.status == "active",
            Subscription.ends_at > now,
        )
        .order_by(Subscription.id)
    )
    return list(rows.all())


async def cancel(ctx: Ctx, subscription_id: int, reason: str) -> Subscription:
    if not reason.strip():
        raise BadRequest("Cancelling needs a reason.", code=REASON_REQUIRED)
    sub = await ctx.session.scalar(
        select(Subscription).where(
            Subscription.workspace_id == ctx.workspace_id, Subscription.id == subscription_id
        )
    )
    if sub is None:
        raise NotFound(f"No subscription {subscription_id}.", code=UNKNOWN_SUBSCRIPTION)
    sub.status = "cancelled"
    await ctx.session.flush()
    audit.record(ctx, "subscription.cancelled", "subscription", sub.id, {"reason": reason})
    return sub


async def remind_and_expire(ctx: Ctx, *, now: datetime | None = None) -> tuple[int, int]:
    """The hourly job: announce coming ends (once per term) and end lapsed subscriptions."""
    now = now or utcnow()
    reminded = expired = 0
    rows = (
        await ctx.session.execute(
            select(Subscription, MembershipPlan.remind_days)
            .join(MembershipPlan, MembershipPlan.id == Subscription.plan_id)
            .where(Subscription.workspace_id == ctx.workspace_id, Subscription.status == "active")
        )
    ).all()
    from datetime import timedelta

    for sub, remind_days in rows:
        if sub.ends_at <= now:
            sub.status = "expired"
            expired += 1
            events.emit(
                ctx,
                MembershipExpired(member_id=sub.member_id, subscription_id=sub.id, plan_id=sub.plan_id),
            )
        elif sub.ends_at - timedelta(days=remind_days) <= now and sub.reminded_for != sub.ends_at:
            sub.reminded_for = sub.ends_at
            reminded += 1
            events.emit(
                ctx,
                MembershipExpiring(
                    member_id=sub.member_id,
                    subscription_id=sub.id,
                    plan_id=sub.plan_id,
                    ends_at=sub.ends_at.isoformat(),
                ),
            )
    await ctx.session.flush()
    return reminded, expired


async def benefits(ctx: Ctx, member_id: int, now: datetime | None = None) -> dict[str, Any]:
    """What the member enjoys now: their tier's benefits, then active plans' on top
    (a larger multiplier or discount wins; flags combine)."""
    from yutang.loyalty import tiers

    member = await members.get_member(ctx, member_id)
    combined: dict[str, Any] = {}
    sources: list[str] = []
    if member.tier_id is not None:
        tier = await tiers.get_tier(ctx, member.tier_id)
        combined.update(tier.benefits)
        sources.append(f"tier:{tier.id}")
    for sub in await active_subscriptions(ctx, member_id, now):
        plan = await get_plan(ctx, sub.plan_id)
        sources.append(f"plan:{plan.id}")
        for key, value in plan.benefits.items():
            old = combined.get(key)
            if (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and isinstance(old, int | float)
            ):
                combined[key] = max(old, value)
            elif isinstance(value, list) and isinstance(old, list):
                combined[key] = [*old, *[v for v in value if v not in old]]
            else:
                combined[key] = value if old is None or value else old
    return {"member_id": member_id, "benefits": combined, "from": sources}
