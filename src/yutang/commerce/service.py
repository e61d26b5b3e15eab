"""Orders and refunds from the shop: idempotent on the shop's ids, matched to members.

``record_order`` and ``record_refund`` are what the API, the signed webhook and the CSV
import all call. Replaying the same order (same external id, same content) returns the
stored one and changes nothing; the same id with other content is refused
(``order_conflict``). Points follow through the outbox: ``order.paid`` and
``order.refunded`` events are handled by the loyalty module.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.commerce.errors import (
    INVALID_SIGNATURE,
    ORDER_CONFLICT,
    REFUND_CONFLICT,
    REFUND_EXCEEDS_ORDER,
    UNKNOWN_ORDER,
)
from yutang.commerce.events import OrderPaid, OrderRefunded
from yutang.commerce.schemas import OrderIn, RefundIn
from yutang.kit import audit, crypto, events, lookup
from yutang.kit.context import Ctx
from yutang.kit.errors import INVALID_AMOUNT, BadRequest, Conflict, NotFound, Unauthenticated
from yutang.kit.pagination import page_of, paginate
from yutang.links import repository as links_repository
from yutang.links.errors import UNKNOWN_CHANNEL
from yutang.members import service as members
from yutang.models.base import utcnow
from yutang.models.commerce import Order, OrderItem, Refund
from yutang.models.workspaces import Workspace

MAX_CENTS = 10_000_000_000  # 100 million yuan: anything above is a typo


@dataclass
class Recorded:
    order: Order
    created: bool


def _amount(value: int, what: str, *, allow_zero: bool = False) -> int:
    if value < 0 or (value == 0 and not allow_zero) or value > MAX_CENTS:
        raise BadRequest(
            f"{what} must be a positive amount in cents.", code=INVALID_AMOUNT, details={"field": what}
        )
    return value


def content_hash(data: OrderIn) -> str:
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def _match_member(ctx: Ctx, data: OrderIn) -> int | None:
    if data.member_id is not None:
        return (await members.get_member(ctx, data.member_id)).id
    if data.customer is None:
        return None
    for kind, value in data.customer.given().items():
        found = await members.find_by_identity(ctx, kind, value)
        if found is not None:
            return found.id
    return None


async def record_order(ctx: Ctx, data: OrderIn, *, via: str = "api") -> Recorded:
    digest = content_hash(data)
    existing = await ctx.session.scalar(
        select(Order).where(Order.workspace_id == ctx.workspace_id, Order.external_id == data.external_id)
    )
    if existing is not None:
        if existing.content_hash != digest:
            raise Conflict(
                f"Order {data.external_id!r} was received before with other content.",
                code=ORDER_CONFLICT,
                details={"order_id": existing.id},
            )
        return Recorded(existing, created=False)
    for i, item in enumerate(data.items):
        _amount(item.quantity, f"items[{i}].quantity")
        _amount(item.price_cents, f"items[{i}].price_cents", allow_zero=True)
    items_total = sum(i.quantity * i.price_cents for i in data.items)
    total = data.total_cents if data.total_cents is not None else items_total
    _amount(total, "total_cents")
    if (
        data.channel_id is not None
        and await links_repository.channel(ctx.session, ctx.workspace_id, data.channel_id) is None
    ):
        raise BadRequest(f"No channel {data.channel_id} in this workspace.", code=UNKNOWN_CHANNEL)
    member_id = await _match_member(ctx, data)
    order = Order(
        workspace_id=ctx.workspace_id,
        external_id=data.external_id,
        member_id=member_id,
        status="paid",
        currency=data.currency.upper(),
        total_cents=total,
        paid_at=data.paid_at,
        channel_id=data.channel_id,
        content_hash=digest,
    )
    ctx.session.add(order)
    await ctx.session.flush()
    if data.items:
        # One statement for all the items (the ORM sent one INSERT per item on SQLite,
        # which needs each row's id back): tests/test_query_counts.py holds the budget.
        await ctx.session.execute(
            insert(OrderItem),
            [
                {
                    "order_id": order.id,
                    "product_id": i.product_id,
                    "name": i.name,
                    "category": i.category,
                    "quantity": i.quantity,
                    "price_cents": i.price_cents,
                }
                for i in data.items
            ],
        )
    if member_id is not None:
        member = await members.get_member(ctx, member_id, lock=True)
        member.total_spent_cents += total
        member.order_count += 1
        if member.last_order_at is None or member.last_order_at < order.paid_at:
            member.last_order_at = order.paid_at
        # An order imported late says when the member was active: when they paid.
        if member.last_active_at is None or member.last_active_at < order.paid_at:
            member.last_active_at = order.paid_at
    await ctx.session.flush()
    audit.record(ctx, "order.recorded", "order", order.id, {"external_id": order.external_id, "via": via})
    events.emit(
        ctx,
        OrderPaid(
            order_id=order.id, member_id=member_id, total_cents=total, paid_at=order.paid_at.isoformat()
        ),
    )
    return Recorded(order, created=True)


async def get_order(ctx: Ctx, order_id: int, *, lock: bool = False) -> Order:
    return await lookup.one(ctx, Order, order_id, code=UNKNOWN_ORDER, what="order", lock=lock)


async def order_by_external_id(ctx: Ctx, external_id: str) -> Order:
    order = await ctx.session.scalar(
        select(Order).where(Order.workspace_id == ctx.workspace_id, Order.external_id == external_id)
    )
    if order is None:
        raise NotFound(f"No order {external_id!r}.", code=UNKNOWN_ORDER)
    return order


async def record_refund(ctx: Ctx, order_id: int, data: RefundIn, *, via: str = "api") -> tuple[Refund, bool]:
    """A (partial or full) refund; the same refund id again returns the first one."""
    # Lock order across the codebase: the member, then the order (the outbox handlers of
    # order events lock the buyer first, then the order).
    peek = await get_order(ctx, order_id)
    if peek.member_id is not None:
        await members.get_member(ctx, peek.member_id, lock=True)
    order = await get_order(ctx, order_id, lock=True)
    existing = await ctx.session.scalar(
        select(Refund).where(Refund.workspace_id == ctx.workspace_id, Refund.external_id == data.external_id)
    )
    if existing is not None:
        if existing.order_id != order.id or existing.amount_cents != data.amount_cents:
            raise Conflict(
                f"Refund {data.external_id!r} was received before with other content.",
                code=REFUND_CONFLICT,
                details={"refund_id": existing.id},
            )
        return existing, False
    _amount(data.amount_cents, "amount_cents")
    refundable = order.total_cents - order.refunded_cents
    if data.amount_cents > refundable:
        raise Conflict(
            f"Only {refundable} cents of order {order.external_id!r} are left to refund.",
            code=REFUND_EXCEEDS_ORDER,
            details={"refundable_cents": refundable},
        )
    before = order.refunded_cents
    refund = Refund(
        workspace_id=ctx.workspace_id,
        order_id=order.id,
        external_id=data.external_id,
        amount_cents=data.amount_cents,
        reason=data.reason,
        refunded_at=data.refunded_at or utcnow(),
    )
    ctx.session.add(refund)
    order.refunded_cents += data.amount_cents
    order.status = "refunded" if order.refunded_cents == order.total_cents else "partially_refunded"
    if order.member_id is not None:
        member = await members.get_member(ctx, order.member_id, lock=True)
        member.total_spent_cents -= data.amount_cents
        if order.status == "refunded":
            member.order_count -= 1
    await ctx.session.flush()
    audit.record(
        ctx,
        "order.refunded",
        "order",
        order.id,
        {"refund": data.external_id, "via": via, "amount_cents": data.amount_cents},
    )
    events.emit(
        ctx,
        OrderRefunded(
            order_id=order.id,
            refund_id=refund.id,
            member_id=order.member_id,
            amount_cents=data.amount_cents,
            refunded_before_cents=before,
            refunded_after_cents=order.refunded_cents,
            total_cents=order.total_cents,
        ),
    )
    return refund, True


async def list_orders(
    ctx: Ctx, *, cursor: str | None, limit: int, member_id: int | None = None
) -> tuple[list[Order], str | None]:
    stmt = select(Order).where(Order.workspace_id == ctx.workspace_id)
    if member_id is not None:
        stmt = stmt.where(Order.member_id == member_id)
    rows = (await ctx.session.scalars(paginate(stmt, Order.id, cursor, limit))).all()
    return page_of(rows, limit, lambda o: o.id)


async def details(
    ctx: Ctx, orders: list[Order]
) -> tuple[dict[int, list[OrderItem]], dict[int, list[Refund]]]:
    ids = [o.id for o in orders]
    items: dict[int, list[OrderItem]] = {i: [] for i in ids}
    refunds: dict[int, list[Refund]] = {i: [] for i in ids}
    if ids:
        for it in (
            await ctx.session.scalars(
                select(OrderItem).where(OrderItem.order_id.in_(ids)).order_by(OrderItem.id)
            )
        ).all():
            items[it.order_id].append(it)
        for rf in (
            await ctx.session.scalars(select(Refund).where(Refund.order_id.in_(ids)).order_by(Refund.id))
        ).all():
            refunds[rf.order_id].append(rf)
    return items, refunds


# --- the shop's webhook -----------------------------------------------------------------

SIGNATURE_TOLERANCE = 300  # seconds


async def rotate_webhook_secret(ctx: Ctx) -> str:
    workspace = await ctx.session.get(Workspace, ctx.workspace_id)
    assert workspace is not None
    secret = "whsec_" + secrets.token_urlsafe(32)
    workspace.shop_webhook_secret_sealed = crypto.seal(_KEYRING_FIELD, secret)
    audit.record(ctx, "webhook_secret.rotated", "workspace", ctx.workspace_id)
    return secret


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(secret: str, body: bytes, header: str, *, now: float | None = None) -> None:
    """``X-Yutang-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>``."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        timestamp = 0
    given = parts.get("v1", "")
    if not timestamp or not given:
        raise Unauthenticated("The webhook signature is missing or malformed.", code=INVALID_SIGNATURE)
    if abs((now or time.time()) - timestamp) > SIGNATURE_TOLERANCE:
        raise Unauthenticated("The webhook signature is too old.", code=INVALID_SIGNATURE)
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, given):
        raise Unauthenticated("The webhook signature does not match.", code=INVALID_SIGNATURE)


