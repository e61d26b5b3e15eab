"""Points benchmark: pgbench's simple-update (``-N``) against Yutang's points earn+redeem.

Run by ``make bench-points`` (``bash bench/points.sh``), which sets up the environment and
starts a throwaway PostgreSQL on 127.0.0.1 (``scripts/services.sh``). Run directly
without ``--pg-url``, this script starts one itself the same way. On that one server, in
one run, with the same number of clients C:

1. **pgbench**: ``pgbench -i -s 10`` in a database of its own, a warm-up, then
   ``pgbench -N -c C -j J -T D`` (the built-in "simple update": per transaction one
   UPDATE of ``pgbench_accounts``, one SELECT, one INSERT into ``pgbench_history``);
2. **Yutang**: another database migrated with Alembic, one workspace, M members (a few
   through the members service, the rest by bulk insert, each with a sealed
   ``customer_id`` identity), each given an opening balance with ``points.earn``.
   Then C clients — asyncio tasks over ``yutang.kit.db.unit_of_work``, spread over
   ``--procs`` Python processes (default: one per core), each with its own engine —
   loop for D seconds: pick a random member, ``points.earn`` 10 points (expiring in a
   year) in one unit of work, ``points.spend`` 5 in the next. Every committed earn or
   spend counts as one transaction, like one pgbench transaction: the service layer with
   its row lock, lots, allocations, ledger entries and outbox events, as the API runs it.

``ratio = Yutang tps / pgbench tps``, goal ≥ 0.5. After the run the ledger must add up:
``yutang.doctor.check_workspace`` finds nothing, and the entries and balances
match the transactions the clients counted.

Next to each run the CPU used by PostgreSQL (postmaster and backends), by the client
(pgbench, or the Python processes), by interrupts (loopback softirq) and by everything
else is printed: a figure for "other" well above a few percent means something else ran
and the numbers are suspect. The summary goes to stdout and to
``bench/out/points-<timestamp>.{json,log}``.

For the analysis, ``--variant sql`` runs the same clients with the rows of an earn and a
redeem written by hand-written SQL over a bare asyncpg pool instead of the service (see
``_sql_ops``); ``--no-pre-ping``, ``--loop asyncio`` and ``--procs`` vary the rest.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import random
import re
import resource
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchkit import (
    CLK_TCK,
    BenchError,
    Deadline,
    background_load,
    install_deadline,
    log,
    machine_times,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench" / "out"
GOAL = 0.5
#: Two databases of their own per run (pid: runs may share a server given by --pg-url).
PGBENCH_DB = f"bench_pgbench_{os.getpid()}"
POINTS_DB = f"bench_points_{os.getpid()}"

T = TypeVar("T")


def _bench_env() -> None:
    """Settings Yutang reads in this process (and in the client processes, which inherit them)."""
    for key in [k for k in os.environ if k.startswith("YUTANG_")]:
        del os.environ[key]
    os.environ["YUTANG_SECRET_KEY"] = "bench-points"  # noqa: S105 - a throwaway database
    os.environ["YUTANG_LOG_LEVEL"] = "warning"


# --- CPU accounting -------------------------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2 :].split()  # rest[0] is field 3 (state)


def tree_cpu(root: int) -> int:
    """Jiffies of ``root`` and its direct children, with the children they have reaped.

    For the postmaster: its own time, the backends alive now, and (cutime/cstime) the
    backends that have exited since it started. Sampled twice, the difference is the
    CPU the whole server used in between, connections that came and went included.
    """
    total = 0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        rest = _stat(int(d.name))
        if rest is None or (int(d.name) != root and int(rest[1]) != root):
            continue
        total += sum(int(x) for x in rest[11:15])  # utime, stime, cutime, cstime (14-17)
    return total


def _rusage(who: int) -> float:
    ru = resource.getrusage(who)
    return ru.ru_utime + ru.ru_stime


@dataclass
class CpuSample:
    t: float
    busy: int
    irq: int
    pg: int
    own: float  # this process, seconds
    children: float  # reaped children (pgbench), seconds

    @classmethod
    def take(cls, postmaster: int) -> CpuSample:
        busy, irq = machine_times()
        return cls(
            time.monotonic(),
            busy,
            irq,
            tree_cpu(postmaster),
            _rusage(resource.RUSAGE_SELF),
            _rusage(resource.RUSAGE_CHILDREN),
        )


def cpu_split(a: CpuSample, b: CpuSample, client_seconds: float | None = None) -> dict[str, float]:
    """% of one core used between two samples by postgres, the client, this script, the rest.

    "irq" is interrupt time no process is charged for: on loopback, mostly the softirq
    work of delivering packets. "other" is everything else: other people's processes.

    ``client_seconds``: CPU of the client processes (the Python clients report their own);
    default: children of this process reaped in between (pgbench).
    """
    wall = b.t - a.t
    client = (b.children - a.children) if client_seconds is None else client_seconds
    own = b.own - a.own
    pg = (b.pg - a.pg) / CLK_TCK
    busy = (b.busy - a.busy) / CLK_TCK
    irq = (b.irq - a.irq) / CLK_TCK

    def pct(s: float) -> float:
        return round(100 * s / wall, 1) if wall > 0 else 0.0

    return {
        "postgres": pct(pg),
        "client": pct(client),
        "bench": pct(own),
        "irq": pct(irq),
        "other": pct(max(0.0, busy - pg - client - own - irq)),
        "total": pct(busy),
        "postgres_s": round(pg, 3),
        "client_s": round(client, 3),
        "wall_s": round(wall, 3),
    }


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


# --- the server ------------------------------------------------------------------------------


@dataclass
class Server:
    url: str  # postgresql+asyncpg://user@127.0.0.1:port/db, the database we may connect to
    host: str
    port: int
    user: str

    def db_url(self, name: str) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.url).set(database=name).render_as_string(hide_password=False)


def start_server(svc: Path) -> Server:
    """No ``--pg-url``: start PostgreSQL (and Redis, unused) with scripts/services.sh in ``svc``."""
    log(f"starting PostgreSQL with scripts/services.sh in {svc}")
    res = subprocess.run(
        ["bash", str(ROOT / "scripts" / "services.sh"), "up", str(svc)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    sys.stderr.write(res.stderr)
    if res.returncode != 0:
        raise BenchError("scripts/services.sh up failed")
    env: dict[str, str] = {}
    for line in res.stdout.splitlines():
        parts = shlex.split(line)
        if len(parts) == 2 and parts[0] == "export" and "=" in parts[1]:
            k, v = parts[1].split("=", 1)
            env[k] = v
    url = env.get("YUTANG_TEST_PG_URL")
    if not url:
        raise BenchError(f"no YUTANG_TEST_PG_URL from scripts/services.sh: {res.stdout!r}")
    return server_from_url(url)


def stop_server(svc: Path) -> None:
    """Stop what scripts/services.sh started in ``svc`` and remove it (idempotent)."""
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "services.sh"), "down", str(svc)], timeout=120, check=False
    )


def server_from_url(url: str) -> Server:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.get_backend_name() != "postgresql":
        raise BenchError(f"--pg-url must be a PostgreSQL URL, not {url!r}")
    if u.host not in ("127.0.0.1", "localhost", "::1"):
        raise BenchError(f"the benchmark runs on loopback only, not on {u.host!r}")
    if u.drivername != "postgresql+asyncpg":
        u = u.set(drivername="postgresql+asyncpg")
    return Server(
        url=u.render_as_string(hide_password=False),
        host=u.host or "127.0.0.1",
        port=u.port or 5432,
        user=u.username or "postgres",
    )


def find_pgbench(given: str | None) -> str:
    if given:
        return given
    cands = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pgbench"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if cands:
        return str(cands[-1])
    found = shutil.which("pgbench")
    if found is None:
        raise BenchError("pgbench not found (bench/points.sh installs PostgreSQL, which ships it)")
    return found


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


async def _admin(server: Server, drop: bool = False) -> dict[str, Any]:
    """Create (``drop``: remove) the two databases; the server's version and postmaster pid."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(server.url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            for name in (PGBENCH_DB, POINTS_DB):
                if drop:
                    await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                else:
                    await conn.execute(text(f'CREATE DATABASE "{name}"'))
            if drop:
                return {}
            version = str(await conn.scalar(text("SELECT version()")))
            backend = int(await conn.scalar(text("SELECT pg_backend_pid()")) or 0)
            rest = _stat(backend)  # while the backend lives
            settings = {
                name: str(await conn.scalar(text(f"SHOW {name}")))
                for name in (
                    "shared_buffers",
                    "fsync",
                    "synchronous_commit",
                    "full_page_writes",
                    "max_connections",
                )
            }
    finally:
        await engine.dispose()
    if rest is None:
        raise BenchError("cannot see the PostgreSQL backend in /proc: is the server on this machine?")
    return {"version": version, "postmaster_pid": int(rest[1]), "settings": settings}


