"""Distribution's part of a data-subject export: the member as a distributor (their
record, commissions, commission ledger, withdrawals) and as a customer (the distributor
they are bound to, and their check-in days). Erasure keeps the money records, tied to
the anonymous id. :mod:`yutang.privacy` composes it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from yutang.kit.context import Ctx
from yutang.kit.records import plain
from yutang.models.distribution import (
    CheckinDay,
    Commission,
    CommissionEntry,
    DistributionBinding,
    Distributor,
    Withdrawal,
)

#: Left out: a commission's basket (``detail``: what the buyer bought, ``base_cents``: what
#: they paid on it) is the buyer's data — the buyer appears only as an id; ``decided_by``
#: names the operator who decided a withdrawal (staff, not the member).
NOT_EXPORTED = ("detail", "base_cents", "decided_by")


async def export(ctx: Ctx, member_id: int) -> dict[str, Any]:
    """Section ``distribution``."""
    s = ctx.session
    dist = await s.scalar(
        select(Distributor).where(
            Distributor.workspace_id == ctx.workspace_id, Distributor.member_id == member_id
        )
    )
    binding = await s.scalar(
        select(DistributionBinding).where(
            DistributionBinding.workspace_id == ctx.workspace_id, DistributionBinding.member_id == member_id
        )
    )
    days = await s.scalars(select(CheckinDay).where(CheckinDay.member_id == member_id))
    found: dict[str, Any] = {
        "distributor": plain(dist, omit=("member_id",)) if dist else None,
        "bound_to_distributor_id": binding.distributor_id if binding else None,
        "checkin_days": [plain(d, omit=("member_id",)) for d in days.all()],
        "commissions": [],
        "commission_entries": [],
        "withdrawals": [],
    }
    if dist is not None:
        for section, model in (
            ("commissions", Commission),
            ("commission_entries", CommissionEntry),
            ("withdrawals", Withdrawal),
        ):
            rows = await s.scalars(select(model).where(model.distributor_id == dist.id).order_by(model.id))
            found[section] = [plain(r, omit=("distributor_id", *NOT_EXPORTED)) for r in rows.all()]
    return {"distribution": found}
