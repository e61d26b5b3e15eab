"""Tiers: thresholds on a rolling window of spend or earned points.

Upgrades happen at once (an outbox handler after each paid order or earning).
Downgrades happen only at evaluation (the daily job, or ``POST /tiers/evaluate``): a
member found below their tier gets ``grace_days``; if still below when the grace ends,
the programme's policy applies — ``none`` keeps the tier, ``one_level`` steps one tier
down, ``recompute`` moves to the tier the metric qualifies for. Every change is kept in
the tier history and announced as a ``tier.changed`` event.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.kit import audit, events, lookup
from yutang.kit.context import Ctx
from yutang.kit.errors import REASON_REQUIRED, BadRequest, Conflict, ErrorCode, YutangError
from yutang.loyalty.errors import INVALID_TIER, TIER_TAKEN, UNKNOWN_TIER
from yutang.loyalty.events import TierChanged
from yutang.members import service as members
from yutang.models.base import utcnow
from yutang.models.commerce import Order
from yutang.models.loyalty import PointsEntry, Tier, TierChange, TierProgram
from yutang.models.members import Member

#: A paid plan's own yes/no perks (``free_shipping``, ``priority_support``).
FLAG_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
BENEFIT_KEYS = {
    "points_multiplier",
    "discount_percent",
    "birthday_points",
    "coupon_template_ids",
    "distribution",
}


async def program(ctx: Ctx) -> TierProgram:
    found = await ctx.session.get(TierProgram, ctx.workspace_id)
    return found or TierProgram(
        workspace_id=ctx.workspace_id,
        metric="spend",
        window_days=365,
        downgrade_policy="one_level",
        grace_days=30,
    )


async def configure(ctx: Ctx, values: dict[str, Any]) -> TierProgram:
    prog = await ctx.session.get(TierProgram, ctx.workspace_id)
    if prog is None:
        prog = await program(ctx)
        ctx.session.add(prog)
        # The row first: an INSERT would put a column's default (365 days) where the
        # programme asks for None (all time).
        await ctx.session.flush()
    for key, value in values.items():
        setattr(prog, key, value)
    await ctx.session.flush()
    audit.record(ctx, "tier_program.configured", "workspace", ctx.workspace_id, values)
    return prog


async def tiers(session: AsyncSession, workspace_id: int) -> list[Tier]:
    rows = await session.scalars(select(Tier).where(Tier.workspace_id == workspace_id).order_by(Tier.rank))
    return list(rows.all())


def _check_ladder(ladder: Sequence[Tier]) -> None:
    ordered = sorted(ladder, key=lambda t: t.rank)
    for low, high in itertools.pairwise(ordered):
        if high.threshold <= low.threshold:
            raise BadRequest(
                f"Tier {high.name!r} (rank {high.rank}) needs a threshold above "
                f"{low.name!r}'s {low.threshold}.",
                code=INVALID_TIER,
            )


async def check_benefits(
    ctx: Ctx, benefits: dict[str, Any], *, code: ErrorCode = INVALID_TIER, flags: bool = False
) -> dict[str, Any]:
    """Benefits of a tier (or a paid plan): known keys, values in range, and coupon
    templates of the caller's workspace (``unknown_coupon_template`` otherwise). With
    ``flags`` (paid plans), other keys are yes/no perks such as ``free_shipping``."""
    from yutang.loyalty.service import MAX_POINTS

    unknown = set(benefits) - BENEFIT_KEYS
    if flags:
        for key in unknown:
            if not (FLAG_RE.match(key) and isinstance(benefits[key], bool)):
                raise BadRequest(
                    f"Benefit {key!r}: a perk is a name of 1-40 lowercase letters, digits or _ "
                    "with true or false.",
                    code=code,
                )
        unknown = set()
    if unknown:
        raise BadRequest(
            f"Unknown benefits {sorted(unknown)}.",
            code=code,
            details={"allowed": sorted(BENEFIT_KEYS)},
        )
    mult = benefits.get("points_multiplier")
    if mult is not None and not (
        isinstance(mult, int | float) and not isinstance(mult, bool) and 0 < mult <= 10
    ):
        raise BadRequest("points_multiplier is a number in (0, 10].", code=code)
    disc = benefits.get("discount_percent")
    if disc is not None and not (isinstance(disc, int) and not isinstance(disc, bool) and 0 <= disc < 100):
        raise BadRequest("discount_percent is a whole number in [0, 100).", code=code)
    gift = benefits.get("birthday_points")
    if gift is not None and not (
        isinstance(gift, int) and not isinstance(gift, bool) and 0 <= gift <= MAX_POINTS
    ):
        raise BadRequest("birthday_points is a whole number in [0, 1,000,000,000].", code=code)
    await check_benefit_refs(ctx, benefits, code=code)
    return benefits


async def check_benefit_refs(ctx: Ctx, benefits: dict[str, Any], *, code: ErrorCode) -> None:
    """The coupon templates benefits name (``coupon_template_ids``) are the workspace's."""
    from yutang.coupons import service as coupons

    templates = benefits.get("coupon_template_ids")
    if templates is None:
        return
    if not isinstance(templates, list) or len(templates) > 20:
        raise BadRequest("coupon_template_ids is a list of at most 20 coupon template ids.", code=code)
    for template_id in templates:
        if not isinstance(template_id, int) or isinstance(template_id, bool) or not 0 < template_id < 2**63:
            raise BadRequest("coupon_template_ids holds coupon template ids.", code=code)
        await coupons.get_template(ctx, template_id)


