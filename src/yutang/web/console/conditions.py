"""The segment builder's rows: a segment filter (members/segments.py) as a list of
conditions an operator picks from menus — "all of" or "any of" them — and back.

Only the shape the builder can show is read into rows: one condition, or one ``and`` /
``or`` of conditions, each with an operator the builder offers. Anything else (nested
groups, ``not``, lists of values) is edited as JSON, so nothing a filter says is lost by
opening it in the builder. Dates are days in the workspace's timezone; spend is yuan.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from yutang.kit.errors import VALIDATION_ERROR, BadRequest

#: field → (kind of value, operators offered), in the order of the field menu.
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "tag": ("tag", ("has", "not_has")),
    "tier": ("tier", ("eq", "ne")),
    "source_channel": ("channel", ("eq", "ne")),
    "owner": ("owner", ("eq", "ne")),
    "status": ("status", ("eq", "ne")),
    "gender": ("gender", ("eq", "ne")),
    "birthday_month": ("month", ("eq",)),
    "points_balance": ("number", ("gte", "lte", "eq", "between")),
    "order_count": ("number", ("gte", "lte", "eq", "between")),
    "total_spent_cents": ("money", ("gte", "lte", "between")),
    "joined_at": ("time", ("within_days", "not_within_days", "after", "before")),
    "last_order_at": ("time", ("within_days", "not_within_days", "after", "before")),
    "last_active_at": ("time", ("within_days", "not_within_days", "after", "before")),
    "attribute": ("attribute", ("eq", "ne", "gt", "lt", "exists")),
}
#: Choices that mean "none" (no tier, no owner staff) in a menu.
NONE = "none"
MAX_ROWS = 30


@dataclass(frozen=True)
class Row:
    """One condition as the form holds it: all text, as typed or chosen."""

    field: str = ""
    op: str = ""
    value: str = ""
    high: str = ""  # the upper bound of "between"
    name: str = ""  # the attribute's name

    @property
    def kind(self) -> str:
        return FIELDS[self.field][0] if self.field in FIELDS else ""

    @property
    def ops(self) -> tuple[str, ...]:
        return FIELDS[self.field][1] if self.field in FIELDS else ()


def read_rows(form: Any) -> tuple[str, list[Row]]:
    """The match ("all"/"any") and rows of a submitted builder, leniently: a field that
    is not offered, or an operator the field lacks, falls back to the first one."""
    match = "any" if form.text("match") == "any" else "all"
    count = min(_count(form.text("rows")), MAX_ROWS)
    rows = []
    for i in range(count):
        field = form.text(f"field-{i}") or ""
        field = field if field in FIELDS else ""
        op = form.text(f"op-{i}") or ""
        ops = FIELDS[field][1] if field else ()
        rows.append(
            Row(
                field=field,
                op=op if op in ops else (ops[0] if ops else ""),
                value=form.text(f"value-{i}") or "",
                high=form.text(f"high-{i}") or "",
                name=form.text(f"name-{i}") or "",
            )
        )
    return match, rows


def _count(text: str | None) -> int:
    return int(text) if text and text.isdigit() and len(text) < 4 else 0


def to_filter(match: str, rows: list[Row], zone: ZoneInfo) -> dict[str, Any]:
    """The rows as a filter; a row without a field is skipped. Refused (field ``value-<i>``
    or ``rows``): a value missing or not of its kind, or no condition at all."""
    leaves = [_leaf(i, row, zone) for i, row in enumerate(rows) if row.field]
    if not leaves:
        raise BadRequest("Add at least one condition.", code=VALIDATION_ERROR, details={"field": "rows"})
    if len(leaves) == 1:
        return leaves[0]
    return {"and" if match == "all" else "or": leaves}


def _refuse(i: int, message: str, part: str = "value") -> BadRequest:
    return BadRequest(message, code=VALIDATION_ERROR, details={"field": f"{part}-{i}"})


def _leaf(i: int, row: Row, zone: ZoneInfo) -> dict[str, Any]:
    kind, op = row.kind, row.op
    leaf: dict[str, Any] = {"field": row.field, "op": op}
    if kind in ("tag", "channel"):
        leaf["value"] = _whole(i, row.value)
    elif kind in ("tier", "owner"):
        leaf["value"] = None if row.value == NONE else _whole(i, row.value)
    elif kind in ("status", "gender"):
        if not row.value:
            raise _refuse(i, "Choose a value.")
        leaf["value"] = row.value
    elif kind == "month":
        month = _whole(i, row.value)
        if not 1 <= month <= 12:
            raise _refuse(i, "A month is 1 to 12.")
        leaf["value"] = month
    elif kind in ("number", "money"):
        read = _whole if kind == "number" else _cents
        low = read(i, row.value)
        leaf["value"] = [low, read(i, row.high, "high")] if op == "between" else low
    elif kind == "time":
        if op in ("within_days", "not_within_days"):
            leaf["value"] = _whole(i, row.value)
        else:
            try:
                chosen = date.fromisoformat(row.value)
            except ValueError:
                raise _refuse(i, "Choose a day.") from None
            leaf["value"] = datetime.combine(chosen, time(), zone).astimezone(UTC).isoformat()
    elif kind == "attribute":
        if not 1 <= len(row.name) <= 64:
            raise _refuse(i, "An attribute's name is 1 to 64 characters.", "name")
        leaf["field"] = f"attribute.{row.name}"
        if op == "exists":
            leaf["value"] = True
        elif op in ("gt", "lt"):
            leaf["value"] = _number(i, row.value)
        else:
            leaf["value"] = row.value
    return leaf


def _whole(i: int, text: str, part: str = "value") -> int:
    cleaned = text.replace(",", "").replace("，", "").strip()
    if not cleaned.isdigit() or len(cleaned) > 15:
        raise _refuse(i, "A whole number of 0 or more is expected.", part)
    return int(cleaned)


def _cents(i: int, text: str, part: str = "value") -> int:
    return round(_number(i, text.replace("¥", ""), part) * 100)


def _number(i: int, text: str, part: str = "value") -> float:
    try:
        value = float(text.replace(",", "").strip())
    except ValueError:
        raise _refuse(i, "A number is expected.", part) from None
    if not abs(value) < 1e13:
        raise _refuse(i, "A number is expected.", part)
    return value


def from_filter(node: Any, zone: ZoneInfo) -> tuple[str, list[Row]] | None:
    """The filter as builder rows, or None when the builder cannot show all of it."""
    if not isinstance(node, dict):
        return None
    match, leaves = "all", [node]
    if set(node) == {"and"} or set(node) == {"or"}:
        match = "all" if "and" in node else "any"
        leaves = node["and" if "and" in node else "or"]
        if not isinstance(leaves, list) or not leaves:
            return None
    rows = [_row(leaf, zone) for leaf in leaves]
    if any(row is None for row in rows) or len(rows) > MAX_ROWS:
        return None
    shown = [row for row in rows if row is not None]
    # Shown only if saving the rows again gives back exactly this filter.
    try:
        again = to_filter(match, shown, zone)
    except BadRequest:
        return None
    return (match, shown) if again == node or (len(shown) == 1 and again == leaves[0]) else None


def _row(leaf: Any, zone: ZoneInfo) -> Row | None:
    if not isinstance(leaf, dict) or set(leaf) != {"field", "op", "value"}:
        return None
    field, op, value = leaf["field"], leaf["op"], leaf["value"]
    if not isinstance(field, str) or not isinstance(op, str):
        return None
    name = ""
    if field.startswith("attribute."):
        field, name = "attribute", field[len("attribute.") :]
    if field not in FIELDS or op not in FIELDS[field][1]:
        return None
    kind = FIELDS[field][0]
    row = Row(field=field, op=op, name=name)
    if isinstance(value, list) and op == "between" and len(value) == 2:
        low, high = (_shown(kind, v) for v in value)
        return replace(row, value=low, high=high) if low is not None and high is not None else None
    if kind == "time" and op in ("after", "before") and isinstance(value, str):
        try:
            local = datetime.fromisoformat(value).astimezone(zone)
        except ValueError:
            return None
        return replace(row, value=local.date().isoformat())
    if kind == "attribute" and op == "exists":
        return row if value is True else None
    shown = NONE if value is None and kind in ("tier", "owner") else _shown(kind, value)
    return replace(row, value=shown) if shown is not None else None


def _shown(kind: str, value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if kind == "money" and isinstance(value, int):
        return f"{value / 100:.2f}"
    if isinstance(value, int | float | str):
        return str(value)
    return None
