"""The embedded event store: a DuckDB file under ``var/`` (``analytics.duckdb``).

One writer — the sync, run by the worker — and readers (reports) in any process. DuckDB
lets one process write a file, or several read it, not both at once: each side opens
the file for what it does and closes it at once, and waits its turn when the other
holds it (:func:`connect` retries). A batch of facts and the sync's position
(``sync_state``) commit in one DuckDB transaction, so a sync killed mid-batch leaves
the store as it was before the batch and the next sync does it again.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa

from yutang.analytics.facts import COLUMNS, MEMBER_PROPS, Row, members_in, props_without

#: Bumped when the tables change shape; a store of another version is rebuilt.
VERSION = 1
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS facts (
    source       VARCHAR     NOT NULL,  -- 'outbox' | 'click'
    source_id    BIGINT      NOT NULL,  -- the row's id in its source table
    workspace_id BIGINT      NOT NULL,
    type         VARCHAR     NOT NULL,  -- 'order.paid', 'link.clicked' …
    occurred_at  TIMESTAMPTZ NOT NULL,
    member_id    BIGINT,
    visitor_id   VARCHAR,
    channel_id   BIGINT,
    link_id      BIGINT,
    campaign_id  BIGINT,
    staff_id     BIGINT,
    tier_id      BIGINT,
    amount_cents BIGINT,
    points       BIGINT,
    is_bot       BOOLEAN     NOT NULL,
    props        JSON
);
CREATE TABLE IF NOT EXISTS sync_state (
    source    VARCHAR PRIMARY KEY,
    watermark BIGINT  NOT NULL,  -- every id up to here is in the store or given up
    gaps      JSON    NOT NULL   -- ids above it not seen yet: {{"id": first seen, epoch s}}
);
-- erased members, and the visitor cookies that were theirs: facts arriving later lose them
CREATE TABLE IF NOT EXISTS erased (workspace_id BIGINT NOT NULL, member_id BIGINT, visitor_id VARCHAR);
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
INSERT INTO meta VALUES ('version', '{VERSION}') ON CONFLICT DO NOTHING;
-- every visitor cookie of the facts, once: the member it became (the lowest id of the
-- facts that carry both) and its first click, kept by append and erase (decision 0010)
CREATE TABLE IF NOT EXISTS visitors (
    workspace_id BIGINT  NOT NULL,
    visitor_id   VARCHAR NOT NULL,
    member_id    BIGINT,
    first_click  BIGINT
);
"""
#: Filling ``visitors`` from the facts: for a store made before the table, and for facts
#: written straight into the store (the benchmark).
_FILL_VISITORS = """
INSERT INTO visitors
SELECT workspace_id, visitor_id, min(member_id), min(CASE WHEN source = 'click' THEN source_id END)
FROM facts WHERE visitor_id IS NOT NULL GROUP BY workspace_id, visitor_id
"""
_ARROW = pa.schema(
    [
        ("source", pa.string()),
        ("source_id", pa.int64()),
        ("workspace_id", pa.int64()),
        ("type", pa.string()),
        ("occurred_at", pa.timestamp("us", tz="UTC")),
        ("member_id", pa.int64()),
        ("visitor_id", pa.string()),
        ("channel_id", pa.int64()),
        ("link_id", pa.int64()),
        ("campaign_id", pa.int64()),
        ("staff_id", pa.int64()),
        ("tier_id", pa.int64()),
        ("amount_cents", pa.int64()),
        ("points", pa.int64()),
        ("is_bot", pa.bool_()),
        ("props", pa.string()),
    ]
)
assert tuple(_ARROW.names) == COLUMNS
_KEPT = ", ".join(
    f"CASE WHEN em.workspace_id IS NULL AND ev.workspace_id IS NULL THEN i.{c} END AS {c}"
    if c in ("member_id", "visitor_id")
    else f"i.{c}"
    for c in COLUMNS
)
_KEEP = f"""CREATE OR REPLACE TEMP TABLE kept AS SELECT {_KEPT} FROM incoming i
    LEFT JOIN (SELECT DISTINCT workspace_id, member_id FROM erased WHERE member_id IS NOT NULL) em
      ON em.workspace_id = i.workspace_id AND em.member_id = i.member_id
    LEFT JOIN (SELECT DISTINCT workspace_id, visitor_id FROM erased WHERE visitor_id IS NOT NULL) ev
      ON ev.workspace_id = i.workspace_id AND ev.visitor_id = i.visitor_id"""
