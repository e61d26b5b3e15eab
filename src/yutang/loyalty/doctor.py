"""``yutang doctor``: set-based checks that cached figures agree with their ledgers.

Each check is one SQL query over a whole workspace (no Python loop over members), so it
runs in seconds on a million members. It reports; it never repairs: a disagreement is
a bug to understand, not a number to overwrite.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.models.commerce import Order
from yutang.models.loyalty import PointsAllocation, PointsEntry, PointsLot
from yutang.models.members import Member


@dataclass(frozen=True)
class Finding:
    check: str
    subject: str
    detail: str


async def check_workspace(session: AsyncSession, workspace_id: int) -> list[Finding]:
    findings: list[Finding] = []

    sums = (
        select(
            PointsEntry.member_id.label("member_id"),
            func.sum(PointsEntry.amount).label("balance"),
            func.sum(PointsEntry.pending_delta).label("pending"),
        )
        .where(PointsEntry.workspace_id == workspace_id)
        .group_by(PointsEntry.member_id)
        .subquery()
    )
    rows = await session.execute(
        select(Member.id, Member.points_balance, Member.points_pending, sums.c.balance, sums.c.pending)
        .outerjoin(sums, sums.c.member_id == Member.id)
        .where(Member.workspace_id == workspace_id)
        .where(
            (Member.points_balance != func.coalesce(sums.c.balance, 0))
            | (Member.points_pending != func.coalesce(sums.c.pending, 0))
        )
    )
    for mid, bal, pend, ledger_bal, ledger_pend in rows.all():
        findings.append(
            Finding(
                "points_balance",
                f"member {mid}",
                f"cached {bal}/{pend} (available/pending), ledger {ledger_bal or 0}/{ledger_pend or 0}",
            )
        )

    running = (
        select(
            PointsEntry.id.label("id"),
            PointsEntry.balance_after.label("balance_after"),
            func.sum(PointsEntry.amount)
            .over(partition_by=PointsEntry.member_id, order_by=PointsEntry.id)
            .label("running"),
        )
        .where(PointsEntry.workspace_id == workspace_id)
        .subquery()
    )
    rows = await session.execute(
        select(running.c.id, running.c.balance_after, running.c.running).where(
            running.c.balance_after != running.c.running
        )
    )
    for entry_id, after, run in rows.all():
        findings.append(
            Finding("points_running_sum", f"entry {entry_id}", f"balance_after {after}, running {run}")
        )

    lots = (
        select(
            PointsLot.member_id.label("member_id"),
            func.sum(case((PointsLot.state == "available", PointsLot.remaining), else_=0)).label("available"),
            func.sum(case((PointsLot.state == "pending", PointsLot.remaining), else_=0)).label("pending"),
            func.sum(case((PointsLot.state == "closed", PointsLot.remaining), else_=0)).label("closed"),
        )
        .where(PointsLot.workspace_id == workspace_id)
        .group_by(PointsLot.member_id)
        .subquery()
    )
    rows = await session.execute(
        select(Member.id, Member.points_balance, Member.points_pending, lots.c.available, lots.c.pending)
        .outerjoin(lots, lots.c.member_id == Member.id)
        .where(Member.workspace_id == workspace_id)
        .where(
            (
                func.coalesce(lots.c.available, 0)
                != case((Member.points_balance > 0, Member.points_balance), else_=0)
            )
            | (func.coalesce(lots.c.pending, 0) != Member.points_pending)
            | (func.coalesce(lots.c.closed, 0) != 0)
        )
    )
    for mid, bal, pend, avail, lot_pend in rows.all():
        findings.append(
            Finding(
                "points_lots",
                f"member {mid}",
                f"lots hold {avail or 0}/{lot_pend or 0} (available/pending), balance {bal}/{pend}",
            )
        )

    taken = (
        select(PointsAllocation.lot_id.label("lot_id"), func.sum(PointsAllocation.amount).label("taken"))
        .group_by(PointsAllocation.lot_id)
        .subquery()
    )
    rows = await session.execute(
        select(PointsLot.id, PointsLot.amount, PointsLot.remaining, taken.c.taken)
        .outerjoin(taken, taken.c.lot_id == PointsLot.id)
        .where(PointsLot.workspace_id == workspace_id)
        .where(PointsLot.amount - func.coalesce(taken.c.taken, 0) != PointsLot.remaining)
    )
    for lot_id, amount, remaining, used in rows.all():
        findings.append(
            Finding(
                "points_allocations", f"lot {lot_id}", f"amount {amount} - taken {used or 0} != {remaining}"
            )
        )

    spend = (
        select(
            Order.member_id.label("member_id"),
            func.sum(Order.total_cents - Order.refunded_cents).label("spent"),
            func.sum(case((Order.status != "refunded", 1), else_=0)).label("orders"),
        )
        .where(Order.workspace_id == workspace_id, Order.member_id.is_not(None))
        .group_by(Order.member_id)
        .subquery()
    )
    rows = await session.execute(
        select(Member.id, Member.total_spent_cents, Member.order_count, spend.c.spent, spend.c.orders)
        .outerjoin(spend, spend.c.member_id == Member.id)
        .where(Member.workspace_id == workspace_id)
        .where(
            (Member.total_spent_cents != func.coalesce(spend.c.spent, 0))
            | (Member.order_count != func.coalesce(spend.c.orders, 0))
        )
    )
    for mid, cached_spent, cached_orders, spent, orders in rows.all():
        findings.append(
            Finding(
                "member_spend",
                f"member {mid}",
                f"cached {cached_spent} cents in {cached_orders} orders, "
                f"orders say {spent or 0} in {orders or 0}",
            )
        )
    from yutang.commerce import wallet
    from yutang.kit.context import SYSTEM, Ctx

    for problem in await wallet.check(Ctx(session, workspace_id, SYSTEM)):
        subject, _, detail = problem.partition(": ")
        findings.append(Finding("wallet_balance", subject, detail))
    from yutang.distribution import commissions

    for problem in await commissions.check(Ctx(session, workspace_id, SYSTEM)):
        subject, _, detail = problem.partition(": ")
        findings.append(Finding("commission_balance", subject, detail))
    return findings
