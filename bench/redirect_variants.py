"""Experiments behind the recommendations in docs/benchmarks.md (not part of `make bench`).

Serves variants of the redirect app with granian, under the same load as
bench/redirect.py (one worker, wrk -t1 -c64, 100k links, 10k warm slugs), each on a
fresh database, and prints warm req/s and p99 next to nginx's:

    .venv/bin/python bench/redirect_variants.py                 # every variant
    .venv/bin/python bench/redirect_variants.py no-clicks driver-flush

The variants are ASGI factories in this file (``granian --factory``); the ones that
change Yutang patch it in the server process only, nothing under src/ is edited.

Most of them patch the in-memory ``ClickBuffer`` that wrote to the database from the
serving process, as it was before the click pipeline of docs/decisions/0009 (commit
8e4dd19): run them against that commit (``git archive 8e4dd19 src migrations`` into a
directory, ``PYTHONPATH`` to its ``src``). On later commits only ``yutang-serve``,
``no-clicks``, ``bare-asgi`` and ``bare-rsgi`` mean what they say; ``baseline`` (the app
under granian's own command) then runs the click writer inline, in the serving process.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sqlite3
import sys
from collections import Counter
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import redirect as rb  # bench/redirect.py, found through the line above

# --- ASGI factories (imported by granian in the server process) ---------------------------


def baseline() -> Any:
    """Yutang as `yutang serve` builds it."""
    from yutang.app import app_factory

    return app_factory()


def no_clicks() -> Any:
    """Click capture off (ClickBuffer.add does nothing): the cost of the rest of the path."""
    from yutang.app import app_factory

    app = app_factory()
    app.clicks.add = lambda click: None
    return app


def driver_flush() -> Any:
    """ClickBuffer._write without SQLAlchemy's per-row work: see _driver_write."""
    from yutang.app import app_factory
    from yutang.links.clicks import ClickBuffer

    ClickBuffer._write = _driver_write
    return app_factory()


def safe_stop() -> Any:
    """ClickBuffer.stop that lets a flush under way finish instead of cancelling it."""
    from yutang.app import app_factory
    from yutang.links.clicks import ClickBuffer

    ClickBuffer._run = _run_until_stopped
    ClickBuffer.stop = _stop_after_flush
    return app_factory()


def driver_flush_no_update() -> Any:
    """driver_flush without the UPDATE of links.click_count: that UPDATE's share."""
    os.environ["BENCH_NO_CLICK_COUNT"] = "1"
    return driver_flush()


def thread_flush() -> Any:
    """The whole flush (rows and SQL) in a thread with its own sqlite3 connection."""
    from yutang.app import app_factory
    from yutang.links.clicks import ClickBuffer

    ClickBuffer._write = _thread_write
    return app_factory()


def json_flush() -> Any:
    """ClickBuffer._write as two SQLite statements fed one JSON array each: see _json_write."""
    from yutang.app import app_factory
    from yutang.links.clicks import ClickBuffer

    ClickBuffer._write = _json_write
    return app_factory()


def core_load() -> Any:
    """LinkCache._load with one Core SELECT of the needed columns instead of an ORM Session."""
    from yutang.app import app_factory
    from yutang.links.cache import LinkCache

    LinkCache._load = _core_load
    return app_factory()


def sync_load() -> Any:
    """LinkCache._load as a direct sqlite3 read on the event loop thread (SQLite only)."""
    from yutang.app import app_factory
    from yutang.links.cache import LinkCache

    LinkCache._load = _sync_load
    return app_factory()


def pipe_writer() -> Any:
    """Clicks handed to a writer process (marshal over a pipe); it does all the rest.

    A prototype of moving click persistence out of the serving process: the event
    loop only appends tuples and, per flush, marshals the batch (C, well under a
    microsecond a click) into the pipe; classification, hashing and the SQL run in
    ``click_writer_main`` in another process, on the other core.
    """
    from yutang.app import app_factory
    from yutang.links.clicks import ClickBuffer

    ClickBuffer._run = _run_until_stopped
    ClickBuffer._write = _pipe_write
    ClickBuffer.stop = _pipe_stop
    return app_factory()


