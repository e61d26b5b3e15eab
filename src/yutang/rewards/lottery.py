"""Lotteries: prizes with probabilities and stock, points per draw, daily draw limits.

A draw is one transaction under the member's row lock: count today's draws, spend the
points, roll a number in [0, 10,000) from the operating system's randomness, read it
against the prize table, take the prize's stock with a guarded ``UPDATE`` (a prize
with nothing left yields ``out_of_stock``, never a negative stock), award it, and
record the roll and the table it was read against — what decided the draw can always
be shown.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, or_, select, update

from yutang.coupons import service as coupons
from yutang.kit import audit, events, lookup
from yutang.kit.context import Ctx
from yutang.kit.errors import INVALID_AMOUNT, BadRequest, Conflict
from yutang.loyalty import service as points
from yutang.members import service as members
from yutang.models.base import utcnow
from yutang.models.rewards import Lottery, LotteryDraw, LotteryPrize
from yutang.models.workspaces import Workspace
from yutang.rewards.errors import (
    DRAW_LIMIT_REACHED,
    INVALID_LOTTERY,
    LOTTERY_CLOSED,
    LOTTERY_HAS_DRAWS,
    UNKNOWN_LOTTERY,
)
from yutang.rewards.events import LotteryDrawn

SCALE = 10_000
Roller = Callable[[], int]


def os_roll() -> int:
    return secrets.randbelow(SCALE)


async def _check_prizes(ctx: Ctx, prizes: list[dict[str, Any]]) -> None:
    """Refuse a prize table before anything of it is written."""
    if not prizes:
        raise BadRequest("A lottery needs at least one prize.", code=INVALID_LOTTERY)
    if sum(p["probability_bp"] for p in prizes) > SCALE:
        raise BadRequest("The prizes' probabilities add up to more than 100 %.", code=INVALID_LOTTERY)
    for p in prizes:
        if p["kind"] == "points" and p.get("points", 0) <= 0:
            raise BadRequest("A points prize gives a positive number of points.", code=INVALID_LOTTERY)
        if p["kind"] == "coupon" and p.get("coupon_template_id") is None:
            raise BadRequest("A coupon prize names its coupon template.", code=INVALID_LOTTERY)
        if p.get("coupon_template_id") is not None:  # any kind: a row of this workspace only
            await coupons.get_template(ctx, p["coupon_template_id"])


async def create_lottery(ctx: Ctx, data: dict[str, Any], prizes: list[dict[str, Any]]) -> Lottery:
    if data.get("points_per_draw", 0) < 0:
        raise BadRequest("Points per draw is 0 or more.", code=INVALID_AMOUNT)
    await _check_prizes(ctx, prizes)
    lottery = Lottery(workspace_id=ctx.workspace_id, **data)
    ctx.session.add(lottery)
    await ctx.session.flush()
    for i, p in enumerate(prizes):
        ctx.session.add(LotteryPrize(lottery_id=lottery.id, position=i, **p))
    await ctx.session.flush()
    audit.record(ctx, "lottery.created", "lottery", lottery.id, {"name": lottery.name, "prizes": len(prizes)})
    return lottery


async def get_lottery(ctx: Ctx, lottery_id: int) -> Lottery:
    return await lookup.one(ctx, Lottery, lottery_id, code=UNKNOWN_LOTTERY, what="lottery")


#: The fields of a lottery that :func:`update_lottery` changes (its prizes aside).
LOTTERY_CHANGES = ("name", "points_per_draw", "daily_limit", "starts_at", "ends_at", "active")


async def has_draws(ctx: Ctx, lottery_id: int) -> bool:
    stmt = select(LotteryDraw.id).where(LotteryDraw.lottery_id == lottery_id).limit(1)
    found = await ctx.session.scalar(stmt)
    return found is not None


async def update_lottery(
    ctx: Ctx, lottery_id: int, values: dict[str, Any], prizes: list[dict[str, Any]] | None = None
) -> Lottery:
    """Change a lottery: its name, price per draw, daily limit and dates apply to draws from
    now on (``active: False`` stops drawing; an end in the past ends it). ``prizes`` replaces
    the prize table, only while nobody has drawn (``lottery_has_draws``): a draw keeps the
    table it was read against, and the awards counted against each prize's stock. Everything
    is checked before anything is written."""
    lottery = await get_lottery(ctx, lottery_id)
    changes = {k: v for k, v in values.items() if k in LOTTERY_CHANGES}
    merged = {k: getattr(lottery, k) for k in LOTTERY_CHANGES} | changes
    if merged["points_per_draw"] < 0:
        raise BadRequest("Points per draw is 0 or more.", code=INVALID_AMOUNT)
    if merged["starts_at"] and merged["ends_at"] and merged["ends_at"] <= merged["starts_at"]:
        raise BadRequest("ends_at must be after starts_at.", code=INVALID_LOTTERY)
    if prizes is not None:
        if await has_draws(ctx, lottery.id):
            raise Conflict(
                "Members have drawn in this lottery; its prizes no longer change.", code=LOTTERY_HAS_DRAWS
            )
        await _check_prizes(ctx, prizes)
    for key, value in changes.items():
        setattr(lottery, key, value)
    if prizes is not None:
        await ctx.session.execute(delete(LotteryPrize).where(LotteryPrize.lottery_id == lottery.id))
        for i, p in enumerate(prizes):
            ctx.session.add(LotteryPrize(lottery_id=lottery.id, position=i, **p))
    await ctx.session.flush()
    audit.record(
        ctx,
        "lottery.updated",
        "lottery",
        lottery.id,
        changes | ({"prizes": len(prizes)} if prizes is not None else {}),
    )
    return lottery


async def prizes_of(ctx: Ctx, lottery_id: int) -> list[LotteryPrize]:
    rows = await ctx.session.scalars(
        select(LotteryPrize).where(LotteryPrize.lottery_id == lottery_id).order_by(LotteryPrize.position)
    )
    return list(rows.all())


async def _local_day_start(ctx: Ctx, now: datetime) -> datetime:
    ws = await ctx.session.get(Workspace, ctx.workspace_id)
    tz = ZoneInfo(ws.timezone if ws else "UTC")
    return datetime.combine(now.astimezone(tz).date(), time(0), tzinfo=tz)


async def draw(
    ctx: Ctx,
    lottery_id: int,
    member_id: int,
    *,
    roll: Roller = os_roll,
    free: bool = False,
    now: datetime | None = None,
) -> LotteryDraw:
    """One draw. ``free``: a draw the brand gives away (a referral's blind box), outside
    the daily limit and without the points per draw."""
    now = now or utcnow()
    lottery = await get_lottery(ctx, lottery_id)
    if (
        not lottery.active
        or (lottery.starts_at and now < lottery.starts_at)
        or (lottery.ends_at and now >= lottery.ends_at)
    ):
        raise Conflict("This lottery is not open.", code=LOTTERY_CLOSED)
    member = await members.active_member(ctx, member_id, lock=True)
    if lottery.daily_limit is not None and not free:
        since = await _local_day_start(ctx, now)
        today = int(
            await ctx.session.scalar(
                select(func.count())
                .select_from(LotteryDraw)
                .where(
                    LotteryDraw.lottery_id == lottery.id,
                    LotteryDraw.member_id == member.id,
                    LotteryDraw.created_at >= since,
                    LotteryDraw.created_at < since + timedelta(days=1),
                )
            )
            or 0
        )
        if today >= lottery.daily_limit:
            raise Conflict(
                "No draws left today.",
                code=DRAW_LIMIT_REACHED,
                details={"daily_limit": lottery.daily_limit},
            )
    entry_id = None
    if lottery.points_per_draw and not free:
        mv = await points.spend(
            ctx,
            member.id,
            lottery.points_per_draw,
            reason=f"lottery: {lottery.name}",
            ref=("lottery", str(lottery.id)),
            now=now,
        )
        entry_id = mv.entry.id
    prizes = await prizes_of(ctx, lottery.id)
    bounds: list[tuple[LotteryPrize, int, int]] = []
    low = 0
    for p in prizes:
        bounds.append((p, low, low + p.probability_bp))
        low += p.probability_bp
    table = [
        {
            "prize_id": p.id,
            "from": lo,
            "to": hi,
            "stock_left": None if p.stock is None else p.stock - p.awarded_count,
        }
        for p, lo, hi in bounds
    ]
    value = roll()
    if not 0 <= value < SCALE:
        raise AssertionError(f"roll {value} outside [0, {SCALE})")
    hit = next((p for p, lo, hi in bounds if lo <= value < hi), None)
    outcome, award_ref = "no_prize", None
    if hit is not None:
        taken = await ctx.session.execute(
            update(LotteryPrize)
            .where(
                LotteryPrize.id == hit.id,
                or_(LotteryPrize.stock.is_(None), LotteryPrize.awarded_count < LotteryPrize.stock),
            )
            .values(awarded_count=LotteryPrize.awarded_count + 1)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            outcome = "out_of_stock"
        else:
            outcome = "won"
            if hit.kind == "points":
                won = await points.earn(
                    ctx,
                    member.id,
                    hit.points,
                    reason=f"lottery prize: {hit.name}",
                    ref=("lottery", str(lottery.id)),
                    now=now,
                )
                award_ref = f"points_entry:{won.entry.id}"
            elif hit.kind == "coupon" and hit.coupon_template_id is not None:
                coupon = await coupons.issue(
                    ctx, hit.coupon_template_id, member.id, source=f"lottery:{lottery.id}", now=now
                )
                award_ref = f"coupon:{coupon.id}"
            else:
                award_ref = f"gift:{hit.name}"[:64]
    record = LotteryDraw(
        workspace_id=ctx.workspace_id,
        lottery_id=lottery.id,
        member_id=member.id,
        roll=value,
        table=table,
        outcome=outcome,
        prize_id=hit.id if outcome == "won" and hit else None,
        points_entry_id=entry_id,
        award_ref=award_ref,
        created_at=now,
    )
    ctx.session.add(record)
    await ctx.session.flush()
    events.emit(
        ctx,
        LotteryDrawn(
            draw_id=record.id,
            member_id=member.id,
            lottery_id=lottery.id,
            outcome=outcome,
            prize_id=record.prize_id,
        ),
    )
    return record
