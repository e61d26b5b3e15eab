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
from yutang.kit.context import Ctx
from yutang.kit.errors import YutangError
from yutang.loyalty import coupons, lottery, points, rewards
from yutang.models.referrals import ReferralCampaign
from yutang.models.rewards import Coupon, CouponTemplate, LotteryDraw, LotteryPrize

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
    ref = ("referral", f"{campaign.id}:{key}")
    for n, spec in enumerate(specs):
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
            paid.append({"kind": "points", "ref": mv.entry.id, "amount": int(spec["amount"])})
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
            paid.append({"kind": "wallet", "ref": move.entry.id, "amount": int(spec["amount"])})
        elif kind == "coupon":
            coupon = await coupons.issue(
                ctx, int(spec["template_id"]), member_id, source=f"referral:{campaign.id}", now=now
            )
            if cost is None:
                cost = await _coupon_cost(ctx, coupon.template_id)
            paid.append({"kind": "coupon", "ref": coupon.code})
        elif kind == "reward":
            redemption = await rewards.redeem(ctx, int(spec["reward_id"]), member_id, gift=True, now=now)
            paid.append({"kind": "reward", "ref": redemption.id})
        elif kind == "lottery":
            draw = await lottery.draw(ctx, int(spec["lottery_id"]), member_id, free=True, now=now)
            paid.append({"kind": "lottery", "ref": draw.id, "outcome": draw.outcome})
            if cost is None and draw.prize_id is not None:
                prize = await ctx.session.get(LotteryPrize, draw.prize_id)
                if prize is not None and prize.kind == "points":
                    cost = prize.points * campaign.point_cost_centi // 100
        else:  # pragma: no cover - the schema admits only the kinds above
            raise AssertionError(kind)
        paid[-1]["cost_cents"] = int(cost or 0)
    return paid


async def take_back(
    ctx: Ctx, campaign: ReferralCampaign, member_id: int, paid: list[Payout], *, key: str
) -> list[Payout]:
    """Undo what ``paid`` gave, as far as it can still be undone (a used coupon or
    points already spent stay with the member; the entries say what was recovered).
    Returns the payouts with ``taken_back`` set."""
    out: list[Payout] = []
    reason = f"referral campaign {campaign.id}: invitation revoked"
    for n, p in enumerate(paid):
        p = dict(p)
        kind = p["kind"]
        try:
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
                p["taken_back"] = -mv.entry.amount - mv.entry.pending_delta
            elif kind == "wallet":
                move = await wallet.take_back_grant(ctx, int(p["ref"]), reason=reason)
                p["taken_back"] = -move.entry.bonus_delta
            elif kind == "coupon":
                await coupons.void(ctx, str(p["ref"]), reason)
                p["taken_back"] = True
            elif kind == "reward":
                await rewards.cancel(ctx, int(p["ref"]), reason)
                p["taken_back"] = True
            elif kind == "lottery":
                p["taken_back"] = await _undo_draw(ctx, int(p["ref"]), reason)
        except YutangError as exc:  # used already: it stays with the member
            p["taken_back"] = False
            p["kept_because"] = exc.code
        out.append(p)
    return out


async def _undo_draw(ctx: Ctx, draw_id: int, reason: str) -> bool:
    """A blind box's prize back: its points clawed back or its coupon voided."""
    draw = await ctx.session.get(LotteryDraw, draw_id)
    if draw is None or not draw.award_ref:
        return False
    what, _, ref = draw.award_ref.partition(":")
    if what == "points_entry":
        prize = await ctx.session.get(LotteryPrize, draw.prize_id) if draw.prize_id else None
        if prize is None:
            return False
        await points.clawback(
            ctx,
            draw.member_id,
            prize.points,
            ref=("lottery", str(draw.lottery_id)),
            allow_negative=False,
            reason=reason,
            dedupe_key=f"referral-back:draw:{draw.id}",
        )
        return True
    if what == "coupon":
        coupon = await ctx.session.get(Coupon, int(ref))
        if coupon is None:
            return False
        await coupons.void(ctx, coupon.code, reason)
        return True
    return False


def cost_of(paid: list[Payout]) -> int:
    return sum(int(p.get("cost_cents") or 0) for p in paid)
