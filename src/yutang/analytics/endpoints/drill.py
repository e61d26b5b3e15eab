"""Drill-down: every figure of a report goes to the members behind it.

A report registers one drill-down per kind of figure with :func:`register`, giving a
query model (which cell: the report's own parameters plus the cell's coordinates) and
``ids_of``, its SQL for the member ids of that cell (run in a worker thread). Two routes
come of it:

- ``GET /api/v1/reports<path>`` — a page of those members, as the members API shows them
  (PII masked without ``members:pii``; staff see their own members only), with ``count``,
  the number behind the figure;
- ``POST /api/v1/reports<path>/segment`` — a ``list`` segment of exactly those members,
  so the operator can act on them (a campaign's eligibility, an earn rule, a broadcast).

This module deliberately has no ``from __future__ import annotations``: the routes are
built per report, and FastAPI reads the query model from their annotations at runtime.
"""

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any, TypeVar, cast

from fastapi import Depends, Query
from fastapi.routing import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from yutang.analytics.endpoints.frame import reader, window_of
from yutang.analytics.engines import Reader
from yutang.analytics.window import Window
from yutang.auth.dependencies import require
from yutang.kit.context import Ctx
from yutang.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor
from yutang.kit.schemas import In
from yutang.members import segments
from yutang.members import service as members
from yutang.members.endpoints import present, segment_out
from yutang.members.schemas import _MEMBER_OUT, MemberOut, SegmentOut
from yutang.models.members import Member


class DrillQuery(BaseModel):
    """The query of a drill-down: a report's selection of one figure. Unknown parameters
    are refused, as in every body."""

    model_config = ConfigDict(extra="forbid")
    #: ``next_cursor`` of the previous page; omit for the first.
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class RangedQuery(DrillQuery):
    """A drill-down into a report over a range of days (default: the last 30)."""

    start: date | None = None
    end: date | None = None

    async def window(self, ctx: Ctx) -> Window:
        """The range, as the report read it."""
        return await window_of(ctx, self.start, self.end)


Q = TypeVar("Q", bound=DrillQuery)
IdsOf = Callable[[Ctx, Reader, Q], Awaitable[list[int]]]


class DrillOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"count": 1, "data": [_MEMBER_OUT], "next_cursor": None}]}
    )
    #: How many members are behind the figure (the report's own count of them).
    count: int
    #: Those members in order of id, a page at a time (erased or deleted ones are skipped).
    data: list[MemberOut]
    next_cursor: str | None


class SegmentFromFigure(In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "十一月流失的买家"}]})
    name: str = Field(min_length=1, max_length=120)


async def page(ctx: Ctx, ids: list[int], cursor: str | None, limit: int) -> tuple[list[Member], str | None]:
    """The members of ``ids`` after ``cursor``, in order of id, that the caller may see."""
    after = decode_cursor(cursor) if cursor else 0
    wanted = sorted(i for i in set(ids) if i > after)
    found: list[Member] = []
    # A page of ids may hold members the caller cannot see; read on until the page is full.
    while wanted and len(found) < limit:
        chunk, wanted = wanted[: limit * 2], wanted[limit * 2 :]
        where = Member.id.in_(chunk) & (Member.status != "erased")
        rows, _, _ = await members.matching(ctx, where, None, len(chunk))
        found.extend(sorted(rows, key=lambda m: m.id))
    shown = found[:limit]
    more = len(found) > limit or bool(wanted)
    return shown, encode_cursor(shown[-1].id) if more and shown else None


def register(router: APIRouter, path: str, selector: type[Q], ids_of: IdsOf[Q], *, what: str) -> None:
    """Add the drill-down routes of one kind of figure (``what`` names it in the docs)."""

    async def drill(
        sel: Annotated[selector, Query()],  # type: ignore[valid-type]
        ctx: Ctx = Depends(require("stats:read")),
        engine: Reader = Depends(reader),
    ) -> DrillOut:
        query = cast("Q", sel)
        ids = await ids_of(ctx, engine, query)
        rows, nxt = await page(ctx, ids, query.cursor, query.limit)
        return DrillOut(count=len(set(ids)), data=await present(ctx, rows), next_cursor=nxt)

    async def save(
        body: SegmentFromFigure,
        sel: Annotated[selector, Query()],  # type: ignore[valid-type]
        ctx: Ctx = Depends(require("members:write")),
        engine: Reader = Depends(reader),
    ) -> SegmentOut:
        query = cast("Q", sel)
        ids = await ids_of(ctx, engine, query)
        picked = query.model_dump(exclude={"cursor", "limit"}, mode="json")
        source: dict[str, Any] = {"report": path, **picked}
        segment = await segments.create_list(ctx, body.name, ids, source)
        return await segment_out(ctx, segment)

    name = path.strip("/").replace("/", "_")
    drill.__name__ = f"drill_{name}"
    drill.__doc__ = (
        f"The members behind {what}, a page at a time, with their count (PII masked without `members:pii`)."
    )
    save.__name__ = f"segment_of_{name}"
    save.__doc__ = (
        f"A `list` segment of exactly the members behind {what} (`segment_taken` if the name "
        "is used); the members are picked now and stay as they are."
    )
    router.add_api_route(path, drill, methods=["GET"], response_model=DrillOut)
    router.add_api_route(
        f"{path}/segment", save, methods=["POST"], status_code=201, response_model=SegmentOut
    )
