"""Commissions: earned on orders, pending through the refund window, then available,
withdrawn on request; reversed in proportion to refunds at any point.

The ledger is ``CommissionEntry`` (append-only); a distributor's four buckets —
pending, available, frozen (asked to withdraw), withdrawn — are their sums. Every
movement locks the distributor's row first, then the commission's. ``available`` may
go below zero when a refund reverses commission that was already available or paid
out; later earnings net it off.

For an order total T, a commission A and refunds R so far, the reversed part is
⌊A·R/T⌋ — taken cumulatively, so a full refund reverses exactly A.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from yutang.commerce.events import OrderRefunded
from yutang.distribution import service
from yutang.distribution.errors import (
    BELOW_MINIMUM_WITHDRAWAL,
    INSUFFICIENT_COMMISSION,
    NOT_A_DISTRIBUTOR,
    UNKNOWN_WITHDRAWAL,
    WITHDRAWAL_DECIDED,
)
from yutang.distribution.events import (
    CommissionEarned,
    CommissionReversed,
    WithdrawalPaid,
    WithdrawalRejected,
    WithdrawalRequested,
)
from yutang.kit import audit, events, lookup
from yutang.kit.context import Ctx
from yutang.kit.errors import INVALID_AMOUNT, BadRequest, Conflict, NotFound
from yutang.models.base import utcnow
from yutang.models.commerce import Order, OrderItem
from yutang.models.distribution import (
    Commission,
    CommissionEntry,
    CommissionPlan,
    Distributor,
    DistributorLevel,
    Withdrawal,
)

MAX_WITHDRAWAL = 100_000_000
#: The most both levels together may pay of an item (basis points).
MAX_PERCENT_BP = 5_000


def _append(ctx: Ctx, dist: Distributor, kind: str, **deltas: Any) -> CommissionEntry:
    entry = CommissionEntry(workspace_id=ctx.workspace_id, distributor_id=dist.id, kind=kind, **deltas)
    dist.pending_cents += int(deltas.get("pending_delta", 0))
    dist.available_cents += int(deltas.get("available_delta", 0))
    dist.frozen_cents += int(deltas.get("frozen_delta", 0))
    dist.withdrawn_cents += int(deltas.get("withdrawn_delta", 0))
    ctx.session.add(entry)
    return entry


def plan_for(
    product_id: str | None, category: str | None, plans: list[CommissionPlan]
) -> CommissionPlan | None:
    """The most specific active plan: one naming the product, else the category, else a
    plan for everything (the newest wins a tie)."""
    by_product = [p for p in plans if product_id is not None and product_id in (p.product_ids or [])]
    by_category = [p for p in plans if category is not None and category in (p.categories or [])]
    general = [p for p in plans if not p.product_ids and not p.categories]
    for group in (by_product, by_category, general):
        if group:
            return max(group, key=lambda p: p.id)
    return None


@dataclass
class Line:
    product_id: str | None
    category: str | None
    quantity: int
    cents: int


def amounts(
    lines: list[Line], plans: list[CommissionPlan], levels: int, bonus_bp: int = 0
) -> list[tuple[int, list[dict[str, Any]]]]:
    """Per level (1..levels): the commission and how it was reached."""
    out: list[tuple[int, list[dict[str, Any]]]] = []
    for level in range(1, levels + 1):
        total, detail = 0, []
        for line in lines:
            plan = plan_for(line.product_id, line.category, plans)
            if plan is None or len(plan.rates) < level:
                continue
            rate = plan.rates[level - 1]
            if plan.kind == "percent":
                if level == 1 and bonus_bp:
                    # A level's bonus never takes the two levels past the 50 % cap.
                    room = MAX_PERCENT_BP - sum(plan.rates[1:2])
                    rate = min(rate + bonus_bp, room)
                cents = line.cents * rate // 10_000
            else:
                cents = line.quantity * rate
            if cents:
                total += cents
                detail.append({"product_id": line.product_id, "plan_id": plan.id, "cents": cents})
        out.append((total, detail))
    return out


async def _lines(ctx: Ctx, order: Order) -> list[Line]:
    items = (await ctx.session.scalars(select(OrderItem).where(OrderItem.order_id == order.id))).all()
    if not items:
        return [Line(None, None, 1, order.total_cents)]
    lines = [Line(i.product_id, i.category, i.quantity, i.quantity * i.price_cents) for i in items]
    # The order's total may differ from Σ items (discounts): share it out in proportion.
    gross = sum(line.cents for line in lines)
    if gross and gross != order.total_cents:
        running = 0
        for n, line in enumerate(lines):
            share = (
                order.total_cents - running
                if n == len(lines) - 1
                else line.cents * order.total_cents // gross
            )
            running += share
            line.cents = share
    return lines


async def _chain(ctx: Ctx, buyer_id: int) -> list[Distributor]:
    """Who earns on this buyer's orders: level 1, then level 2 — never a third."""
    conf = await service.settings(ctx)
    own = await service.of_member(ctx, buyer_id)
    first: Distributor | None = None
    if own is not None and own.status == "active" and conf.self_purchase:
        first = own
    else:
        binding = await service._binding(ctx, buyer_id)
        if binding is not None:
            first = await ctx.session.get(Distributor, binding.distributor_id)
    if first is None or first.status != "active" or (first.member_id == buyer_id and not conf.self_purchase):
        return []
    chain = [first]
    parent = await ctx.session.get(Distributor, first.parent_id) if first.parent_id else None
    if parent is not None and parent.status == "active" and parent.member_id != buyer_id:
        chain.append(parent)
    return chain


