"""Events of coupons. Declared once here; see :mod:`yutang.kit.events`."""

from __future__ import annotations

from yutang.kit.events import Event


class CouponIssued(Event, type_name="coupon.issued"):
    """A coupon was issued to a member; ``source`` says by what."""

    coupon_id: int
    member_id: int
    template_id: int
    source: str


class CouponRedeemed(Event, type_name="coupon.redeemed"):
    """A coupon was used."""

    coupon_id: int
    member_id: int | None
    order_ref: str | None