#: The secret's purpose in the keyring.
_KEYRING_FIELD = "workspace.shop_webhook_secret"
_stand_in: tuple[int, str] | None = None


def _stand_in_sealed() -> str:
    """A sealed secret nobody knows, verified against when the workspace is unknown or
    has no secret — so that every refusal does the same work (one look-up, one
    decryption, one HMAC) and gives the same answer."""
    global _stand_in
    ring = crypto.keyring()
    if _stand_in is None or _stand_in[0] != id(ring):
        _stand_in = (id(ring), ring.seal(_KEYRING_FIELD, "whsec_" + secrets.token_urlsafe(32)))
    return _stand_in[1]


async def webhook_workspace(
    session: AsyncSession, slug: str, body: bytes, header: str, *, now: float | None = None
) -> Workspace:
    """The workspace a signed shop webhook is for, or ``401 invalid_signature``.

    An unknown slug, a workspace without a secret and a wrong signature are answered
    alike — status, body, and the work done before answering — so slugs cannot be
    probed and a workspace's webhook set-up cannot be read from outside.
    """
    workspace = await session.scalar(select(Workspace).where(Workspace.slug == slug))
    sealed = workspace.shop_webhook_secret_sealed if workspace is not None else None
    secret = crypto.keyring().open(_KEYRING_FIELD, sealed or _stand_in_sealed())
    verify_signature(secret, body, header, now=now)
    if workspace is None or sealed is None:  # pragma: no cover - nobody knows the stand-in
        raise Unauthenticated("The webhook signature does not match.", code=INVALID_SIGNATURE)
    return workspace
