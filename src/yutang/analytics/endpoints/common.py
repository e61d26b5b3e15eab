"""What every report endpoint shares: the router, the engine, the range of days, CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request

from yutang.analytics.engines import Reader, reader_of
from yutang.analytics.window import MAX_DAYS, Window
from yutang.kit.context import Ctx
from yutang.kit.errors import INVALID_RANGE, BadRequest
from yutang.kit.http import api_router
from yutang.models.workspaces import Workspace

router = api_router(prefix="/api/v1/reports", tags=["reports"])


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
