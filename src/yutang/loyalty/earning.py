"""Earn rules and the outbox handlers that apply them, exactly once per event.

A rule pays on a trigger (order paid, sign-up, check-in, post, share, referral,
birthday, form submitted, a custom event), when its conditions hold, a fixed number of
points or points per currency unit of the eligible spend, within its caps per day,
week, month (in the workspace's time zone) and lifetime. Each credit carries the
dedupe key ``rule:<id>:<what>``: a redelivered event, a replayed order or a second run
of the birthday job finds the key and credits nothing.
"""

from __future__ import annotations

import calendar
import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import extract, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.commerce.events import OrderRefunded
from yutang.kit import audit, events, lookup
from yutang.kit.context import Ctx
from yutang.kit.errors import VALIDATION_ERROR, BadRequest
from yutang.loyalty import service as points
from yutang.loyalty import tiers
from yutang.loyalty.errors import UNKNOWN_RULE
from yutang.loyalty.events import MemberActivity
from yutang.loyalty.schemas import RuleIn, RulePatch
from yutang.members import segments
from yutang.models.base import utcnow
from yutang.models.commerce import OrderItem
from yutang.models.loyalty import EarnRule, PointsEntry, Tier
from yutang.models.members import Member
from yutang.models.platform import OutboxEvent
from yutang.models.workspaces import Workspace

log = logging.getLogger(__name__)


# --- managing rules ---------------------------------------------------------------------


async def _check_conditions(ctx: Ctx, conditions: dict[str, Any]) -> None:
    for tier_id in conditions.get("tier_ids") or []:
        await tiers.get_tier(ctx, tier_id)
    if conditions.get("segment_id"):
        await segments.get_segment(ctx, int(conditions["segment_id"]))


async def create_rule(ctx: Ctx, data: RuleIn) -> EarnRule:
    await _check_conditions(ctx, data.conditions.model_dump(exclude_none=True))
    rule = EarnRule(
        workspace_id=ctx.workspace_id,
        **data.model_dump(exclude={"conditions", "caps"}),
        conditions=data.conditions.model_dump(exclude_none=True),
        caps=data.caps.model_dump(exclude_none=True),
    )
    ctx.session.add(rule)
    await ctx.session.flush()
    audit.record(ctx, "earn_rule.created", "earn_rule", rule.id, data.model_dump(mode="json"))
    return rule


async def get_rule(ctx: Ctx, rule_id: int) -> EarnRule:
    return await lookup.one(ctx, EarnRule, rule_id, code=UNKNOWN_RULE, what="earn rule")


async def update_rule(ctx: Ctx, rule_id: int, patch: RulePatch) -> EarnRule:
    rule = await get_rule(ctx, rule_id)
    changes = patch.model_dump(exclude_unset=True, mode="json")
    for field in patch.model_fields_set:
        value = getattr(patch, field)
        if field == "conditions":
            value = patch.conditions.model_dump(exclude_none=True) if patch.conditions else {}
            await _check_conditions(ctx, value)
        elif field == "caps":
            value = patch.caps.model_dump(exclude_none=True) if patch.caps else {}
        elif value is None and field in (
            "name",
            "active",
            "points",
            "unit_cents",
            "pending_days",
            "allow_negative",
        ):
            continue
        setattr(rule, field, value)
    if rule.starts_at and rule.ends_at and rule.ends_at <= rule.starts_at:
        raise BadRequest("ends_at must be after the rule's starts_at.", code=VALIDATION_ERROR)
    await ctx.session.flush()
    audit.record(ctx, "earn_rule.updated", "earn_rule", rule.id, changes)
    return rule


async def list_rules(ctx: Ctx, trigger: str | None = None) -> list[EarnRule]:
    stmt = select(EarnRule).where(EarnRule.workspace_id == ctx.workspace_id)
    if trigger:
        stmt = stmt.where(EarnRule.trigger == trigger)
    return list((await ctx.session.scalars(stmt.order_by(EarnRule.id))).all())


