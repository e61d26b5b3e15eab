"""The segment builder's rows and the segment filter language: what the rows say is
what the filter says, a filter the builder shows comes back unchanged when saved again,
and a filter it cannot show in full is left to the JSON editor."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yutang.kit.errors import BadRequest
from yutang.web.console.conditions import FIELDS, Row, from_filter, read_rows, to_filter

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Form:
    def __init__(self, data: dict[str, str]) -> None:
        self.data = data

    def text(self, name: str) -> str | None:
        return (self.data.get(name) or "").strip() or None


def test_rows_say_what_the_filter_says() -> None:
    form = Form(
        {
            "match": "any",
            "rows": "5",
            "field-0": "tier",
            "op-0": "eq",
            "value-0": "none",
            "field-1": "total_spent_cents",
            "op-1": "between",
            "value-1": "1,000",
            "high-1": "¥2000.5",
            "field-2": "joined_at",
            "op-2": "after",
            "value-2": "2026-11-03",
            "field-3": "",  # a row with no field chosen is no condition
            "field-4": "attribute",
            "op-4": "exists",
            "name-4": "城市",
        }
    )
    match, rows = read_rows(form)
    assert to_filter(match, rows, SHANGHAI) == {
        "or": [
            {"field": "tier", "op": "eq", "value": None},
            {"field": "total_spent_cents", "op": "between", "value": [100_000, 200_050]},
            # midnight in Shanghai is 16:00 UTC the day before
            {"field": "joined_at", "op": "after", "value": "2026-11-02T16:00:00+00:00"},
            {"field": "attribute.城市", "op": "exists", "value": True},
        ]
    }


def test_an_operator_the_field_lacks_falls_back_and_bad_values_are_refused_by_row() -> None:
    _, rows = read_rows(Form({"rows": "1", "field-0": "tag", "op-0": "gte", "value-0": "3"}))
    assert rows == [Row(field="tag", op="has", value="3")]
    for value, high in (("abc", ""), ("-1", ""), ("5", "x")):
        row = Row(field="points_balance", op="between", value=value, high=high)
        with pytest.raises(BadRequest) as refused:
            to_filter("all", [Row(field="status", op="eq", value="active"), row], SHANGHAI)
        assert refused.value.details["field"] in ("value-1", "high-1")
    with pytest.raises(BadRequest) as empty:
        to_filter("all", [Row()], SHANGHAI)
    assert empty.value.details == {"field": "rows"}
    # at most 30 rows are read, whatever the form claims
    assert len(read_rows(Form({"rows": "999"}))[1]) == 30


@pytest.mark.parametrize(
    "node",
    [
        {"not": {"field": "tier", "op": "eq", "value": None}},
        {"and": [{"or": [{"field": "tier", "op": "eq", "value": 1}]}]},
        {"field": "tier", "op": "in", "value": [1, 2]},
        {"field": "joined_at", "op": "after", "value": "2026-11-03T09:30:00+00:00"},  # not a local midnight
        {"field": "attribute.vip", "op": "eq", "value": True},
        {"field": "nope", "op": "eq", "value": 1},
    ],
)
def test_a_filter_the_builder_cannot_show_in_full_goes_to_the_json_editor(node: dict[str, Any]) -> None:
    assert from_filter(node, SHANGHAI) is None


def _rows() -> st.SearchStrategy[Row]:
    def for_field(field: str) -> st.SearchStrategy[Row]:
        kind, ops = FIELDS[field]
        whole = st.integers(0, 10**9).map(str)
        values: dict[str, st.SearchStrategy[str]] = {
            "tag": whole,
            "channel": whole,
            "tier": st.one_of(st.just("none"), whole),
            "owner": st.one_of(st.just("none"), whole),
            "status": st.sampled_from(["active", "blocked", "erased"]),
            "gender": st.sampled_from(["unknown", "male", "female"]),
            "month": st.integers(1, 12).map(str),
            "number": whole,
            "money": st.integers(0, 10**9).map(lambda c: f"{c / 100:.2f}"),
            "attribute": st.text("abc城市1", min_size=1, max_size=8),
        }

        def make(op: str, value: str, high: str, name: str) -> Row:
            if kind == "time":
                value = high if op in ("after", "before") else value
            return Row(field=field, op=op, value=value, high=high if op == "between" else "", name=name)

        high = values.get(kind, whole)
        if kind == "time":
            high = st.dates(date(2000, 1, 1), date(2099, 12, 31)).map(date.isoformat)
        return st.builds(
            make,
            st.sampled_from(ops),
            values.get(kind, whole),
            high,
            st.text("abc城市", min_size=1, max_size=8) if kind == "attribute" else st.just(""),
        )

    return st.sampled_from(list(FIELDS)).flatmap(for_field)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["all", "any"]), st.lists(_rows(), min_size=1, max_size=6))
def test_what_the_builder_shows_it_saves_back_unchanged(match: str, rows: list[Row]) -> None:
    rows = [
        r if not (r.field == "attribute" and r.op in ("gt", "lt")) else Row(r.field, r.op, "12.5", "", r.name)
        for r in rows
    ]
    node = to_filter(match, rows, SHANGHAI)
    shown = from_filter(node, SHANGHAI)
    assert shown is not None, node
    assert to_filter(*shown, SHANGHAI) == node