#: The batch's cookies into ``visitors``: the lower member and first click of the two
#: (a cookie seen before), or a new row.
_VISITORS = """
CREATE OR REPLACE TEMP TABLE seen AS
SELECT workspace_id, visitor_id, min(member_id) AS member_id,
       min(CASE WHEN source = 'click' THEN source_id END) AS first_click
FROM kept WHERE visitor_id IS NOT NULL GROUP BY workspace_id, visitor_id;
UPDATE visitors v
SET member_id = least(v.member_id, s.member_id), first_click = least(v.first_click, s.first_click)
FROM seen s WHERE s.workspace_id = v.workspace_id AND s.visitor_id = v.visitor_id
  AND (s.member_id < v.member_id OR (v.member_id IS NULL AND s.member_id IS NOT NULL)
       OR s.first_click < v.first_click OR (v.first_click IS NULL AND s.first_click IS NOT NULL));
INSERT INTO visitors SELECT s.* FROM seen s ANTI JOIN visitors v
  ON v.workspace_id = s.workspace_id AND v.visitor_id = s.visitor_id;
DROP TABLE seen;
"""
#: How long a reader or the writer waits for the other side to close the file.
WAIT_SECONDS = 30.0
_writing = threading.Lock()  # not RLock: released by whichever thread ends the turn


class StoreBusy(RuntimeError):
    """The file stayed held by another process for longer than we wait."""


@asynccontextmanager
async def writing() -> AsyncIterator[None]:
    """This process's turn to write (one sync at a time, whatever thread or event loop
    it runs on), waited for without blocking the loop."""
    await asyncio.to_thread(_writing.acquire)  # a lock any thread may release
    try:
        yield
    finally:
        _writing.release()


