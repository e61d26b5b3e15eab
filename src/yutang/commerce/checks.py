"""Commerce: the members' spend and order counts agree with their orders, and wallets
with their ledger (run by ``yutang doctor``)."""

from __future__ import annotations

from sqlalchemy import case, func, select

from yutang.commerce import wallet
from yutang.kit.context import Ctx
from yutang.kit.findings import Check, Finding, from_problems
from yutang.models.commerce import Order
from yutang.models.members import Member


async def member_spend(ctx: Ctx) -> list[Finding]:
    """``Member.total_spent_cents`` / ``order_count``, kept by the order writers, equal
    what the member's orders say."""
    ws = ctx.workspace_id
    spend = (
        select(
            Order.member_id.label("member_id"),
            func.sum(Order.total_cents - Order.refunded_cents).label("spent"),
            func.sum(case((Order.status != "refunded", 1), else_=0)).label("orders"),
        )
        .where(Order.workspace_id == ws, Order.member_id.is_not(None))
        .group_by(Order.member_id)
        .subquery()
    )
    rows = await ctx.session.execute(
        select(Member.id, Member.total_spent_cents, Member.order_count, spend.c.spent, spend.c.orders)
        .outerjoin(spend, spend.c.member_id == Member.id)
        .where(Member.workspace_id == ws)
        .where(
            (Member.total_spent_cents != func.coalesce(spend.c.spent, 0))
            | (Member.order_count != func.coalesce(spend.c.orders, 0))
        )
    )
    return [
        Finding(
            "member_spend",
            f"member {mid}",
            f"cached {cached_spent} cents in {cached_orders} orders, "
            f"orders say {spent or 0} in {orders or 0}",
        )
        for mid, cached_spent, cached_orders, spent, orders in rows.all()
    ]


async def wallet_balance(ctx: Ctx) -> list[Finding]:
    """Stored-value wallets equal their ledger sums and are never negative."""
    return from_problems("wallet_balance", await wallet.check(ctx))


CHECKS: tuple[Check, ...] = (member_spend, wallet_balance)
