"""Coupons: templates, unique codes, issue / claim / redeem / void, one use per code.

Every state change is one guarded ``UPDATE … WHERE status = …`` (and the template's
count one ``UPDATE … WHERE issued_count < total_limit``), so two racing redemptions of
a code, or two racing issues of the last coupon, cannot both succeed.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update

from yutang.coupons.errors import (
    COUPON_EXPIRED,
    COUPON_NOT_YET_VALID,
    COUPON_NOT_YOURS,
    COUPON_REDEEMED,
    COUPON_TAKEN,
    COUPON_TEMPLATE_INACTIVE,
    COUPON_TEMPLATE_ISSUED,
    COUPON_UNCLAIMED,
    COUPON_VOIDED,
    INVALID_COUPON_TEMPLATE,
    LIMIT_REACHED,
    OUT_OF_STOCK,
    UNKNOWN_COUPON,
    UNKNOWN_COUPON_TEMPLATE,
)
from yutang.coupons.events import CouponIssued, CouponRedeemed
from yutang.kit import audit, events, lookup
from yutang.kit.context import Ctx
from yutang.kit.errors import INVALID_AMOUNT, REASON_REQUIRED, BadRequest, Conflict, NotFound
from yutang.members import service as members
from yutang.models.base import utcnow
from yutang.models.rewards import Coupon, CouponTemplate

#: No 0/O, 1/I/L: codes are read aloud and typed from paper.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
MAX_GENERATE = 10_000


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalize_code(code: str) -> str:
    return code.strip().upper().replace(" ", "")


def _check_template(data: dict[str, Any]) -> None:
    """Refuse a template (as it would be once made or changed) before anything is written."""
    kind = data["kind"]
    value = int(data.get("value") or 0)
    if kind == "amount_off" and value <= 0:
        raise BadRequest("An amount-off coupon needs a positive value in cents.", code=INVALID_AMOUNT)
    if kind == "percent_off" and not 0 < value < 100:
        raise BadRequest("A percent-off coupon takes 1-99 (%).", code=INVALID_AMOUNT)
    if kind == "gift" and not data.get("gift_name"):
        raise BadRequest("A gift coupon names its gift.", code=INVALID_COUPON_TEMPLATE)
    if data.get("valid_days") is None and data.get("valid_until") is None:
        raise BadRequest("Give valid_days or valid_until.", code=INVALID_COUPON_TEMPLATE)
    if data.get("valid_from") and data.get("valid_until") and data["valid_until"] <= data["valid_from"]:
        raise BadRequest("valid_until must be after valid_from.", code=INVALID_COUPON_TEMPLATE)


async def create_template(ctx: Ctx, data: dict[str, Any]) -> CouponTemplate:
    _check_template(data)
    kind = data["kind"]
    tpl = CouponTemplate(workspace_id=ctx.workspace_id, **data)
    ctx.session.add(tpl)
    await ctx.session.flush()
    audit.record(ctx, "coupon_template.created", "coupon_template", tpl.id, {"name": tpl.name, "kind": kind})
    return tpl


async def get_template(ctx: Ctx, template_id: int, *, lock: bool = False) -> CouponTemplate:
    return await lookup.one(
        ctx, CouponTemplate, template_id, code=UNKNOWN_COUPON_TEMPLATE, what="coupon template", lock=lock
    )


#: What a coupon of the template is worth: fixed once a code of it exists, since codes
#: read it from their template when shown and used.
VALUE_FIELDS = ("kind", "value", "gift_name", "min_spend_cents")
#: The fields of a template that :func:`update_template` changes.
TEMPLATE_CHANGES = (
    "name",
    *VALUE_FIELDS,
    "valid_days",
    "valid_from",
    "valid_until",
    "total_limit",
    "per_member_limit",
    "active",
)


async def update_template(ctx: Ctx, template_id: int, values: dict[str, Any]) -> CouponTemplate:
    """Change a template. Its kind, value, gift and minimum spend change only while no code
    of it exists (``coupon_template_issued``): a code reads them from its template, so a
    change would alter coupons members already hold. Validity changes apply to coupons
    issued or claimed from now on (each code keeps the dates it was given; a generated code
    of a ``valid_days`` template gets its dates when claimed). ``total_limit`` is at least
    the codes already made. The whole template is checked as on creation before anything
    is written."""
    tpl = await get_template(ctx, template_id, lock=True)
    changes = {k: v for k, v in values.items() if k in TEMPLATE_CHANGES}
    moved = [k for k in VALUE_FIELDS if k in changes and changes[k] != getattr(tpl, k)]
    if moved and tpl.issued_count > 0:
        raise Conflict(
            f"{tpl.issued_count} codes of this template exist; its {', '.join(moved)} no longer change.",
            code=COUPON_TEMPLATE_ISSUED,
            details={"fields": moved, "issued_count": tpl.issued_count},
        )
    merged = {k: getattr(tpl, k) for k in TEMPLATE_CHANGES} | changes
    _check_template(merged)
    if merged["total_limit"] is not None and merged["total_limit"] < tpl.issued_count:
        raise BadRequest(
            f"total_limit is below the {tpl.issued_count} codes already made.",
            code=INVALID_COUPON_TEMPLATE,
            details={"issued_count": tpl.issued_count},
        )
    for key, value in changes.items():
        setattr(tpl, key, value)
    await ctx.session.flush()
    audit.record(ctx, "coupon_template.updated", "coupon_template", tpl.id, changes)
    return tpl


async def _take_from_stock(ctx: Ctx, tpl: CouponTemplate, count: int) -> None:
    result = await ctx.session.execute(
        update(CouponTemplate)
        .where(
            CouponTemplate.id == tpl.id,
            or_(
                CouponTemplate.total_limit.is_(None),
                CouponTemplate.issued_count + count <= CouponTemplate.total_limit,
            ),
        )
        .values(issued_count=CouponTemplate.issued_count + count)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"Coupon template {tpl.id} has no codes left.", code=OUT_OF_STOCK)
    await ctx.session.refresh(tpl)


def _window(tpl: CouponTemplate, now: datetime) -> tuple[datetime | None, datetime | None]:
    if tpl.valid_days is not None:
        start = max(now, tpl.valid_from) if tpl.valid_from else now
        end = start + timedelta(days=tpl.valid_days)
        return start, min(end, tpl.valid_until) if tpl.valid_until else end
    return tpl.valid_from, tpl.valid_until


async def generate(ctx: Ctx, template_id: int, count: int) -> list[Coupon]:
    """Unassigned codes, to print or hand out; a member claims one later."""
    if not 1 <= count <= MAX_GENERATE:
        raise BadRequest(f"Generate 1-{MAX_GENERATE} codes at a time.", code=INVALID_AMOUNT)
    tpl = await get_template(ctx, template_id)
    await _take_from_stock(ctx, tpl, count)
    start, end = (tpl.valid_from, tpl.valid_until) if tpl.valid_days is None else (None, None)
    coupons = [
        Coupon(
            workspace_id=ctx.workspace_id,
            template_id=tpl.id,
            code=new_code(),
            status="available",
            valid_from=start,
            valid_until=end,
            source="generated",
        )
        for _ in range(count)
    ]
    ctx.session.add_all(coupons)
    await ctx.session.flush()
    audit.record(ctx, "coupons.generated", "coupon_template", tpl.id, {"count": count})
    return coupons


async def _member_count(ctx: Ctx, template_id: int, member_id: int) -> int:
    return int(
        await ctx.session.scalar(
            select(func.count())
            .select_from(Coupon)
            .where(Coupon.template_id == template_id, Coupon.member_id == member_id)
        )
        or 0
    )


async def issue(
    ctx: Ctx, template_id: int, member_id: int, *, source: str = "api", now: datetime | None = None
) -> Coupon:
    """A new code for the member, within the template's stock and per-member limit."""
    now = now or utcnow()
    member = await members.active_member(ctx, member_id, lock=True)
    tpl = await get_template(ctx, template_id)
    if not tpl.active:
        raise Conflict(f"Coupon template {tpl.id} is not active.", code=COUPON_TEMPLATE_INACTIVE)
    if tpl.valid_until is not None and tpl.valid_until <= now:
        raise Conflict(f"Coupon template {tpl.id} has ended.", code=COUPON_EXPIRED)
    if (
        tpl.per_member_limit is not None
        and await _member_count(ctx, tpl.id, member.id) >= tpl.per_member_limit
    ):
        raise Conflict(
            "The member already holds as many of these coupons as allowed.",
            code=LIMIT_REACHED,
            details={"per_member_limit": tpl.per_member_limit},
        )
    await _take_from_stock(ctx, tpl, 1)
    start, end = _window(tpl, now)
    coupon = Coupon(
        workspace_id=ctx.workspace_id,
        template_id=tpl.id,
        code=new_code(),
        member_id=member.id,
        status="issued",
        valid_from=start,
        valid_until=end,
        issued_at=now,
        source=source[:40],
    )
    ctx.session.add(coupon)
    await ctx.session.flush()
    events.emit(
        ctx,
        CouponIssued(coupon_id=coupon.id, member_id=member.id, template_id=tpl.id, source=source),
    )
    return coupon