async def _lock_order(ctx: Ctx, order_id: int) -> Order | None:
    """Order first, then distributors by id, then commissions: one lock order for all."""
    found = await lookup.locked(ctx.session, Order, order_id)
    return found if found is not None and found.workspace_id == ctx.workspace_id else None


async def _lock_distributors(ctx: Ctx, ids: list[int]) -> dict[int, Distributor]:
    return {i: await service.get_distributor(ctx, i, lock=True) for i in sorted(set(ids))}


async def on_order_paid(ctx: Ctx, order_id: int) -> list[Commission]:
    order = await _lock_order(ctx, order_id)
    if order is None or order.member_id is None:
        return []
    found = await _chain(ctx, order.member_id)
    if not found:
        return []
    locked = await _lock_distributors(ctx, [d.id for d in found])
    chain = [locked[d.id] for d in found]
    if any(d.status != "active" for d in chain):  # suspended while we waited
        chain = chain[: next(i for i, d in enumerate(chain) if d.status != "active")]
        if not chain:
            return []
    plans = await service.plans(ctx, active_only=True)
    bonus = 0
    if chain[0].level_id is not None:
        rank = await ctx.session.get(DistributorLevel, chain[0].level_id)
        bonus = rank.bonus_bp if rank else 0
    lines = await _lines(ctx, order)
    conf = await service.settings(ctx)
    release_at = order.paid_at + timedelta(days=conf.refund_window_days)
    base = sum(line.cents for line in lines)
    made: list[Commission] = []
    for level, (dist, (amount, detail)) in enumerate(
        zip(chain, amounts(lines, plans, len(chain), bonus), strict=True), start=1
    ):
        if amount <= 0:
            continue
        commission = Commission(
            workspace_id=ctx.workspace_id,
            distributor_id=dist.id,
            order_id=order.id,
            buyer_id=order.member_id,
            level=level,
            base_cents=base,
            amount_cents=amount,
            release_at=release_at,
            detail=detail,
        )
        try:
            async with ctx.session.begin_nested():
                ctx.session.add(commission)
                await ctx.session.flush()
        except IntegrityError:
            continue  # this order's commission for this level exists
        _append(
            ctx,
            dist,
            "earn",
            pending_delta=amount,
            commission_id=commission.id,
            dedupe_key=f"earn:{order.id}:{level}",
        )
        await ctx.session.flush()
        if order.refunded_cents:
            # The refund's event was handled first (another worker, a retry): take back
            # its share now, as that handler would have.
            back = amount * min(order.refunded_cents, order.total_cents) // order.total_cents
            if back:
                _append(
                    ctx,
                    dist,
                    "reverse",
                    pending_delta=-back,
                    commission_id=commission.id,
                    dedupe_key=f"reverse:before:{commission.id}",
                )
                commission.reversed_cents = back
                commission.status = "reversed" if back >= amount else "pending"
                await ctx.session.flush()
        made.append(commission)
        events.emit(
            ctx,
            CommissionEarned(
                commission_id=commission.id,
                distributor_id=dist.id,
                order_id=order.id,
                level=level,
                amount_cents=amount,
            ),
        )
        await service.reassess_level(ctx, dist)
    return made


