"""HTTP API of orders and refunds, and the shop's signed webhook."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request, Response
from pydantic import ValidationError

from yutang.auth.dependencies import idempotent, require
from yutang.commerce import repository, service, wallet
from yutang.commerce.schemas import (
    OrderIn,
    OrderItemOut,
    OrderOut,
    RefundIn,
    RefundOut,
    TopUpIn,
    TopUpRuleIn,
    TopUpRuleOut,
    TopUpRulePatch,
    WalletEntryOut,
    WalletMoveOut,
    WalletOut,
    WalletRefundIn,
    WalletSpendIn,
    WebhookIn,
)
from yutang.kit.context import SYSTEM, Actor, Ctx
from yutang.kit.errors import BAD_REQUEST, VALIDATION_ERROR, BadRequest, YutangError
from yutang.kit.http import ErrorOut, also_200, api_router
from yutang.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, Page
from yutang.kit.schemas import ParamId
from yutang.models.commerce import Order

router = api_router(prefix="/api/v1")
WEBHOOK_ACTOR = Actor("webhook", "shop", SYSTEM.role)


async def present(ctx: Ctx, orders: list[Order]) -> list[OrderOut]:
    items, refunds = await service.details(ctx, orders)
    return [
        OrderOut(
            id=o.id,
            external_id=o.external_id,
            member_id=o.member_id,
            status=o.status,
            currency=o.currency,
            total_cents=o.total_cents,
            refunded_cents=o.refunded_cents,
            paid_at=o.paid_at,
            channel_id=o.channel_id,
            items=[OrderItemOut.model_validate(i) for i in items[o.id]],
            refunds=[RefundOut.model_validate(r) for r in refunds[o.id]],
            created_at=o.created_at,
        )
        for o in orders
    ]


@router.post(
    "/orders",
    tags=["orders"],
    status_code=201,
    response_model=OrderOut,
    responses=also_200(OrderOut, "The order was recorded before (same `external_id`): the stored order"),
)
async def record_order(
    response: Response, body: OrderIn, ctx: Ctx = Depends(idempotent("orders:write"))
) -> OrderOut:
    """Record a paid order. Idempotent on `external_id`: the same order again answers 200
    with the stored one; the same id with other content is `order_conflict`."""
    rec = await service.record_order(ctx, body)
    response.status_code = 201 if rec.created else 200
    return (await present(ctx, [rec.order]))[0]


@router.get("/orders", tags=["orders"], response_model=Page[OrderOut])
async def list_orders(
    ctx: Ctx = Depends(require("orders:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
    member_id: ParamId | None = None,
) -> Page[OrderOut]:
    """Orders, newest first, with their items and refunds; `member_id` narrows to one member's.
    An order whose buyer matched no member has `member_id: null`."""
    rows, nxt = await service.list_orders(ctx, cursor=cursor, limit=limit, member_id=member_id)
    return Page(data=await present(ctx, rows), next_cursor=nxt)


@router.get("/orders/{order_id}", tags=["orders"], response_model=OrderOut)
async def get_order(order_id: ParamId, ctx: Ctx = Depends(require("orders:read"))) -> OrderOut:
    """One order with its items and refunds; `total_cents - refunded_cents` is what is left to
    refund. `unknown_order` for an id outside this workspace."""
    return (await present(ctx, [await service.get_order(ctx, order_id)]))[0]


@router.post(
    "/orders/{order_id}/refunds",
    tags=["orders"],
    status_code=201,
    response_model=OrderOut,
    responses=also_200(OrderOut, "The refund was recorded before (same `external_id`): the order as it is"),
)
async def refund_order(
    response: Response, order_id: ParamId, body: RefundIn, ctx: Ctx = Depends(idempotent("orders:write"))
) -> OrderOut:
    """A partial or full refund, idempotent on the refund's `external_id`. Points earned
    on the order are taken back in proportion (through the outbox)."""
    _, created = await service.record_refund(ctx, order_id, body)
    order = await service.get_order(ctx, order_id)
    response.status_code = 201 if created else 200
    return (await present(ctx, [order]))[0]


@router.post("/webhooks/shop/secret", tags=["orders"], status_code=201)
async def rotate_secret(ctx: Ctx = Depends(require("webhooks:manage"))) -> dict[str, str]:
    """A new signing secret for the shop's webhook (shown once; the old one stops working)."""
    return {"secret": await service.rotate_webhook_secret(ctx)}


