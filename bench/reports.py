"""The funnel and the retention report over 10 million events, against one DuckDB
scan-aggregate over the same rows, measured in the same run on the same machine.

    bash bench/reports.sh [--events 10000000] [--runs 3] [--engines duckdb,chdb]

Generates ``--events`` facts straight into a fresh store under bench/out/ (DuckDB SQL,
no Python per row): ``--events`` ÷ 10 members over 2026 in five workspaces of unequal
size (half of them in the biggest), each with clicks before joining, a join (some
twice), activities, orders, refunds, friends who joined by their invitation, points;
visitors who never join and robots click too; 1 % of members are erased (no member id).

Then, per engine, each query ``--runs`` times (the best counts; every run is in the
JSON), all through the reports' own Reader (a fresh read-only connection per query, as
the API does):

- the reference: ``SELECT workspace_id, type, count(*), sum(amount_cents) FROM facts
  GROUP BY ALL`` — one scan of every row, grouped, with an aggregate over a column;
- the AARRR funnel (analytics/funnel.py) in each order — sequential, strict, any —
  over the biggest workspace and the whole year;
- the retention report (analytics/retention.py) by week, "on" and "on or after".

Prints each one's time and its ratio to the reference (per run, against the reference
of the same run; the median of the runs) (issue 12's goal: at most 4) and
writes bench/out/reports-<time>.json. ``--engines chdb`` runs the same on ClickHouse's
engine in this process (chdb, through ``ClickHouseTarget("chdb:///dir")``), with the same
reference in its dialect. Stops by itself (--deadline).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from benchkit import background_load, install_deadline, log

from yutang.analytics import funnel, retention, store
from yutang.analytics.engines import DuckReader, Reader
from yutang.analytics.facts import COLUMNS
from yutang.analytics.window import Window

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
ZONE = "Asia/Shanghai"
BIGGEST = 1
WINDOW = Window(date(2026, 1, 1), date(2026, 12, 31), ZONE)
TODAY = date(2027, 1, 31)
REFERENCE = "SELECT workspace_id, type, count(*) AS n, sum(amount_cents) AS cents FROM facts GROUP BY ALL"

#: The facts, generated: ``u(m, k)`` is a uniform number in [0, 1) drawn from the hash
#: of (member, k), so a run is the same every time and no Python touches a row.
GENERATE = """
CREATE OR REPLACE TEMP MACRO u(a, b) AS (hash(a, b) % 1000000) / 1000000.0;
CREATE OR REPLACE TEMP MACRO secs(x) AS to_seconds(CAST(x AS BIGINT));
CREATE OR REPLACE TEMP TABLE k AS SELECT range AS k FROM range(8);
CREATE OR REPLACE TEMP TABLE m AS
SELECT i AS m,
       CASE WHEN i <= {M} * 0.50 THEN 1 WHEN i <= {M} * 0.75 THEN 2 WHEN i <= {M} * 0.90 THEN 3
            WHEN i <= {M} * 0.97 THEN 4 ELSE 5 END AS ws,
       TIMESTAMPTZ '2026-01-01 00:00:00+08' + secs(u(i, 1) * 365 * 86400) AS joined,
       u(i, 2) < 0.01 AS erased,
       CASE WHEN u(i, 3) < 0.3 THEN NULL ELSE 1 + CAST(floor(u(i, 4) * 12) AS BIGINT) END AS channel,
       CASE WHEN u(i, 5) < 0.4 THEN NULL ELSE 1 + CAST(floor(u(i, 6) * 40) AS BIGINT) END AS staff,
       CASE WHEN u(i, 7) < 0.5 THEN NULL ELSE 1 + CAST(floor(u(i, 8) * 4) AS BIGINT) END AS tier
FROM range(1, {M} + 1) t(i);
CREATE OR REPLACE TEMP TABLE gen AS
-- clicks before joining (0 to 2), the visitor cookie that becomes theirs
SELECT 'click' AS source, m * 16 + k AS source_id, ws, 'link.clicked' AS type,
       joined - secs(60 + u(m, 10 + k) * 3 * 86400) AS ts, NULL AS member, 'v' || m AS visitor,
       channel, channel * 10 + k AS link, NULL AS staff, NULL AS tier, NULL AS cents, NULL AS points,
       false AS bot, '{{"device_type": "mobile"}}' AS props, erased
FROM m JOIN k ON k < CAST(floor(u(m, 9) * 3) AS BIGINT)
UNION ALL -- joined (2 % of them twice)
SELECT 'outbox', m * 64 + k, ws, 'member.joined', joined + secs(k * 2 * 86400), m, 'v' || m,
       channel, channel * 10, staff, tier, NULL, NULL, false, NULL, erased
FROM m JOIN k ON k = 0 OR (k = 1 AND u(m, 20) < 0.02)
UNION ALL -- activities (0 to 6), most soon after joining
SELECT 'outbox', m * 64 + 2 + k, ws, 'member.activity', joined + secs(pow(u(m, 30 + k), 2) * 120 * 86400),
       m, 'v' || m, channel, channel * 10, staff, tier, NULL, NULL, false, '{{"type": "checkin"}}', erased