async def on_order_refunded(ctx: Ctx, refund: OrderRefunded) -> int:
    """Reverse the order's commissions in proportion to what is refunded so far."""
    order_id = refund.order_id
    total = refund.total_cents
    after = min(refund.refunded_after_cents, total)
    await _lock_order(ctx, order_id)
    rows = (
        await ctx.session.execute(
            select(Commission.id, Commission.distributor_id).where(Commission.order_id == order_id)
        )
    ).all()
    locked = await _lock_distributors(ctx, [d for _, d in rows])
    reversed_total = 0
    for cid, did in sorted(rows, key=lambda r: (r[1], r[0])):
        dist = locked[did]
        c = await lookup.locked(ctx.session, Commission, cid, owner=did)
        assert c is not None
        target = c.amount_cents * after // total if total else c.amount_cents
        delta = target - c.reversed_cents
        if delta <= 0:
            continue
        key = f"reverse:{refund.refund_id}:{c.id}"
        if c.status == "pending":
            _append(ctx, dist, "reverse", pending_delta=-delta, commission_id=c.id, dedupe_key=key)
        else:
            _append(ctx, dist, "reverse", available_delta=-delta, commission_id=c.id, dedupe_key=key)
        c.reversed_cents += delta
        if c.reversed_cents >= c.amount_cents:
            c.status = "reversed"
        reversed_total += delta
        await ctx.session.flush()
        events.emit(
            ctx,
            CommissionReversed(
                commission_id=c.id, distributor_id=dist.id, order_id=order_id, amount_cents=delta
            ),
        )
    return reversed_total


async def release_due(ctx: Ctx, *, now: datetime | None = None, limit: int = 200) -> int:
    """Pending commissions whose refund window ended become available."""
    now = now or utcnow()
    due = (
        await ctx.session.execute(
            select(Commission.id, Commission.distributor_id)
            .where(
                Commission.workspace_id == ctx.workspace_id,
                Commission.status == "pending",
                Commission.release_at <= now,
            )
            .order_by(Commission.distributor_id, Commission.id)
            .limit(limit)
        )
    ).all()
    done = 0
    # Distributors are locked in id order, as every other path does (no deadlocks).
    for cid, dist_id in due:
        dist = await service.get_distributor(ctx, dist_id, lock=True)
        c = await lookup.locked(ctx.session, Commission, cid, owner=dist_id)
        assert c is not None
        if c.status != "pending":
            continue
        left = c.amount_cents - c.reversed_cents
        if left > 0:
            _append(
                ctx,
                dist,
                "release",
                pending_delta=-left,
                available_delta=left,
                commission_id=c.id,
                dedupe_key=f"release:{c.id}",
            )
        c.status, c.released_at = ("available" if left > 0 else "reversed"), now
        done += 1
    await ctx.session.flush()
    return done


# --- withdrawals ------------------------------------------------------------------------


async def withdraw(ctx: Ctx, distributor_id: int, amount: int) -> Withdrawal:
    conf = await service.settings(ctx)
    if amount <= 0 or amount > MAX_WITHDRAWAL:
        raise BadRequest("The amount must be a positive number of cents.", code=INVALID_AMOUNT)
    if amount < conf.min_withdrawal_cents:
        raise BadRequest(
            f"Withdrawals start at {conf.min_withdrawal_cents} cents.",
            code=BELOW_MINIMUM_WITHDRAWAL,
            details={"min_withdrawal_cents": conf.min_withdrawal_cents},
        )
    dist = await service.get_distributor(ctx, distributor_id, lock=True)
    if dist.status != "active":
        raise Conflict("Only active distributors withdraw.", code=NOT_A_DISTRIBUTOR)
    if amount > dist.available_cents:
        raise Conflict(
            f"{max(dist.available_cents, 0)} cents are available; {amount} asked.",
            code=INSUFFICIENT_COMMISSION,
            details={"available_cents": dist.available_cents, "asked_cents": amount},
        )
    w = Withdrawal(workspace_id=ctx.workspace_id, distributor_id=dist.id, amount_cents=amount)
    ctx.session.add(w)
    await ctx.session.flush()
    _append(ctx, dist, "withdraw", available_delta=-amount, frozen_delta=amount, withdrawal_id=w.id)
    await ctx.session.flush()
    events.emit(
        ctx,
        WithdrawalRequested(withdrawal_id=w.id, distributor_id=dist.id, amount_cents=amount),
    )
    return w


