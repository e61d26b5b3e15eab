"""The event store's sync: facts a second, against DuckDB's own bulk load of the same
rows (from Arrow), measured in the same run on the same machine.

    bash bench/sync.sh [--events 200000]

Makes a fresh SQLite database under bench/out/ with ``--events`` paid orders in the
outbox (as `yutang demo` writes them), syncs it into a fresh store, then loads the facts
the sync wrote into another store in one INSERT from Arrow. Prints both rates and their
ratio (the issue's goal: at least 0.5) and writes bench/out/sync-<time>.json. Stops by
itself (--deadline).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
from benchkit import background_load, install_deadline, log
from sqlalchemy import insert

from yutang.analytics import store, sync
from yutang.kit.db import create_engine, unit_of_work
from yutang.models.platform import OutboxEvent
from yutang.models.workspaces import Workspace

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


def migrate(url: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["url"] = url
    worker = threading.Thread(target=lambda: command.upgrade(cfg, "head"))
    worker.start()
    worker.join()


async def run(events: int) -> dict[str, float]:
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / "sync-source.db"
    for leftover in OUT.glob("sync-*.duckdb*"):
        leftover.unlink()
    db.unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{db}"
    migrate(url)
    engine = create_engine(url)
    async with unit_of_work(engine=engine) as s:
        s.add(Workspace(id=1, slug="bench", name="bench", timezone="Asia/Shanghai"))
    base = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        {
            "workspace_id": 1,
            "type": "order.paid",
            "payload": {
                "order_id": i,
                "member_id": None,
                "total_cents": 1_000 + i % 500,
                "paid_at": (base + timedelta(seconds=i)).isoformat(),
            },
        }
        for i in range(events)
    ]
    async with unit_of_work(engine=engine) as s:
        for k in range(0, events, 20_000):
            await s.execute(insert(OutboxEvent), rows[k : k + 20_000])
    log(f"{events:,} events in the outbox")
    # What a long-lived worker pays once, not per sync: pyarrow imports pandas the first
    # time it converts a datetime (seconds on a busy machine).
    pa.array([base], type=pa.timestamp("us", tz="UTC"))
    synced = OUT / "sync-synced.duckdb"
    started = time.perf_counter()
    done = await sync.sync(engine, synced)
    sync_seconds = time.perf_counter() - started
    await engine.dispose()
    with store.connect(synced) as con:
        table = con.sql("SELECT * FROM facts").to_arrow_table()
    loaded = OUT / "sync-loaded.duckdb"
    with store.connect(loaded, write=True) as con:
        started = time.perf_counter()
        con.register("incoming", table)
        con.execute("INSERT INTO facts SELECT * FROM incoming").fetchall()
        load_seconds = time.perf_counter() - started
    return {
        "events": events,
        "synced": done.total,
        "sync_per_second": done.total / sync_seconds,
        "bulk_load_per_second": table.num_rows / load_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--deadline", type=float, default=600)
    args = parser.parse_args()
    install_deadline(args.deadline)
    load = background_load()
    log(f"other work on the machine before the run: {load}% of one core")
    result = asyncio.run(run(args.events))
    result["background_load_pct"] = load
    ratio = result["sync_per_second"] / result["bulk_load_per_second"]
    print(f"sync:           {result['sync_per_second']:>12,.0f} facts/s ({result['synced']:,} facts)")
    print(f"DuckDB bulk load:{result['bulk_load_per_second']:>12,.0f} rows/s (the same rows, from Arrow)")
    print(f"sync ÷ bulk load: {ratio:.3f}  (goal ≥ 0.5)")
    out = OUT / f"sync-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({**result, "ratio": ratio, "python": platform.python_version()}, indent=2))
    log(f"written to {out}")


if __name__ == "__main__":
    main()