FROM m JOIN k ON k < CAST(floor(u(m, 29) * 7) AS BIGINT)
UNION ALL -- orders (0 to 2)
SELECT 'outbox', m * 64 + 10 + k, ws, 'order.paid', joined + secs(u(m, 40 + k) * 150 * 86400),
       m, 'v' || m, channel, channel * 10, staff, tier,
       1000 + CAST(floor(u(m, 45 + k) * 59000) AS BIGINT), NULL, false,
       '{{"order_id": ' || (m * 4 + k) || '}}', erased
FROM m JOIN k ON k < CAST(floor(u(m, 39) * 2.5) AS BIGINT)
UNION ALL -- refunds of 8 % of the orders, up to a month later
SELECT 'outbox', m * 64 + 14 + k, ws, 'order.refunded',
       joined + secs(u(m, 40 + k) * 150 * 86400 + u(m, 50 + k) * 30 * 86400),
       m, 'v' || m, channel, channel * 10, staff, tier, 100 + CAST(floor(u(m, 55 + k) * 900) AS BIGINT), NULL,
       false, '{{"order_id": ' || (m * 4 + k) || '}}', erased
FROM m JOIN k ON k < CAST(floor(u(m, 39) * 2.5) AS BIGINT) AND u(m, 60 + k) < 0.08
UNION ALL -- a fifth joined by a friend's invitation: the inviter is a member of theirs
SELECT 'outbox', m * 64 + 20, ws, 'invitation.joined', joined + secs(30), m, 'v' || m,
       channel, channel * 10, staff, tier, NULL, NULL, false,
       '{{"inviter_id": ' || greatest(1, m - 1 - CAST(floor(u(m, 71) * 5000) AS BIGINT)) || '}}', erased
FROM m WHERE u(m, 70) < 0.2
UNION ALL -- points earned (0 or 1)
SELECT 'outbox', m * 64 + 24 + k, ws, 'points.earned', joined + secs(u(m, 80 + k) * 200 * 86400),
       m, 'v' || m, channel, channel * 10, staff, tier, NULL, 10 + k, false, NULL, erased
FROM m JOIN k ON k < CAST(floor(u(m, 79) * 2) AS BIGINT);
"""
#: Visitors who never join, and robots, up to ``--events`` facts in all.
STRANGERS = """
INSERT INTO gen
SELECT 'click', ({M} + 1) * 16 + i,
       CASE WHEN u(-1 - i, 1) < 0.5 THEN 1 ELSE 2 + CAST(floor(u(-1 - i, 2) * 4) AS BIGINT) END,
       'link.clicked', TIMESTAMPTZ '2026-01-01 00:00:00+08' + secs(u(-1 - i, 3) * 365 * 86400), NULL,
       CASE WHEN u(-1 - i, 4) < 0.2 THEN 'bot' || (i % 50) ELSE 'a' || (i % {V}) END,
       1 + CAST(floor(u(-1 - i, 5) * 12) AS BIGINT), 10 + CAST(floor(u(-1 - i, 6) * 120) AS BIGINT),
       NULL, NULL, NULL, NULL,
       u(-1 - i, 4) < 0.2, '{{"device_type": "desktop"}}', false
FROM range({N}) t(i)
"""
LOAD = """
INSERT INTO facts
SELECT source, source_id, ws, type, ts,
       CASE WHEN NOT erased THEN member END, CASE WHEN NOT erased THEN visitor END,
       channel, link, NULL, staff, tier, cents, points, bot, props