def bare_asgi() -> Any:
    """A trivial ASGI callable answering 302: the ceiling of granian + Python here."""
    headers = [(b"location", b"https://example.com/x"), (b"content-length", b"0")]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await send({"type": "http.response.start", "status": 302, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    return app


def bare_rsgi() -> Any:
    """The same trivial 302 on granian's own RSGI interface (served with --interface rsgi)."""
    headers = [("location", "https://example.com/x")]

    async def app(scope: Any, proto: Any) -> None:
        proto.response_empty(302, headers)

    return app


from yutang.links.clicks import _COLUMNS as _CLICK_COLUMNS  # noqa: E402 - one list of columns


async def _run_until_stopped(self: Any) -> None:
    import asyncio
    import contextlib

    while not getattr(self, "_stopping", False):
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
        self._wake.clear()
        try:
            await self.flush()
        except Exception:
            logging.getLogger("yutang.links.clicks").exception("click flush failed; will retry")


async def _stop_after_flush(self: Any) -> None:
    """Proposed ClickBuffer.stop: flag, wake, await the flusher's last round, flush the rest."""
    if self._task is not None:
        self._stopping = True
        self._wake.set()
        await self._task
        self._task = None
    await self.flush()


def _rows(self: Any, batch: list[Any], timestamp: Any) -> tuple[list[tuple[Any, ...]], Counter[int]]:
    """The click rows of ``batch`` as tuples in _CLICK_COLUMNS order, and human clicks per link."""
    from yutang.links.clicks import _host, classify, ip_hash

    secret = self.secret
    hash_ip = lru_cache(maxsize=4096)(lambda ip: ip_hash(secret, ip))
    rows = []
    human: Counter[int] = Counter()
    for ts, link_id, ws_id, channel_id, target_id, visitor, ip, referrer, ua, is_head in batch:
        info = classify(ua)
        bot = is_head or info.is_bot
        ref = referrer[:1024] if referrer else None
        rows.append(
            (
                ws_id,
                link_id,
                channel_id,
                target_id,
                timestamp(ts),
                visitor[:32],
                hash_ip(ip),
                ref,
                _host(ref),
                ua[:512] if ua else None,
                "bot" if bot else info.device_type,
                info.os,
                info.browser,
                bot,
            )
        )
        if not bot:
            human[link_id] += 1
    return rows, human


def _sqlite_timestamp(ts: float) -> str:
    """A UTC timestamp the way SQLAlchemy stores a DateTime on SQLite ("2026-11-24 05:48:48.519072")."""
    return datetime.fromtimestamp(ts, UTC).isoformat(" ", "microseconds")[:26]


def _thread_write_sync(self: Any, batch: list[Any]) -> None:
    import sqlite3

    con = getattr(self, "_bench_con", None)
    if con is None:
        con = sqlite3.connect(self.engine.url.database, isolation_level=None, check_same_thread=False)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute("PRAGMA busy_timeout=30000")
        self._bench_con = con
    rows, human = _rows(self, batch, _sqlite_timestamp)
    marks = ", ".join("?" for _ in _CLICK_COLUMNS)
    con.execute("BEGIN IMMEDIATE")
    try:
        con.executemany(f"INSERT INTO clicks ({', '.join(_CLICK_COLUMNS)}) VALUES ({marks})", rows)
        con.executemany(
            "UPDATE links SET click_count = click_count + ? WHERE id = ?",
            [(n, link_id) for link_id, n in human.items()],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


async def _thread_write(self: Any, batch: list[Any]) -> None:
    import asyncio

    await asyncio.to_thread(_thread_write_sync, self, batch)


async def _driver_write(self: Any, batch: list[Any]) -> None:
    """The proposed ClickBuffer._write: same rows, handed to the driver as tuples.

    ``conn.exec_driver_sql`` passes the parameter tuples to the DBAPI's executemany
    untouched: no per-row compiled-parameter dicts, no TypeDecorator/DATETIME bind
    processing (the timestamp goes in already formatted the way SQLAlchemy stores
    it on SQLite; a PostgreSQL branch would pass the aware datetime and ``$n``
    placeholders instead), and one HMAC per distinct IP rather than per click.
    """
    rows, human = _rows(self, batch, _sqlite_timestamp)
    marks = ", ".join("?" for _ in _CLICK_COLUMNS)
    async with self.engine.begin() as conn:
        await conn.exec_driver_sql(f"INSERT INTO clicks ({', '.join(_CLICK_COLUMNS)}) VALUES ({marks})", rows)
        if human and not os.environ.get("BENCH_NO_CLICK_COUNT"):
            await conn.exec_driver_sql(
                "UPDATE links SET click_count = click_count + ? WHERE id = ?",
                [(n, link_id) for link_id, n in human.items()],
            )


async def _json_write(self: Any, batch: list[Any]) -> None:
    """The proposed ClickBuffer._write for SQLite: the batch as ONE parameter.

    executemany binds and steps each row separately, and the sqlite3 module lets go
    of the GIL around every step and takes it back after: thousands of GIL hand-offs
    per flush between the aiosqlite thread and the event loop serving requests.
    Here the rows travel as one JSON text (json.dumps is C) and SQLite expands them
    with json_each, so each statement is one step: the insert runs without the GIL.
    (``->>`` needs SQLite 3.38, UPDATE ... FROM 3.33; PostgreSQL would use unnest()
    of arrays or COPY for the same effect.)
    """
    import json

    rows, human = _rows(self, batch, _sqlite_timestamp)
    values = ", ".join(f"value ->> {i}" for i in range(len(_CLICK_COLUMNS)))
    async with self.engine.begin() as conn:
        await conn.exec_driver_sql(
            f"INSERT INTO clicks ({', '.join(_CLICK_COLUMNS)}) SELECT {values} FROM json_each(?)",
            (json.dumps(rows, separators=(",", ":")),),
        )
        if human:
            await conn.exec_driver_sql(
                "UPDATE links SET click_count = click_count + j.n"
                " FROM (SELECT value ->> 0 AS id, value ->> 1 AS n FROM json_each(?)) AS j"
                " WHERE links.id = j.id",
                (json.dumps(list(human.items())),),
            )


async def _core_load(self: Any, slug: str, domain: Any) -> Any:
    """The proposed LinkCache._load: Core rows on a read-only connection, no Session/ORM."""
    from sqlalchemy import select

    from yutang.links.cache import Entry, Target
    from yutang.models.links import Link, LiveCodeTarget

    t = Link.__table__
    lt = LiveCodeTarget.__table__
    engine = self.engine.execution_options(yutang_readonly=True)
    async with engine.connect() as conn:
        link = (
            await conn.execute(
                select(
                    t.c.id,
                    t.c.workspace_id,
                    t.c.channel_id,
                    t.c.kind,
                    t.c.destination,
                    t.c.redirect_status,
                    t.c.expires_at,
                    t.c.expired_url,
                    t.c.max_clicks,
                    t.c.exhausted_url,
                    t.c.fallback_url,
                    t.c.disabled,
                    t.c.archived,
                    t.c.click_count,
                ).where(t.c.domain_id == domain.id, t.c.slug == slug)
            )
        ).first()
        if link is None:
            return None
        targets: tuple[Any, ...] = ()
        if link.kind == "live":
            rows = await conn.execute(
                select(lt.c.id, lt.c.destination, lt.c.weight, lt.c.daily_cap)
                .where(lt.c.link_id == link.id, lt.c.enabled.is_(True), lt.c.weight > 0)
                .order_by(lt.c.id)
            )
            targets = tuple(Target(*r) for r in rows)
    return Entry(
        link_id=link.id,
        workspace_id=link.workspace_id,
        channel_id=link.channel_id,
        kind=link.kind,
        destination=link.destination,
        status=link.redirect_status,
        expires_at=link.expires_at.timestamp() if link.expires_at else None,
        expired_url=link.expired_url,
        max_clicks=link.max_clicks,
        exhausted_url=link.exhausted_url,
        fallback_url=link.fallback_url,
        inactive=link.disabled or link.archived,
        tz=domain.tz,
        https=domain.https,
        clicks=link.click_count,
        targets=targets,
    )


_LINK_COLUMNS = (
    "id, workspace_id, channel_id, kind, destination, redirect_status, expires_at, expired_url, "
    "max_clicks, exhausted_url, fallback_url, disabled, archived, click_count"
)


async def _sync_load(self: Any, slug: str, domain: Any) -> Any:
    """A unique-index lookup costs SQLite ~20 us in C: cheaper inline than any thread hop.

    WAL lets this reader run beside the click writer; the loop is blocked only for the
    lookup itself. (Live codes would read their targets the same way.)
    """
    import sqlite3

    from yutang.links.cache import Entry, Target

    con = getattr(self, "_bench_con", None)
    if con is None:
        con = sqlite3.connect(self.engine.url.database, isolation_level=None, check_same_thread=False)
        con.execute("PRAGMA busy_timeout=30000")
        self._bench_con = con
    link = con.execute(
        f"SELECT {_LINK_COLUMNS} FROM links WHERE domain_id = ? AND slug = ?", (domain.id, slug)
    ).fetchone()
    if link is None:
        return None
    (lid, ws, channel, kind, dest, status, expires, expired_url, max_clicks, exhausted, fallback) = link[:11]
    targets: tuple[Any, ...] = ()
    if kind == "live":
        targets = tuple(
            Target(*r)
            for r in con.execute(
                "SELECT id, destination, weight, daily_cap FROM live_code_targets"
                " WHERE link_id = ? AND enabled AND weight > 0 ORDER BY id",
                (lid,),
            )
        )
    return Entry(
        link_id=lid,
        workspace_id=ws,
        channel_id=channel,
        kind=kind,
        destination=dest,
        status=status,
        expires_at=datetime.fromisoformat(expires).replace(tzinfo=UTC).timestamp() if expires else None,
        expired_url=expired_url,
        max_clicks=max_clicks,
        exhausted_url=exhausted,
        fallback_url=fallback,
        inactive=bool(link[11] or link[12]),
        tz=domain.tz,
        https=domain.https,
        clicks=link[13],
        targets=targets,
    )


async def _pipe_write(self: Any, batch: list[Any]) -> None:
    import asyncio
    import marshal

    proc = getattr(self, "_bench_writer", None)
    if proc is None:
        env = dict(os.environ, BENCH_DB=self.engine.url.database, BENCH_SECRET=self.secret.hex())
        proc = self._bench_writer = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "import redirect_variants as v; v.click_writer_main()",
            stdin=asyncio.subprocess.PIPE,
            env=env,
        )
    data = marshal.dumps(batch)
    assert proc.stdin is not None
    proc.stdin.write(len(data).to_bytes(8, "little") + data)
    await proc.stdin.drain()


async def _pipe_stop(self: Any) -> None:
    await _stop_after_flush(self)
    proc = getattr(self, "_bench_writer", None)
    if proc is not None and proc.stdin is not None:
        proc.stdin.close()
        await proc.wait()  # the writer commits what it has and exits at end of input


def click_writer_main() -> None:
    """The writer process: length-prefixed marshalled batches on stdin -> SQLite."""
    import json
    import marshal
    from types import SimpleNamespace

    con = sqlite3.connect(os.environ["BENCH_DB"], isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA busy_timeout=30000")
    buffer = SimpleNamespace(secret=bytes.fromhex(os.environ["BENCH_SECRET"]))
    values = ", ".join(f"value ->> {i}" for i in range(len(_CLICK_COLUMNS)))
    insert = f"INSERT INTO clicks ({', '.join(_CLICK_COLUMNS)}) SELECT {values} FROM json_each(?)"
    update = (
        "UPDATE links SET click_count = click_count + j.n"
        " FROM (SELECT value ->> 0 AS id, value ->> 1 AS n FROM json_each(?)) AS j"
        " WHERE links.id = j.id"
    )
    stdin = sys.stdin.buffer
    while True:
        head = stdin.read(8)
        if len(head) < 8:
            break
        batch = marshal.loads(stdin.read(int.from_bytes(head, "little")))  # noqa: S302 - our own pipe
        rows, human = _rows(buffer, batch, _sqlite_timestamp)
        con.execute("BEGIN IMMEDIATE")
        con.execute(insert, (json.dumps(rows, separators=(",", ":")),))
        if human:
            con.execute(update, (json.dumps(list(human.items())),))
        con.execute("COMMIT")
    con.close()


# --- the runner ---------------------------------------------------------------------------

GRANIAN = ["--interface", "asgi", "--factory", "--workers", "1", "--log-level", "warning"]
BIG_BATCHES = {"YUTANG_CLICK_FLUSH_INTERVAL": "1", "YUTANG_CLICK_BATCH_SIZE": "50000"}
NO_CHANNEL_INDEX = ["DROP INDEX ix_clicks_channel_time"]
NO_CLICK_INDEXES = [*NO_CHANNEL_INDEX, "DROP INDEX ix_clicks_link_time", "DROP INDEX ix_clicks_ws_time"]

#: name -> (factory, extra granian options, extra environment, SQL run on the database
#: first); factory "" runs the real `yutang serve`.
VARIANTS: dict[str, tuple[str, list[str], dict[str, str], list[str]]] = {
    "yutang-serve": ("", [], {}, []),
    "baseline": ("baseline", [], {}, []),
    "http1-no-ws": ("baseline", ["--http", "1", "--no-ws"], {}, []),
    "rust-tasks": ("baseline", ["--task-impl", "rust"], {}, []),
    "big-batches": ("baseline", [], BIG_BATCHES, []),
    "no-clicks": ("no_clicks", [], {}, []),
    "safe-stop": ("safe_stop", [], {}, []),
    "driver-flush": ("driver_flush", [], {}, []),
    "driver-no-count": ("driver_flush_no_update", [], {}, []),
    "thread-flush": ("thread_flush", [], {}, []),
    "json-flush": ("json_flush", [], {}, []),
    "json-big-batches": ("json_flush", [], BIG_BATCHES, []),
    "json-no-chan-ix": ("json_flush", [], {}, NO_CHANNEL_INDEX),
    "json-no-ix": ("json_flush", [], {}, NO_CLICK_INDEXES),
    "pipe-writer": ("pipe_writer", [], {}, []),
    "core-load": ("core_load", [], {}, []),
    "sync-load": ("sync_load", [], {}, []),
    "bare-asgi": ("bare_asgi", [], {}, []),
    "bare-rsgi": ("bare_rsgi", ["--interface", "rsgi"], {}, []),
}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    rb.common_args(p, deadline=600)
    p.add_argument("--cold", action="store_true", help="also measure the cold (cache-miss) path")
    p.add_argument(
        "--stop-immediately",
        action="store_true",
        help="stop each server right after the load, while its click buffer is still flushing",
    )
    p.add_argument("variants", nargs="*", help=f"some of: {', '.join(VARIANTS)} (default: all)")
    args = p.parse_args()
    unknown = [v for v in args.variants if v not in VARIANTS]
    if unknown:
        p.error(f"unknown variants {unknown}; choose from {list(VARIANTS)}")
    args.variants = args.variants or list(VARIANTS)
    rb.install_deadline(args.deadline)
    rb.check_tools()
    bench = rb.Bench(args)
    rows: list[tuple[str, dict[str, Any], dict[str, Any] | None, dict[str, Any] | None]] = []
    try:
        nginx = bench.nginx()
        for i, name in enumerate(args.variants):
            factory, extra, extra_env, prep = VARIANTS[name]
            port = rb.free_port()
            env, db, _ = bench.database(port, name=f"{name}-{i}")
            env.update(extra_env)
            if prep:
                con = sqlite3.connect(db)
                for sql in prep:
                    con.execute(sql)
                con.close()
            if factory:
                env["PYTHONPATH"] = str(Path(__file__).resolve().parent)
                cmd = [
                    str(rb.VENV_BIN / "granian"),
                    *GRANIAN,
                    *extra,
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    f"redirect_variants:{factory}",
                ]
            else:
                cmd = [
                    str(rb.VENV_BIN / "yutang"),
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--no-worker",
                    "--no-migrate",
                ]
            if factory.startswith("bare_"):
                proc = bench.procs.start(name, cmd, env=env, cwd=bench.tmp)
                bench.server_pid = proc.pid
                rb.wait_for_port(port, proc, 30, name)
                runs = {"warmup": bench.wrk(port, args.warmup, "seq", 1, args.hot, f"{name} warm-up")}
                runs["warm"] = bench.wrk(port, args.duration, "seq", 1, args.hot, f"{name} warm")
                bench.procs.stop(proc, signal.SIGINT)
                rows.append((name, runs["warm"], None, None))
                continue
            proc = bench.serve(cmd, env, port, name)
            runs = bench.yutang(port, cold=args.cold, name=name)
            clicks = bench.stop_and_count(proc, db, runs, drain=not args.stop_immediately)
            rows.append((name, runs["warm"], clicks, runs.get("cold")))
            if not args.keep:
                db.unlink(missing_ok=True)
    finally:
        signal.alarm(0)
        bench.close()

    lines = [
        "",
        f"variants, wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s, "
        f"{args.links:,} links, {args.hot:,} warm slugs",
        f"{'':<16}{'req/s':>10}{'vs nginx':>10}{'p50 ms':>9}{'p99 ms':>9}{'srv cpu':>9}"
        "   clicks written / responses (twice), catch-up s, stop s",
        f"{'nginx':<16}{nginx['rps']:>10,.0f}{1:>10.3f}{nginx['p50_us'] / 1e3:>9.2f}"
        f"{nginx['p99_us'] / 1e3:>9.2f}{nginx['cpu']['server']:>8.0f}%",
    ]
    for name, r, c, cold in rows:
        written = (
            f"{c['clicks_written']:,} / {c['requests_completed']:,} ({c['duplicate_clicks']:,}), "
            f"{c['drain_seconds']}, {c['stop_seconds']}"
            if c
            else "-"
        )
        lines.append(
            f"{name:<16}{r['rps']:>10,.0f}{r['rps'] / nginx['rps']:>10.3f}"
            f"{r['p50_us'] / 1e3:>9.2f}{r['p99_us'] / 1e3:>9.2f}{r['cpu']['server']:>8.0f}%   {written}"
            + (f"; cold {cold['rps']:,.0f} req/s, p99 {cold['p99_us'] / 1e3:.0f} ms" if cold else "")
        )
    text = "\n".join(lines) + "\n"
    print(text)
    rb.OUT_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (rb.OUT_DIR / f"redirect-variants-{stamp}.log").write_text(text + "\n" + "\n".join(bench.raw))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except rb.BenchError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        sys.exit(1)
    except (rb.Deadline, KeyboardInterrupt) as exc:
        print(f"bench: aborted: {exc or 'interrupted'}", file=sys.stderr)
        sys.exit(124 if isinstance(exc, rb.Deadline) else 130)
