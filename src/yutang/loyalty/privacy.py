"""Loyalty's part of a data-subject export: the member's points ledger and lots, and
their tier changes. Erasure
keeps the ledger (balances must still equal it), so there is no ``erase`` here.
:mod:`yutang.privacy` composes the domains' parts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from yutang.kit.context import Ctx
from yutang.kit.records import plain
from yutang.models.loyalty import PointsEntry, PointsLot, TierChange


async def export(ctx: Ctx, member_id: int) -> dict[str, Any]:
    """Sections ``points_entries``, ``points_lots`` and ``tier_changes``, oldest first."""
    s = ctx.session
    entries = (
        await s.scalars(
            select(PointsEntry).where(PointsEntry.member_id == member_id).order_by(PointsEntry.id)
        )
    ).all()
    lots = (
        await s.scalars(select(PointsLot).where(PointsLot.member_id == member_id).order_by(PointsLot.id))
    ).all()
    return {
        "points_entries": [
            {
                "id": e.id,
                "kind": e.kind,
                "amount": e.amount,
                "pending_delta": e.pending_delta,
                "balance_after": e.balance_after,
                "reason": e.reason,
                "ref": [e.ref_type, e.ref_id],
                "at": e.created_at.isoformat(),
            }
            for e in entries
        ],
        "points_lots": [
            {
                "id": lot.id,
                "amount": lot.amount,
                "remaining": lot.remaining,
                "state": lot.state,
                "available_at": lot.available_at.isoformat() if lot.available_at else None,
                "expires_at": lot.expires_at.isoformat() if lot.expires_at else None,
            }
            for lot in lots
        ],
        "tier_changes": [
            plain(c, omit=("member_id",))
            for c in (
                await s.scalars(
                    select(TierChange).where(TierChange.member_id == member_id).order_by(TierChange.id)
                )
            ).all()
        ],
    }