FROM gen ORDER BY ts
"""
assert len(COLUMNS) == 16


def generate(path: Path, events: int) -> dict[str, Any]:
    members = max(events // 10, 100)
    with store.connect(path, write=True) as con:
        con.execute(GENERATE.format(M=members)).fetchall()
        made = int(con.sql("SELECT count(*) FROM gen").fetchall()[0][0])
        strangers = max(events - made, 0)
        con.execute(STRANGERS.format(M=members, N=strangers, V=max(strangers // 2, 1))).fetchall()
        con.execute(LOAD).fetchall()
        store.fill_visitors(con)  # what the sync keeps beside the facts it writes
        con.execute("CHECKPOINT").fetchall()
        mix = dict(con.sql("SELECT type, count(*) FROM facts GROUP BY 1 ORDER BY 2 DESC").fetchall())
        per_ws = dict(con.sql("SELECT workspace_id, count(*) FROM facts GROUP BY 1 ORDER BY 1").fetchall())
        total = int(con.sql("SELECT count(*) FROM facts").fetchall()[0][0])
    return {"members": members, "facts": total, "types": mix, "workspaces": per_ws}


def kept(path: Path, events: int) -> dict[str, Any] | None:
    """What a store generated before holds, when it holds ``events`` facts."""
    if not path.exists():
        return None
    with store.connect(path) as con:
        total = int(con.sql("SELECT count(*) FROM facts").fetchall()[0][0])
        if total != events:
            return None
        mix = dict(con.sql("SELECT type, count(*) FROM facts GROUP BY 1 ORDER BY 2 DESC").fetchall())
        per_ws = dict(con.sql("SELECT workspace_id, count(*) FROM facts GROUP BY 1 ORDER BY 1").fetchall())
    return {
        "members": max(events // 10, 100),
        "facts": total,
        "types": mix,
        "workspaces": per_ws,
        "reused": True,
    }


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def measure(reader: Reader, runs: int) -> dict[str, dict[str, Any]]:
    """Each report and the reference, interleaved run by run (the machine's other work
    falls on all of them alike)."""
    cases: dict[str, Callable[[], Any]] = {"reference": lambda: reader.rows(REFERENCE, {})}
    for order in funnel.ORDERS:
        cases[f"funnel_{order}"] = lambda order=order: funnel.funnel(reader, BIGGEST, WINDOW, order=order)
    for mode in ("on", "on_or_after"):
        cases[f"retention_{mode}"] = lambda mode=mode: retention.retention(
            reader, BIGGEST, WINDOW, TODAY, unit="week", mode=mode, periods=12
        )
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for name, fn in cases.items():  # a first run of each, not counted: warms the OS cache
        log(f"  warm-up {name}")
        fn()
    for r in range(runs):
        for name, fn in cases.items():
            samples[name] += timed(fn, 1)
        log(f"  run {r + 1}/{runs}: " + ", ".join(f"{n} {s[-1]:.2f}s" for n, s in samples.items()))
    # the ratio of each run to the reference of the same run (the machine is shared: a
    # run's neighbours slow both alike), the median of those
    ref = samples["reference"]
    return {
        name: {
            "seconds": s,
            "best": min(s),
            "median": statistics.median(s),
            "ratios": [x / r for x, r in zip(s, ref, strict=True)],
            "ratio": statistics.median(x / r for x, r in zip(s, ref, strict=True)),
        }
        for name, s in samples.items()
    }


def chdb_reader(source: Path, where: Path) -> Reader:
    """The same facts in ClickHouse's engine (chdb), loaded from a Parquet export."""
    from yutang.analytics.clickhouse import ClickHouseTarget

    shutil.rmtree(where, ignore_errors=True)
    parquet = OUT / "reports-facts.parquet"
    with store.connect(source) as con:
        con.execute(f"COPY (SELECT * FROM facts) TO '{parquet}' (FORMAT parquet)").fetchall()
    target = ClickHouseTarget(f"chdb://{where}")
    target.client.command(
        f"INSERT INTO facts SELECT * FROM file('{parquet}', Parquet)", settings={"max_insert_threads": 2}
    )
    target.client.command("OPTIMIZE TABLE facts FINAL")
    parquet.unlink()
    return target.reader()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engines", default="duckdb,chdb")
    parser.add_argument("--deadline", type=float, default=3000)
    parser.add_argument("--keep", action="store_true", help="reuse bench/out/reports.duckdb if it is whole")
    args = parser.parse_args()
    install_deadline(args.deadline)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "reports.duckdb"
    load = background_load()
    log(f"other work on the machine before the run: {load}% of one core ({os.cpu_count()} cores)")
    started = time.perf_counter()
    made = kept(path, args.events) if args.keep else None
    if made is None:
        for leftover in (path, path.with_name(path.name + ".wal")):
            leftover.unlink(missing_ok=True)
        made = generate(path, args.events)
    log(f"{made['facts']:,} facts generated in {time.perf_counter() - started:.0f} s: {made['workspaces']}")
    result: dict[str, Any] = {"generated": made, "background_load_pct": load, "engines": {}}
    for engine in args.engines.split(","):
        log(f"{engine}:")
        if engine == "duckdb":
            reader: Reader = DuckReader(path)
        elif engine == "chdb":
            started = time.perf_counter()
            reader = chdb_reader(path, OUT / "reports-chdb")
            log(f"  loaded into chdb in {time.perf_counter() - started:.0f} s")
        else:
            raise SystemExit(f"no engine {engine!r}")
        result["engines"][engine] = measure(reader, args.runs)
    result["background_load_after_pct"] = background_load()
    print(
        f"{made['facts']:,} facts, {made['members']:,} members; the biggest workspace over {WINDOW.days} days"
    )
    for engine, cases in result["engines"].items():
        print(f"{engine}:")
        for name, found in cases.items():
            print(
                f"  {name:<22} best {found['best']:>7.2f} s  median {found['median']:>7.2f} s  "
                f"÷ reference (median of runs) {found['ratio']:>5.2f}"
                + ("  (goal ≤ 4)" if name != "reference" else "")
            )
    out = OUT / f"reports-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({**result, "python": platform.python_version()}, indent=2, default=str))
    log(f"written to {out}")


if __name__ == "__main__":
    main()
