"""Distributors (分销员), their team tree and their customers.

Three ways in, as in seed 002: an operator approves a member (a KOL; or a member's
application), a member completes a task (N orders, or a check-in streak of N days),
or a member buys a gift-pack product. Each distributor has a code; a customer is bound
to the distributor who brought them (by code, or as the invitee of a referral
campaign), first binding for good. A distributor recruited by another has that one as
``parent``: the team is two levels deep, and nothing is ever paid beyond it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified

from yutang.distribution.errors import (
    ALREADY_BOUND,
    INVALID_RATE,
    LEVEL_TAKEN,
    NOT_A_DISTRIBUTOR,
    NOT_AN_APPLICATION,
    SELF_BINDING,
    THIRD_LEVEL_FORBIDDEN,
    UNKNOWN_COMMISSION_PLAN,
    UNKNOWN_DISTRIBUTOR_CODE,
    UNKNOWN_DISTRIBUTOR_LEVEL,
)
from yutang.distribution.events import DistributionBound, DistributorActivated, DistributorLevelUp
from yutang.kit import audit, events, lookup
from yutang.kit.context import Ctx
from yutang.kit.errors import BadRequest, Conflict, NotFound
from yutang.links import addresses
from yutang.members import service as members
from yutang.models.base import utcnow
from yutang.models.commerce import OrderItem
from yutang.models.distribution import (
    MAX_LEVELS,
    CheckinDay,
    Commission,
    CommissionPlan,
    DistributionBinding,
    DistributionSettings,
    Distributor,
    DistributorLevel,
)
from yutang.models.workspaces import Workspace
from yutang.referrals.errors import CODE_EXHAUSTED

CODE_LENGTH = 8


# --- settings, levels, plans ------------------------------------------------------------


async def settings(ctx: Ctx) -> DistributionSettings:
    found = await ctx.session.get(DistributionSettings, ctx.workspace_id)
    if found is None:
        found = DistributionSettings(
            workspace_id=ctx.workspace_id,
            self_purchase=False,
            refund_window_days=7,
            min_withdrawal_cents=1000,
            task_entry={},
            gift_pack_product_ids=[],
            bind_invitees=True,
        )
        ctx.session.add(found)
        await ctx.session.flush()
    return found


async def configure(ctx: Ctx, values: dict[str, object]) -> DistributionSettings:
    current = await settings(ctx)
    for name, value in values.items():
        if value is not None:
            setattr(current, name, value)
    await ctx.session.flush()
    audit.record(ctx, "distribution.configured", "workspace", ctx.workspace_id, values)
    return current


async def create_level(ctx: Ctx, data: dict[str, int | str]) -> DistributorLevel:
    level = DistributorLevel(workspace_id=ctx.workspace_id, **data)
    try:
        async with ctx.session.begin_nested():
            ctx.session.add(level)
            await ctx.session.flush()
    except IntegrityError as exc:
        raise Conflict("A level of that rank exists.", code=LEVEL_TAKEN) from exc
    audit.record(ctx, "distributor_level.created", "distributor_level", level.id, data)
    return level


async def get_level(ctx: Ctx, level_id: int) -> DistributorLevel:
    return await lookup.one(
        ctx, DistributorLevel, level_id, code=UNKNOWN_DISTRIBUTOR_LEVEL, what="distributor level"
    )


async def update_level(ctx: Ctx, level_id: int, values: dict[str, Any]) -> DistributorLevel:
    """Change a level's name, rank, thresholds or bonus: the fields of ``values`` (a None
    leaves that one as it is). Nobody moves now and no commission is written again: a
    changed bonus pays on orders paid from now on, and distributors reach a changed
    threshold on their next recruit or commission (never down on their own)."""
    level = await get_level(ctx, level_id)
    changed = {k: v for k, v in values.items() if v is not None and getattr(level, k) != v}
    before = {k: getattr(level, k) for k in changed}
    try:
        async with ctx.session.begin_nested():
            for name, value in changed.items():
                setattr(level, name, value)
            await ctx.session.flush()
    except IntegrityError as exc:
        raise Conflict("A level of that rank exists.", code=LEVEL_TAKEN) from exc
    audit.record(
        ctx, "distributor_level.updated", "distributor_level", level.id, {**changed, "before": before}
    )
    return level


async def levels(ctx: Ctx) -> list[DistributorLevel]:
    rows = await ctx.session.scalars(
        select(DistributorLevel)
        .where(DistributorLevel.workspace_id == ctx.workspace_id)
        .order_by(DistributorLevel.rank)
    )
    return list(rows.all())


def check_rates(kind: str, rates: list[int]) -> list[int]:
    if len(rates) > MAX_LEVELS:
        raise BadRequest(
            "Yutang pays commission on two levels at most; a third level is not allowed.",
            code=THIRD_LEVEL_FORBIDDEN,
            details={"levels": len(rates)},
        )
    limit = 10_000 if kind == "percent" else 100_000_000
    if any(r < 0 or r > limit for r in rates) or not rates or rates[0] <= 0:
        raise BadRequest(
            "Rates are 0-10,000 basis points (percent) or cents per unit (fixed); level 1 above 0.",
            code=INVALID_RATE,
        )
    if kind == "percent" and sum(rates) > 5_000:
        raise BadRequest("The two levels together may pay at most 50 % of an item.", code=INVALID_RATE)
    return rates


async def create_plan(ctx: Ctx, data: dict[str, object]) -> CommissionPlan:
    rates = check_rates(str(data["kind"]), list(data["rates"]))  # type: ignore[call-overload]
    plan = CommissionPlan(workspace_id=ctx.workspace_id, **{**data, "rates": rates})
    ctx.session.add(plan)
    await ctx.session.flush()
    audit.record(ctx, "commission_plan.created", "commission_plan", plan.id, data)
    return plan


async def get_plan(ctx: Ctx, plan_id: int) -> CommissionPlan:
    return await lookup.one(
        ctx, CommissionPlan, plan_id, code=UNKNOWN_COMMISSION_PLAN, what="commission plan"
    )


async def update_plan(ctx: Ctx, plan_id: int, values: dict[str, Any]) -> CommissionPlan:
    """Change a plan: the fields of ``values`` (a None leaves that one as it is). Its rates
    are checked with its kind as they will be, as on creation. Commission already earned
    stays as it was earned: the plan pays on orders paid from now on."""
    plan = await get_plan(ctx, plan_id)
    changed = {k: v for k, v in values.items() if v is not None and getattr(plan, k) != v}
    if "rates" in changed or "kind" in changed:
        kind = str(changed.get("kind", plan.kind))
        changed |= {"kind": kind, "rates": check_rates(kind, list(changed.get("rates", plan.rates)))}
    before = {k: getattr(plan, k) for k in changed}
    for name, value in changed.items():
        setattr(plan, name, value)
    if "rates" in changed:
        # The kind and the rates are written together, always: a change of one racing a
        # change of the other leaves one checked pair, never rates of the wrong kind.
        flag_modified(plan, "kind")
        flag_modified(plan, "rates")
    await ctx.session.flush()
    audit.record(ctx, "commission_plan.updated", "commission_plan", plan.id, {**changed, "before": before})
    return plan


async def plans(ctx: Ctx, *, active_only: bool = False) -> list[CommissionPlan]:
    stmt = select(CommissionPlan).where(CommissionPlan.workspace_id == ctx.workspace_id)
    if active_only:
        stmt = stmt.where(CommissionPlan.active.is_(True))
    return list((await ctx.session.scalars(stmt.order_by(CommissionPlan.id))).all())


# --- distributors -----------------------------------------------------------------------


async def get_distributor(ctx: Ctx, distributor_id: int, *, lock: bool = False) -> Distributor:
    return await lookup.one(
        ctx, Distributor, distributor_id, code=NOT_A_DISTRIBUTOR, what="distributor", lock=lock
    )


async def of_member(ctx: Ctx, member_id: int) -> Distributor | None:
    found: Distributor | None = await ctx.session.scalar(
        select(Distributor).where(
            Distributor.workspace_id == ctx.workspace_id, Distributor.member_id == member_id
        )
    )
    return found


async def by_code(ctx: Ctx, code: str) -> Distributor:
    found = await ctx.session.scalar(
        select(Distributor).where(
            Distributor.workspace_id == ctx.workspace_id,
            Distributor.code == code.strip(),
            Distributor.status == "active",
        )
    )
    if found is None:
        raise NotFound("No active distributor has that code.", code=UNKNOWN_DISTRIBUTOR_CODE)
    return found


async def _binding(ctx: Ctx, member_id: int) -> DistributionBinding | None:
    found: DistributionBinding | None = await ctx.session.get(DistributionBinding, member_id)
    return found if found is not None and found.workspace_id == ctx.workspace_id else None


async def become(
    ctx: Ctx,
    member_id: int,
    entry: str,
    *,
    parent: Distributor | None = None,
    pending: bool = False,
    now: datetime | None = None,
) -> tuple[Distributor, bool]:
    """Make the member a distributor (or record the application, ``pending``). The
    recruiter is ``parent``, else the distributor the member is bound to as a customer.
    Returns ``(distributor, created)``; a member who already is one stays as they are."""
    now = now or utcnow()
    member = await members.active_member(ctx, member_id, lock=True)
    existing = await of_member(ctx, member.id)
    if existing is not None:
        # After the member: one lock order. With its uplines, by ascending id: activating
        # an application reassesses their levels (on_recruit).
        for did in sorted(await _with_uplines(ctx, existing)):
            await get_distributor(ctx, did, lock=True)
        existing = await get_distributor(ctx, existing.id, lock=True)
    if existing is not None and existing.status == "rejected" and pending:
        existing.status = "pending"  # applying again after a refusal
        await ctx.session.flush()
        return existing, False
    if existing is not None:
        # An application, or a member once refused, who now qualifies or is approved.
        if existing.status in ("pending", "rejected") and not pending:
            existing.status, existing.entry, existing.activated_at = "active", entry, now
            await ctx.session.flush()
            events.emit(ctx, DistributorActivated(distributor_id=existing.id, member_id=member.id))
            await on_recruit(ctx, existing)
            return existing, True
        return existing, False
    if parent is None:
        bound = await _binding(ctx, member.id)
        if bound is not None:
            parent = await ctx.session.get(Distributor, bound.distributor_id)
    if parent is not None and parent.member_id == member.id:
        raise Conflict("A distributor cannot recruit themselves.", code=SELF_BINDING)
    for _ in range(5):
        dist = Distributor(
            workspace_id=ctx.workspace_id,
            member_id=member.id,
            status="pending" if pending else "active",
            entry=entry,
            code=addresses.random_code(CODE_LENGTH),
            parent_id=parent.id if parent is not None else None,
            activated_at=None if pending else now,
        )
        try:
            async with ctx.session.begin_nested():
                ctx.session.add(dist)
                await ctx.session.flush()
            break
        except IntegrityError:
            again = await of_member(ctx, member.id)
            if again is not None:
                return again, False
    else:  # pragma: no cover
        raise Conflict("Could not find a free distributor code.", code=CODE_EXHAUSTED)
    audit.record(ctx, "distributor.created", "distributor", dist.id, {"entry": entry, "pending": pending})
    if not pending:
        events.emit(ctx, DistributorActivated(distributor_id=dist.id, member_id=member.id))
        await on_recruit(ctx, dist)
    return dist, True


async def _with_uplines(ctx: Ctx, dist: Distributor) -> list[int]:
    """The distributor and the two above them: the rows an approval locks (the uplines'
    levels are reassessed when a recruit becomes active, :func:`on_recruit`)."""
    ids = [dist.id]
    parent = await ctx.session.get(Distributor, dist.parent_id) if dist.parent_id else None
    if parent is not None:
        ids.append(parent.id)
        if parent.parent_id is not None:
            ids.append(parent.parent_id)
    return ids


async def decide(ctx: Ctx, distributor_id: int, decision: str, note: str = "") -> Distributor:
    # Lock order: the member, then the distributor with its uplines by ascending id (as
    # become() and the handlers do) — an upline recruited earlier has the lower id.
    peek = await get_distributor(ctx, distributor_id)
    await members.get_member(ctx, peek.member_id, lock=True)
    for did in sorted(await _with_uplines(ctx, peek)):
        await get_distributor(ctx, did, lock=True)
    dist = await get_distributor(ctx, distributor_id, lock=True)
    if dist.status != "pending":
        raise Conflict(
            f"Only applications are decided; this distributor is {dist.status}.",
            code=NOT_AN_APPLICATION,
            details={"distributor_id": dist.id, "status": dist.status},
        )
    if decision == "approve":
        dist, _ = await become(ctx, dist.member_id, "approved")
    else:
        dist.status = "rejected"
        await ctx.session.flush()
    decided = "approved" if decision == "approve" else "rejected"  # not "rejectd"
    audit.record(ctx, f"distributor.{decided}", "distributor", dist.id, {"note": note})
    return dist


async def decide_many(
    ctx: Ctx, distributor_ids: list[int], decision: str, note: str = ""
) -> list[Distributor]:
    """Decide several applications at once, all or none (the console's ticked rows): the
    members are locked first, then the distributors with their uplines, each by ascending
    id — the order :func:`decide` keeps for one."""
    peeks = [await get_distributor(ctx, did) for did in sorted(set(distributor_ids))]
    for member_id in sorted({p.member_id for p in peeks}):
        await members.get_member(ctx, member_id, lock=True)
    for did in sorted({u for p in peeks for u in await _with_uplines(ctx, p)}):
        await get_distributor(ctx, did, lock=True)
    return [await decide(ctx, p.id, decision, note) for p in peeks]


async def set_status(ctx: Ctx, distributor_id: int, status: str) -> Distributor:
    dist = await get_distributor(ctx, distributor_id, lock=True)
    if dist.status not in ("active", "suspended"):
        raise Conflict(
            f"A {dist.status} distributor cannot be {status}.",
            code=NOT_AN_APPLICATION,
            details={"distributor_id": dist.id, "status": dist.status},
        )
    dist.status = status
    await ctx.session.flush()
    audit.record(ctx, f"distributor.{status}", "distributor", dist.id, {})
    return dist


async def set_status_many(ctx: Ctx, distributor_ids: list[int], status: str) -> list[Distributor]:
    """Suspend or resume several distributors at once, all or none, locked by ascending id."""
    return [await set_status(ctx, did, status) for did in sorted(set(distributor_ids))]


async def bind(ctx: Ctx, member_id: int, distributor: Distributor, via: str) -> DistributionBinding:
    """Bind a customer to a distributor. The first binding stays; binding to oneself is refused."""
    member = await members.active_member(ctx, member_id)
    if distributor.member_id == member.id:
        raise Conflict("A member cannot be their own distributor's customer.", code=SELF_BINDING)
    existing = await _binding(ctx, member.id)
    if existing is not None:
        if existing.distributor_id == distributor.id:
            return existing
        raise Conflict(
            "This member is already bound to another distributor.",
            code=ALREADY_BOUND,
            details={"distributor_id": existing.distributor_id},
        )
    binding = DistributionBinding(
        member_id=member.id, workspace_id=ctx.workspace_id, distributor_id=distributor.id, via=via
    )
    try:
        async with ctx.session.begin_nested():
            ctx.session.add(binding)
            await ctx.session.flush()
    except IntegrityError as exc:
        raise Conflict("This member was bound a moment ago.", code=ALREADY_BOUND) from exc
    events.emit(ctx, DistributionBound(member_id=member.id, distributor_id=distributor.id, via=via))
    return binding


# --- entry by task and by purchase ------------------------------------------------------


async def _tz(ctx: Ctx) -> ZoneInfo:
    ws = await ctx.session.get(Workspace, ctx.workspace_id)
    return ZoneInfo(ws.timezone if ws else "UTC")


async def record_checkin(ctx: Ctx, member_id: int, at: datetime) -> int:
    """Remember the local day of a check-in; returns the member's streak ending that day."""
    day = at.astimezone(await _tz(ctx)).date()
    if await ctx.session.get(CheckinDay, (member_id, day)) is None:
        try:
            async with ctx.session.begin_nested():
                ctx.session.add(CheckinDay(member_id=member_id, day=day, workspace_id=ctx.workspace_id))
                await ctx.session.flush()
        except IntegrityError:
            pass
    return await streak(ctx, member_id, day)


async def streak(ctx: Ctx, member_id: int, day: date, cap: int = 366) -> int:
    days = set(
        (
            await ctx.session.scalars(
                select(CheckinDay.day).where(
                    CheckinDay.member_id == member_id,
                    CheckinDay.day <= day,
                    CheckinDay.day > day - timedelta(days=cap),
                )
            )
        ).all()
    )
    n = 0
    while day - timedelta(days=n) in days:
        n += 1
    return n


async def check_task_entry(ctx: Ctx, member_id: int, *, streak_days: int | None = None) -> Distributor | None:
    """Make the member a distributor when they completed the workspace's task."""
    rules = (await settings(ctx)).task_entry or {}
    if not rules:
        return None
    member = await members.get_member(ctx, member_id)
    if member.status != "active":
        return None
    done = (rules.get("orders") and member.order_count >= int(rules["orders"])) or (
        rules.get("checkin_streak")
        and streak_days is not None
        and streak_days >= int(rules["checkin_streak"])
    )
    if not done:
        return None
    dist, _ = await become(ctx, member_id, "task")
    return dist


async def check_purchase_entry(ctx: Ctx, member_id: int, order_id: int) -> Distributor | None:
    products = (await settings(ctx)).gift_pack_product_ids or []
    if not products or (await members.get_member(ctx, member_id)).status != "active":
        return None
    bought = await ctx.session.scalar(
        select(func.count())
        .select_from(OrderItem)
        .where(OrderItem.order_id == order_id, OrderItem.product_id.in_(products))
    )
    if not bought:
        return None
    dist, _ = await become(ctx, member_id, "purchase")
    return dist


# --- the team ---------------------------------------------------------------------------


async def team_sizes(ctx: Ctx) -> dict[int, int]:
    """Every active distributor's team size (two levels of recruits), in one query."""
    rows = (
        await ctx.session.execute(
            select(Distributor.id, Distributor.parent_id).where(
                Distributor.workspace_id == ctx.workspace_id, Distributor.status == "active"
            )
        )
    ).all()
    children: dict[int, list[int]] = {}
    for did, parent in rows:
        if parent is not None:
            children.setdefault(parent, []).append(did)
    return {
        did: len(children.get(did, [])) + sum(len(children.get(c, [])) for c in children.get(did, []))
        for did, _ in rows
    }


async def team(ctx: Ctx, dist: Distributor) -> tuple[list[int], list[int]]:
    """Distributor ids recruited directly (level 1) and by those (level 2) — no deeper."""
    level1 = list(
        (
            await ctx.session.scalars(
                select(Distributor.id).where(Distributor.parent_id == dist.id, Distributor.status == "active")
            )
        ).all()
    )
    level2 = (
        list(
            (
                await ctx.session.scalars(
                    select(Distributor.id).where(
                        Distributor.parent_id.in_(level1), Distributor.status == "active"
                    )
                )
            ).all()
        )
        if level1
        else []
    )
    return level1, level2


async def team_sales(ctx: Ctx, dist: Distributor) -> int:
    """What the orders that paid this distributor commission came to, net of refunds
    (one aggregate query)."""
    net = Commission.base_cents - Commission.base_cents * Commission.reversed_cents / Commission.amount_cents
    total = await ctx.session.scalar(
        select(func.coalesce(func.sum(net), 0)).where(
            Commission.distributor_id == dist.id, Commission.amount_cents > 0
        )
    )
    return int(total or 0)


async def reassess_level(ctx: Ctx, dist: Distributor) -> DistributorLevel | None:
    """Move the distributor up to the highest level their team size and sales reach
    (never down on its own: an operator may change it)."""
    ladder = await levels(ctx)
    if not ladder:
        return None
    level1, level2 = await team(ctx, dist)
    size, sales = len(level1) + len(level2), await team_sales(ctx, dist)
    reached = [lv for lv in ladder if size >= lv.min_team_size and sales >= lv.min_team_sales_cents]
    if not reached:
        return None
    best = reached[-1]
    current = next((lv for lv in ladder if lv.id == dist.level_id), None)
    if current is None or best.rank > current.rank:
        dist.level_id = best.id
        await ctx.session.flush()
        events.emit(ctx, DistributorLevelUp(distributor_id=dist.id, level_id=best.id))
    return best


async def on_recruit(ctx: Ctx, dist: Distributor) -> None:
    """A new distributor joined a team: their uplines (two levels) may level up. The
    uplines are locked (ascending ids, like every path that locks several) before their
    level is written."""
    ids = [dist.id]
    parent = await ctx.session.get(Distributor, dist.parent_id) if dist.parent_id else None
    if parent is not None:
        ids.append(parent.id)
        if parent.parent_id is not None:
            ids.append(parent.parent_id)
    for did in sorted(ids):
        await reassess_level(ctx, await get_distributor(ctx, did, lock=True))