# --- applying rules ---------------------------------------------------------------------


@dataclass
class Occasion:
    """What happened, as far as rules care."""

    trigger: str
    member_id: int
    #: Unique per occurrence *for this member*: "order:<id>", "signup", "checkin:<the
    #: client's id>", "birthday:2026" … The member is added by :func:`dedupe_key`.
    key: str
    at: datetime
    ref: tuple[str, str] | None = None
    event_name: str | None = None
    items: list[OrderItem] | None = None
    total_cents: int = 0


#: The ledger's ``dedupe_key`` column (unique per workspace) holds this many characters.
DEDUPE_KEY_MAX = 128


def dedupe_key(rule_id: int, member_id: int, occasion: str) -> str:
    """``rule:<rule id>:m<member id>:<occasion>`` — once per rule, member and occasion.

    The ledger's key is unique per *workspace*, so it must name the member: an occasion
    such as "signup", "birthday:2026" or a check-in's "2026-12-03" happens to every
    member. An occasion too long for the column is replaced by its SHA-256.
    """
    key = f"rule:{rule_id}:m{member_id}:{occasion}"
    if len(key) > DEDUPE_KEY_MAX:
        key = f"rule:{rule_id}:m{member_id}:sha256:{hashlib.sha256(occasion.encode()).hexdigest()[:64]}"
    return key


async def _paid_under_old_key(ctx: Ctx, rule_id: int, member_id: int, occasion: str) -> bool:
    """Whether this member was paid for this occasion under the key used before keys
    named the member (``rule:<id>:<occasion>``), so that an event redelivered, an
    activity reported again or a birthday job run again across the upgrade pays nothing
    twice. (Such an entry is only ever the first member's: the old key paid no one else.)"""
    found = await ctx.session.scalar(
        select(PointsEntry.id).where(
            PointsEntry.workspace_id == ctx.workspace_id,
            PointsEntry.dedupe_key == f"rule:{rule_id}:{occasion}",
            PointsEntry.member_id == member_id,
        )
    )
    return found is not None


def _eligible_cents(rule: EarnRule, occ: Occasion) -> int:
    cond = rule.conditions
    if occ.items is None or not (cond.get("product_ids") or cond.get("categories")):
        return occ.total_cents
    products = set(cond.get("product_ids") or [])
    categories = set(cond.get("categories") or [])
    return sum(
        i.quantity * i.price_cents for i in occ.items if i.product_id in products or i.category in categories
    )


