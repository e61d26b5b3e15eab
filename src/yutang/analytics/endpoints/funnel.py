"""``/reports/funnel``: people through ordered steps (the AARRR loop by default)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from anyio import to_thread
from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from yutang.analytics import funnel as funnel_report
from yutang.analytics.endpoints.common import reader, router, window_of
from yutang.analytics.engines import Reader
from yutang.analytics.errors import UNKNOWN_EVENT_TYPE
from yutang.analytics.facts import CLICK
from yutang.auth.dependencies import require
from yutang.kit import events
from yutang.kit.context import Ctx
from yutang.kit.errors import BadRequest
from yutang.kit.schemas import AnyInt, In, Int


class StepIn(In):
    #: A type of fact: ``link.clicked``, ``referral.friend_joined`` or an event type
    #: (docs/events.md).
    type: str = Field(min_length=3, max_length=64, pattern=r"^[a-z_]+\.[a-z_]+$")
    #: Narrowed by ``channel_id``, ``link_id``, ``campaign_id``, ``tier_id``, ``staff_id`` or
    #: a field of the fact's props (all must match).
    where: dict[
        Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")],
        Annotated[str, Field(max_length=120)] | AnyInt,
    ] = Field(default_factory=dict, max_length=5)
    #: At most this many seconds after the step before.
    within_seconds: Int | None = Field(default=None, ge=1, le=365 * 86_400)
    label: str = Field(default="", max_length=40)


class FunnelIn(In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "start": "2026-11-01",
                    "end": "2026-11-30",
                    "steps": [
                        {"type": "member.joined", "where": {"channel_id": 3}, "label": "joined"},
                        {"type": "order.paid", "within_seconds": 604800, "label": "first week order"},
                    ],
                    "exclusions": [{"type": "order.refunded"}],
                    "window_days": 14,
                }
            ]
        }
    )
    start: date | None = None
    end: date | None = None
    steps: list[StepIn] = Field(min_length=2, max_length=funnel_report.MAX_STEPS)
    exclusions: list[StepIn] = Field(default_factory=list, max_length=5)
    window_days: Int = Field(default=funnel_report.DEFAULT_WINDOW_DAYS, ge=1, le=180)


class FunnelStepOut(BaseModel):
    type: str
    label: str
    people: int
    #: Of the people who entered (step 1), and of those of the step before.
    from_first: float | None
    from_previous: float | None
    dropped: int
    #: The lower median of the time from the step before, in seconds.
    median_seconds: int | None


class FunnelOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "start": "2026-11-01",
                    "end": "2026-11-30",
                    "timezone": "Asia/Shanghai",
                    "window_days": 14,
                    "steps": [
                        {
                            "type": "member.joined",
                            "label": "joined",
                            "people": 400,
                            "from_first": 1.0,
                            "from_previous": 1.0,
                            "dropped": 0,
                            "median_seconds": None,
                        },
                        {
                            "type": "order.paid",
                            "label": "first week order",
                            "people": 92,
                            "from_first": 0.23,
                            "from_previous": 0.23,
                            "dropped": 308,
                            "median_seconds": 172_800,
                        },
                    ],
                }
            ]
        }
    )
    start: date
    end: date
    timezone: str
    window_days: int
    steps: list[FunnelStepOut]


def _steps(given: list[StepIn]) -> list[funnel_report.Step]:
    known = {*events.CATALOGUE, CLICK, funnel_report.FRIEND_JOINED}
    for i, step in enumerate(given):
        if step.type not in known:
            raise BadRequest(
                f"No fact is of the type {step.type!r}.",
                code=UNKNOWN_EVENT_TYPE,
                details={"field": f"steps[{i}].type"},
            )
    return [funnel_report.Step(s.type, dict(s.where), s.within_seconds, s.label) for s in given]


async def _funnel(ctx: Ctx, body: FunnelIn, engine: Reader) -> FunnelOut:
    window = await window_of(ctx, body.start, body.end)
    steps, exclusions = _steps(body.steps), _steps(body.exclusions)
    found = await to_thread.run_sync(
        lambda: funnel_report.funnel(engine, ctx.workspace_id, window, steps, exclusions, body.window_days)
    )
    first = found[0].people if found else 0
    out = [r.figures(first, found[i - 1].people if i else first) for i, r in enumerate(found)]
    return FunnelOut(
        start=window.first,
        end=window.last,
        timezone=window.zone,
        window_days=body.window_days,
        steps=[FunnelStepOut(**o) for o in out],
    )


@router.post("/funnel", response_model=FunnelOut)
async def funnel(
    body: FunnelIn, ctx: Ctx = Depends(require("stats:read")), engine: Reader = Depends(reader)
) -> FunnelOut:
    """People through ordered steps: they enter with step 1 in the range; each next step
    counts when it follows the one before within the window (`window_days` from entering,
    counted past the range) and the step's own `within_seconds`; an exclusion step in that
    time takes a person out. `unknown_event_type` names a step of no known type."""
    return await _funnel(ctx, body, engine)


@router.get("/funnel", response_model=FunnelOut)
async def aarrr(
    ctx: Ctx = Depends(require("stats:read")),
    engine: Reader = Depends(reader),
    start: date | None = None,
    end: date | None = None,
    window_days: Annotated[int, Query(ge=1, le=180)] = funnel_report.DEFAULT_WINDOW_DAYS,
) -> FunnelOut:
    """The AARRR loop: clicked a link → joined → activated (an activity) → ordered →
    referred a friend who joined."""
    steps = [StepIn(type=s.type, label=s.label) for s in funnel_report.AARRR]
    return await _funnel(ctx, FunnelIn(start=start, end=end, steps=steps, window_days=window_days), engine)
