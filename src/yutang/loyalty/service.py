"""The points ledger: earn into lots, release pending lots, spend, expire, claw back, adjust.

Every change of a member's points goes through this module, under a lock on the
member's row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's writers are serialised
by ``BEGIN IMMEDIATE``), and appends one :class:`PointsEntry`. Invariants, checked by
:func:`check_member` (``yutang doctor``) and a property-based test:

* ``points_balance`` = Σ entry.amount; ``points_pending`` = Σ entry.pending_delta;
  each entry's ``balance_after`` is the running sum.
* Σ remaining of available lots = max(balance, 0); of pending lots = pending.
* For every lot: amount − Σ its allocations = remaining.
* The balance is negative only after a claw-back whose rule allows it; the next
  earnings pay that debt first (recorded as an allocation of the new lot).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.commerce.errors import DEDUPE_CONFLICT
from yutang.kit import audit, events
from yutang.kit.context import Ctx
from yutang.kit.errors import INVALID_AMOUNT, REASON_REQUIRED, BadRequest, Conflict
from yutang.loyalty.errors import INSUFFICIENT_POINTS, INVALID_EXPIRY, NOT_REVERSIBLE
from yutang.loyalty.events import PointsClawedBack, PointsEarned, PointsExpired, PointsReversed, PointsSpent
from yutang.members import service as members
from yutang.models.base import utcnow
from yutang.models.loyalty import PointsAllocation, PointsEntry, PointsLot
from yutang.models.members import Member

MAX_POINTS = 1_000_000_000


@dataclass
class Movement:
    """The result of a ledger operation; ``replayed`` when the dedupe key was seen before."""

    entry: PointsEntry
    replayed: bool = False


def _check_amount(amount: int) -> None:
    if amount <= 0 or amount > MAX_POINTS:
        raise BadRequest(
            "Points must be a positive whole number (at most 1,000,000,000).",
            code=INVALID_AMOUNT,
            details={"amount": amount},
        )


async def _existing(ctx: Ctx, dedupe_key: str | None, member_id: int) -> PointsEntry | None:
    """The entry made before with ``dedupe_key`` (then this call is a replay), or None.

    Keys are unique per workspace, so a key must name its member (or something only
    one member has: an order, a refund, an invitation). A key found on ANOTHER member's
    entry is a key built without its member: refused loudly (``dedupe_conflict``)
    rather than silently paying nobody but the first member.
    """
    if dedupe_key is None:
        return None
    found = await ctx.session.scalar(
        select(PointsEntry).where(
            PointsEntry.workspace_id == ctx.workspace_id, PointsEntry.dedupe_key == dedupe_key
        )
    )
    if found is not None and found.member_id != member_id:
        raise Conflict(
            "This operation's key was used for another member.",
            code=DEDUPE_CONFLICT,
            details={"dedupe_key": dedupe_key},
        )
    return found


def _entry(
    ctx: Ctx,
    member: Member,
    kind: str,
    amount: int,
    pending_delta: int = 0,
    *,
    reason: str = "",
    ref: tuple[str, str] | None = None,
    rule_id: int | None = None,
    dedupe_key: str | None = None,
) -> PointsEntry:
    member.points_balance += amount
    member.points_pending += pending_delta
    entry = PointsEntry(
        workspace_id=ctx.workspace_id,
        member_id=member.id,
        kind=kind,
        amount=amount,
        pending_delta=pending_delta,
        balance_after=member.points_balance,
        reason=reason[:200],
        ref_type=ref[0] if ref else None,
        ref_id=ref[1] if ref else None,
        rule_id=rule_id,
        dedupe_key=dedupe_key,
        actor=ctx.actor.label[:80],
    )
    ctx.session.add(entry)
    return entry


# --- earning ----------------------------------------------------------------------------


async def earn(
    ctx: Ctx,
    member_id: int,
    amount: int,
    *,
    reason: str = "",
    ref: tuple[str, str] | None = None,
    rule_id: int | None = None,
    expires_at: datetime | None = None,
    pending_until: datetime | None = None,
    dedupe_key: str | None = None,
    kind: str = "earn",
    now: datetime | None = None,
) -> Movement:
    """Credit ``amount`` points as a new lot, pending until ``pending_until`` if that is later."""
    _check_amount(amount)
    now = now or utcnow()
    member = await members.active_member(ctx, member_id, lock=True)
    # Looked up under the member's lock: a concurrent twin has committed or not started.
    if (found := await _existing(ctx, dedupe_key, member.id)) is not None:
        return Movement(found, replayed=True)
    if expires_at is not None and expires_at <= now:
        raise BadRequest("The points would expire before they are credited.", code=INVALID_EXPIRY)
    pending = pending_until is not None and pending_until > now
    if pending:
        entry = _entry(
            ctx, member, kind, 0, amount, reason=reason, ref=ref, rule_id=rule_id, dedupe_key=dedupe_key
        )
    else:
        entry = _entry(
            ctx, member, kind, amount, reason=reason, ref=ref, rule_id=rule_id, dedupe_key=dedupe_key
        )
    await ctx.session.flush()
    lot = PointsLot(
        workspace_id=ctx.workspace_id,
        member_id=member.id,
        entry_id=entry.id,
        amount=amount,
        remaining=amount,
        state="pending" if pending else "available",
        available_at=pending_until if pending else None,
        expires_at=expires_at,
        ref_type=ref[0] if ref else None,
        ref_id=ref[1] if ref else None,
    )
    ctx.session.add(lot)
    await ctx.session.flush()
    if not pending:
        _pay_debt(ctx, member, lot, entry, amount)
    events.emit(
        ctx,
        PointsEarned(member_id=member.id, entry_id=entry.id, points=amount, pending=pending, kind=kind),
    )
    return Movement(entry)


def _pay_debt(ctx: Ctx, member: Member, lot: PointsLot, entry: PointsEntry, credited: int) -> None:
    """Points just made available first cover a negative balance (left by a claw-back)."""
    debt_before = max(0, -(member.points_balance - credited))
    covered = min(credited, debt_before)
    if covered:
        lot.remaining -= covered
        ctx.session.add(PointsAllocation(entry_id=entry.id, lot_id=lot.id, amount=covered))
    if lot.remaining == 0:
        lot.state = "closed"


async def release_due(ctx: Ctx, *, now: datetime | None = None, limit: int = 1000) -> int:
    """Make pending lots whose lock has passed available. Returns how many were released."""
    now = now or utcnow()
    lots = (
        await ctx.session.scalars(
            select(PointsLot)
            .where(
                PointsLot.workspace_id == ctx.workspace_id,
                PointsLot.state == "pending",
                PointsLot.available_at <= now,
            )
            .order_by(PointsLot.member_id, PointsLot.id)
            .limit(limit)
        )
    ).all()
    for lot in lots:
        member = await members.get_member(ctx, lot.member_id, lock=True)
        await ctx.session.refresh(lot)
        if lot.state != "pending":
            continue
        credited = lot.remaining
        if credited == 0:  # clawed back in full while it was pending
            lot.state = "closed"
            continue
        lot.state = "available"
        ref = (lot.ref_type, lot.ref_id) if lot.ref_type and lot.ref_id else None
        entry = _entry(ctx, member, "release", credited, -credited, reason="pending points released", ref=ref)
        await ctx.session.flush()
        _pay_debt(ctx, member, lot, entry, credited)
    await ctx.session.flush()
    return len(lots)


# --- spending and taking back -----------------------------------------------------------


def _spendable(member_id: int, now: datetime) -> Select[PointsLot]:
    return (
        select(PointsLot)
        .where(
            PointsLot.member_id == member_id,
            PointsLot.state == "available",
            PointsLot.remaining > 0,
            or_(PointsLot.expires_at.is_(None), PointsLot.expires_at > now),
        )
        # Soonest expiry first; lots that never expire last; then oldest first.
        .order_by(PointsLot.expires_at.is_(None), PointsLot.expires_at, PointsLot.id)
    )


#: Lots read at a time when spending: a member who earns daily has hundreds of open lots,
#: a spend usually needs the first few.
LOT_PAGE = 32


async def _take_soonest(ctx: Ctx, entry: PointsEntry, member_id: int, amount: int, now: datetime) -> int:
    """Take up to ``amount`` from the member's spendable lots, soonest expiry first,
    reading them a page at a time. Returns what was taken."""
    taken = 0
    while taken < amount:
        # Lots emptied by the previous page are closed (autoflush), so they drop out.
        page = (await ctx.session.scalars(_spendable(member_id, now).limit(LOT_PAGE))).all()
        if not page:
            break
        taken += await _take(ctx, entry, page, amount - taken)
        await ctx.session.flush()
    return taken


async def _take(ctx: Ctx, entry: PointsEntry, lots: Sequence[PointsLot], amount: int) -> int:
    """Take up to ``amount`` from ``lots`` in order; returns what was taken."""
    taken = 0
    for lot in lots:
        if taken == amount:
            break
        part = min(lot.remaining, amount - taken)
        if part <= 0:
            continue
        lot.remaining -= part
        if lot.remaining == 0:
            lot.state = "closed"
        ctx.session.add(PointsAllocation(entry_id=entry.id, lot_id=lot.id, amount=part))
        taken += part
    return taken


async def spend(
    ctx: Ctx,
    member_id: int,
    amount: int,
    *,
    reason: str = "",
    ref: tuple[str, str] | None = None,
    dedupe_key: str | None = None,
    kind: str = "spend",
    now: datetime | None = None,
) -> Movement:
    """Debit ``amount`` from the soonest-expiring lots; never below zero."""
    _check_amount(amount)
    now = now or utcnow()
    member = await members.active_member(ctx, member_id, lock=True)
    if (found := await _existing(ctx, dedupe_key, member.id)) is not None:
        return Movement(found, replayed=True)
    await _expire_member(ctx, member, now)
    if member.points_balance < amount:
        raise Conflict(
            f"Member {member_id} has {member.points_balance} points; {amount} needed.",
            code=INSUFFICIENT_POINTS,
            details={"balance": member.points_balance, "needed": amount},
        )
    entry = _entry(ctx, member, kind, -amount, reason=reason, ref=ref, dedupe_key=dedupe_key)
    await ctx.session.flush()
    taken = await _take_soonest(ctx, entry, member.id, amount, now)
    if taken != amount:  # the invariant says this cannot happen; refuse rather than corrupt
        raise AssertionError(f"lots of member {member.id} hold {taken}, balance said {amount}")
    await ctx.session.flush()
    events.emit(ctx, PointsSpent(member_id=member.id, entry_id=entry.id, points=amount))
    return Movement(entry)


async def clawback(
    ctx: Ctx,
    member_id: int,
    amount: int,
    *,
    ref: tuple[str, str],
    allow_negative: bool,
    reason: str = "",
    dedupe_key: str | None = None,
    now: datetime | None = None,
) -> Movement:
    """Take back ``amount`` earned for ``ref`` (an order that was refunded).

    The lots of that same ``ref`` go first (pending ones included), then other
    available points; what is still missing becomes a negative balance when
    ``allow_negative``, and is forgiven otherwise (the entry says how much).
    """
    _check_amount(amount)
    now = now or utcnow()
    member = await members.get_member(ctx, member_id, lock=True)
    if (found := await _existing(ctx, dedupe_key, member.id)) is not None:
        return Movement(found, replayed=True)
    await _expire_member(ctx, member, now)
    own = (
        await ctx.session.scalars(
            select(PointsLot)
            .where(
                PointsLot.member_id == member.id,
                PointsLot.ref_type == ref[0],
                PointsLot.ref_id == ref[1],
                PointsLot.state.in_(("pending", "available")),
                PointsLot.remaining > 0,
            )
            .order_by(PointsLot.id)
        )
    ).all()
    # The entry's amounts are known only after taking; create it, then fill them in.
    entry = _entry(ctx, member, "clawback", 0, reason=reason, ref=ref, dedupe_key=dedupe_key)
    await ctx.session.flush()
    pending_lots = [lot for lot in own if lot.state == "pending"]
    available_own = [lot for lot in own if lot.state == "available"]
    from_pending = await _take(ctx, entry, pending_lots, amount)
    from_available = await _take(ctx, entry, available_own, amount - from_pending)
    rest = amount - from_pending - from_available
    if rest:  # the order's own lots are used up: the soonest-expiring others follow
        from_available += await _take_soonest(ctx, entry, member.id, rest, now)
        rest = amount - from_pending - from_available
    into_debt = rest if allow_negative else 0
    forgiven = rest - into_debt
    entry.amount = -(from_available + into_debt)
    entry.pending_delta = -from_pending
    member.points_balance += entry.amount
    member.points_pending += entry.pending_delta
    entry.balance_after = member.points_balance
    if forgiven:
        entry.reason = (f"{reason} ({forgiven} not recovered)" if reason else f"{forgiven} not recovered")[
            :200
        ]
    await ctx.session.flush()
    events.emit(
        ctx,
        PointsClawedBack(member_id=member.id, entry_id=entry.id, points=amount - forgiven, forgiven=forgiven),
    )
    return Movement(entry)


async def adjust(
    ctx: Ctx,
    member_id: int,
    delta: int,
    *,
    reason: str,
    expires_at: datetime | None = None,
    dedupe_key: str | None = None,
    now: datetime | None = None,
) -> Movement:
    """A manual correction by an operator: needs a reason, is audited, never overdraws."""
    if not reason.strip():
        raise BadRequest("A manual adjustment needs a reason.", code=REASON_REQUIRED)
    if delta == 0:
        raise BadRequest("An adjustment of 0 points changes nothing.", code=INVALID_AMOUNT)
    if delta > 0:
        mv = await earn(
            ctx,
            member_id,
            delta,
            reason=reason,
            expires_at=expires_at,
            dedupe_key=dedupe_key,
            kind="adjust",
            now=now,
        )
    else:
        mv = await spend(ctx, member_id, -delta, reason=reason, dedupe_key=dedupe_key, kind="adjust", now=now)
    if not mv.replayed:
        audit.record(
            ctx,
            "points.adjusted",
            "member",
            member_id,
            {"delta": delta, "reason": reason, "entry_id": mv.entry.id},
        )
    return mv


REVERSIBLE = ("spend", "hold", "adjust")


async def reverse(
    ctx: Ctx,
    entry_id: int,
    *,
    kind: str = "reverse",
    reason: str = "",
    now: datetime | None = None,
) -> Movement:
    """Give back what an outgoing entry (a spend, a hold, a negative adjustment) took,
    into the very lots it came from, so their expiry dates still apply. Once per entry."""
    original = await ctx.session.scalar(
        select(PointsEntry).where(PointsEntry.workspace_id == ctx.workspace_id, PointsEntry.id == entry_id)
    )
    if original is None or original.kind not in REVERSIBLE or original.amount >= 0:
        raise BadRequest(f"Entry {entry_id} cannot be reversed.", code=NOT_REVERSIBLE)
    now = now or utcnow()
    member = await members.get_member(ctx, original.member_id, lock=True)
    dedupe_key = f"reverse:{entry_id}"
    if (found := await _existing(ctx, dedupe_key, member.id)) is not None:
        return Movement(found, replayed=True)
    taken = (
        await ctx.session.execute(
            select(PointsAllocation.lot_id, PointsAllocation.amount)
            .where(PointsAllocation.entry_id == entry_id)
            .order_by(PointsAllocation.lot_id)
        )
    ).all()
    total = -original.amount
    entry = _entry(
        ctx,
        member,
        kind,
        total,
        reason=reason or f"reversal of entry {entry_id}",
        ref=("entry", str(entry_id)),
        dedupe_key=dedupe_key,
    )
    await ctx.session.flush()
    # A negative balance (debt) is paid first out of what comes back.
    debt = max(0, -(member.points_balance - total))
    for lot_id, amount in taken:
        lot = await ctx.session.get(PointsLot, lot_id)
        assert lot is not None
        cover = min(debt, amount)
        debt -= cover
        back = amount - cover
        if back:
            lot.remaining += back
            lot.state = "available"
            ctx.session.add(PointsAllocation(entry_id=entry.id, lot_id=lot.id, amount=-back))
    await ctx.session.flush()
    events.emit(
        ctx,
        PointsReversed(member_id=member.id, entry_id=entry.id, of=entry_id, points=total),
    )
    return Movement(entry)


# --- expiry -----------------------------------------------------------------------------


async def _expire_member(ctx: Ctx, member: Member, now: datetime) -> int:
    """Expire the member's lots that are past their date (the member row is locked)."""
    due = (
        await ctx.session.scalars(
            select(PointsLot)
            .where(
                PointsLot.member_id == member.id,
                PointsLot.state == "available",
                PointsLot.remaining > 0,
                PointsLot.expires_at <= now,
            )
            .order_by(PointsLot.id)
        )
    ).all()
    total = sum(lot.remaining for lot in due)
    if not total:
        return 0
    entry = _entry(ctx, member, "expire", -total, reason="points expired")
    await ctx.session.flush()
    await _take(ctx, entry, due, total)
    await ctx.session.flush()
    events.emit(ctx, PointsExpired(member_id=member.id, entry_id=entry.id, points=total))
    return total


