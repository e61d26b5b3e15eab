"""Points: the cached balances, the running sums, the lots and their allocations agree
with the append-only ledger (run by ``yutang doctor``).

Each check is one SQL query over a whole workspace (no Python loop over members), so it
runs in seconds on a million members. It reports; it never repairs: a disagreement is
a bug to understand, not a number to overwrite.
"""

from __future__ import annotations

from sqlalchemy import case, func, select

from yutang.kit.context import Ctx
from yutang.kit.findings import Check, Finding
from yutang.models.loyalty import PointsAllocation, PointsEntry, PointsLot
from yutang.models.members import Member


async def points_balance(ctx: Ctx) -> list[Finding]:
    """Cached available / pending = Σ amount / Σ pending_delta of the member's entries."""
    ws = ctx.workspace_id
    sums = (
        select(
            PointsEntry.member_id.label("member_id"),
            func.sum(PointsEntry.amount).label("balance"),
            func.sum(PointsEntry.pending_delta).label("pending"),
        )
        .where(PointsEntry.workspace_id == ws)
        .group_by(PointsEntry.member_id)
        .subquery()
    )
    rows = await ctx.session.execute(
        select(Member.id, Member.points_balance, Member.points_pending, sums.c.balance, sums.c.pending)
        .outerjoin(sums, sums.c.member_id == Member.id)
        .where(Member.workspace_id == ws)
        .where(
            (Member.points_balance != func.coalesce(sums.c.balance, 0))
            | (Member.points_pending != func.coalesce(sums.c.pending, 0))
        )
    )
    return [
        Finding(
            "points_balance",
            f"member {mid}",
            f"cached {bal}/{pend} (available/pending), ledger {ledger_bal or 0}/{ledger_pend or 0}",
        )
        for mid, bal, pend, ledger_bal, ledger_pend in rows.all()
    ]


async def points_running_sum(ctx: Ctx) -> list[Finding]:
    """Every entry's ``balance_after`` is the running sum of the member's amounts."""
    running = (
        select(
            PointsEntry.id.label("id"),
            PointsEntry.balance_after.label("balance_after"),
            func.sum(PointsEntry.amount)
            .over(partition_by=PointsEntry.member_id, order_by=PointsEntry.id)
            .label("running"),
        )
        .where(PointsEntry.workspace_id == ctx.workspace_id)
        .subquery()
    )
    rows = await ctx.session.execute(
        select(running.c.id, running.c.balance_after, running.c.running).where(
            running.c.balance_after != running.c.running
        )
    )
    return [
        Finding("points_running_sum", f"entry {entry_id}", f"balance_after {after}, running {run}")
        for entry_id, after, run in rows.all()
    ]


async def points_lots(ctx: Ctx) -> list[Finding]:
    """Σ remaining of available lots = max(balance, 0), of pending lots = pending; closed
    lots hold nothing."""
    ws = ctx.workspace_id
    lots = (
        select(
            PointsLot.member_id.label("member_id"),
            func.sum(case((PointsLot.state == "available", PointsLot.remaining), else_=0)).label("available"),
            func.sum(case((PointsLot.state == "pending", PointsLot.remaining), else_=0)).label("pending"),
            func.sum(case((PointsLot.state == "closed", PointsLot.remaining), else_=0)).label("closed"),
        )
        .where(PointsLot.workspace_id == ws)
        .group_by(PointsLot.member_id)
        .subquery()
    )
    rows = await ctx.session.execute(
        select(Member.id, Member.points_balance, Member.points_pending, lots.c.available, lots.c.pending)
        .outerjoin(lots, lots.c.member_id == Member.id)
        .where(Member.workspace_id == ws)
        .where(
            (
                func.coalesce(lots.c.available, 0)
                != case((Member.points_balance > 0, Member.points_balance), else_=0)
            )
            | (func.coalesce(lots.c.pending, 0) != Member.points_pending)
            | (func.coalesce(lots.c.closed, 0) != 0)
        )
    )
    return [
        Finding(
            "points_lots",
            f"member {mid}",
            f"lots hold {avail or 0}/{lot_pend or 0} (available/pending), balance {bal}/{pend}",
        )
        for mid, bal, pend, avail, lot_pend in rows.all()
    ]


async def points_allocations(ctx: Ctx) -> list[Finding]:
    """For every lot: amount - Σ allocations = remaining."""
    taken = (
        select(PointsAllocation.lot_id.label("lot_id"), func.sum(PointsAllocation.amount).label("taken"))
        .group_by(PointsAllocation.lot_id)
        .subquery()
    )
    rows = await ctx.session.execute(
        select(PointsLot.id, PointsLot.amount, PointsLot.remaining, taken.c.taken)
        .outerjoin(taken, taken.c.lot_id == PointsLot.id)
        .where(PointsLot.workspace_id == ctx.workspace_id)
        .where(PointsLot.amount - func.coalesce(taken.c.taken, 0) != PointsLot.remaining)
    )
    return [
        Finding("points_allocations", f"lot {lot_id}", f"amount {amount} - taken {used or 0} != {remaining}")
        for lot_id, amount, remaining, used in rows.all()
    ]


CHECKS: tuple[Check, ...] = (points_balance, points_running_sum, points_lots, points_allocations)