# --- pgbench ---------------------------------------------------------------------------------


def _pg_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def pgbench_init(pgbench: str, server: Server, scale: int) -> dict[str, Any]:
    cmd = [pgbench, "-h", server.host, "-p", str(server.port), "-U", server.user]
    t0 = time.monotonic()
    res = subprocess.run(
        [*cmd, "-i", "-q", "-s", str(scale), PGBENCH_DB],
        capture_output=True,
        text=True,
        env=_pg_env(),
        timeout=300,
        check=False,
    )
    if res.returncode != 0:
        raise BenchError(f"pgbench -i failed ({res.returncode}):\n{res.stdout}{res.stderr}")
    took = round(time.monotonic() - t0, 2)
    log(f"pgbench -i -s {scale}: {took}s")
    return {"scale": scale, "seconds": took}


def pgbench_run(
    pgbench: str,
    server: Server,
    args: argparse.Namespace,
    seconds: float,
    postmaster: int,
    raw: list[str],
    label: str,
) -> dict[str, Any]:
    # No -l: pgbench's per-transaction log costs it ~8 % of its tps here; its summary has
    # the mean latency only.
    cmd = [
        pgbench,
        "-h",
        server.host,
        "-p",
        str(server.port),
        "-U",
        server.user,
        "-N",
        "-c",
        str(args.clients),
        "-j",
        str(args.threads),
        "-T",
        str(max(1, round(seconds))),
        PGBENCH_DB,
    ]
    a = CpuSample.take(postmaster)
    res = subprocess.run(
        cmd, capture_output=True, text=True, env=_pg_env(), timeout=seconds + 120, check=False
    )
    b = CpuSample.take(postmaster)
    shown = " ".join(cmd[7:-1])
    raw.append(f"$ pgbench {shown}   # {label}\n{res.stdout}{res.stderr}")
    if res.returncode != 0:
        raise BenchError(f"pgbench failed ({res.returncode}):\n{res.stdout}{res.stderr}")
    m = re.search(r"^tps = ([\d.]+)", res.stdout, re.M)
    if not m:
        raise BenchError(f"no tps in pgbench's output:\n{res.stdout}")
    processed = re.search(r"number of transactions actually processed: (\d+)", res.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", res.stdout)
    avg = re.search(r"latency average = ([\d.]+) ms", res.stdout)
    cpu = cpu_split(a, b)
    tps = float(m.group(1))
    r: dict[str, Any] = {
        "command": f"pgbench {shown}",
        "tps": tps,
        "transactions": int(processed.group(1)) if processed else None,
        "failed": int(failed.group(1)) if failed else 0,
        "latency_avg_ms": float(avg.group(1)) if avg else 0.0,
        "cpu": cpu,
    }
    if r["transactions"]:
        r["postgres_cpu_us_per_tx"] = round(1e6 * cpu["postgres_s"] / r["transactions"], 1)
        r["client_cpu_us_per_tx"] = round(1e6 * cpu["client_s"] / r["transactions"], 1)
    log(
        f"{label:<18} {tps:>9,.0f} tps   mean {r['latency_avg_ms']:.2f} ms   "
        f"cpu: postgres {cpu['postgres']:.0f}% pgbench {cpu['client']:.0f}% irq {cpu['irq']:.0f}% "
        f"other {cpu['other']:.0f}%"
    )
    return r


# --- Yutang: schema, workspace, members, opening balances -------------------------------------


def make_engine(url: str, pool: int, pre_ping: bool) -> AsyncEngine:
    """An engine configured like ``yutang.kit.db.create_engine`` for PostgreSQL, pool >= ``pool``."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from yutang.kit import db

    return create_async_engine(
        url,
        pool_size=max(pool, 1),
        max_overflow=max(pool, 1),
        pool_pre_ping=pre_ping,
        json_serializer=db._dumps,
    )


def migrate(url: str) -> float:
    """Alembic upgrade head, as tests/conftest.py does (env.py runs its own event loop)."""
    from alembic import command
    from alembic.config import Config

    t0 = time.monotonic()
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["url"] = url
    command.upgrade(cfg, "head")
    return round(time.monotonic() - t0, 2)


async def seed(url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Workspace, members and their opening balances; returns ids and timings."""
    from sqlalchemy import insert

    from yutang.kit import crypto
    from yutang.kit.context import SYSTEM, Ctx
    from yutang.kit.db import unit_of_work
    from yutang.loyalty import service as points
    from yutang.members import service as members
    from yutang.members.schemas import MemberIn
    from yutang.models.base import utcnow
    from yutang.models.members import Member, MemberIdentity
    from yutang.workspaces import service as workspaces

    engine = make_engine(url, args.clients, pre_ping=True)
    out: dict[str, Any] = {}
    try:
        t0 = time.monotonic()
        async with unit_of_work(engine=engine) as s:
            ws = await workspaces.create_workspace(
                s, "积分压测 Points bench", "points-bench", link_domain="pb.local"
            )
            ws_id = ws.id
        ids: list[int] = []
        via_service = min(args.service_members, args.members)
        async with unit_of_work(engine=engine) as s:
            ctx = Ctx(s, ws_id, SYSTEM)
            for i in range(via_service):
                m = await members.create_member(
                    ctx,
                    MemberIn(phone=f"139{i:08d}", name=f"会员 {i}", consents={"marketing": True}),
                    via="bench",
                )
                ids.append(m.id)
        keys = crypto.keyring()
        for start in range(via_service, args.members, 2000):
            now = utcnow()
            batch = range(start, min(start + 2000, args.members))
            rows = [
                {
                    "workspace_id": ws_id,
                    "anonymous_id": secrets.token_hex(16),
                    "joined_at": now,
                    "last_active_at": now,
                }
                for _ in batch
            ]
            async with unit_of_work(engine=engine) as s:
                new = list(
                    await s.scalars(insert(Member).returning(Member.id, sort_by_parameter_order=True), rows)
                )
                idents = []
                for mid, i in zip(new, batch, strict=True):
                    cid = f"bench-{i:07d}"
                    idents.append(
                        {
                            "workspace_id": ws_id,
                            "member_id": mid,
                            "kind": "customer_id",
                            "value_hash": keys.blind_index(ws_id, "customer_id", cid),
                            "value_sealed": keys.seal("identity.customer_id", cid),
                        }
                    )
                await s.execute(insert(MemberIdentity), idents)
            ids.extend(new)
        out["members_seconds"] = round(time.monotonic() - t0, 2)
        log(
            f"workspace {ws_id}: {len(ids):,} members ({via_service} through the service) "
            f"in {out['members_seconds']}s"
        )

        # Opening balances through the service: C tasks, 200 members per unit of work.
        t0 = time.monotonic()

        async def opening(chunk: list[int]) -> None:
            for i in range(0, len(chunk), 200):
                async with unit_of_work(engine=engine) as s:
                    ctx = Ctx(s, ws_id, SYSTEM)
                    for mid in chunk[i : i + 200]:
                        await points.earn(ctx, mid, args.opening, reason="bench: opening balance")

        if args.opening > 0:
            await asyncio.gather(*(opening(ids[k :: args.clients]) for k in range(args.clients)))
        out["opening_seconds"] = round(time.monotonic() - t0, 2)
        log(f"opening balance of {args.opening} points for {len(ids):,} members in {out['opening_seconds']}s")
        out["workspace_id"] = ws_id
        out["member_ids"] = ids
        return out
    finally:
        await engine.dispose()


# --- Yutang: the clients ---------------------------------------------------------------------


@dataclass
class ClientConfig:
    index: int
    url: str
    workspace_id: int
    member_ids: list[int]
    clients: int
    warmup: float
    duration: float
    earn: int
    spend: int
    pre_ping: bool
    loop: str
    seed: int
    variant: str


def client_process(cfg: ClientConfig, ready: Queue[Any], go: Queue[Any], out: Queue[Any]) -> None:
    """Entry point of one client process (``multiprocessing`` spawn)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us (SIGTERM)
    result: dict[str, Any]
    try:
        main = _clients(cfg, ready, go)
        if cfg.loop == "uvloop":
            import uvloop

            result = uvloop.run(main)
        else:
            result = asyncio.run(main)
    except BaseException as exc:
        result = {"index": cfg.index, "error": f"{type(exc).__name__}: {exc}"}
        ready.put(("error", cfg.index, result["error"]))
    out.put(result)


Op = Callable[[str, int], Awaitable[None]]


async def _service_ops(cfg: ClientConfig) -> tuple[Op, Callable[[], Awaitable[None]]]:
    """The real thing: ``points.earn`` / ``points.spend``, one ``unit_of_work`` each."""
    from yutang.kit.context import SYSTEM, Ctx
    from yutang.kit.db import unit_of_work
    from yutang.loyalty import service as points
    from yutang.models.base import utcnow

    engine = make_engine(cfg.url, cfg.clients, cfg.pre_ping)
    # Open the pool's connections now, not during the measurement.
    conns = await asyncio.gather(*(engine.connect() for _ in range(cfg.clients)))
    for conn in conns:
        await conn.close()
    expires = utcnow() + timedelta(days=365)

    async def op(kind: str, member_id: int) -> None:
        async with unit_of_work(engine=engine) as s:
            ctx = Ctx(s, cfg.workspace_id, SYSTEM)
            if kind == "earn":
                await points.earn(ctx, member_id, cfg.earn, reason="bench: earn", expires_at=expires)
            else:
                await points.spend(ctx, member_id, cfg.spend, reason="bench: redeem")

    return op, engine.dispose


async def _sql_ops(cfg: ClientConfig) -> tuple[Op, Callable[[], Awaitable[None]]]:
    """For the analysis only: the rows ``points.earn`` / ``points.spend`` write in this
    benchmark (same statements, same order, same round trips minus the pool's ping),
    hand-written over a bare asyncpg pool: no ORM, no SQLAlchemy. It covers only what the
    benchmark does (no dedupe keys, pending lots, expiry or debt), and ``verify`` checks
    its ledger like the service's."""
    import asyncpg  # type: ignore[import-untyped]
    from sqlalchemy.engine import make_url

    from yutang.models.base import utcnow

    u = make_url(cfg.url)
    pool = await asyncpg.create_pool(
        host=u.host,
        port=u.port,
        user=u.username,
        database=u.database,
        min_size=cfg.clients,
        max_size=cfg.clients,
    )
    ws = cfg.workspace_id
    expires = utcnow() + timedelta(days=365)

    async def entry(conn: Any, mid: int, kind: str, amount: int, after: int, reason: str) -> int:
        return int(
            await conn.fetchval(
                "INSERT INTO points_entries (workspace_id, member_id, kind, amount, pending_delta, "
                "balance_after, reason, actor, created_at) "
                "VALUES ($1, $2, $3, $4, 0, $5, $6, 'system', $7) RETURNING id",
                ws,
                mid,
                kind,
                amount,
                after,
                reason,
                utcnow(),
            )
        )

    async def event(conn: Any, kind: str, payload: dict[str, Any]) -> None:
        await conn.execute(
            "INSERT INTO outbox_events (workspace_id, type, payload, attempts, created_at) "
            "VALUES ($1, $2, $3::json, 0, $4)",
            ws,
            kind,
            json.dumps(payload),
            utcnow(),
        )

    async def op(kind: str, mid: int) -> None:
        now = utcnow()
        async with pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                "SELECT status, points_balance FROM members WHERE workspace_id = $1 AND id = $2 FOR UPDATE",
                ws,
                mid,
            )
            if row is None or row["status"] != "active":
                raise BenchError(f"member {mid} missing or not active")
            balance = int(row["points_balance"])
            if kind == "earn":
                balance += cfg.earn
                eid = await entry(conn, mid, "earn", cfg.earn, balance, "bench: earn")
                await conn.execute(
                    "UPDATE members SET points_balance = $1, updated_at = $2 WHERE id = $3", balance, now, mid
                )
                await conn.execute(
                    "INSERT INTO points_lots (workspace_id, member_id, entry_id, amount, remaining, state, "
                    "expires_at, created_at) VALUES ($1, $2, $3, $4, $4, 'available', $5, $6)",
                    ws,
                    mid,
                    eid,
                    cfg.earn,
                    expires,
                    now,
                )
                payload = {
                    "member_id": mid,
                    "entry_id": eid,
                    "points": cfg.earn,
                    "pending": False,
                    "kind": "earn",
                }
                await event(conn, "points.earned", payload)
                return
            due = await conn.fetch(
                "SELECT id FROM points_lots WHERE member_id = $1 AND state = 'available' AND remaining > 0 "
                "AND expires_at <= $2 ORDER BY id",
                mid,
                now,
            )
            if due or balance < cfg.spend:
                raise BenchError(
                    f"member {mid}: lots due to expire or too few points (not in this benchmark)"
                )
            balance -= cfg.spend
            eid = await entry(conn, mid, "spend", -cfg.spend, balance, "bench: redeem")
            await conn.execute(
                "UPDATE members SET points_balance = $1, updated_at = $2 WHERE id = $3", balance, now, mid
            )
            lots = await conn.fetch(
                "SELECT id, remaining FROM points_lots WHERE member_id = $1 AND state = 'available' "
                "AND remaining > 0 AND (expires_at IS NULL OR expires_at > $2) "
                "ORDER BY expires_at IS NULL, expires_at, id",
                mid,
                now,
            )
            need = cfg.spend
            for lot in lots:
                if need == 0:
                    break
                part = min(int(lot["remaining"]), need)
                need -= part
                await conn.execute(
                    "INSERT INTO points_allocations (entry_id, lot_id, amount) VALUES ($1, $2, $3)",
                    eid,
                    lot["id"],
                    part,
                )
                left = int(lot["remaining"]) - part
                await conn.execute(
                    "UPDATE points_lots SET remaining = $1, state = $2 WHERE id = $3",
                    left,
                    "closed" if left == 0 else "available",
                    lot["id"],
                )
            await event(conn, "points.spent", {"member_id": mid, "entry_id": eid, "points": cfg.spend})

    return op, pool.close


async def _clients(cfg: ClientConfig, ready: Queue[Any], go: Queue[Any]) -> dict[str, Any]:
    op, close = await (_sql_ops(cfg) if cfg.variant == "sql" else _service_ops(cfg))
    try:
        ready.put(("ready", cfg.index, os.getpid()))
        start_at = float(go.get(timeout=120))
        window_start = start_at + cfg.warmup
        window_end = window_start + cfg.duration
        lat: dict[str, list[float]] = {"earn": [], "spend": []}
        committed: Counter[str] = Counter()
        errors: Counter[str] = Counter()
        first_error: list[str] = []
        cpu: dict[str, float] = {}

        async def meter() -> None:
            await asyncio.sleep(max(0.0, window_start - time.monotonic()))
            cpu["start"], cpu["t0"] = time.process_time(), time.monotonic()
            await asyncio.sleep(max(0.0, window_end - time.monotonic()))
            cpu["end"], cpu["t1"] = time.process_time(), time.monotonic()

        async def one(kind: str, member_id: int) -> None:
            t0 = time.monotonic()
            try:
                await op(kind, member_id)
            except Exception as exc:
                errors[type(exc).__name__] += 1
                if not first_error:
                    first_error.append(f"{kind}: {type(exc).__name__}: {exc}")
                return
            t1 = time.monotonic()
            committed[kind] += 1
            if window_start <= t1 < window_end:
                committed[f"{kind}_in_window"] += 1
                lat[kind].append((t1 - t0) * 1000)

        async def client(i: int) -> None:
            rnd = random.Random(cfg.seed * 1000 + cfg.index * 100 + i)
            ids = cfg.member_ids
            while time.monotonic() < window_end:
                mid = ids[rnd.randrange(len(ids))]
                await one("earn", mid)
                if time.monotonic() >= window_end:
                    break
                await one("spend", mid)

        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        await asyncio.gather(meter(), *(client(i) for i in range(cfg.clients)))
        return {
            "index": cfg.index,
            "pid": os.getpid(),
            "clients": cfg.clients,
            "committed": dict(committed),
            "errors": dict(errors),
            "first_error": first_error[0] if first_error else None,
            "latency_ms": lat,
            "cpu_s": cpu.get("end", 0.0) - cpu.get("start", 0.0),
            "window_s": cpu.get("t1", 0.0) - cpu.get("t0", 0.0),
        }
    finally:
        await close()


class Clients:
    """The client processes of one Yutang run."""

    def __init__(self) -> None:
        self.procs: list[BaseProcess] = []

    def stop(self) -> None:
        for p in self.procs:
            if p.is_alive():
                p.terminate()
        for p in self.procs:
            p.join(5)
            if p.is_alive():
                p.kill()
                p.join(5)
        self.procs = []


def yutang_run(
    server: Server, args: argparse.Namespace, seeded: dict[str, Any], postmaster: int, clients: Clients
) -> dict[str, Any]:
    procs = max(1, min(args.procs, args.clients))
    per = [args.clients // procs + (1 if i < args.clients % procs else 0) for i in range(procs)]
    mp = multiprocessing.get_context("spawn")
    ready: Queue[Any] = mp.Queue()
    go: Queue[Any] = mp.Queue()
    out: Queue[Any] = mp.Queue()
    url = server.db_url(POINTS_DB)
    for i, n in enumerate(per):
        cfg = ClientConfig(
            index=i,
            url=url,
            workspace_id=seeded["workspace_id"],
            member_ids=seeded["member_ids"],
            clients=n,
            warmup=args.warmup,
            duration=args.duration,
            earn=args.earn,
            spend=args.spend,
            pre_ping=not args.no_pre_ping,
            loop=args.loop,
            seed=args.seed,
            variant=args.variant,
        )
        p: BaseProcess = mp.Process(
            target=client_process, args=(cfg, ready, go, out), name=f"points-client-{i}", daemon=True
        )
        p.start()
        clients.procs.append(p)
    for _ in per:
        msg = ready.get(timeout=120)
        if msg[0] != "ready":
            raise BenchError(f"client process {msg[1]} failed to start: {msg[2]}")
    start_at = time.monotonic() + 0.5
    for _ in per:
        go.put(start_at)
    log(
        f"yutang: {args.clients} clients in {procs} process(es) {per}, {args.loop}, "
        f"warm-up {args.warmup:g}s, measuring {args.duration:g}s"
    )
    window_start = start_at + args.warmup
    time.sleep(max(0.0, window_start - time.monotonic()))
    a = CpuSample.take(postmaster)
    time.sleep(max(0.0, window_start + args.duration - time.monotonic()))
    b = CpuSample.take(postmaster)
    results = [out.get(timeout=120) for _ in per]
    for p in clients.procs:
        p.join(30)
    clients.procs = []
    failed = [r for r in results if "error" in r]
    if failed:
        raise BenchError(f"client process failed: {failed[0]['error']}")
    committed: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    lat: dict[str, list[float]] = {"earn": [], "spend": []}
    cpu_s = 0.0
    for r in results:
        committed.update(r["committed"])
        errors.update(r["errors"])
        for k in lat:
            lat[k].extend(r["latency_ms"][k])
        cpu_s += r["cpu_s"]
    window = max(r["window_s"] for r in results) or args.duration
    tx = committed["earn_in_window"] + committed["spend_in_window"]
    both = lat["earn"] + lat["spend"]
    cpu = cpu_split(a, b, client_seconds=cpu_s)
    res: dict[str, Any] = {
        "procs": procs,
        "clients_per_proc": per,
        "loop": args.loop,
        "variant": args.variant,
        "pool_pre_ping": not args.no_pre_ping and args.variant == "service",
        "tps": tx / window,
        "pairs_per_s": committed["spend_in_window"] / window,
        "transactions": tx,
        "earn": committed["earn_in_window"],
        "spend": committed["spend_in_window"],
        "committed_total": {"earn": committed["earn"], "spend": committed["spend"]},
        "errors": dict(errors),
        "first_error": next((r["first_error"] for r in results if r["first_error"]), None),
        "window_s": round(window, 3),
        "p50_ms": round(percentile(both, 50), 3),
        "p99_ms": round(percentile(both, 99), 3),
        "earn_p50_ms": round(percentile(lat["earn"], 50), 3),
        "earn_p99_ms": round(percentile(lat["earn"], 99), 3),
        "spend_p50_ms": round(percentile(lat["spend"], 50), 3),
        "spend_p99_ms": round(percentile(lat["spend"], 99), 3),
        "cpu": cpu,
    }
    if tx:
        res["postgres_cpu_us_per_tx"] = round(1e6 * cpu["postgres_s"] / tx, 1)
        res["client_cpu_us_per_tx"] = round(1e6 * cpu["client_s"] / tx, 1)
    log(
        f"{'yutang earn+spend':<18} {res['tps']:>9,.0f} tps   p50 {res['p50_ms']:.2f} ms   "
        f"p99 {res['p99_ms']:.2f} ms   pairs/s {res['pairs_per_s']:,.0f}   "
        f"cpu: postgres {cpu['postgres']:.0f}% python {cpu['client']:.0f}% irq {cpu['irq']:.0f}% "
        f"other {cpu['other']:.0f}%" + (f"   ERRORS {dict(errors)}" if errors else "")
    )
    return res


async def verify(
    url: str, args: argparse.Namespace, seeded: dict[str, Any], run: dict[str, Any]
) -> dict[str, Any]:
    """``doctor.check_workspace`` plus: the ledger holds exactly what the clients committed."""
    from sqlalchemy import func, select

    from yutang import doctor
    from yutang.kit.db import unit_of_work
    from yutang.models.loyalty import PointsEntry
    from yutang.models.members import Member

    ws_id = seeded["workspace_id"]
    engine = make_engine(url, 1, pre_ping=True)
    try:
        t0 = time.monotonic()
        async with unit_of_work(engine=engine, readonly=True) as s:
            findings = await doctor.check_workspace(s, ws_id)
            took = round(time.monotonic() - t0, 2)
            kinds = dict(
                (
                    await s.execute(
                        select(PointsEntry.kind, func.count())
                        .where(PointsEntry.workspace_id == ws_id)
                        .group_by(PointsEntry.kind)
                    )
                ).all()
            )
            balance = int(
                await s.scalar(
                    select(func.coalesce(func.sum(Member.points_balance), 0)).where(
                        Member.workspace_id == ws_id
                    )
                )
                or 0
            )
    finally:
        await engine.dispose()
    n = len(seeded["member_ids"])
    earns, spends = run["committed_total"]["earn"], run["committed_total"]["spend"]
    expected_kinds = {"earn": earns + (n if args.opening > 0 else 0), "spend": spends}
    expected_balance = n * args.opening + earns * args.earn - spends * args.spend
    problems = [f"{f.check} {f.subject}: {f.detail}" for f in findings]
    if {k: int(v) for k, v in kinds.items()} != expected_kinds:
        problems.append(f"ledger entries by kind {kinds}, clients committed {expected_kinds}")
    if balance != expected_balance:
        problems.append(f"sum of balances {balance}, expected {expected_balance}")
    log(
        f"doctor.check_workspace: {len(findings)} finding(s) in {took}s; "
        f"entries {kinds}, sum of balances {balance:,}"
        + ("" if not problems else f"   PROBLEMS: {problems[:5]}")
    )
    return {
        "findings": len(findings),
        "problems": problems[:50],
        "entries": kinds,
        "balance_sum": balance,
        "ok": not problems,
        "seconds": took,
    }


# --- the run ---------------------------------------------------------------------------------


def machine_info(pgbench: str, pg_version: str) -> dict[str, Any]:
    cpu = "unknown"
    mem_gib = 0.0
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with suppress(OSError, ValueError, IndexError):
        mem_gib = round(int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024, 1)

    def version(cmd: list[str]) -> str:
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=10, check=False)
        except OSError:
            return "not found"
        text = (res.stdout + res.stderr).strip().splitlines()
        return text[0] if text else "?"

    from importlib.metadata import version as dist_version

    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "mem_gib": mem_gib,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgres": pg_version,
        "pgbench": version([pgbench, "--version"]),
        "sqlalchemy": dist_version("sqlalchemy"),
        "asyncpg": dist_version("asyncpg"),
        "uvloop": dist_version("uvloop"),
        "commit": version(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
        "dirty": bool(
            subprocess.run(
                ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
        ),
    }


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--clients", type=int, default=8, help="C: pgbench -c, and Yutang's concurrent clients")
    p.add_argument("--threads", type=int, default=0, help="pgbench -j (default: min(C, cores))")
    p.add_argument(
        "--procs", type=int, default=0, help="Python processes for Yutang's clients (default: min(C, cores))"
    )
    p.add_argument("--duration", type=float, default=10, help="D: seconds of each measured run")
    p.add_argument("--warmup", type=float, default=3, help="seconds of warm-up before each measured run")
    p.add_argument("--scale", type=int, default=10, help="pgbench -i -s")
    p.add_argument("--members", type=int, default=10_000, help="members in Yutang's workspace")
    p.add_argument("--service-members", type=int, default=20, help="of those, created through the service")
    p.add_argument("--opening", type=int, default=1000, help="opening balance of every member (points.earn)")
    p.add_argument("--earn", type=int, default=10, help="points per earn")
    p.add_argument("--spend", type=int, default=5, help="points per redeem")
    p.add_argument(
        "--loop", choices=("uvloop", "asyncio"), default="uvloop", help="event loop of the clients"
    )
    p.add_argument(
        "--no-pre-ping", action="store_true", help="engine without pool_pre_ping (Yutang's has it)"
    )
    p.add_argument(
        "--variant",
        choices=("service", "sql"),
        default="service",
        help="service: points.earn/spend (the benchmark); sql: the same rows by hand-written SQL (analysis)",
    )
    p.add_argument("--seed", type=int, default=20261124)
    p.add_argument(
        "--pg-url", default=os.environ.get("YUTANG_BENCH_PG_URL"), help="a running server (loopback)"
    )
    p.add_argument("--pgbench", default=None, help="the pgbench binary")
    p.add_argument("--deadline", type=float, default=240, help="abort after this many seconds")
    args = p.parse_args()
    if args.clients < 1 or args.members < 1 or args.procs < 0:
        p.error("--clients and --members must be at least 1")
    if args.spend > args.earn + args.opening:
        p.error("--spend must not exceed --earn + --opening")
    # One pgbench thread, one Python process per core (as one would run API workers).
    if args.threads <= 0:
        args.threads = max(1, min(args.clients, os.cpu_count() or 1))
    if args.procs <= 0:
        args.procs = max(1, min(args.clients, os.cpu_count() or 1))
    return args


def main() -> int:
    args = parse_args()
    install_deadline(args.deadline)
    _bench_env()
    pgbench = find_pgbench(args.pgbench)
    result: dict[str, Any] = {
        "benchmark": "points",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "params": {k: v for k, v in vars(args).items() if k not in ("pg_url", "pgbench", "deadline")},
        "background_load_pct": background_load(),
    }
    if result["background_load_pct"] > 20:
        log(f"warning: the machine is {result['background_load_pct']:.0f}% busy before the run")
    raw: list[str] = []
    server: Server | None = None
    svc: Path | None = None  # where scripts/services.sh runs the server we started
    clients = Clients()
    try:
        if args.pg_url:
            server = server_from_url(args.pg_url)
        else:
            # Right under /tmp: as root, services.sh hands it to the `postgres` user.
            svc = Path(tempfile.mkdtemp(prefix="yutang-bench-points-pg-"))
            server = start_server(svc)
        admin = run_async(_admin(server))
        postmaster = admin["postmaster_pid"]
        result["machine"] = machine_info(pgbench, admin["version"])
        result["postgres_settings"] = admin["settings"]
        log(
            f"{admin['version'].split(' on ')[0]} on {server.host}:{server.port}, postmaster pid {postmaster}"
        )

        result["pgbench_init"] = pgbench_init(pgbench, server, args.scale)
        url = server.db_url(POINTS_DB)
        result["migrate_seconds"] = migrate(url)
        log(f"alembic upgrade head: {result['migrate_seconds']}s")
        seeded = run_async(seed(url, args))
        result["seed"] = {k: v for k, v in seeded.items() if k != "member_ids"}
        result["seed"]["members"] = len(seeded["member_ids"])

        pgbench_run(pgbench, server, args, args.warmup, postmaster, raw, "pgbench warm-up")
        result["pgbench"] = pgbench_run(pgbench, server, args, args.duration, postmaster, raw, "pgbench -N")
        result["yutang"] = yutang_run(server, args, seeded, postmaster, clients)
        result["verify"] = run_async(verify(url, args, seeded, result["yutang"]))
        result["ratio"] = (
            result["yutang"]["tps"] / result["pgbench"]["tps"] if result["pgbench"]["tps"] else 0.0
        )
        result["goal"] = GOAL
        result["met"] = result["ratio"] >= GOAL
    finally:
        signal.alarm(0)
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)  # let the clean-up finish
        clients.stop()
        if server is not None and svc is None and "machine" in result:
            try:  # a server we were given: leave it as we found it
                run_async(_admin(server, drop=True))
            except Exception as exc:
                log(f"warning: could not drop {PGBENCH_DB} / {POINTS_DB}: {exc}")
        if svc is not None:
            stop_server(svc)
    report(result, raw)
    if result["yutang"]["errors"] or not result["verify"]["ok"] or result["pgbench"]["failed"]:
        print(
            "bench: error: failed transactions or a ledger that does not add up: not valid", file=sys.stderr
        )
        return 1
    return 0


def report(result: dict[str, Any], raw: list[str]) -> None:
    pg, y, m, v = result["pgbench"], result["yutang"], result["machine"], result["verify"]
    doctor_said = "clean" if v["findings"] == 0 else f"{v['findings']} finding(s)"
    prm = result["params"]
    lines = [
        "",
        f"Points benchmark  {result['date']}  commit {m['commit']}" + (" (dirty)" if m["dirty"] else ""),
        f"machine: {m['nproc']} cores, {m['cpu']}, {m['mem_gib']} GiB; {m['postgres'].split(',')[0]}; "
        f"Python {m['python']}, SQLAlchemy {m['sqlalchemy']}, asyncpg {m['asyncpg']}",
        f"postgres: {', '.join(f'{k}={v}' for k, v in result['postgres_settings'].items())}",
        f"{prm['clients']} clients, {prm['duration']:g}s after {prm['warmup']:g}s warm-up; "
        f"machine {result['background_load_pct']:.0f}% busy before the run",
        "",
        f"{'':<34}{'tps':>9}  {'latency ms':<22}cpu % of one core: postgres / client / irq / other",
    ]

    def row(label: str, r: dict[str, Any]) -> str:
        c = r["cpu"]
        if "p50_ms" in r:
            latency = f"p50 {r['p50_ms']:.2f} p99 {r['p99_ms']:.2f}"
        else:
            latency = f"mean {r['latency_avg_ms']:.2f}"
        return (
            f"{label:<34}{r['tps']:>9,.0f}  {latency:<22}"
            f"{c['postgres']:.0f} / {c['client']:.0f} / {c['irq']:.0f} / {c['other']:.0f}"
        )

    lines.append(row(f"pgbench -N -c {prm['clients']} -j {prm['threads']} -T {prm['duration']:g}", pg))
    lines.append(row(f"yutang earn+spend ({y['procs']} proc, {y['loop']})", y))
    lines += [
        "",
        f"pgbench -N tps:        {pg['tps']:,.0f}   ({pg['command']})",
        f"yutang tps:            {y['tps']:,.0f}   ({y['earn']:,} earns + {y['spend']:,} redeems in "
        f"{y['window_s']:.1f}s; {y['pairs_per_s']:,.0f} earn+redeem pairs/s; "
        f"{y['procs']} Python process(es), {y['loop']}, pool_pre_ping {y['pool_pre_ping']})",
        f"ratio:                 {result['ratio']:.3f}   (goal >= {result['goal']}: "
        + ("met" if result["met"] else "NOT met")
        + ")",
        f"yutang latency:        earn p50 {y['earn_p50_ms']:.2f} / p99 {y['earn_p99_ms']:.2f} ms, "
        f"redeem p50 {y['spend_p50_ms']:.2f} / p99 {y['spend_p99_ms']:.2f} ms",
        f"cpu per transaction:   postgres {pg.get('postgres_cpu_us_per_tx', 0):.0f} us (pgbench) vs "
        f"{y.get('postgres_cpu_us_per_tx', 0):.0f} us (yutang); "
        f"client {pg.get('client_cpu_us_per_tx', 0):.0f} us (pgbench) vs "
        f"{y.get('client_cpu_us_per_tx', 0):.0f} us (python)",
        f"ledger:                doctor {doctor_said}; "
        f"entries {v['entries']}; sum of balances {v['balance_sum']:,}: "
        + ("adds up" if v["ok"] else "DOES NOT ADD UP: " + "; ".join(v["problems"][:3])),
    ]
    if y["errors"]:
        lines.append(f"yutang errors:         {y['errors']} (first: {y['first_error']})")
    lines.append("")
    text = "\n".join(lines)
    print(text, flush=True)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stamp = result["date"].replace(":", "").replace("-", "")[:15]
    (OUT_DIR / f"points-{stamp}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    (OUT_DIR / f"points-{stamp}.log").write_text(text + "\n\n" + "\n".join(raw))
    (OUT_DIR / "points-latest.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"results: {OUT_DIR.relative_to(ROOT)}/points-{stamp}.{{json,log}}", flush=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        sys.exit(1)
    except (Deadline, KeyboardInterrupt) as exc:
        print(f"bench: aborted: {exc or 'interrupted'}", file=sys.stderr)
        sys.exit(124 if isinstance(exc, Deadline) else 130)
