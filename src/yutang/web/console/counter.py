"""At the counter: what an operator does for a member in front of them, on the member's
page — stored value (top up, pay, refund a payment), a paid membership bought, a reward
exchanged for points, a coupon used (核销) or voided — and a coupon looked up by its code.

Each form is read into the API's schema and handed to the service the API calls, under
the API's permission. Money and membership take a reference (the payment's, the
order's): the form comes with a fresh one, so a form sent twice (a double click, a
reload) records once, as the API's retries do.
"""

from __future__ import annotations

import contextlib

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from yutang.commerce import wallet
from yutang.commerce.schemas import TopUpIn, WalletRefundIn, WalletSpendIn
from yutang.coupons import service as coupons
from yutang.coupons.schemas import RedeemCouponIn
from yutang.kit.context import Ctx
from yutang.kit.errors import VALIDATION_ERROR, BadRequest, YutangError
from yutang.kit.schemas import ReasonIn
from yutang.membership import service as membership
from yutang.membership.schemas import PurchaseIn
from yutang.models.base import utcnow
from yutang.rewards import service as rewards
from yutang.rewards.schemas import RedeemRewardIn
from yutang.web.console.frame import (
    FormRefused,
    can,
    field_errors,
    header,
    may,
    new_ref,
    refusal_status,
    render,
    router,
    submitted,
)
from yutang.web.console.members import back_to_member, refuse_action
from yutang.web.i18n import pick_language


@router.post("/console/members/{member_id}/wallet/top-up")
async def top_up(request: Request, member_id: int, ctx: Ctx = Depends(can("orders:write"))) -> Response:
    form = await submitted(request)
    try:
        body = TopUpIn.model_validate(
            {"amount_cents": form.cents("amount"), "payment_ref": form.text("payment_ref")}
        )
        await wallet.top_up(ctx, member_id, body.amount_cents, payment_ref=body.payment_ref)
    except (ValidationError, YutangError) as exc:
        raise await refuse_action(request, ctx, member_id, "top_up", _in_yuan(exc), form) from None
    return back_to_member(member_id, "topped_up")


@router.post("/console/members/{member_id}/wallet/spend")
async def pay(request: Request, member_id: int, ctx: Ctx = Depends(can("orders:write"))) -> Response:
    form = await submitted(request)
    try:
        body = WalletSpendIn.model_validate(
            {
                "amount_cents": form.cents("amount"),
                "order_ref": form.text("order_ref"),
                "reason": form.text("reason") or "",
            }
        )
        await wallet.spend(ctx, member_id, body.amount_cents, ref=body.order_ref, reason=body.reason)
    except (ValidationError, YutangError) as exc:
        raise await refuse_action(request, ctx, member_id, "spend", _in_yuan(exc), form) from None
    return back_to_member(member_id, "paid")


@router.post("/console/members/{member_id}/wallet/refund")
async def refund(request: Request, member_id: int, ctx: Ctx = Depends(can("orders:write"))) -> Response:
    form = await submitted(request)
    try:
        body = WalletRefundIn.model_validate(
            {
                "spend_entry_id": form.number("spend_entry_id"),
                "amount_cents": form.cents("amount"),
                "refund_ref": form.text("refund_ref"),
                "reason": form.text("reason") or "",
            }
        )
        await wallet.refund(
            ctx,
            body.spend_entry_id,
            body.amount_cents,
            refund_ref=body.refund_ref,
            reason=body.reason,
            member_id=member_id,
        )
    except (ValidationError, YutangError) as exc:
        raise await refuse_action(request, ctx, member_id, "refund", _in_yuan(exc), form) from None
    return back_to_member(member_id, "refunded")


def _in_yuan(exc: Exception) -> Exception:
    """The schema names ``amount_cents``; the form's field is ``amount`` (in yuan)."""
    if isinstance(exc, YutangError) and isinstance(exc.details, dict) and "refundable_cents" in exc.details:
        exc.details = {**exc.details, "field": "amount"}
    return exc


@router.post("/console/members/{member_id}/subscription")
async def buy_plan(request: Request, member_id: int, ctx: Ctx = Depends(can("orders:write"))) -> Response:
    form = await submitted(request)
    try:
        body = PurchaseIn.model_validate(
            {
                "plan_id": form.number("plan_id"),
                "payment_ref": form.text("payment_ref"),
                "amount_cents": form.cents("amount"),
            }
        )
        await membership.purchase(
            ctx, member_id, body.plan_id, payment_ref=body.payment_ref, amount_cents=body.amount_cents
        )
    except (ValidationError, YutangError) as exc:
        raise await refuse_action(request, ctx, member_id, "plan", exc, form) from None
    return back_to_member(member_id, "subscribed")


