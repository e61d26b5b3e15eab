"""What every report endpoint shares (analytics/endpoints/frame.py): a report runs off
the event loop, and its answer is the model as JSON or its table as CSV."""

from __future__ import annotations

import threading
from datetime import date

from fastapi import Response
from pydantic import BaseModel

from yutang.analytics.endpoints.frame import RangeOut, answer, csv_table, in_thread, range_out
from yutang.analytics.window import Window


class Row(BaseModel):
    name: str
    cents: int | None


class Out(RangeOut):
    rows: list[Row]


async def test_a_report_runs_in_a_worker_thread_with_its_arguments() -> None:
    def report(a: int, b: int, *, times: int) -> tuple[int, int]:
        return (a + b) * times, threading.get_ident()

    value, thread = await in_thread(report, 2, 3, times=4)
    assert value == 20
    assert thread != threading.get_ident()


def test_the_answer_is_the_model_or_its_rows_as_csv() -> None:
    window = Window(date(2026, 11, 1), date(2026, 11, 30), "Asia/Shanghai")
    out = Out(**range_out(window), rows=[Row(name="门店", cents=1200), Row(name="a,b", cents=None)])
    assert (out.start, out.end, out.timezone) == (window.first, window.last, "Asia/Shanghai")
    assert answer(out, "json", out.rows, Row, "x.csv") is out
    found = answer(out, "csv", out.rows, Row, "rows.csv")
    assert isinstance(found, Response)
    assert found.headers["content-disposition"] == 'attachment; filename="rows.csv"'
    text = bytes(found.body).decode("utf-8-sig")
    assert text.splitlines() == ["name,cents", "门店,1200", '"a,b",']


def test_a_table_without_rows_still_has_its_header() -> None:
    text = bytes(csv_table([], Row, "empty.csv").body).decode("utf-8-sig")
    assert text.splitlines() == ["name,cents"]
