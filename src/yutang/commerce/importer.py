"""CSV import of orders (CLI): one row per order item, idempotent on the order id.

Columns: ``external_id, paid_at`` (ISO 8601; without an offset it is read in the
workspace's time zone), the customer as any of ``member_id, phone, email, openid,
unionid, customer_id``, optional ``total_cents`` (default: Σ quantity × price), and
per item ``product_id, name, category, quantity, price_cents``. Rows with the same
``external_id`` are one order. Refunds come through the API or the webhook.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from yutang.commerce import service
from yutang.commerce.schemas import OrderIn, OrderItemIn
from yutang.kit.context import Ctx
from yutang.kit.csvimport import Outcome, Record, as_bad_request
from yutang.kit.errors import VALIDATION_ERROR, BadRequest
from yutang.members.schemas import Identities

IDENTITY_COLUMNS = ("phone", "email", "openid", "unionid", "customer_id")


def group(rows: list[dict[str, str]]) -> list[Record]:
    """Rows of one order together, in file order (line 1 is the header)."""
    orders: dict[str, Record] = {}
    loose: list[Record] = []
    for line, row in enumerate(rows, start=2):
        key = row.get("external_id") or ""
        if not key:
            loose.append(([line], [row]))  # refused by the handler with a clear code
            continue
        orders.setdefault(key, ([], []))
        orders[key][0].append(line)
        orders[key][1].append(row)
    return [*orders.values(), *loose]


def _int(value: str | None, name: str) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise BadRequest(
            f"{name} is not a whole number: {value!r}.", code=VALIDATION_ERROR, details={"field": name}
        ) from exc


def to_order(rows: list[dict[str, str]], tz: ZoneInfo) -> OrderIn:
    head = rows[0]
    try:
        paid = datetime.fromisoformat(head.get("paid_at") or "")
    except ValueError as exc:
        raise BadRequest(
            "paid_at is not an ISO date/time.", code=VALIDATION_ERROR, details={"field": "paid_at"}
        ) from exc
    if paid.tzinfo is None:
        paid = paid.replace(tzinfo=tz)
    ids = {k: head.get(k) or None for k in IDENTITY_COLUMNS}
    try:
        return OrderIn(
            external_id=head.get("external_id") or "",
            member_id=_int(head.get("member_id"), "member_id"),
            customer=Identities(**ids) if any(ids.values()) else None,
            total_cents=_int(head.get("total_cents"), "total_cents"),
            paid_at=paid,
            items=[
                OrderItemIn(
                    product_id=r.get("product_id") or "",
                    name=r.get("name") or "",
                    category=r.get("category") or None,
                    quantity=_int(r.get("quantity"), "quantity") or 1,
                    price_cents=_int(r.get("price_cents"), "price_cents") or 0,
                )
                for r in rows
                if r.get("product_id")
            ],
        )
    except ValidationError as exc:
        raise as_bad_request(exc) from exc


def handler(tz: ZoneInfo) -> Callable[[Ctx, list[dict[str, str]]], Coroutine[Any, Any, Outcome]]:
    async def handle(ctx: Ctx, rows: list[dict[str, str]]) -> Outcome:
        recorded = await service.record_order(ctx, to_order(rows, tz), via="csv")
        return "created" if recorded.created else "unchanged"

    return handle
