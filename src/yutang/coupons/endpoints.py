"""HTTP API of coupon templates and coupons.

Issuing, claiming, redeeming and voiding take an ``Idempotency-Key``: a retried
request replays the first answer.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from yutang.auth.dependencies import idempotent, require
from yutang.coupons import repository
from yutang.coupons import service as coupons
from yutang.coupons.schemas import (
    ClaimIn,
    CouponOut,
    CouponTemplateIn,
    CouponTemplateOut,
    CouponTemplatePatch,
    GenerateIn,
    IssueIn,
    RedeemCouponIn,
)
from yutang.kit.context import Ctx
from yutang.kit.http import api_router
from yutang.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, Page
from yutang.kit.schemas import ParamId, ReasonIn

router = api_router(prefix="/api/v1")


@router.post("/coupon-templates", tags=["coupons"], status_code=201, response_model=CouponTemplateOut)
async def create_template(
    body: CouponTemplateIn, ctx: Ctx = Depends(require("loyalty:manage"))
) -> CouponTemplateOut:
    """Create a coupon template: `amount_off` (`value` in cents), `percent_off` (`value` 1-99) or
    a `gift`, valid `valid_days` after issue or in a fixed window, with optional stock and per-member
    limit. `invalid_amount`; `invalid_coupon_template` for a gift without `gift_name`, neither
    `valid_days` nor `valid_until`, or `valid_until` before `valid_from`."""
    return CouponTemplateOut.model_validate(await coupons.create_template(ctx, body.model_dump()))


@router.get("/coupon-templates", tags=["coupons"], response_model=Page[CouponTemplateOut])
async def list_templates(
    ctx: Ctx = Depends(require("members:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[CouponTemplateOut]:
    """The workspace's coupon templates, oldest first."""
    rows = await repository.templates(ctx.session, ctx.workspace_id)
    return Page[CouponTemplateOut].of(rows, cursor, limit, CouponTemplateOut.model_validate)


@router.patch("/coupon-templates/{template_id}", tags=["coupons"], response_model=CouponTemplateOut)
async def update_template(
    template_id: ParamId, body: CouponTemplatePatch, ctx: Ctx = Depends(require("loyalty:manage"))
) -> CouponTemplateOut:
    """Change a template; only fields sent change. `null` removes a validity bound or a limit
    (`valid_days`, `valid_from`, `valid_until`, `total_limit`, `per_member_limit`) and leaves any
    other field as it is. What a coupon is worth — `kind`, `value`, `gift_name`, `min_spend_cents` —
    changes only while no code of the template exists: once one does, a different value answers 409
    `coupon_template_issued` (codes read it from their template, so it would change coupons members
    hold). Validity changes apply to coupons issued or claimed from now on: codes keep their dates.
    `active: false` stops issuing it (generated codes can still be claimed; void them to stop that).
    `invalid_amount`; `invalid_coupon_template` (no validity left, `valid_until` before `valid_from`,
    a gift without `gift_name`, `total_limit` below the codes already made);
    `unknown_coupon_template`."""
    return CouponTemplateOut.model_validate(await coupons.update_template(ctx, template_id, body.changes()))


@router.post(
    "/coupon-templates/{template_id}/generate",
    tags=["coupons"],
    status_code=201,
    response_model=list[CouponOut],
)
async def generate(
    template_id: ParamId, body: GenerateIn, ctx: Ctx = Depends(idempotent("loyalty:manage"))
) -> list[CouponOut]:
    """Unassigned codes (for package cards, posters …); members claim them later."""
    made = await coupons.generate(ctx, template_id, body.count)
    return [CouponOut.model_validate(c) for c in made]


@router.post("/coupons", tags=["coupons"], status_code=201, response_model=CouponOut)
async def issue(body: IssueIn, ctx: Ctx = Depends(idempotent("points:write"))) -> CouponOut:
    """Issue a coupon to a member (within the template's stock and per-member limit)."""
    coupon = await coupons.issue(ctx, body.template_id, body.member_id)
    return CouponOut.model_validate(coupon)


@router.get("/coupons/{code}", tags=["coupons"], response_model=CouponOut)
async def get_coupon(
    code: Annotated[str, Path(max_length=64)], ctx: Ctx = Depends(require("members:read"))
) -> CouponOut:
    """One coupon by code (case and spaces ignored): its holder and status `available` (generated,
    unclaimed), `issued`, `redeemed` or `voided`. An expired coupon stays `issued`: compare
    `valid_until`. `unknown_coupon`."""
    return CouponOut.model_validate(await coupons.by_code(ctx, code))


@router.post("/coupons/{code}/claim", tags=["coupons"], response_model=CouponOut)
async def claim(
    code: Annotated[str, Path(max_length=64)],
    body: ClaimIn,
    ctx: Ctx = Depends(idempotent("points:write")),
) -> CouponOut:
    """A member claims a generated code (from a package card, a poster); with `valid_days` the
    validity starts now. `coupon_taken` when the code is no longer available (claimed by anyone, or
    voided), `limit_reached`, `unknown_coupon`, `unknown_member`, `member_inactive`."""
    return CouponOut.model_validate(await coupons.claim(ctx, code, body.member_id))


@router.post("/coupons/{code}/redeem", tags=["coupons"], response_model=CouponOut)
async def redeem_coupon(
    code: Annotated[str, Path(max_length=64)],
    body: RedeemCouponIn,
    ctx: Ctx = Depends(idempotent("points:write")),
) -> CouponOut:
    """Use the coupon once; `coupon_redeemed`, `coupon_expired`, `coupon_voided` … otherwise."""
    used = await coupons.redeem(ctx, code, member_id=body.member_id, order_ref=body.order_ref)
    return CouponOut.model_validate(used)


@router.post("/coupons/{code}/void", tags=["coupons"], response_model=CouponOut)
async def void(
    code: Annotated[str, Path(max_length=64)],
    body: ReasonIn,
    ctx: Ctx = Depends(idempotent("loyalty:manage")),
) -> CouponOut:
    """Void an unused coupon (`available` or `issued`) with a reason; it can no longer be claimed or
    redeemed and its unit is not returned to the template's stock. `reason_required`,
    `unknown_coupon`; a redeemed or already voided coupon answers `coupon_redeemed`."""
    return CouponOut.model_validate(await coupons.void(ctx, code, body.reason))


@router.get("/members/{member_id}/coupons", tags=["coupons"], response_model=Page[CouponOut])
async def member_coupons(
    member_id: ParamId,
    ctx: Ctx = Depends(require("members:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[CouponOut]:
    """The member's coupons, newest first, with their status: `issued`, `redeemed` or `voided` (an
    expired coupon stays `issued`: compare `valid_until`). `unknown_member`."""
    return Page[CouponOut].of(
        await coupons.of_member(ctx, member_id), cursor, limit, CouponOut.model_validate
    )