async def expire_due(ctx: Ctx, *, now: datetime | None = None, limit: int = 1000) -> int:
    """The expiry job for one workspace: returns how many points expired."""
    now = now or utcnow()
    member_ids = (
        await ctx.session.scalars(
            select(PointsLot.member_id)
            .where(
                PointsLot.workspace_id == ctx.workspace_id,
                PointsLot.state == "available",
                PointsLot.remaining > 0,
                PointsLot.expires_at <= now,
            )
            .distinct()
            .limit(limit)
        )
    ).all()
    total = 0
    for member_id in sorted(member_ids):
        member = await members.get_member(ctx, member_id, lock=True)
        total += await _expire_member(ctx, member, now)
    return total


# --- checking ---------------------------------------------------------------


async def check_member(session: AsyncSession, member: Member) -> list[str]:
    """Every way the member's cached figures or lots disagree with the ledger (empty: none)."""
    problems: list[str] = []
    entries = (
        await session.execute(
            select(PointsEntry.id, PointsEntry.amount, PointsEntry.pending_delta, PointsEntry.balance_after)
            .where(PointsEntry.member_id == member.id)
            .order_by(PointsEntry.id)
        )
    ).all()
    running = pending = 0
    for entry_id, amount, pending_delta, balance_after in entries:
        running += amount
        pending += pending_delta
        if balance_after != running:
            problems.append(f"entry {entry_id}: balance_after {balance_after}, running sum {running}")
    if member.points_balance != running:
        problems.append(f"balance {member.points_balance} != ledger sum {running}")
    if member.points_pending != pending:
        problems.append(f"pending {member.points_pending} != ledger sum {pending}")
    by_state = dict(
        (
            await session.execute(
                select(PointsLot.state, func.coalesce(func.sum(PointsLot.remaining), 0))
                .where(PointsLot.member_id == member.id)
                .group_by(PointsLot.state)
            )
        ).all()
    )
    if int(by_state.get("available", 0)) != max(running, 0):
        problems.append(f"available lots hold {by_state.get('available', 0)}, balance is {running}")
    if int(by_state.get("pending", 0)) != pending:
        problems.append(f"pending lots hold {by_state.get('pending', 0)}, pending is {pending}")
    if int(by_state.get("closed", 0)) != 0:
        problems.append("a closed lot still holds points")
    allocated = (
        select(PointsAllocation.lot_id, func.sum(PointsAllocation.amount).label("taken"))
        .group_by(PointsAllocation.lot_id)
        .subquery()
    )
    bad = (
        await session.execute(
            select(PointsLot.id, PointsLot.amount, PointsLot.remaining, allocated.c.taken)
            .outerjoin(allocated, allocated.c.lot_id == PointsLot.id)
            .where(PointsLot.member_id == member.id)
            .where(PointsLot.amount - func.coalesce(allocated.c.taken, 0) != PointsLot.remaining)
        )
    ).all()
    for lot_id, amount, remaining, taken in bad:
        problems.append(f"lot {lot_id}: amount {amount} - taken {taken or 0} != remaining {remaining}")
    if running < 0 and not await session.scalar(
        select(func.count())
        .select_from(PointsEntry)
        .where(PointsEntry.member_id == member.id, PointsEntry.kind == "clawback")
    ):
        problems.append("negative balance without a claw-back")
    return problems