async def create_tier(ctx: Ctx, name: str, rank: int, threshold: int, benefits: dict[str, Any]) -> Tier:
    if threshold < 0:
        raise BadRequest("A threshold is 0 or more.", code=INVALID_TIER)
    ladder = await tiers(ctx.session, ctx.workspace_id)
    if any(t.rank == rank for t in ladder) or any(t.name == name for t in ladder):
        raise Conflict("A tier of that rank or name exists.", code=TIER_TAKEN)
    tier = Tier(
        workspace_id=ctx.workspace_id,
        name=name,
        rank=rank,
        threshold=threshold,
        benefits=await check_benefits(ctx, benefits),
    )
    _check_ladder([*ladder, tier])
    ctx.session.add(tier)
    await ctx.session.flush()
    audit.record(ctx, "tier.created", "tier", tier.id, {"name": name, "rank": rank, "threshold": threshold})
    return tier


async def get_tier(ctx: Ctx, tier_id: int) -> Tier:
    return await lookup.one(ctx, Tier, tier_id, code=UNKNOWN_TIER, what="tier")


async def update_tier(ctx: Ctx, tier_id: int, values: dict[str, Any]) -> Tier:
    tier = await get_tier(ctx, tier_id)
    if "benefits" in values:
        values["benefits"] = await check_benefits(ctx, values["benefits"])
    if values.get("name") not in (None, tier.name) and any(
        t.name == values["name"] for t in await tiers(ctx.session, ctx.workspace_id)
    ):
        raise Conflict("A tier of that name exists.", code=TIER_TAKEN)
    for key, value in values.items():
        setattr(tier, key, value)
    _check_ladder(await tiers(ctx.session, ctx.workspace_id))
    await ctx.session.flush()
    audit.record(ctx, "tier.updated", "tier", tier.id, values)
    return tier


async def metric_value(session: AsyncSession, prog: TierProgram, member_id: int, now: datetime) -> int:
    since = now - timedelta(days=prog.window_days) if prog.window_days else None
    if prog.metric == "points":
        stmt = select(func.coalesce(func.sum(PointsEntry.amount + PointsEntry.pending_delta), 0)).where(
            PointsEntry.member_id == member_id, PointsEntry.kind == "earn"
        )
        if since:
            stmt = stmt.where(PointsEntry.created_at >= since)
    else:
        stmt = select(func.coalesce(func.sum(Order.total_cents - Order.refunded_cents), 0)).where(
            Order.member_id == member_id
        )
        if since:
            stmt = stmt.where(Order.paid_at >= since)
    return int(await session.scalar(stmt) or 0)


def qualified(ladder: Sequence[Tier], value: int) -> Tier | None:
    best = None
    for tier in ladder:  # by rank, thresholds rising
        if value >= tier.threshold:
            best = tier
    return best


def _rank(ladder: Sequence[Tier], tier_id: int | None) -> int:
    return next((t.rank for t in ladder if t.id == tier_id), -(10**9))


def _change(ctx: Ctx, member: Member, to: Tier | None, reason: str, value: int, now: datetime) -> None:
    ctx.session.add(
        TierChange(
            workspace_id=ctx.workspace_id,
            member_id=member.id,
            from_tier_id=member.tier_id,
            to_tier_id=to.id if to else None,
            reason=reason,
            metric_value=value,
        )
    )
    if reason in ("upgrade", "downgrade", "manual"):
        events.emit(
            ctx,
            TierChanged(
                member_id=member.id,
                from_tier_id=member.tier_id,
                to_tier_id=to.id if to else None,
                reason=reason,
            ),
        )
        member.tier_id = to.id if to else None
        member.tier_since = now
        member.tier_grace_until = None


