"""Paying referral rewards through the loyalty services, and taking them back.

Each reward spec pays one thing; what was paid is recorded as a payout dict
(``{"kind", "ref", "cost_cents"}``) on the invitation or the stage award, so a
claw-back knows exactly what to undo. Points carry the dedupe key
``referral:<key>:<n>``; a replayed payment credits nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from yutang.commerce import wallet
from yutang.coupons import service as coupons
from yutang.kit.context import Ctx
from yutang.kit.errors import YutangError
from yutang.loyalty import service as points
from yutang.models.referrals import ReferralCampaign
from yutang.models.rewards import Coupon, CouponTemplate, LotteryDraw, LotteryPrize
from yutang.rewards import lottery
from yutang.rewards import service as rewards

Payout = dict[str, Any]


async def _coupon_cost(ctx: Ctx, template_id: int) -> int:
    tpl = await ctx.session.get(CouponTemplate, template_id)
    return tpl.value if tpl is not None and tpl.kind == "amount_off" else 0


async def pay(
    ctx: Ctx,
    campaign: ReferralCampaign,
    member_id: int,
    specs: list[dict[str, Any]],
    *,
    key: str,
    reason: str,
    now: datetime,
) -> list[Payout]:
    """Pay every spec to ``member_id``; returns what was paid."""
    paid: list[Payout] = []
    for n, spec in enumerate(specs):
        try:
            # One savepoint per reward: one that cannot be paid (out of stock, a closed
            # lottery, a blocked member) is recorded as failed and the rest go on; the
            # sign-up or qualification that triggered it is never undone by it.
            async with ctx.session.begin_nested():
                paid.append(
                    await _pay_one(ctx, campaign, member_id, spec, n, key=key, reason=reason, now=now)
                )
        except YutangError as exc:
            paid.append(
                {"kind": spec["kind"], "ref": None, "failed": exc.code, "cost_cents": 0, "spec": spec}
            )
    return paid


async def _pay_one(
    ctx: Ctx,
    campaign: ReferralCampaign,
    member_id: int,
    spec: dict[str, Any],
    n: int,
    *,
    key: str,
    reason: str,
    now: datetime,
) -> Payout:
    ref = ("referral", f"{campaign.id}:{key}")
    kind = spec["kind"]
    cost = spec.get("cost_cents")
    if kind == "points":
        mv = await points.earn(
            ctx,
            member_id,
            int(spec["amount"]),
            reason=reason,
            ref=ref,
            dedupe_key=f"referral:{campaign.id}:{key}:{n}",
            now=now,
        )
        if cost is None:
            cost = int(spec["amount"]) * campaign.point_cost_centi // 100
        done = {"kind": "points", "ref": mv.entry.id, "amount": int(spec["amount"])}
    elif kind == "wallet":
        move = await wallet.grant(
            ctx,
            member_id,
            int(spec["amount"]),
            dedupe_key=f"referral:{campaign.id}:{key}:{n}",
            reason=reason,
        )
        if cost is None:
            cost = int(spec["amount"])
        done = {"kind": "wallet", "ref": move.entry.id, "amount": int(spec["amount"])}
    elif kind == "coupon":
        coupon = await coupons.issue(
            ctx, int(spec["template_id"]), member_id, source=f"referral:{campaign.id}", now=now
        )
        if cost is None:
            cost = await _coupon_cost(ctx, coupon.template_id)
        done = {"kind": "coupon", "ref": coupon.code}
    elif kind == "reward":
        redemption = await rewards.redeem(ctx, int(spec["reward_id"]), member_id, gift=True, now=now)
        done = {"kind": "reward", "ref": redemption.id}
    elif kind == "lottery":
        draw = await lottery.draw(ctx, int(spec["lottery_id"]), member_id, free=True, now=now)
        done = {"kind": "lottery", "ref": draw.id, "outcome": draw.outcome}
        prize = await ctx.session.get(LotteryPrize, draw.prize_id) if draw.prize_id is not None else None
        if prize is not None and prize.kind == "points":
            done["amount"] = prize.points  # what a claw-back can recover, and what it costs
            if cost is None:
                cost = prize.points * campaign.point_cost_centi // 100
    else:  # pragma: no cover - the schema admits only the kinds above
        raise AssertionError(kind)
    done["cost_cents"] = int(cost or 0)
    done["spec"] = spec  # what was asked, so a later round knows what to pay back
    return done


def to_repay(previous: list[Payout]) -> list[dict[str, Any]]:
    """What a new round of a clawed-back stage pays: only what the claw-back recovered
    (points and stored value as far as they came back; a voided coupon, a cancelled
    gift or a recovered blind box in full). What the member kept is not paid twice."""
    again: list[dict[str, Any]] = []
    for p in previous:
        spec, back = p.get("spec"), p.get("taken_back")
        if not spec:
            continue
        recovered_all = back is True or (
            isinstance(back, int) and not isinstance(back, bool) and back > 0 and back == p.get("amount")
        )
        if recovered_all:
            again.append(spec)  # the whole thing came back: give the whole thing again
        elif isinstance(back, int) and not isinstance(back, bool) and back > 0:
            # Part came back: pay back that part (a blind box's points as points).
            again.append(
                {
                    "kind": spec["kind"] if spec["kind"] in ("points", "wallet") else "points",
                    "amount": back,
                    "cost_cents": None,
                }
            )
    return again


async def take_back(
    ctx: Ctx, campaign: ReferralCampaign, member_id: int, paid: list[Payout], *, key: str
) -> list[Payout]:
    """Undo what ``paid`` gave, as far as it can still be undone (a used coupon or
    points already spent stay with the member; the entries say what was recovered).
    Returns the payouts with ``taken_back`` set."""
    out: list[Payout] = []
    reason = f"referral campaign {campaign.id}: invitation revoked"
    for n, original in enumerate(paid):
        p = dict(original)
        if p.get("failed") or p.get("ref") is None:
            out.append(p)
            continue
        try:
            async with ctx.session.begin_nested():
                p["taken_back"] = await _take_back_one(ctx, campaign, member_id, p, n, key=key, reason=reason)
        except YutangError as exc:  # used already: it stays with the member
            p["taken_back"] = False
            p["kept_because"] = exc.code
        out.append(p)
    return out


async def _take_back_one(
    ctx: Ctx, campaign: ReferralCampaign, member_id: int, p: Payout, n: int, *, key: str, reason: str
) -> int | bool:
    kind = p["kind"]
    if kind == "points":
        mv = await points.clawback(
            ctx,
            member_id,
            int(p["amount"]),
            ref=("referral", f"{campaign.id}:{key}"),
            allow_negative=False,
            reason=reason,
            dedupe_key=f"referral-back:{campaign.id}:{key}:{n}",
        )
        return -mv.entry.amount - mv.entry.pending_delta
    if kind == "wallet":
        move = await wallet.take_back_grant(ctx, int(p["ref"]), reason=reason)
        return -move.entry.bonus_delta
    if kind == "coupon":
        await coupons.void(ctx, str(p["ref"]), reason)
        return True
    if kind == "reward":
        await rewards.cancel(ctx, int(p["ref"]), reason)
        return True
    if kind == "lottery":
        return await _undo_draw(ctx, int(p["ref"]), reason)
    return False


async def _undo_draw(ctx: Ctx, draw_id: int, reason: str) -> int | bool:
    """A blind box's prize back: its points clawed back or its coupon voided."""
    draw = await ctx.session.get(LotteryDraw, draw_id)
    if draw is None or not draw.award_ref:
        return False
    what, _, ref = draw.award_ref.partition(":")
    if what == "points_entry":
        prize = await ctx.session.get(LotteryPrize, draw.prize_id) if draw.prize_id else None
        if prize is None:
            return False
        mv = await points.clawback(
            ctx,
            draw.member_id,
            prize.points,
            ref=("lottery", str(draw.lottery_id)),
            allow_negative=False,
            reason=reason,
            dedupe_key=f"referral-back:draw:{draw.id}",
        )
        return -mv.entry.amount - mv.entry.pending_delta  # what was recovered (spent points are not)
    if what == "coupon":
        coupon = await ctx.session.get(Coupon, int(ref))
        if coupon is None:
            return False
        await coupons.void(ctx, coupon.code, reason)
        return True
    return False


def cost_of(paid: list[Payout]) -> int:
    """What the payouts still cost the brand: a reward taken back in full costs nothing,
    points or stored value taken back in part cost the part that was kept."""
    total = 0
    for p in paid:
        cost, back = int(p.get("cost_cents") or 0), p.get("taken_back")
        if back is True:
            continue
        if isinstance(back, int) and not isinstance(back, bool) and back > 0 and p.get("amount"):
            cost = cost * max(0, int(p["amount"]) - back) // int(p["amount"])
        total += cost
    return total
