"""``/reports/lifecycle``: new, returning, resurrecting and dormant members per period."""

from __future__ import annotations

from datetime import date
from typing import Annotated, cast

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict

from yutang.analytics import lifecycle as lifecycle_report
from yutang.analytics.endpoints import drill
from yutang.analytics.endpoints.drill import RangedQuery
from yutang.analytics.endpoints.frame import RangeOut, in_thread, range_out, reader, router, window_of
from yutang.analytics.engines import Reader
from yutang.auth.dependencies import require
from yutang.kit.context import Ctx


class LifecycleRowOut(BaseModel):
    period: date
    new: int
    returning: int
    resurrecting: int
    #: Active in the period before, not in this one.
    dormant: int


class LifecycleOut(RangeOut):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "start": "2026-11-02",
                    "end": "2026-11-15",
                    "timezone": "Asia/Shanghai",
                    "unit": "week",
                    "rows": [
                        {
                            "period": "2026-11-02",
                            "new": 120,
                            "returning": 340,
                            "resurrecting": 45,
                            "dormant": 150,
                        },
                        {
                            "period": "2026-11-09",
                            "new": 98,
                            "returning": 362,
                            "resurrecting": 51,
                            "dormant": 143,
                        },
                    ],
                }
            ]
        }
    )
    unit: str
    rows: list[LifecycleRowOut]


async def lifecycle_of(
    ctx: Ctx, engine: Reader, start: date | None, end: date | None, unit: str
) -> LifecycleOut:
    window = await window_of(ctx, start, end)
    rows = await in_thread(
        lifecycle_report.lifecycle, engine, ctx.workspace_id, window, cast("lifecycle_report.Unit", unit)
    )
    return LifecycleOut(
        **range_out(window),
        unit=unit,
        rows=[LifecycleRowOut(**r.__dict__) for r in rows],
    )


@router.get("/lifecycle", response_model=LifecycleOut)
async def lifecycle(
    ctx: Ctx = Depends(require("stats:read")),
    engine: Reader = Depends(reader),
    start: date | None = None,
    end: date | None = None,
    unit: Annotated[str, Query(pattern="^(day|week|month)$")] = "week",
) -> LifecycleOut:
    """Per day, week or month: members new (joined), returning (active the period before
    too), resurrecting (active earlier, not the period before) and dormant (active the
    period before, not in this one)."""
    return await lifecycle_of(ctx, engine, start, end, unit)


class LifecycleCell(RangedQuery):
    """One bar of ``/reports/lifecycle``: the members of one kind in one period."""

    unit: lifecycle_report.Unit = "week"
    #: A day of the period.
    at: date
    kind: lifecycle_report.Kind


async def lifecycle_members(ctx: Ctx, engine: Reader, cell: LifecycleCell) -> list[int]:
    window = await cell.window(ctx)
    return await in_thread(
        lifecycle_report.members, engine, ctx.workspace_id, window, cell.unit, cell.at, cell.kind
    )


drill.register(
    router,
    "/lifecycle/members",
    LifecycleCell,
    lifecycle_members,
    what="a period's new, returning, resurrecting or dormant members",
)
