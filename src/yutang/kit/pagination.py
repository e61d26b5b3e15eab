"""Every list answers ``{"data": [...], "next_cursor": ...}``.

Lists that grow (links, members, orders, distributors …) are paginated in SQL on a
monotonic integer id, newest first (:func:`paginate`, :func:`page_of`). Short lists with
an order of their own (tiers by rank, a leaderboard, a workspace's rules or plans) come
from their service whole and are cut into pages by position (:func:`page_list`). Both
cursors are opaque to clients.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select

from yutang.kit.errors import INVALID_CURSOR, BadRequest

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

    @classmethod
    def of(cls, items: Sequence[Any], cursor: str | None, limit: int, out: Callable[[Any], T]) -> Page[T]:
        """A page of a list its service returned whole (see :func:`page_list`)."""
        part, nxt = page_list(items, cursor, limit)
        return cls(data=[out(x) for x in part], next_cursor=nxt)


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str = "id") -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = raw.partition(":")
        number = int(value)
        if prefix != kind or not 0 <= number < 2**63 or not value.isdigit():
            raise ValueError(raw)
        return number
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadRequest("The pagination cursor is not valid.", code=INVALID_CURSOR) from exc


def paginate(stmt: Select[Any], id_column: Any, cursor: str | None, limit: int) -> Select[Any]:
    """Apply ``id < cursor`` ordering newest first; fetch one extra row to see a next page."""
    if cursor:
        stmt = stmt.where(id_column < decode_cursor(cursor))
    return stmt.order_by(id_column.desc()).limit(limit + 1)


def page_of(rows: Sequence[T], limit: int, get_id: Any) -> tuple[list[T], str | None]:
    items = list(rows[:limit])
    nxt = encode_cursor(get_id(items[-1])) if len(rows) > limit and items else None
    return items, nxt


def page_list(items: Sequence[T], cursor: str | None, limit: int) -> tuple[list[T], str | None]:
    """One page of a list its service returns whole, in the list's own order."""
    start = decode_cursor(cursor, "at") if cursor else 0
    end = start + limit
    nxt = base64.urlsafe_b64encode(f"at:{end}".encode()).decode().rstrip("=") if end < len(items) else None
    return list(items[start:end]), nxt
