"""A report's date range: whole days in the workspace's timezone, as the UTC instants
the store compares with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

#: The longest range a report reads at once.
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Window:
    first: date
    last: date
    zone: str = "UTC"

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("the range ends before it starts")
        if (self.last - self.first).days >= MAX_DAYS:
            raise ValueError(f"a range is at most {MAX_DAYS} days")
        ZoneInfo(self.zone)  # an unknown zone fails here

    def bounds(self) -> dict[str, Any]:
        """``start`` (the first day's midnight there) and ``end`` (the day after the last)."""
        tz = ZoneInfo(self.zone)
        start = datetime.combine(self.first, time(), tz).astimezone(UTC)
        end = datetime.combine(self.last + timedelta(days=1), time(), tz).astimezone(UTC)
        return {"start": start, "end": end}

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1
