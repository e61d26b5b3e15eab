"""The store's visitors table (decision 0010): every cookie once, with the member it became
(the lowest) and its first click — kept by each batch on both engines, unchanged by a
batch written twice, emptied of an erased member's cookies, and filled from the facts
for a store made before it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.analytics.world import OTHER, WS, Fact
from yutang.analytics import store
from yutang.analytics.clickhouse import ClickHouseTarget

T = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _facts() -> list[Fact]:
    return [
        Fact(11, WS, "link.clicked", T, visitor_id="a"),
        Fact(10, WS, "link.clicked", T + timedelta(hours=1), visitor_id="a"),  # a lower id, later
        Fact(12, WS, "link.clicked", T, visitor_id="b"),
        Fact(13, OTHER, "link.clicked", T, visitor_id="a"),  # the same cookie, another workspace
        Fact(1, WS, "member.joined", T + timedelta(days=1), member_id=5, visitor_id="a"),
        Fact(2, WS, "member.joined", T + timedelta(days=2), member_id=4, visitor_id="a"),  # shared cookie
        Fact(3, WS, "member.joined", T + timedelta(days=1), member_id=6, visitor_id="c"),
    ]


WANT = {(WS, "a", 4, 10), (WS, "b", None, 12), (OTHER, "a", None, 13), (WS, "c", 6, None)}
AFTER_ERASING_4 = {(WS, "b", None, 12), (OTHER, "a", None, 13), (WS, "c", 6, None)}


def _duck(path: Path) -> set[tuple[Any, ...]]:
    with store.connect(path) as con:
        return {tuple(r) for r in con.execute("SELECT * FROM visitors").fetchall()}


def _ch(target: ClickHouseTarget) -> set[tuple[Any, ...]]:
    rows = target.client.query("SELECT * FROM visitors", settings={"final": 1}).result_rows
    return {tuple(r) for r in rows}


def test_each_batch_keeps_the_cookies_on_duckdb_and_an_erasure_takes_them(tmp_path: Path) -> None:
    path = tmp_path / "a.duckdb"
    rows = [f.row() for f in _facts()]
    with store.connect(path, write=True) as con:
        store.append(con, rows[:3])  # in two batches: the second lowers what the first said
        store.append(con, rows[3:])
        store.append(con, rows[4:5])  # a batch again changes nothing
    assert _duck(path) == WANT
    with store.connect(path, write=True) as con:
        store.erase(con, WS, 4)
    assert _duck(path) == AFTER_ERASING_4
    with store.connect(path, write=True) as con:  # the erased member's later facts add nothing
        store.append(con, [Fact(20, WS, "order.paid", T, member_id=4, visitor_id="a").row()])
    assert _duck(path) == AFTER_ERASING_4


def test_each_batch_keeps_the_cookies_on_clickhouse_and_an_erasure_takes_them() -> None:
    target = ClickHouseTarget(f"chdb://memory/v_{uuid.uuid4().hex[:12]}")
    rows = [f.row() for f in _facts()]
    with target.batch() as tx:
        tx.append(rows[:3])
        tx.append(rows[3:])
        tx.append(rows)  # a batch written twice (a sync killed before saving its position)
    assert _ch(target) == WANT
    with target.batch() as tx:
        tx.erase(WS, 4)
        tx.append([Fact(20, WS, "order.paid", T, member_id=4, visitor_id="a").row()])
    assert _ch(target) == AFTER_ERASING_4


def test_a_store_made_before_the_table_gets_it_filled_from_its_facts(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with store.connect(path, write=True) as con:
        store.append(con, [f.row() for f in _facts()])
        con.execute("DROP TABLE visitors; DELETE FROM meta WHERE key = 'visitors'").fetchall()
    store._current.discard(path)
    assert _duck(path) == WANT  # a report's read-only open brings it up to date

    target = ClickHouseTarget(f"chdb://memory/v_{uuid.uuid4().hex[:12]}")
    with target.batch() as tx:
        tx.append([f.row() for f in _facts()])
    target.client.command("DROP TABLE visitors")
    again = ClickHouseTarget(target.url)  # a new process: the table made and filled
    assert _ch(again) == WANT
