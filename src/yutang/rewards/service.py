"""The rewards catalog: gifts and coupons bought with points.

A redemption is one transaction: the member's row is locked, the per-member limit is
counted, the stock is taken by a guarded ``UPDATE … WHERE stock >= n`` (never below
zero, even when many members race for the last unit), the points are spent from the
soonest-expiring lots, coupons are issued, and the redemption is recorded. If any step
is refused, nothing of it remains.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update

from yutang.coupons import service as coupons
from yutang.coupons.errors import COUPON_REDEEMED, LIMIT_REACHED, OUT_OF_STOCK
from yutang.kit import audit, events, locks, lookup
from yutang.kit.context import Ctx
from yutang.kit.errors import INVALID_AMOUNT, REASON_REQUIRED, BadRequest, Conflict, NotFound
from yutang.loyalty import service as points
from yutang.members import service as members
from yutang.models.base import utcnow
from yutang.models.rewards import Redemption, Reward
from yutang.rewards.errors import (
    ALREADY_CANCELLED,
    INVALID_REWARD,
    REWARD_UNAVAILABLE,
    UNKNOWN_REDEMPTION,
    UNKNOWN_REWARD,
    UNLIMITED_STOCK,
)
from yutang.rewards.events import RewardRedeemed

MAX_QUANTITY = 100


async def create_reward(ctx: Ctx, data: dict[str, Any]) -> Reward:
    if data["points_cost"] <= 0:
        raise BadRequest("A reward costs a positive number of points.", code=INVALID_AMOUNT)
    if data["kind"] == "coupon" and data.get("coupon_template_id") is None:
        raise BadRequest("A coupon reward names its coupon template.", code=INVALID_REWARD)
    if data.get("coupon_template_id") is not None:  # any kind: a row of this workspace only
        await coupons.get_template(ctx, data["coupon_template_id"])
    reward = Reward(workspace_id=ctx.workspace_id, **data)
    ctx.session.add(reward)
    await ctx.session.flush()
    audit.record(
        ctx, "reward.created", "reward", reward.id, {"name": reward.name, "cost": reward.points_cost}
    )
    return reward


async def get_reward(ctx: Ctx, reward_id: int) -> Reward:
    return await lookup.one(ctx, Reward, reward_id, code=UNKNOWN_REWARD, what="reward")


async def update_reward(ctx: Ctx, reward_id: int, values: dict[str, Any]) -> Reward:
    reward = await get_reward(ctx, reward_id)
    for key, value in values.items():
        setattr(reward, key, value)
    await ctx.session.flush()
    audit.record(ctx, "reward.updated", "reward", reward.id, values)
    return reward


async def restock(ctx: Ctx, reward_id: int, delta: int) -> Reward:
    """Add (or with a negative delta remove) units; stock never goes below zero."""
    reward = await get_reward(ctx, reward_id)
    if reward.stock is None:
        raise Conflict("This reward has unlimited stock.", code=UNLIMITED_STOCK)
    result = await ctx.session.execute(
        update(Reward)
        .where(Reward.id == reward.id, Reward.stock + delta >= 0)
        .values(stock=Reward.stock + delta)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("Not that many units are left to remove.", code=OUT_OF_STOCK)
    await ctx.session.refresh(reward)
    audit.record(ctx, "reward.restocked", "reward", reward.id, {"delta": delta})
    return reward


async def redeem(
    ctx: Ctx,
    reward_id: int,
    member_id: int,
    quantity: int = 1,
    *,
    gift: bool = False,
    now: datetime | None = None,
) -> Redemption:
    """Exchange points for the reward (``gift``: the brand gives it; no points are spent)."""
    now = now or utcnow()
    if not 1 <= quantity <= MAX_QUANTITY:
        raise BadRequest(f"Quantity is 1-{MAX_QUANTITY}.", code=INVALID_AMOUNT)
    member = await members.active_member(ctx, member_id, lock=True)
    reward = await get_reward(ctx, reward_id)
    if (
        not reward.active
        or (reward.valid_from and now < reward.valid_from)
        or (reward.valid_until and now >= reward.valid_until)
    ):
        raise Conflict("This reward cannot be redeemed now.", code=REWARD_UNAVAILABLE)
    if reward.per_member_limit is not None:
        had = int(
            await ctx.session.scalar(
                select(func.coalesce(func.sum(Redemption.quantity), 0)).where(
                    Redemption.reward_id == reward.id,
                    Redemption.member_id == member.id,
                    Redemption.status == "completed",
                )
            )
            or 0
        )
        if had + quantity > reward.per_member_limit:
            raise Conflict(
                "The member has redeemed this reward as often as allowed.",
                code=LIMIT_REACHED,
                details={"per_member_limit": reward.per_member_limit, "redeemed": had},
            )
    taken = await ctx.session.execute(
        update(Reward)
        .where(Reward.id == reward.id, or_(Reward.stock.is_(None), Reward.stock >= quantity))
        .values(stock=Reward.stock - quantity)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This reward is out of stock.", code=OUT_OF_STOCK)
    cost = 0 if gift else reward.points_cost * quantity
    entry_id = None
    if cost:
        mv = await points.spend(
            ctx, member.id, cost, reason=f"reward: {reward.name}", ref=("reward", str(reward.id)), now=now
        )
        entry_id = mv.entry.id
    issued: list[int] = []
    if reward.kind == "coupon" and reward.coupon_template_id is not None:
        for _ in range(quantity):
            issued.append(
                (
                    await coupons.issue(
                        ctx, reward.coupon_template_id, member.id, source=f"reward:{reward.id}", now=now
                    )
                ).id
            )
    redemption = Redemption(
        workspace_id=ctx.workspace_id,
        reward_id=reward.id,
        member_id=member.id,
        quantity=quantity,
        points=cost,
        points_entry_id=entry_id,
        coupon_ids=issued,
    )
    ctx.session.add(redemption)
    await ctx.session.flush()
    await ctx.session.refresh(reward)
    events.emit(
        ctx,
        RewardRedeemed(
            redemption_id=redemption.id,
            member_id=member.id,
            reward_id=reward.id,
            quantity=quantity,
            points=cost,
        ),
    )
    return redemption


async def cancel(ctx: Ctx, redemption_id: int, reason: str) -> Redemption:
    """Undo a redemption: points back into their lots, stock back, its coupons voided."""
    if not reason.strip():
        raise BadRequest("Cancelling a redemption needs a reason.", code=REASON_REQUIRED)
    stmt = select(Redemption).where(
        Redemption.workspace_id == ctx.workspace_id, Redemption.id == redemption_id
    )
    redemption = await ctx.session.scalar(locks.for_update(ctx.session, stmt, "redemptions", redemption_id))
    if redemption is None:
        raise NotFound(f"No redemption {redemption_id}.", code=UNKNOWN_REDEMPTION)
    if redemption.status != "completed":
        raise Conflict("This redemption was already cancelled.", code=ALREADY_CANCELLED)
    from yutang.models.rewards import Coupon

    for coupon_id in redemption.coupon_ids:
        coupon = await ctx.session.get(Coupon, coupon_id)
        if coupon is not None and coupon.status == "redeemed":
            raise Conflict(
                "A coupon of this redemption was used; it cannot be cancelled.", code=COUPON_REDEEMED
            )
        if coupon is not None and coupon.status in ("issued", "available"):
            await coupons.void(ctx, coupon.code, f"redemption {redemption.id} cancelled")
    if redemption.points_entry_id is not None:
        await points.reverse(ctx, redemption.points_entry_id, reason=f"redemption {redemption.id} cancelled")
    await ctx.session.execute(
        update(Reward)
        .where(Reward.id == redemption.reward_id, Reward.stock.is_not(None))
        .values(stock=Reward.stock + redemption.quantity)
        .execution_options(synchronize_session=False)
    )
    redemption.status = "cancelled"
    redemption.cancelled_at = utcnow()
    await ctx.session.flush()
    audit.record(ctx, "redemption.cancelled", "redemption", redemption.id, {"reason": reason})
    return redemption
