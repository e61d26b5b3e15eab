"""The range every report page shows (web/console/reports/frame.py): the last-n-days
button chosen stays chosen only while no day is typed, and its links keep the page's
other choices."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl

from yutang.analytics.window import Window
from yutang.web.console.frame import RANGES
from yutang.web.console.reports.frame import Asked, range_context, range_query

WINDOW = Window(date(2026, 11, 1), date(2026, 11, 30), "Asia/Shanghai")


def test_a_button_is_chosen_until_a_day_is_typed() -> None:
    shown = range_context(WINDOW, Asked(days=7), {"period": "week", "by": "channel"})
    assert shown["window"] is WINDOW and shown["ranges"] == RANGES and shown["days"] == 7
    assert shown["keep"] == "period=week&by=channel"
    assert range_context(WINDOW, Asked(days=7, start="2026-11-01"))["days"] is None
    assert range_context(WINDOW, Asked(days=7, end=""))["days"] is None  # an emptied field is typed too
    assert range_context(WINDOW, Asked())["keep"] == ""


def test_repeated_choices_are_kept_in_order() -> None:
    keep = range_context(WINDOW, Asked(days=30), [("step", "a.b"), ("step", "c.d"), ("window", 14)])["keep"]
    assert parse_qsl(keep) == [("step", "a.b"), ("step", "c.d"), ("window", "14")]


def test_the_range_as_a_query() -> None:
    assert range_query(WINDOW) == {"start": "2026-11-01", "end": "2026-11-30"}
