"""The demo brand's coupons: a ¥20-off-¥100 voucher (a reward, a lottery prize, a
referral stage) and a ¥300 voucher (the paid membership's gift pack)."""

from __future__ import annotations

from yutang.coupons import service as coupons
from yutang.kit.context import Ctx
from yutang.models.rewards import CouponTemplate


async def templates(ctx: Ctx) -> tuple[CouponTemplate, CouponTemplate]:
    """(the ¥20 voucher, the ¥300 voucher)."""
    voucher = await coupons.create_template(
        ctx,
        {
            "name": "满100减20 ¥20 off ¥100",
            "kind": "amount_off",
            "value": 2000,
            "min_spend_cents": 10000,
            "valid_days": 30,
        },
    )
    big = await coupons.create_template(
        ctx, {"name": "¥300 无门槛 ¥300 voucher", "kind": "amount_off", "value": 30000, "valid_days": 365}
    )
    return voucher, big
