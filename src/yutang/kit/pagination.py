"""Cursor pagination on a monotonic integer id (newest first)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select

from yutang.kit.errors import BadRequest

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

#: The ``cursor`` query parameter: the ``next_cursor`` of the page before.
Cursor = Annotated[
    str | None, Query(max_length=200, description="`next_cursor` of the previous page; omit for the first")
]
#: The ``limit`` query parameter.
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (1-200)")]


class Page(BaseModel, Generic[T]):
    data: list[T]
    next_cursor: str | None = None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = raw.partition(":")
        if prefix != "id":
            raise ValueError(raw)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadRequest("The pagination cursor is not valid.", code="invalid_cursor") from exc


def paginate(stmt: Select[Any], id_column: Any, cursor: str | None, limit: int) -> Select[Any]:
    """Apply ``id < cursor`` ordering newest first; fetch one extra row to see a next page."""
    if cursor:
        stmt = stmt.where(id_column < decode_cursor(cursor))
    return stmt.order_by(id_column.desc()).limit(limit + 1)


def page_of(rows: Sequence[T], limit: int, get_id: Any) -> tuple[list[T], str | None]:
    items = list(rows[:limit])
    nxt = encode_cursor(get_id(items[-1])) if len(rows) > limit and items else None
    return items, nxt