@contextmanager
def connect(
    path: Path, *, write: bool = False, wait: float = WAIT_SECONDS
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The store opened for reading or writing, waiting while another process holds it
    (a writer takes :func:`writing`, this process's turn, first)."""
    if write:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = _open(path, False, wait)
        try:
            _migrate(con)
            yield con
        finally:
            con.close()
        return
    if not path.exists():
        with connect(path, write=True, wait=wait):
            pass  # create the empty tables, so a report on a new install reads zero rows
    con = _open(path, True, wait)
    if path not in _current and not _is_current(con):  # a store made by an older version
        con.close()
        with connect(path, write=True, wait=wait):
            pass  # the missing tables, filled
        con = _open(path, True, wait)
    _current.add(path)
    try:
        yield con
    finally:
        con.close()


#: Stores this process found of the current shape (checked once per process).
_current: set[Path] = set()


def _is_current(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute("SELECT value FROM meta WHERE key = 'visitors'").fetchall()
    return bool(found)


def _migrate(con: duckdb.DuckDBPyConnection) -> None:
    """The tables, created when missing; ``visitors``, added after the first stores were
    made, filled from their facts once (in the same transaction, so never half)."""
    con.execute("BEGIN").fetchall()
    con.execute(SCHEMA).fetchall()  # DuckDB wants every result read before the next
    if not con.execute("SELECT 1 FROM meta WHERE key = 'visitors'").fetchall():
        con.execute("DELETE FROM visitors").fetchall()
        con.execute(_FILL_VISITORS).fetchall()
        con.execute("INSERT INTO meta VALUES ('visitors', 'filled')").fetchall()
    con.execute("COMMIT").fetchall()


def fill_visitors(con: duckdb.DuckDBPyConnection) -> None:
    """``visitors`` made again from the facts (facts written straight into the store)."""
    con.execute("DELETE FROM visitors").fetchall()
    con.execute(_FILL_VISITORS).fetchall()


def _open(path: Path, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait
    delay = 0.01
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        # IOException: another process holds the file's lock; ConnectionException: this
        # process has it open the other way (a report read while the worker thread of
        # `yutang serve --worker` syncs): either way, wait for the other side to close it
        except (duckdb.IOException, duckdb.ConnectionException) as exc:
            if time.monotonic() >= deadline:
                raise StoreBusy(f"{path} stayed busy for {wait:.0f} s: {exc}") from exc
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


_WORKSPACE, _PROPS = COLUMNS.index("workspace_id"), COLUMNS.index("props")


def named_in_props(rows: Sequence[Row]) -> dict[int, dict[str, int]]:
    """The rows (by place) whose props name another member (:data:`MEMBER_PROPS`), and whom."""
    found = {}
    for i, row in enumerate(rows):
        if named := members_in(row[_PROPS]):
            found[i] = named
    return found


def untied(rows: Sequence[Row], named: dict[int, dict[str, int]], gone: set[tuple[int, int]]) -> list[Row]:
    """``rows`` with the props fields that name an erased member (``gone``: workspace,
    member) taken out."""
    out = list(rows)
    for i, members in named.items():
        row = rows[i]
        erased = {m for m in members.values() if (row[_WORKSPACE], m) in gone}
        if erased:
            out[i] = (*row[:_PROPS], props_without(row[_PROPS], erased), *row[_PROPS + 1 :])
    return out


def _member_prop_is(key: str) -> str:
    """SQL: the fact's props field ``key`` names the member ``?`` (a number, or digits)."""
    return (
        f"contains(CAST(props AS VARCHAR), '\"{key}\"')"
        f" AND TRY_CAST(json_extract_string(props, '$.{key}') AS BIGINT) = ?"
    )


def append(con: duckdb.DuckDBPyConnection, rows: Sequence[Row]) -> int:
    """Add facts (inside the caller's transaction). Facts of a member already erased (or
    of a visitor cookie that was theirs) lose their member and visitor ids on the way in,
    and facts whose props name an erased member lose that field."""
    if not rows:
        return 0
    if named := named_in_props(rows):
        ids = sorted({m for members in named.values() for m in members.values()})
        gone = con.execute(
            "SELECT DISTINCT workspace_id, member_id FROM erased WHERE list_contains(?, member_id)", [ids]
        ).fetchall()
        if gone:
            rows = untied(rows, named, {(int(ws), int(m)) for ws, m in gone})
    columns = list(zip(*rows, strict=True))
    table = pa.Table.from_arrays(
        [pa.array(col, type=field.type) for col, field in zip(columns, _ARROW, strict=True)], schema=_ARROW
    )
    con.register("incoming", table)
    try:
        con.execute(_KEEP).fetchall()
        con.execute("INSERT INTO facts SELECT * FROM kept").fetchall()
        con.execute(_VISITORS).fetchall()
        con.execute("DROP TABLE kept").fetchall()
    finally:
        con.unregister("incoming")
    return len(rows)


def erase(con: duckdb.DuckDBPyConnection, workspace_id: int, member_id: int) -> None:
    """Carry a member's erasure into the store: their facts stay as anonymous facts (an
    order was paid, a link clicked) with no member or visitor id to tie them together;
    the facts of others that name them in props (a friend's invitation: its inviter)
    lose that field; facts arriving later are stripped the same way (the ``erased`` list).
    Erasing again changes nothing."""
    visitors = [
        v
        for (v,) in con.execute(
            """SELECT DISTINCT visitor_id FROM facts
               WHERE workspace_id = ? AND member_id = ? AND visitor_id IS NOT NULL""",
            [workspace_id, member_id],
        ).fetchall()
    ]
    con.execute(
        "UPDATE facts SET member_id = NULL, visitor_id = NULL WHERE workspace_id = ? AND member_id = ?",
        [workspace_id, member_id],
    ).fetchall()
    if visitors:
        con.execute(
            "UPDATE facts SET visitor_id = NULL WHERE workspace_id = ? AND list_contains(?, visitor_id)",
            [workspace_id, visitors],
        ).fetchall()
    for key in MEMBER_PROPS:  # a JSON merge patch's null takes the field out
        con.execute(
            f"""UPDATE facts SET props = nullif(json_merge_patch(props, '{{"{key}": null}}'), '{{}}')
                WHERE workspace_id = ? AND {_member_prop_is(key)}""",
            [workspace_id, member_id],
        ).fetchall()
    # the cookies are untied from every fact: no person is made of them any more
    con.execute("DELETE FROM visitors WHERE workspace_id = ? AND member_id = ?", [workspace_id, member_id])
    if visitors:
        con.execute(
            "DELETE FROM visitors WHERE workspace_id = ? AND list_contains(?, visitor_id)",
            [workspace_id, visitors],
        ).fetchall()
    con.execute("INSERT INTO erased VALUES (?, ?, NULL)", [workspace_id, member_id]).fetchall()
    if visitors:  # DuckDB refuses an executemany of nothing
        con.executemany("INSERT INTO erased VALUES (?, NULL, ?)", [[workspace_id, v] for v in visitors])


def state(con: duckdb.DuckDBPyConnection, source: str) -> tuple[int, dict[int, float]]:
    found = con.execute("SELECT watermark, gaps FROM sync_state WHERE source = ?", [source]).fetchall()
    if not found:
        return 0, {}
    gaps: dict[str, float] = json.loads(found[0][1])
    return int(found[0][0]), {int(k): float(v) for k, v in gaps.items()}


def save_state(con: duckdb.DuckDBPyConnection, source: str, watermark: int, gaps: dict[int, float]) -> None:
    """The source's new position, and when it was saved (``meta``: ``synced_at.<source>``,
    an ISO time in UTC — how fresh the reports are, :func:`yutang.analytics.engines.synced_at`)."""
    con.execute(
        "INSERT OR REPLACE INTO sync_state VALUES (?, ?, ?)",
        [source, watermark, json.dumps({str(k): v for k, v in sorted(gaps.items())})],
    ).fetchall()
    con.execute(
        "INSERT OR REPLACE INTO meta VALUES (?, ?)",
        [f"synced_at.{source}", datetime.now(UTC).isoformat()],
    ).fetchall()


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """How many facts of each source the store holds, and up to where it is synced."""
    held = dict(con.execute("SELECT source, count(*) FROM facts GROUP BY source").fetchall())
    positions = {s: (w, len(json.loads(g))) for s, w, g in con.execute("SELECT * FROM sync_state").fetchall()}
    return {"facts": held, "positions": positions}


# --- the sync's targets ------------------------------------------------------------------


class Batch(Protocol):
    """One batch's writes: where a source stands, its facts, erasures, the new position."""

    def state(self, source: str) -> tuple[int, dict[int, float]]: ...
    def append(self, rows: Sequence[Row]) -> int: ...
    def erase(self, workspace_id: int, member_id: int) -> None: ...
    def save_state(self, source: str, watermark: int, gaps: dict[int, float]) -> None: ...


class Target(Protocol):
    """Where the sync writes: this DuckDB file (:class:`DuckTarget`) or ClickHouse
    (:class:`yutang.analytics.clickhouse.ClickHouseTarget`)."""

    def describe(self) -> str: ...
    def paused(self) -> bool: ...
    def writing(self) -> Any: ...
    def batch(self) -> Any: ...
    def counts(self) -> dict[str, Any]: ...
    def rebuilding(self) -> Any: ...


class DuckBatch:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def state(self, source: str) -> tuple[int, dict[int, float]]:
        return state(self.con, source)

    def append(self, rows: Sequence[Row]) -> int:
        return append(self.con, rows)

    def erase(self, workspace_id: int, member_id: int) -> None:
        erase(self.con, workspace_id, member_id)

    def save_state(self, source: str, watermark: int, gaps: dict[int, float]) -> None:
        save_state(self.con, source, watermark, gaps)


class DuckTarget:
    """The embedded store: a batch and the position commit in one DuckDB transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def describe(self) -> str:
        return str(self.path)

    def paused(self) -> bool:
        """A rebuild is writing a new file to put in this one's place."""
        return _marker(self.path).exists()

    def writing(self) -> Any:
        return writing()

    @contextmanager
    def batch(self) -> Iterator[DuckBatch]:
        with connect(self.path, write=True) as con:
            con.begin()
            yield DuckBatch(con)
            con.commit()

    def counts(self) -> dict[str, Any]:
        with connect(self.path) as con:
            return counts(con)

    @asynccontextmanager
    async def rebuilding(self) -> AsyncIterator[DuckTarget]:
        """A new file beside this one to fill, put in its place when whole: reports read
        the old store meanwhile, and syncs wait (a marker beside the file) rather than
        write a store about to be replaced."""
        marker = _marker(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
        fresh = self.path.with_name(self.path.name + ".new")
        try:
            async with writing():
                with connect(self.path, write=True):
                    pass  # a sync that began before the marker has finished once we hold this
            for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
                leftover.unlink(missing_ok=True)
            yield DuckTarget(fresh)
            with connect(fresh, write=True) as con:
                con.execute("CHECKPOINT")
            os.replace(fresh, self.path)
            self.path.with_name(self.path.name + ".wal").unlink(missing_ok=True)
        finally:
            marker.unlink(missing_ok=True)


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".rebuilding")