async def decide_withdrawal(ctx: Ctx, withdrawal_id: int, decision: str, note: str = "") -> Withdrawal:
    peek = await ctx.session.scalar(
        select(Withdrawal).where(Withdrawal.workspace_id == ctx.workspace_id, Withdrawal.id == withdrawal_id)
    )
    if peek is None:
        raise NotFound(f"No withdrawal {withdrawal_id}.", code=UNKNOWN_WITHDRAWAL)
    dist = await service.get_distributor(ctx, peek.distributor_id, lock=True)
    w = await lookup.locked(ctx.session, Withdrawal, withdrawal_id, owner=peek.distributor_id)
    assert w is not None
    if w.status != "requested":
        raise Conflict(f"This withdrawal was already {w.status}.", code=WITHDRAWAL_DECIDED)
    if decision == "approve":
        _append(
            ctx,
            dist,
            "paid",
            frozen_delta=-w.amount_cents,
            withdrawn_delta=w.amount_cents,
            withdrawal_id=w.id,
        )
        w.status = "paid"
    else:
        _append(
            ctx,
            dist,
            "returned",
            frozen_delta=-w.amount_cents,
            available_delta=w.amount_cents,
            withdrawal_id=w.id,
        )
        w.status = "rejected"
    w.decided_at, w.decided_by, w.note = utcnow(), ctx.actor.label[:80], note
    await ctx.session.flush()
    audit.record(
        ctx, f"withdrawal.{w.status}", "withdrawal", w.id, {"amount_cents": w.amount_cents, "note": note}
    )
    decided = WithdrawalPaid if w.status == "paid" else WithdrawalRejected
    events.emit(ctx, decided(withdrawal_id=w.id, distributor_id=dist.id))
    return w


# --- checks -----------------------------------------------------------------------------


async def check(ctx: Ctx) -> list[str]:
    """Distributors whose buckets differ from their ledger sums, and commissions reversed
    beyond their amount (for ``yutang doctor``)."""
    e = CommissionEntry
    sums = (
        select(
            e.distributor_id.label("d"),
            func.sum(e.pending_delta).label("p"),
            func.sum(e.available_delta).label("a"),
            func.sum(e.frozen_delta).label("f"),
            func.sum(e.withdrawn_delta).label("w"),
        )
        .where(e.workspace_id == ctx.workspace_id)
        .group_by(e.distributor_id)
        .subquery()
    )
    d = Distributor
    rows = (
        await ctx.session.execute(
            select(
                d.id,
                d.pending_cents,
                d.available_cents,
                d.frozen_cents,
                d.withdrawn_cents,
                sums.c.p,
                sums.c.a,
                sums.c.f,
                sums.c.w,
            )
            .outerjoin(sums, sums.c.d == d.id)
            .where(d.workspace_id == ctx.workspace_id)
        )
    ).all()
    problems = []
    for did, p, a, f, w, lp, la, lf, lw in rows:
        ledger = (int(lp or 0), int(la or 0), int(lf or 0), int(lw or 0))
        if (p, a, f, w) != ledger:
            problems.append(f"distributor {did}: buckets {(p, a, f, w)}, ledger {ledger}")
        if p < 0 or f < 0 or w < 0:
            problems.append(f"distributor {did}: a bucket other than available is negative")
    over = (
        await ctx.session.scalars(
            select(Commission.id).where(
                Commission.workspace_id == ctx.workspace_id,
                (Commission.reversed_cents > Commission.amount_cents) | (Commission.reversed_cents < 0),
            )
        )
    ).all()
    problems += [f"commission {cid}: reversed beyond its amount" for cid in over]
    return problems
