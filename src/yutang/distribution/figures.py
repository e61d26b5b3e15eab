"""Per distributor and overall: orders, sales, commissions by state (API, CLI, CSV)."""

from __future__ import annotations

import csv
import io

from sqlalchemy import case, func, select

from yutang.distribution import service
from yutang.distribution.schemas import DistributorFigures
from yutang.kit.context import Ctx
from yutang.models.distribution import Commission, Distributor


async def per_distributor(ctx: Ctx, distributor_ids: list[int] | None = None) -> list[DistributorFigures]:
    c = Commission
    left = c.amount_cents - c.reversed_cents
    stmt = (
        select(
            Distributor.id,
            Distributor.member_id,
            Distributor.withdrawn_cents,
            func.count(func.distinct(c.order_id)),
            func.coalesce(
                func.sum(c.base_cents - c.base_cents * c.reversed_cents / func.nullif(c.amount_cents, 0)), 0
            ),
            func.coalesce(func.sum(case((c.status == "pending", left), else_=0)), 0),
            func.coalesce(func.sum(case((c.status == "available", left), else_=0)), 0),
            func.coalesce(func.sum(c.reversed_cents), 0),
        )
        .outerjoin(c, c.distributor_id == Distributor.id)
        .where(Distributor.workspace_id == ctx.workspace_id, Distributor.status != "pending")
        .group_by(Distributor.id, Distributor.member_id, Distributor.withdrawn_cents)
        .order_by(Distributor.id)
    )
    if distributor_ids:
        stmt = stmt.where(Distributor.id.in_(distributor_ids))
    out = []
    sizes = await service.team_sizes(ctx)
    rows = (await ctx.session.execute(stmt)).all()
    for did, mid, withdrawn, orders, sales, pending, available, reversed_ in rows:
        out.append(
            DistributorFigures(
                distributor_id=did,
                member_id=mid,
                orders=int(orders),
                sales_cents=int(sales),
                pending_cents=int(pending),
                available_cents=int(available),
                reversed_cents=int(reversed_),
                withdrawn_cents=int(withdrawn),
                team_size=sizes.get(did, 0),
            )
        )
    return out


def overall(rows: list[DistributorFigures]) -> dict[str, int]:
    keys = ("orders", "sales_cents", "pending_cents", "available_cents", "reversed_cents", "withdrawn_cents")
    return {"distributors": len(rows), **{k: sum(getattr(r, k) for r in rows) for k in keys}}


def to_csv(rows: list[DistributorFigures]) -> str:
    out = io.StringIO()
    fields = list(DistributorFigures.model_fields)
    writer = csv.writer(out)
    writer.writerow(fields)
    for r in rows:
        writer.writerow([getattr(r, f) for f in fields])
    return out.getvalue()
