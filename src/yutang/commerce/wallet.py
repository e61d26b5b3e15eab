"""Stored value (储值): top up (with the best bonus rule), spend, refund a spend.

Spending takes principal and bonus in proportion to what the wallet holds (the bonus
share rounded down), so a bonus cannot be spent first and the principal cashed out.
A refund gives back the same split as the spend it refunds, in proportion to the
amount refunded, and never more than was spent. Every movement appends a
``WalletEntry`` under a lock on the wallet's row; ``balance = Σ deltas`` always.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from yutang.commerce.errors import (
    DEDUPE_CONFLICT,
    INSUFFICIENT_BALANCE,
    PAYMENT_CONFLICT,
    REFUND_CONFLICT,
    REFUND_EXCEEDS_SPEND,
    SPEND_CONFLICT,
    UNKNOWN_TOP_UP_RULE,
    UNKNOWN_WALLET_ENTRY,
)
from yutang.commerce.events import WalletGranted, WalletRefunded, WalletSpent, WalletToppedUp
from yutang.kit import audit, events, locks, lookup
from yutang.kit.context import Ctx
from yutang.kit.errors import INVALID_AMOUNT, BadRequest, Conflict, ErrorCode, NotFound
from yutang.members import service as members
from yutang.models.wallet import TopUpRule, Wallet, WalletEntry

MAX_CENTS = 100_000_000  # one million yuan in a single movement


@dataclass
class WalletMove:
    entry: WalletEntry
    wallet: Wallet
    replayed: bool = False


def _check(amount: int) -> None:
    if amount <= 0 or amount > MAX_CENTS:
        raise BadRequest(
            "The amount must be a positive number of cents.",
            code=INVALID_AMOUNT,
            details={"amount_cents": amount},
        )


async def _wallet(ctx: Ctx, member_id: int, *, active: bool = True) -> Wallet:
    """The member's wallet, created on first use, its row locked for this transaction."""
    if active:
        await members.active_member(ctx, member_id, lock=True)
    else:
        await members.get_member(ctx, member_id, lock=True)
    stmt = select(Wallet).where(Wallet.member_id == member_id)
    wallet = await ctx.session.scalar(
        locks.for_update(ctx.session, stmt, "wallets", member_id, owner=member_id)
    )
    if wallet is None:
        wallet = Wallet(member_id=member_id, workspace_id=ctx.workspace_id, principal_cents=0, bonus_cents=0)
        ctx.session.add(wallet)
        await ctx.session.flush()
    return wallet


async def _replay(ctx: Ctx, dedupe_key: str) -> WalletEntry | None:
    return await ctx.session.scalar(
        select(WalletEntry).where(
            WalletEntry.workspace_id == ctx.workspace_id, WalletEntry.dedupe_key == dedupe_key
        )
    )


def _same_or_conflict(found: WalletEntry, *, member_id: int, cents: int, code: ErrorCode, what: str) -> None:
    """A reference (payment, order, refund) is unique per workspace, not per member: the
    same one again is a retry only for the same member and amount. Anything else is
    refused — never answered with another member's entry, never paid twice."""
    if found.member_id != member_id or abs(found.principal_delta + found.bonus_delta) != cents:
        raise Conflict(f"{what} was recorded before for another member or amount.", code=code)


def _append(ctx: Ctx, wallet: Wallet, kind: str, principal: int, bonus: int, **extra: Any) -> WalletEntry:
    wallet.principal_cents += principal
    wallet.bonus_cents += bonus
    entry = WalletEntry(
        workspace_id=ctx.workspace_id,
        member_id=wallet.member_id,
        kind=kind,
        principal_delta=principal,
        bonus_delta=bonus,
        principal_after=wallet.principal_cents,
        bonus_after=wallet.bonus_cents,
        actor=ctx.actor.label[:80],
        **extra,
    )
    ctx.session.add(entry)
    return entry


async def best_rule(ctx: Ctx, amount: int) -> TopUpRule | None:
    return await ctx.session.scalar(
        select(TopUpRule)
        .where(
            TopUpRule.workspace_id == ctx.workspace_id,
            TopUpRule.active.is_(True),
            TopUpRule.min_amount_cents <= amount,
        )
        .order_by(TopUpRule.bonus_cents.desc(), TopUpRule.id)
        .limit(1)
    )


async def top_up(ctx: Ctx, member_id: int, amount: int, *, payment_ref: str) -> WalletMove:
    """Money the member paid (``payment_ref`` is the payment's id: a retry adds nothing)."""
    _check(amount)
    wallet = await _wallet(ctx, member_id)
    key = f"topup:{payment_ref}"
    if (found := await _replay(ctx, key)) is not None:
        # The bonus came from the rule of that day: the amount paid is the principal.
        if found.member_id != member_id or found.principal_delta != amount:
            raise Conflict(
                "This payment was recorded before for another member or amount.", code=PAYMENT_CONFLICT
            )
        return WalletMove(found, wallet, replayed=True)
    rule = await best_rule(ctx, amount)
    bonus = rule.bonus_cents if rule else 0
    entry = _append(
        ctx,
        wallet,
        "topup",
        amount,
        bonus,
        reason=rule.name if rule else "",
        ref_type="payment",
        ref_id=payment_ref[:64],
        rule_id=rule.id if rule else None,
        dedupe_key=key,
    )
    await ctx.session.flush()
    events.emit(
        ctx,
        WalletToppedUp(member_id=member_id, entry_id=entry.id, amount_cents=amount, bonus_cents=bonus),
    )
    return WalletMove(entry, wallet)