async def by_code(ctx: Ctx, code: str) -> Coupon:
    coupon = await ctx.session.scalar(
        select(Coupon).where(Coupon.workspace_id == ctx.workspace_id, Coupon.code == normalize_code(code))
    )
    if coupon is None:
        raise NotFound("No such coupon code.", code=UNKNOWN_COUPON)
    return coupon


async def claim(ctx: Ctx, code: str, member_id: int, *, now: datetime | None = None) -> Coupon:
    """A member takes a generated code (e.g. printed on a package card)."""
    now = now or utcnow()
    member = await members.active_member(ctx, member_id, lock=True)
    coupon = await by_code(ctx, code)
    tpl = await get_template(ctx, coupon.template_id)
    if (
        tpl.per_member_limit is not None
        and await _member_count(ctx, tpl.id, member.id) >= tpl.per_member_limit
    ):
        raise Conflict("The member already holds as many of these coupons as allowed.", code=LIMIT_REACHED)
    start, end = _window(tpl, now) if tpl.valid_days is not None else (coupon.valid_from, coupon.valid_until)
    result = await ctx.session.execute(
        update(Coupon)
        .where(Coupon.id == coupon.id, Coupon.status == "available")
        .values(status="issued", member_id=member.id, issued_at=now, valid_from=start, valid_until=end)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await ctx.session.refresh(coupon)
        raise _not_claimable(coupon.status)
    await ctx.session.refresh(coupon)
    return coupon


def _not_claimable(status: str) -> Conflict:
    """Why a code cannot be claimed or voided, by what happened to it."""
    if status == "voided":
        return Conflict("This coupon was voided.", code=COUPON_VOIDED)
    if status == "redeemed":
        return Conflict("This coupon was already used.", code=COUPON_REDEEMED)
    return Conflict("This code was already claimed.", code=COUPON_TAKEN)


async def redeem(
    ctx: Ctx,
    code: str,
    *,
    member_id: int | None = None,
    order_ref: str | None = None,
    now: datetime | None = None,
) -> Coupon:
    """Use a coupon once. Refused when not yours, not yet valid, expired, used or voided."""
    now = now or utcnow()
    coupon = await by_code(ctx, code)
    if member_id is not None:
        await members.get_member(ctx, member_id)  # a member of this workspace, or unknown_member
        if coupon.member_id != member_id:
            raise Conflict("This coupon belongs to someone else.", code=COUPON_NOT_YOURS)
    _usable(coupon, now)
    result = await ctx.session.execute(
        update(Coupon)
        .where(Coupon.id == coupon.id, Coupon.status == "issued")
        .values(status="redeemed", redeemed_at=now, redeemed_ref=order_ref)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This coupon was used a moment ago.", code=COUPON_REDEEMED)
    await ctx.session.refresh(coupon)
    events.emit(
        ctx,
        CouponRedeemed(coupon_id=coupon.id, member_id=coupon.member_id, order_ref=order_ref),
    )
    return coupon


def _usable(coupon: Coupon, now: datetime) -> None:
    if coupon.status == "redeemed":
        raise Conflict("This coupon was already used.", code=COUPON_REDEEMED)
    if coupon.status == "voided":
        raise Conflict("This coupon was voided.", code=COUPON_VOIDED)
    if coupon.status == "available":
        raise Conflict("This code has not been claimed by a member.", code=COUPON_UNCLAIMED)
    if coupon.valid_from is not None and now < coupon.valid_from:
        raise Conflict(
            "This coupon is not valid yet.",
            code=COUPON_NOT_YET_VALID,
            details={"valid_from": coupon.valid_from.isoformat()},
        )
    if coupon.valid_until is not None and now >= coupon.valid_until:
        raise Conflict(
            "This coupon has expired.",
            code=COUPON_EXPIRED,
            details={"valid_until": coupon.valid_until.isoformat()},
        )


def why_unusable(coupon: Coupon, now: datetime) -> Conflict | None:
    """What would refuse the coupon's use now (None: it can be used)."""
    try:
        _usable(coupon, now)
    except Conflict as exc:
        return exc
    return None


async def void(ctx: Ctx, code: str, reason: str) -> Coupon:
    if not reason.strip():
        raise BadRequest("Voiding a coupon needs a reason.", code=REASON_REQUIRED)
    coupon = await by_code(ctx, code)
    result = await ctx.session.execute(
        update(Coupon)
        .where(Coupon.id == coupon.id, Coupon.status.in_(("available", "issued")))
        .values(status="voided", voided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await ctx.session.refresh(coupon)
        raise _not_claimable(coupon.status)
    await ctx.session.refresh(coupon)
    audit.record(ctx, "coupon.voided", "coupon", coupon.id, {"reason": reason})
    return coupon


async def of_member(ctx: Ctx, member_id: int) -> list[Coupon]:
    await members.get_member(ctx, member_id)
    rows = await ctx.session.scalars(
        select(Coupon)
        .where(Coupon.workspace_id == ctx.workspace_id, Coupon.member_id == member_id)
        .order_by(Coupon.id.desc())
    )
    return list(rows.all())