async def _welcome_coupons(ctx: Ctx, member: Member, tier: Tier, now: datetime) -> None:
    """The coupons of a tier's benefits, issued when a member reaches it."""
    from yutang.coupons import service as coupons

    for template_id in tier.benefits.get("coupon_template_ids") or []:
        try:
            async with ctx.session.begin_nested():
                await coupons.issue(ctx, int(template_id), member.id, source=f"tier:{tier.id}", now=now)
        except YutangError:
            pass  # out of stock or the member's limit: the upgrade stands without it


async def reassess(ctx: Ctx, member_id: int, *, now: datetime | None = None) -> Member:
    """Upgrade at once when the member qualifies for a higher tier; never downgrade here."""
    now = now or utcnow()
    ladder = await tiers(ctx.session, ctx.workspace_id)
    member = await members.get_member(ctx, member_id, lock=True)
    if not ladder or member.status != "active":
        return member
    prog = await program(ctx)
    value = await metric_value(ctx.session, prog, member.id, now)
    target = qualified(ladder, value)
    if target is not None and target.rank > _rank(ladder, member.tier_id):
        _change(ctx, member, target, "upgrade", value, now)
        await _welcome_coupons(ctx, member, target, now)
    elif (
        member.tier_grace_until is not None
        and target is not None
        and target.rank >= _rank(ladder, member.tier_id)
    ):
        member.tier_grace_until = None
        _change(ctx, member, target, "grace_cleared", value, now)
    await ctx.session.flush()
    return member


async def evaluate(ctx: Ctx, *, now: datetime | None = None) -> dict[str, int]:
    """The periodic evaluation: grace periods start and end, downgrades by policy."""
    now = now or utcnow()
    ladder = await tiers(ctx.session, ctx.workspace_id)
    prog = await program(ctx)
    counts = {"checked": 0, "upgraded": 0, "downgraded": 0, "grace_started": 0}
    if not ladder:
        return counts
    ids = (
        await ctx.session.scalars(
            select(Member.id)
            .where(Member.workspace_id == ctx.workspace_id, Member.status == "active")
            .order_by(Member.id)
        )
    ).all()
    for member_id in ids:
        member = await members.get_member(ctx, member_id, lock=True)
        counts["checked"] += 1
        value = await metric_value(ctx.session, prog, member.id, now)
        target = qualified(ladder, value)
        current = _rank(ladder, member.tier_id)
        target_rank = target.rank if target else -(10**9)
        if target_rank > current:
            _change(ctx, member, target, "upgrade", value, now)
            if target is not None:
                await _welcome_coupons(ctx, member, target, now)
            counts["upgraded"] += 1
        elif target_rank == current:
            if member.tier_grace_until is not None:
                member.tier_grace_until = None
                _change(ctx, member, target, "grace_cleared", value, now)
        elif member.tier_id is not None and prog.downgrade_policy != "none":
            if member.tier_grace_until is None:
                member.tier_grace_until = now + timedelta(days=prog.grace_days)
                _change(ctx, member, target, "grace_started", value, now)
                counts["grace_started"] += 1
            elif member.tier_grace_until <= now:
                if prog.downgrade_policy == "one_level":
                    below = [t for t in ladder if t.rank < current]
                    to = below[-1] if below else None
                    if to is not None and target is not None and to.rank < target.rank:
                        to = target
                else:
                    to = target
                _change(ctx, member, to, "downgrade", value, now)
                counts["downgraded"] += 1
    await ctx.session.flush()
    return counts


async def set_tier(ctx: Ctx, member_id: int, tier_id: int | None, reason: str) -> Member:
    if not reason.strip():
        raise BadRequest("Setting a tier by hand needs a reason.", code=REASON_REQUIRED)
    member = await members.active_member(ctx, member_id, lock=True)
    tier = await get_tier(ctx, tier_id) if tier_id is not None else None
    _change(ctx, member, tier, "manual", 0, utcnow())
    audit.record(ctx, "member.tier_set", "member", member.id, {"tier_id": tier_id, "reason": reason})
    await ctx.session.flush()
    return member


async def history(ctx: Ctx, member_id: int) -> list[TierChange]:
    await members.get_member(ctx, member_id)
    rows = await ctx.session.scalars(
        select(TierChange)
        .where(TierChange.workspace_id == ctx.workspace_id, TierChange.member_id == member_id)
        .order_by(TierChange.id)
    )
    return list(rows.all())


async def multiplier(session: AsyncSession, member: Member) -> float:
    if member.tier_id is None:
        return 1.0
    tier = await session.get(Tier, member.tier_id)
    return float((tier.benefits if tier else {}).get("points_multiplier") or 1.0)