async def spend(ctx: Ctx, member_id: int, amount: int, *, ref: str, reason: str = "") -> WalletMove:
    """Pay with the wallet (``ref``: the order it pays; the same ref twice pays once)."""
    _check(amount)
    wallet = await _wallet(ctx, member_id)
    key = f"spend:{ref}"
    if (found := await _replay(ctx, key)) is not None:
        _same_or_conflict(
            found, member_id=wallet.member_id, cents=amount, code=SPEND_CONFLICT, what="This order"
        )
        return WalletMove(found, wallet, replayed=True)
    total = wallet.principal_cents + wallet.bonus_cents
    if amount > total:
        raise Conflict(
            f"The wallet holds {total} cents; {amount} needed.",
            code=INSUFFICIENT_BALANCE,
            details={"balance_cents": total, "needed_cents": amount},
        )
    from_bonus = amount * wallet.bonus_cents // total
    entry = _append(
        ctx,
        wallet,
        "spend",
        -(amount - from_bonus),
        -from_bonus,
        reason=reason,
        ref_type="order",
        ref_id=ref[:64],
        dedupe_key=key,
    )
    await ctx.session.flush()
    events.emit(ctx, WalletSpent(member_id=member_id, entry_id=entry.id, amount_cents=amount))
    return WalletMove(entry, wallet)


async def grant(ctx: Ctx, member_id: int, amount: int, *, dedupe_key: str, reason: str) -> WalletMove:
    """Stored value the brand gives (a referral reward): it goes into the bonus bucket."""
    _check(amount)
    wallet = await _wallet(ctx, member_id)
    if (found := await _replay(ctx, dedupe_key)) is not None:
        _same_or_conflict(
            found, member_id=wallet.member_id, cents=amount, code=DEDUPE_CONFLICT, what="This grant"
        )
        return WalletMove(found, wallet, replayed=True)
    entry = _append(ctx, wallet, "grant", 0, amount, reason=reason[:200], dedupe_key=dedupe_key)
    await ctx.session.flush()
    events.emit(ctx, WalletGranted(member_id=member_id, entry_id=entry.id, amount_cents=amount))
    return WalletMove(entry, wallet)


async def _entry_of(ctx: Ctx, entry_id: int, kind: str, member_id: int | None = None) -> WalletEntry:
    """The entry, of this workspace (and of this member, when one is named)."""
    stmt = select(WalletEntry).where(
        WalletEntry.workspace_id == ctx.workspace_id, WalletEntry.id == entry_id, WalletEntry.kind == kind
    )
    if member_id is not None:
        stmt = stmt.where(WalletEntry.member_id == member_id)
    original = await ctx.session.scalar(stmt)
    if original is None:
        raise NotFound(f"No wallet {kind} {entry_id}.", code=UNKNOWN_WALLET_ENTRY)
    return original


async def take_back_grant(ctx: Ctx, grant_entry_id: int, *, reason: str) -> WalletMove:
    """Take a grant back, as far as the bonus bucket still holds it (never below zero).
    Once per grant; the entry says how much was recovered."""
    original = await _entry_of(ctx, grant_entry_id, "grant")
    wallet = await _wallet(ctx, original.member_id, active=False)
    key = f"ungrant:{grant_entry_id}"
    if (found := await _replay(ctx, key)) is not None:
        return WalletMove(found, wallet, replayed=True)
    taken = min(original.bonus_delta, wallet.bonus_cents)
    entry = _append(
        ctx, wallet, "ungrant", 0, -taken, reason=reason[:200], refund_of=original.id, dedupe_key=key
    )
    await ctx.session.flush()
    return WalletMove(entry, wallet)


