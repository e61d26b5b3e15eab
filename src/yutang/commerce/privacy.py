"""Commerce's part of a data-subject export: the member's orders with their items and
refunds, and their stored value (the wallet's balances and ledger). Erasure leaves
orders and the wallet as they are (they stay, tied to the anonymous id), so there is no
``erase`` here. :mod:`yutang.privacy` composes the domains' parts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from yutang.kit.context import Ctx
from yutang.kit.records import plain
from yutang.models.commerce import Order, OrderItem, Refund
from yutang.models.wallet import Wallet, WalletEntry


async def export(ctx: Ctx, member_id: int) -> dict[str, Any]:
    """Sections ``orders`` (oldest first) and ``wallet``."""
    s = ctx.session
    orders = (await s.scalars(select(Order).where(Order.member_id == member_id).order_by(Order.id))).all()
    order_ids = [o.id for o in orders]
    items = (
        (await s.scalars(select(OrderItem).where(OrderItem.order_id.in_(order_ids)))).all()
        if order_ids
        else []
    )
    refunds = (
        (await s.scalars(select(Refund).where(Refund.order_id.in_(order_ids)))).all() if order_ids else []
    )
    return {
        "orders": [
            {
                "id": o.id,
                "external_id": o.external_id,
                "status": o.status,
                "total_cents": o.total_cents,
                "refunded_cents": o.refunded_cents,
                "paid_at": o.paid_at.isoformat(),
                "items": [
                    {
                        "product_id": i.product_id,
                        "name": i.name,
                        "category": i.category,
                        "quantity": i.quantity,
                        "price_cents": i.price_cents,
                    }
                    for i in items
                    if i.order_id == o.id
                ],
                "refunds": [
                    {
                        "external_id": r.external_id,
                        "amount_cents": r.amount_cents,
                        "refunded_at": r.refunded_at.isoformat(),
                    }
                    for r in refunds
                    if r.order_id == o.id
                ],
            }
            for o in orders
        ],
        "wallet": await _wallet(ctx, member_id),
    }


async def _wallet(ctx: Ctx, member_id: int) -> dict[str, Any] | None:
    wallet = await ctx.session.scalar(
        select(Wallet).where(Wallet.workspace_id == ctx.workspace_id, Wallet.member_id == member_id)
    )
    if wallet is None:
        return None
    entries = await ctx.session.scalars(
        select(WalletEntry).where(WalletEntry.member_id == member_id).order_by(WalletEntry.id)
    )
    return {
        **plain(wallet, omit=("member_id",)),
        # ``actor`` names the operator or key that moved the money: staff, not the member.
        "entries": [plain(e, omit=("member_id", "dedupe_key", "actor")) for e in entries.all()],
    }
