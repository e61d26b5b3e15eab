"""A stored row as plain JSON-ready data: every column by its attribute name, times and
dates as ISO strings. For exports that must hand over everything a row holds (a
data-subject access request) without a hand-kept field list falling behind the table."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect

from yutang.models.base import Base

#: Columns that say nothing about the person and only repeat what the export is for.
ALWAYS_OMITTED = frozenset({"workspace_id"})


def plain(row: Base, omit: Iterable[str] = ()) -> dict[str, Any]:
    """The row's columns, except ``omit`` (and :data:`ALWAYS_OMITTED`)."""
    skip = ALWAYS_OMITTED | set(omit)
    out: dict[str, Any] = {}
    for attr in inspect(row).mapper.column_attrs:
        if attr.key in skip:
            continue
        value = getattr(row, attr.key)
        out[attr.key] = value.isoformat() if isinstance(value, datetime | date) else value
    return out