@router.post(
    "/webhooks/shop/{workspace_slug}",
    tags=["orders"],
    responses={
        200: {"description": "Received before: nothing new was recorded"},
        201: {"description": "The order or refund was recorded"},
        401: {"model": ErrorOut, "description": "`invalid_signature` (also for an unknown workspace)"},
    },
)
async def shop_webhook(workspace_slug: Annotated[str, Path(max_length=63)], request: Request) -> Response:
    """Orders and refunds pushed by the shop, signed with `X-Yutang-Signature:
    t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + raw body>` (5-minute tolerance)."""
    session = request.state.session
    body = await request.body()
    # An unknown slug, a workspace without a secret and a bad signature: one answer.
    workspace = await service.webhook_workspace(
        session, workspace_slug, body, request.headers.get("x-yutang-signature", "")
    )
    ctx = Ctx(session, workspace.id, WEBHOOK_ACTOR)
    try:
        hook = WebhookIn.model_validate_json(body)
    except ValidationError as exc:
        raise YutangError(
            "The webhook payload did not validate.",
            code=VALIDATION_ERROR,
            details={"errors": [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]},
        ) from exc
    if hook.type == "order.paid" and hook.order is not None:
        rec = await service.record_order(ctx, hook.order, via="webhook")
        return Response(status_code=201 if rec.created else 200)
    if hook.type == "order.refunded" and hook.refund is not None and hook.order_external_id:
        order = await service.order_by_external_id(ctx, hook.order_external_id)
        _, created = await service.record_refund(ctx, order.id, hook.refund, via="webhook")
        return Response(status_code=201 if created else 200)
    raise BadRequest("Unknown webhook type or missing fields.", code=BAD_REQUEST)


# --- stored value -----------------------------------------------------------------------------


def _move(mv: wallet.WalletMove) -> WalletMoveOut:
    w = mv.wallet
    return WalletMoveOut(
        entry=WalletEntryOut.model_validate(mv.entry),
        principal_cents=w.principal_cents,
        bonus_cents=w.bonus_cents,
        balance_cents=w.principal_cents + w.bonus_cents,
        replayed=mv.replayed,
    )


@router.get("/members/{member_id}/wallet", tags=["stored value"], response_model=WalletOut)
async def get_wallet(member_id: ParamId, ctx: Ctx = Depends(require("members:read"))) -> WalletOut:
    """The member's stored value: principal (money paid in), bonus (top-up rules, grants) and their
    sum, with the latest 200 entries, newest first (not paged). A member who never topped up has
    an empty wallet. `unknown_member`."""
    w = await wallet.balance(ctx, member_id)
    return WalletOut(
        member_id=member_id,
        principal_cents=w.principal_cents,
        bonus_cents=w.bonus_cents,
        balance_cents=w.principal_cents + w.bonus_cents,
        entries=[WalletEntryOut.model_validate(e) for e in await wallet.entries(ctx, member_id)],
    )


@router.post(
    "/members/{member_id}/wallet/top-ups",
    tags=["stored value"],
    status_code=201,
    response_model=WalletMoveOut,
    responses=also_200(WalletMoveOut, "A retry of the same reference: the movement recorded before"),
)
async def top_up(
    response: Response, member_id: ParamId, body: TopUpIn, ctx: Ctx = Depends(idempotent("orders:write"))
) -> WalletMoveOut:
    """Money paid into the wallet; the best top-up rule adds its bonus."""
    mv = await wallet.top_up(ctx, member_id, body.amount_cents, payment_ref=body.payment_ref)
    response.status_code = 200 if mv.replayed else 201
    return _move(mv)