@router.post("/console/members/{member_id}/reward")
async def exchange(request: Request, member_id: int, ctx: Ctx = Depends(can("points:write"))) -> Response:
    form = await submitted(request)
    try:
        body = RedeemRewardIn.model_validate(
            {"member_id": member_id, "quantity": form.number("quantity") or 1}
        )
        reward_id = form.number("reward_id")
        if not isinstance(reward_id, int):
            raise BadRequest("Choose a reward.", code=VALIDATION_ERROR, details={"field": "reward_id"})
        await rewards.redeem(ctx, reward_id, body.member_id, body.quantity)
    except (ValidationError, YutangError) as exc:
        raise await refuse_action(request, ctx, member_id, "reward", exc, form) from None
    return back_to_member(member_id, "exchanged")


@router.post("/console/members/{member_id}/coupon/use")
async def use_coupon(request: Request, member_id: int, ctx: Ctx = Depends(can("points:write"))) -> Response:
    """核销: the member's coupon used once (for an order, if one is named)."""
    form = await submitted(request)
    try:
        body = RedeemCouponIn.model_validate({"member_id": member_id, "order_ref": form.text("order_ref")})
        await coupons.redeem(ctx, form.text("code") or "", member_id=body.member_id, order_ref=body.order_ref)
    except (ValidationError, YutangError) as exc:
        raise await refuse_action(request, ctx, member_id, "coupons", exc, form) from None
    return back_to_member(member_id, "coupon_used")


@router.post("/console/members/{member_id}/coupon/void")
async def void_coupon(
    request: Request, member_id: int, ctx: Ctx = Depends(can("loyalty:manage"))
) -> Response:
    form = await submitted(request)
    try:
        code = form.text("code") or ""
        if code not in {c.code for c in await coupons.of_member(ctx, member_id)}:
            raise BadRequest("Not a coupon of this member.", code=VALIDATION_ERROR, details={"field": "code"})
        body = ReasonIn.model_validate({"reason": form.text("reason")})
        await coupons.void(ctx, code, body.reason)
    except (ValidationError, YutangError) as exc:
        raise await refuse_action(request, ctx, member_id, "coupons", exc, form) from None
    return back_to_member(member_id, "coupon_voided")


# --- a coupon by its code -----------------------------------------------------------------------


@router.get("/console/coupons/verify", response_class=HTMLResponse)
async def verify_page(
    request: Request,
    ctx: Ctx = Depends(can("points:write")),
    code: str | None = None,
    done: str | None = None,
) -> HTMLResponse:
    """A code a customer shows at the counter: whose it is, what it gives, whether it can be
    used now — and use it."""
    found, error, unusable = None, None, None
    if code:
        try:
            found = await coupons.by_code(ctx, code[:64])
        except YutangError as exc:
            error = field_errors(exc, pick_language(request)).popitem()[1]
    if found is not None and (why := coupons.why_unusable(found, utcnow())) is not None:
        unusable = field_errors(why, pick_language(request)).popitem()[1]
    return render(
        request,
        "console/members/verify.html",
        code=code or "",
        coupon=found,
        template=await coupons.get_template(ctx, found.template_id) if found else None,
        error=error,
        unusable=unusable,
        done=done,
        may=may(ctx),
        ref=new_ref(),
        **await header(ctx),
    )


@router.post("/console/coupons/verify")
async def verify_use(request: Request, ctx: Ctx = Depends(can("points:write"))) -> Response:
    form = await submitted(request)
    code = form.text("code") or ""
    try:
        body = RedeemCouponIn.model_validate({"order_ref": form.text("order_ref")})
        used = await coupons.redeem(ctx, code, order_ref=body.order_ref)
    except (ValidationError, YutangError) as exc:
        found = None
        with contextlib.suppress(YutangError):
            found = await coupons.by_code(ctx, code)
        page = render(
            request,
            "console/members/verify.html",
            refusal_status(exc),
            code=code,
            coupon=found,
            template=await coupons.get_template(ctx, found.template_id) if found else None,
            error=field_errors(exc, pick_language(request)).popitem()[1],
            unusable=None,
            done=None,
            may=may(ctx),
            ref=new_ref(),
            **await header(ctx),
        )
        raise FormRefused(page) from None
    return RedirectResponse(f"/console/coupons/verify?code={used.code}&done=used", status_code=303)
