"""Paid membership's part of a data-subject export: the member's subscriptions with their
payments. Erasure keeps them (they were paid), tied to the anonymous id.
:mod:`yutang.privacy` composes it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from yutang.kit.context import Ctx
from yutang.kit.records import plain
from yutang.models.membership import Subscription, SubscriptionPayment


async def export(ctx: Ctx, member_id: int) -> dict[str, Any]:
    """Section ``subscriptions``, oldest first, each with its ``payments``."""
    subs = (
        await ctx.session.scalars(
            select(Subscription)
            .where(Subscription.workspace_id == ctx.workspace_id, Subscription.member_id == member_id)
            .order_by(Subscription.id)
        )
    ).all()
    ids = [s.id for s in subs]
    payments = (
        (
            await ctx.session.scalars(
                select(SubscriptionPayment)
                .where(SubscriptionPayment.subscription_id.in_(ids))
                .order_by(SubscriptionPayment.id)
            )
        ).all()
        if ids
        else []
    )
    return {
        "subscriptions": [
            {
                **plain(s, omit=("member_id",)),
                "payments": [
                    plain(p, omit=("subscription_id",)) for p in payments if p.subscription_id == s.id
                ],
            }
            for s in subs
        ]
    }