def amount_for(rule: EarnRule, occ: Occasion, multiplier: float = 1.0) -> int:
    """Points the rule pays for ``occ`` before caps (0: conditions not met)."""
    if rule.trigger == "custom" and rule.event_name != occ.event_name:
        return 0
    if rule.starts_at and occ.at < rule.starts_at:
        return 0
    if rule.ends_at and occ.at >= rule.ends_at:
        return 0
    eligible = _eligible_cents(rule, occ)
    minimum = int(rule.conditions.get("min_amount_cents") or 0)
    if rule.trigger == "order_paid" and (eligible <= 0 or eligible < minimum):
        return 0
    base = rule.points * (eligible // rule.unit_cents) if rule.amount_type == "per_unit" else rule.points
    return int(base * multiplier) if rule.tier_multiplier else base


def _window_starts(at: datetime, tz: ZoneInfo) -> dict[str, datetime]:
    local = at.astimezone(tz).date()
    week = local - timedelta(days=local.weekday())
    month = local.replace(day=1)

    def start(d: date) -> datetime:
        return datetime.combine(d, time(0), tzinfo=tz)

    return {"day": start(local), "week": start(week), "month": start(month)}


async def _room_under_caps(
    session: AsyncSession, rule: EarnRule, member_id: int, at: datetime, tz: ZoneInfo
) -> int | None:
    """How many more points the rule may pay the member now (None: no cap)."""
    caps = rule.caps or {}
    if not caps:
        return None
    room: int | None = None
    earned_since = select(func.coalesce(func.sum(PointsEntry.amount + PointsEntry.pending_delta), 0)).where(
        PointsEntry.member_id == member_id, PointsEntry.rule_id == rule.id, PointsEntry.kind == "earn"
    )
    starts = _window_starts(at, tz)
    for window, cap in caps.items():
        stmt = (
            earned_since
            if window == "lifetime"
            else earned_since.where(PointsEntry.created_at >= starts[window])
        )
        used = int(await session.scalar(stmt) or 0)
        left = max(0, int(cap) - used)
        room = left if room is None else min(room, left)
    return room


def _add_months(at: datetime, months: int) -> datetime:
    month = at.month - 1 + months
    year = at.year + month // 12
    month = month % 12 + 1
    day = min(at.day, calendar.monthrange(year, month)[1])
    return at.replace(year=year, month=month, day=day)


async def apply_rules(ctx: Ctx, occ: Occasion, *, now: datetime | None = None) -> list[points.Movement]:
    """Credit every active rule of ``occ.trigger`` that pays, once per (rule, occasion)."""
    now = now or utcnow()
    member = await ctx.session.get(Member, occ.member_id)
    if member is None or member.workspace_id != ctx.workspace_id or member.status != "active":
        return []
    rules = (
        await ctx.session.scalars(
            select(EarnRule)
            .where(
                EarnRule.workspace_id == ctx.workspace_id,
                EarnRule.trigger == occ.trigger,
                EarnRule.active.is_(True),
                or_(EarnRule.event_name.is_(None), EarnRule.event_name == occ.event_name),
            )
            .order_by(EarnRule.id)
        )
    ).all()
    if not rules:
        return []
    workspace = await ctx.session.get(Workspace, ctx.workspace_id)
    tz = ZoneInfo(workspace.timezone if workspace else "UTC")
    mult = await tiers.multiplier(ctx.session, member)
    done: list[points.Movement] = []
    for rule in rules:
        tier_ids = rule.conditions.get("tier_ids")
        if tier_ids and member.tier_id not in tier_ids:
            continue
        segment_id = rule.conditions.get("segment_id")
        if segment_id and not await segments.contains(ctx, int(segment_id), member.id):
            continue
        amount = amount_for(rule, occ, mult)
        if amount <= 0:
            continue
        room = await _room_under_caps(ctx.session, rule, member.id, occ.at, tz)
        if room is not None:
            amount = min(amount, room)
        if amount <= 0:
            continue
        pending_until = occ.at + timedelta(days=rule.pending_days) if rule.pending_days else None
        expires_at = _add_months(max(occ.at, now), rule.expiry_months) if rule.expiry_months else None
        if expires_at is not None and expires_at <= now:
            continue
        if await _paid_under_old_key(ctx, rule.id, member.id, occ.key):
            continue
        mv = await points.earn(
            ctx,
            member.id,
            amount,
            reason=rule.name,
            ref=occ.ref,
            rule_id=rule.id,
            expires_at=expires_at,
            pending_until=pending_until,
            dedupe_key=dedupe_key(rule.id, member.id, occ.key),
            now=now,
        )
        done.append(mv)
    return done


async def claw_back_order(ctx: Ctx, refund: OrderRefunded) -> None:
    """A refund takes back the order's points in proportion to the amount refunded.

    For a rule that paid E points on a total T, after refunds R the member keeps
    E − ⌊E·R/T⌋; each refund takes the difference, so a full refund takes all of E.
    """
    order_id, member_id = refund.order_id, refund.member_id
    if member_id is None:
        return
    total = refund.total_cents
    before, after = refund.refunded_before_cents, refund.refunded_after_cents
    earned = (
        await ctx.session.execute(
            select(PointsEntry.rule_id, func.sum(PointsEntry.amount + PointsEntry.pending_delta))
            .where(
                PointsEntry.member_id == member_id,
                PointsEntry.kind == "earn",
                PointsEntry.ref_type == "order",
                PointsEntry.ref_id == str(order_id),
            )
            .group_by(PointsEntry.rule_id)
        )
    ).all()
    for rule_id, earned_points in earned:
        earned_points = int(earned_points or 0)
        take = earned_points * after // total - earned_points * before // total
        if take <= 0:
            continue
        rule = await ctx.session.get(EarnRule, rule_id) if rule_id is not None else None
        await points.clawback(
            ctx,
            member_id,
            take,
            ref=("order", str(order_id)),
            allow_negative=bool(rule and rule.allow_negative),
            reason=f"refund of order {order_id}",
            dedupe_key=f"refund:{refund.refund_id}:rule:{rule_id}",
        )


async def earn_on_activity(
    ctx: Ctx, ev: OutboxEvent, trigger: str, member_id: int, external_id: str | None, name: str | None
) -> None:
    """Pay the rules of ``trigger`` for the activity of event ``ev``; an ``external_id``
    makes the same activity pay once however often it is reported."""
    occ = Occasion(
        trigger,
        member_id,
        f"{trigger}:{external_id or f'event:{ev.id}'}",
        ev.created_at,
        ref=("event", str(ev.id)),
        event_name=name,
    )
    await apply_rules(ctx, occ)


async def record_activity(
    ctx: Ctx, member_id: int, type_: str, name: str | None, external_id: str | None
) -> None:
    """A member checked in, posted, shared or did a custom thing: rules pay via the outbox.

    With an ``external_id``, reporting the same activity again earns nothing more.
    """
    from yutang.members import service as members

    member = await members.active_member(ctx, member_id)
    member.last_active_at = utcnow()
    events.emit(
        ctx,
        MemberActivity(member_id=member.id, type=type_, name=name, external_id=external_id),
    )


async def birthday_points(ctx: Ctx, *, today: date | None = None, now: datetime | None = None) -> int:
    """Pay birthday rules to members whose birthday is today (workspace time); once a year."""
    now = now or utcnow()
    workspace = await ctx.session.get(Workspace, ctx.workspace_id)
    tz = ZoneInfo(workspace.timezone if workspace else "UTC")
    today = today or now.astimezone(tz).date()
    has_gifts = await ctx.session.scalar(
        select(func.count()).select_from(Tier).where(Tier.workspace_id == ctx.workspace_id)
    )
    if not await list_rules(ctx, "birthday") and not has_gifts:
        return 0
    days = [(today.month, today.day)]
    if (today.month, today.day) == (2, 28) and not calendar.isleap(today.year):
        days.append((2, 29))  # born on 29 February: celebrated on the 28th in common years
    rows = (
        await ctx.session.execute(
            select(Member.id, Member.birthday).where(
                Member.workspace_id == ctx.workspace_id,
                Member.status == "active",
                or_(
                    *(
                        (extract("month", Member.birthday) == m) & (extract("day", Member.birthday) == d)
                        for m, d in days
                    )
                ),
            )
        )
    ).all()
    paid = 0
    for member_id, _birthday in rows:
        moved = await apply_rules(
            ctx, Occasion("birthday", member_id, f"birthday:{today.year}", now), now=now
        )
        paid += sum(1 for m in moved if not m.replayed)
        paid += await _tier_birthday_gift(ctx, member_id, today.year, now)
    return paid


async def _tier_birthday_gift(ctx: Ctx, member_id: int, year: int, now: datetime) -> int:
    """The birthday points of the member's tier (a tier benefit), once a year."""
    member = await ctx.session.get(Member, member_id)
    if member is None or member.tier_id is None:
        return 0
    tier = await tiers.get_tier(ctx, member.tier_id)
    gift = int(tier.benefits.get("birthday_points") or 0)
    if gift <= 0:
        return 0
    mv = await points.earn(
        ctx,
        member_id,
        gift,
        reason=f"{tier.name} birthday gift",
        dedupe_key=f"tier-birthday:{member_id}:{year}",
        now=now,
    )
    return 0 if mv.replayed else 1
