"""What every report endpoint shares: the router, the engine, the range of days, running
a report in a worker thread, and the answer as JSON or CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from functools import partial
from typing import Annotated, Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from anyio import to_thread
from fastapi import Query, Request, Response
from pydantic import BaseModel

from yutang.analytics.engines import Reader, reader_of
from yutang.analytics.window import MAX_DAYS, Window
from yutang.kit.context import Ctx
from yutang.kit.errors import INVALID_RANGE, BadRequest
from yutang.kit.http import api_router, csv_file
from yutang.models.workspaces import Workspace

router = api_router(prefix="/api/v1/reports", tags=["reports"])

P = ParamSpec("P")
T = TypeVar("T")
Out = TypeVar("Out", bound=BaseModel)

#: ``?format=``: the answer as JSON (the default), or its table as CSV.
Format = Annotated[str, Query(pattern="^(json|csv)$")]


def reader(request: Request) -> Reader:
    """The engine the reports run on: ClickHouse when the app's settings name one, else
    the embedded DuckDB store."""
    settings = request.app.state.settings
    return reader_of(settings)


async def window_of(ctx: Ctx, start: date | None, end: date | None) -> Window:
    ws = await ctx.session.get(Workspace, ctx.workspace_id)
    zone = ws.timezone if ws else "UTC"
    last = end or datetime.now(ZoneInfo(zone)).date()
    first = start or last - timedelta(days=29)
    if first > last:
        raise BadRequest("The range starts after it ends.", code=INVALID_RANGE)
    if (last - first).days >= MAX_DAYS:
        raise BadRequest(f"A range spans at most {MAX_DAYS} days.", code=INVALID_RANGE)
    return Window(first, last, zone)


def csv_text(rows: list[dict[str, Any]], names: list[str]) -> str:
    """Rows as CSV with a header line of ``names``."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=names)
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def csv_table(rows: Sequence[BaseModel], model: type[BaseModel], filename: str) -> Response:
    """Output rows as a CSV download, a column per field of ``model`` (a header even with
    no row)."""
    return csv_file(csv_text([r.model_dump() for r in rows], list(model.model_fields)), filename)


def answer(
    out: Out, format: str, rows: Sequence[BaseModel], model: type[BaseModel], filename: str
) -> Out | Response:
    """A report's answer: ``out`` as JSON, or with ``format=csv`` its table ``rows`` (of
    ``model``) as the file ``filename``."""
    return csv_table(rows, model, filename) if format == "csv" else out


async def in_thread(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)`` in a worker thread: a long scan of the store must not hold
    the server's event loop."""
    return await to_thread.run_sync(partial(fn, *args, **kwargs))


class RangeOut(BaseModel):
    #: The range's first and last local days, both included, and the workspace's zone.
    start: date
    end: date
    timezone: str


def range_out(window: Window) -> dict[str, Any]:
    """The fields of :class:`RangeOut` for a window (what every ranged answer starts with)."""
    return {"start": window.first, "end": window.last, "timezone": window.zone}