async def refund(
    ctx: Ctx,
    spend_entry_id: int,
    amount: int,
    *,
    refund_ref: str,
    reason: str = "",
    member_id: int | None = None,
) -> WalletMove:
    """Give back part or all of a spend, in the spend's own principal/bonus split. With
    ``member_id``, a spend of another member is unknown before anything else is said of it."""
    _check(amount)
    original = await _entry_of(ctx, spend_entry_id, "spend", member_id)
    wallet = await _wallet(ctx, original.member_id, active=False)
    key = f"refund:{refund_ref}"
    if (found := await _replay(ctx, key)) is not None:
        if found.refund_of != original.id:
            raise Conflict("This refund was recorded before for another spend.", code=REFUND_CONFLICT)
        _same_or_conflict(
            found, member_id=wallet.member_id, cents=amount, code=REFUND_CONFLICT, what="This refund"
        )
        return WalletMove(found, wallet, replayed=True)
    spent = -(original.principal_delta + original.bonus_delta)
    row = (
        await ctx.session.execute(
            select(
                func.coalesce(func.sum(WalletEntry.principal_delta), 0),
                func.coalesce(func.sum(WalletEntry.bonus_delta), 0),
            ).where(WalletEntry.refund_of == original.id)
        )
    ).one()
    refunded_p, refunded_b = int(row[0]), int(row[1])
    if amount > spent - (refunded_p + refunded_b):
        raise Conflict(
            "That is more than is left to refund of this spend.",
            code=REFUND_EXCEEDS_SPEND,
            details={"refundable_cents": spent - refunded_p - refunded_b},
        )
    # Cumulative split, so rounding never gives back more bonus than the spend took.
    bonus_total = -original.bonus_delta
    bonus_after = (refunded_p + refunded_b + amount) * bonus_total // spent
    bonus = bonus_after - refunded_b
    entry = _append(
        ctx,
        wallet,
        "refund",
        amount - bonus,
        bonus,
        reason=reason,
        ref_type="refund",
        ref_id=refund_ref[:64],
        refund_of=original.id,
        dedupe_key=key,
    )
    await ctx.session.flush()
    events.emit(ctx, WalletRefunded(member_id=wallet.member_id, entry_id=entry.id, amount_cents=amount))
    return WalletMove(entry, wallet)


async def balance(ctx: Ctx, member_id: int) -> Wallet:
    await members.get_member(ctx, member_id)
    wallet = await ctx.session.scalar(select(Wallet).where(Wallet.member_id == member_id))
    return wallet or Wallet(
        member_id=member_id, workspace_id=ctx.workspace_id, principal_cents=0, bonus_cents=0
    )


async def entries(ctx: Ctx, member_id: int, limit: int = 200) -> list[WalletEntry]:
    await members.get_member(ctx, member_id)
    rows = await ctx.session.scalars(
        select(WalletEntry)
        .where(WalletEntry.workspace_id == ctx.workspace_id, WalletEntry.member_id == member_id)
        .order_by(WalletEntry.id.desc())
        .limit(limit)
    )
    return list(rows.all())


async def create_rule(ctx: Ctx, name: str, min_amount_cents: int, bonus_cents: int) -> TopUpRule:
    _check(min_amount_cents)
    if bonus_cents < 0:
        raise BadRequest("A bonus is 0 or more.", code=INVALID_AMOUNT)
    rule = TopUpRule(
        workspace_id=ctx.workspace_id, name=name, min_amount_cents=min_amount_cents, bonus_cents=bonus_cents
    )
    ctx.session.add(rule)
    await ctx.session.flush()
    audit.record(
        ctx,
        "top_up_rule.created",
        "top_up_rule",
        rule.id,
        {"min_amount_cents": min_amount_cents, "bonus_cents": bonus_cents},
    )
    return rule


async def get_rule(ctx: Ctx, rule_id: int) -> TopUpRule:
    return await lookup.one(ctx, TopUpRule, rule_id, code=UNKNOWN_TOP_UP_RULE, what="top-up rule")


#: The fields of a top-up rule that :func:`update_rule` changes.
RULE_CHANGES = ("name", "min_amount_cents", "bonus_cents", "active")


async def update_rule(ctx: Ctx, rule_id: int, values: dict[str, Any]) -> TopUpRule:
    """Change a top-up rule for top-ups from now on (``active: False``: no more bonus from
    it). Past top-ups keep the bonus they got: their entries hold it, and the rule's id."""
    rule = await get_rule(ctx, rule_id)
    changes = {k: v for k, v in values.items() if k in RULE_CHANGES}
    _check(changes.get("min_amount_cents", rule.min_amount_cents))
    if changes.get("bonus_cents", rule.bonus_cents) < 0:
        raise BadRequest("A bonus is 0 or more.", code=INVALID_AMOUNT)
    for key, value in changes.items():
        setattr(rule, key, value)
    await ctx.session.flush()
    audit.record(ctx, "top_up_rule.updated", "top_up_rule", rule.id, changes)
    return rule


async def check(ctx: Ctx) -> list[str]:
    """Wallets whose figures differ from their ledger sums (for ``yutang doctor``)."""
    sums = (
        select(
            WalletEntry.member_id.label("member_id"),
            func.sum(WalletEntry.principal_delta).label("p"),
            func.sum(WalletEntry.bonus_delta).label("b"),
        )
        .where(WalletEntry.workspace_id == ctx.workspace_id)
        .group_by(WalletEntry.member_id)
        .subquery()
    )
    rows = await ctx.session.execute(
        select(Wallet.member_id, Wallet.principal_cents, Wallet.bonus_cents, sums.c.p, sums.c.b)
        .outerjoin(sums, sums.c.member_id == Wallet.member_id)
        .where(Wallet.workspace_id == ctx.workspace_id)
        .where(
            (Wallet.principal_cents != func.coalesce(sums.c.p, 0))
            | (Wallet.bonus_cents != func.coalesce(sums.c.b, 0))
            | (Wallet.principal_cents < 0)
            | (Wallet.bonus_cents < 0)
        )
    )
    return [f"member {m}: wallet {p}/{b}, ledger {lp or 0}/{lb or 0}" for m, p, b, lp, lb in rows.all()]
