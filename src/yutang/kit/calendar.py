"""Days of a workspace's calendar in SQL: a timestamp column as the local day
(``YYYY-MM-DD``) in a timezone, on PostgreSQL and on SQLite."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func
from sqlalchemy.ext.asyncio import AsyncSession


def local_day(session: AsyncSession, column: Any, tz: ZoneInfo, at: datetime) -> ColumnElement[Any]:
    """``column`` as the day in ``tz``. PostgreSQL converts each row with its own offset;
    SQLite has no zone data and shifts every row by the offset ``tz`` has at ``at`` (exact
    for zones without daylight saving, as China's)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone(tz.key, column), "YYYY-MM-DD")
    offset = at.astimezone(tz).utcoffset() or timedelta()
    minutes = int(offset.total_seconds() // 60)
    return func.date(column, f"{minutes:+d} minutes")