@router.post(
    "/members/{member_id}/wallet/spends",
    tags=["stored value"],
    status_code=201,
    response_model=WalletMoveOut,
    responses=also_200(WalletMoveOut, "A retry of the same reference: the movement recorded before"),
)
async def wallet_spend(
    response: Response,
    member_id: ParamId,
    body: WalletSpendIn,
    ctx: Ctx = Depends(idempotent("orders:write")),
) -> WalletMoveOut:
    """Pay from the wallet; principal and bonus in proportion. `insufficient_balance` otherwise."""
    mv = await wallet.spend(ctx, member_id, body.amount_cents, ref=body.order_ref, reason=body.reason)
    response.status_code = 200 if mv.replayed else 201
    return _move(mv)


@router.post(
    "/members/{member_id}/wallet/refunds",
    tags=["stored value"],
    status_code=201,
    response_model=WalletMoveOut,
    responses=also_200(WalletMoveOut, "A retry of the same reference: the movement recorded before"),
)
async def wallet_refund(
    response: Response,
    member_id: ParamId,
    body: WalletRefundIn,
    ctx: Ctx = Depends(idempotent("orders:write")),
) -> WalletMoveOut:
    """Give back part or all of a wallet spend, in the spend's own principal/bonus split. Idempotent
    on `refund_ref` (again: 200, `replayed: true`). `refund_exceeds_spend`, `refund_conflict` (the
    ref was used for another spend or amount), `unknown_wallet_entry`, `invalid_amount`."""
    mv = await wallet.refund(
        ctx,
        body.spend_entry_id,
        body.amount_cents,
        refund_ref=body.refund_ref,
        reason=body.reason,
        member_id=member_id,
    )
    response.status_code = 200 if mv.replayed else 201
    return _move(mv)


@router.post("/top-up-rules", tags=["stored value"], status_code=201, response_model=TopUpRuleOut)
async def create_top_up_rule(
    body: TopUpRuleIn, ctx: Ctx = Depends(require("loyalty:manage"))
) -> TopUpRuleOut:
    """Add a top-up bonus rule: a top-up of at least `min_amount_cents` puts `bonus_cents` into the
    bonus bucket; when several match, the largest bonus wins. `invalid_amount` (a minimum outside
    1-100,000,000 cents or a negative bonus). Not idempotent: a retry adds a second rule."""
    rule = await wallet.create_rule(ctx, body.name, body.min_amount_cents, body.bonus_cents)
    return TopUpRuleOut.model_validate(rule)


@router.patch("/top-up-rules/{rule_id}", tags=["stored value"], response_model=TopUpRuleOut)
async def update_top_up_rule(
    rule_id: ParamId, body: TopUpRulePatch, ctx: Ctx = Depends(require("loyalty:manage"))
) -> TopUpRuleOut:
    """Change a top-up bonus rule for top-ups from now on; only fields sent change (`null` leaves
    one as it is). `active: false` stops its bonus, `true` restores it. Past top-ups keep the bonus
    they got. `invalid_amount` (a minimum outside 1-100,000,000 cents or a negative bonus),
    `unknown_top_up_rule`."""
    return TopUpRuleOut.model_validate(await wallet.update_rule(ctx, rule_id, body.changes()))


@router.get("/top-up-rules", tags=["stored value"], response_model=Page[TopUpRuleOut])
async def list_top_up_rules(
    ctx: Ctx = Depends(require("members:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[TopUpRuleOut]:
    """Top-up bonus rules by minimum amount, smallest first."""
    rows = await repository.top_up_rules(ctx.session, ctx.workspace_id)
    return Page[TopUpRuleOut].of(rows, cursor, limit, TopUpRuleOut.model_validate)
