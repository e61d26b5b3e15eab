"""The event store at scale: ClickHouse, chosen by ``YUTANG_ANALYTICS_URL``.

The same facts as the embedded store (:mod:`yutang.analytics.store`), in a
ReplacingMergeTree partitioned by month and ordered for one workspace's scans of one
type, written in batches through clickhouse-connect. ClickHouse has no transaction to
commit a batch and the sync's position together, so exactly-once comes from the other
side: a fact's sort key is its identity (``source``, ``source_id`` with its workspace,
type and time), a batch written twice — a sync killed after its insert and before
saving its position, or two syncs at once — leaves two copies of the same key, and every
report reads with ``final = 1``, which collapses them (merges do the same in the
background). The position is written last.

``YUTANG_ANALYTICS_URL`` is a clickhouse-connect DSN: ``clickhouse://user:password@host:8123/db``
(HTTP; ``https://`` for TLS), or ``chdb://memory/db`` / ``chdb:///a/directory`` for
ClickHouse's engine in this process (chdb — what the tests run on). The database of a
``clickhouse://`` or ``chdb://memory/…`` URL is created when missing.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import clickhouse_connect
from clickhouse_connect.driver.client import Client

from yutang.analytics import query, store
from yutang.analytics.facts import COLUMNS, MEMBER_PROPS, Row

#: Settings every report runs with: NULLs where a LEFT JOIN finds nothing (as in DuckDB,
#: not the type's default), and each fact once however many times it was written.
READ_SETTINGS = {"join_use_nulls": 1, "final": 1}
FACTS = """
CREATE TABLE IF NOT EXISTS facts{suffix} (
    source       LowCardinality(String),
    source_id    Int64,
    workspace_id Int64,
    type         LowCardinality(String),
    occurred_at  DateTime64(6, 'UTC'),
    member_id    Nullable(Int64),
    visitor_id   Nullable(String),
    channel_id   Nullable(Int64),
    link_id      Nullable(Int64),
    campaign_id  Nullable(Int64),
    staff_id     Nullable(Int64),
    tier_id      Nullable(Int64),
    amount_cents Nullable(Int64),
    points       Nullable(Int64),
    is_bot       Bool,
    props        Nullable(String)
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (workspace_id, type, occurred_at, source, source_id)
"""
SYNC_STATE = """
CREATE TABLE IF NOT EXISTS sync_state{suffix} (
    source    String,
    watermark Int64,
    gaps      String,
    version   UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY source
"""
ERASED = """
CREATE TABLE IF NOT EXISTS erased{suffix} (
    workspace_id Int64,
    member_id    Nullable(Int64),
    visitor_id   Nullable(String)
) ENGINE = MergeTree
ORDER BY workspace_id
"""
#: Every visitor cookie once: the member it became and its first click (the lowest of
#: each, NULLs aside), merged by ClickHouse — a batch written twice changes nothing — and
#: read with ``final = 1`` like the facts (decision 0010).
VISITORS = """
CREATE TABLE IF NOT EXISTS visitors{suffix} (
    workspace_id Int64,
    visitor_id   String,
    member_id    SimpleAggregateFunction(min, Nullable(Int64)),
    first_click  SimpleAggregateFunction(min, Nullable(Int64))
) ENGINE = AggregatingMergeTree
ORDER BY (workspace_id, visitor_id)
"""
_FILL_VISITORS = """
INSERT INTO visitors{suffix}
SELECT workspace_id, assumeNotNull(visitor_id), min(member_id), min(if(source = 'click', source_id, NULL))
FROM facts{suffix} FINAL WHERE visitor_id IS NOT NULL GROUP BY workspace_id, visitor_id
"""
TABLES = ("facts", "sync_state", "erased", "visitors")

_clients: dict[str, Client] = {}
_clients_lock = threading.Lock()


def connect(url: str) -> Client:
    """A client of the store at ``url`` (one per URL and process, shared), its database
    created when missing."""
    with _clients_lock:
        found = _clients.get(url)
        if found is None:
            found = _clients[url] = _open(url)
        return found


def _open(url: str) -> Client:
    parts = urlsplit(url)
    database = parts.path.strip("/")
    if parts.scheme == "chdb":
        if parts.netloc != "memory":
            return clickhouse_connect.get_client(dsn=url)  # chdb:///directory: its default database
        client = clickhouse_connect.get_client(dsn="chdb://memory")
    else:  # a server: no session, so that report threads may query at once
        base = urlunsplit(parts._replace(path=""))
        client = clickhouse_connect.get_client(dsn=base, autogenerate_session_id=False)
    if database and database != "default":
        client.command(f"CREATE DATABASE IF NOT EXISTS `{database}`")
        client.database = database
    return client


def close_all() -> None:
    """Close every client of this process (tests, and before a fork)."""
    with _clients_lock:
        for client in _clients.values():
            client.close()
        _clients.clear()


class ClickHouseReader:
    """Reports on ClickHouse: the report's SQL in ClickHouse's dialect."""

    dialect: query.Dialect = "clickhouse"

    def __init__(self, client: Client) -> None:
        self.client = client

    def rows(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        text = query.render(sql, params, "clickhouse")
        found = self.client.query(text, settings=READ_SETTINGS).result_rows
        # DateTime64('UTC') may come back without its zone: give it back.
        return [
            tuple(v.replace(tzinfo=UTC) if isinstance(v, datetime) and v.tzinfo is None else v for v in row)
            for row in found
        ]


class ClickHouseBatch:
    """One batch's writes, each at once; the position last (see the module's note)."""

    def __init__(self, client: Client, suffix: str) -> None:
        self.client = client
        self.suffix = suffix

    def state(self, source: str) -> tuple[int, dict[int, float]]:
        found = self.client.query(
            f"SELECT watermark, gaps FROM sync_state{self.suffix} FINAL WHERE source = %(source)s",
            parameters={"source": source},
        ).result_rows
        if not found:
            return 0, {}
        gaps: dict[str, float] = json.loads(found[0][1])
        return int(found[0][0]), {int(k): float(v) for k, v in gaps.items()}

    def save_state(self, source: str, watermark: int, gaps: dict[int, float]) -> None:
        self.client.insert(
            f"sync_state{self.suffix}",
            [(source, watermark, json.dumps({str(k): v for k, v in sorted(gaps.items())}), time.time_ns())],
            column_names=["source", "watermark", "gaps", "version"],
        )

    def append(self, rows: Sequence[Row]) -> int:
        """Add facts; those of an erased member (or of a visitor cookie that was theirs)
        lose their member and visitor ids on the way in, and those whose props name an
        erased member lose that field."""
        if not rows:
            return 0
        member_at, visitor_at = COLUMNS.index("member_id"), COLUMNS.index("visitor_id")
        named = store.named_in_props(rows)
        members = sorted(
            {r[member_at] for r in rows if r[member_at] is not None}
            | {m for found in named.values() for m in found.values()}
        )
        visitors = sorted({r[visitor_at] for r in rows if r[visitor_at] is not None})
        gone: set[tuple[int, Any]] = set()
        if members or visitors:
            for ws, member_id, visitor_id in self.client.query(
                f"""SELECT workspace_id, member_id, visitor_id FROM erased{self.suffix}
                    WHERE has(%(members)s, member_id) OR has(%(visitors)s, visitor_id)""",
                parameters={"members": members or [0], "visitors": visitors or [""]},
            ).result_rows:
                gone.add((ws, member_id) if member_id is not None else (ws, visitor_id))
        ws_at = COLUMNS.index("workspace_id")
        source_at, id_at = COLUMNS.index("source"), COLUMNS.index("source_id")
        kept = []
        cookies: dict[tuple[int, str], list[int | None]] = {}
        for r in rows:
            if (r[ws_at], r[member_at]) in gone or (r[ws_at], r[visitor_at]) in gone:
                r = tuple(None if i in (member_at, visitor_at) else v for i, v in enumerate(r))
            kept.append(r)
            if r[visitor_at] is not None:
                seen = cookies.setdefault((r[ws_at], r[visitor_at]), [None, None])
                for at, value in ((0, r[member_at]), (1, r[id_at] if r[source_at] == "click" else None)):
                    if value is not None and (seen[at] is None or value < seen[at]):
                        seen[at] = value
        if named and gone:
            kept = store.untied(kept, named, {(ws, m) for ws, m in gone if isinstance(m, int)})
        self.client.insert(f"facts{self.suffix}", kept, column_names=list(COLUMNS))
        if cookies:  # after the facts: a batch cut short here is written again whole
            self.client.insert(
                f"visitors{self.suffix}",
                [(ws, v, m, c) for (ws, v), (m, c) in cookies.items()],
                column_names=["workspace_id", "visitor_id", "member_id", "first_click"],
            )
        return len(rows)

    def erase(self, workspace_id: int, member_id: int) -> None:
        """As the embedded store does: the member's facts lose their member and visitor
        ids, and the facts that name them in props lose that field (mutations, waited
        for); later ones will too. The member goes on the ``erased`` list first, so that a
        batch appended meanwhile is stripped on its way in or caught by the mutations.
        Erasing again changes nothing (a second ``erased`` row is the same as the first)."""
        facts = f"facts{self.suffix}"
        ids = {"ws": workspace_id, "member": member_id}
        visitors = [
            v
            for (v,) in self.client.query(
                f"""SELECT DISTINCT visitor_id FROM {facts}
                    WHERE workspace_id = %(ws)s AND member_id = %(member)s AND visitor_id IS NOT NULL""",
                parameters=ids,
                settings=READ_SETTINGS,
            ).result_rows
        ]
        self.client.insert(
            f"erased{self.suffix}",
            [(workspace_id, member_id, None), *((workspace_id, None, v) for v in visitors)],
            column_names=["workspace_id", "member_id", "visitor_id"],
        )
        wait = {"mutations_sync": 1}
        self.client.command(
            f"ALTER TABLE {facts} UPDATE member_id = NULL, visitor_id = NULL "
            "WHERE workspace_id = %(ws)s AND member_id = %(member)s",
            parameters=ids,
            settings=wait,
        )
        if visitors:
            self.client.command(
                f"ALTER TABLE {facts} UPDATE visitor_id = NULL "
                "WHERE workspace_id = %(ws)s AND has(%(v)s, visitor_id)",
                parameters={**ids, "v": visitors},
                settings=wait,
            )
        keys = {**ids, "keys": list(MEMBER_PROPS), "quoted": [f'"{k}"' for k in MEMBER_PROPS]}
        self.client.command(
            f"ALTER TABLE {facts} UPDATE props = {_PROPS_WITHOUT} "
            f"WHERE workspace_id = %(ws)s AND props IS NOT NULL "
            f"AND multiSearchAny(assumeNotNull(props), %(quoted)s) AND {_PROPS_NAME}",
            parameters=keys,
            settings=wait,
        )
        # their cookies are untied from every fact: no person is made of them any more
        self.client.command(
            f"ALTER TABLE visitors{self.suffix} DELETE "
            "WHERE workspace_id = %(ws)s AND (member_id = %(member)s OR has(%(v)s, visitor_id))",
            parameters={**ids, "v": visitors or [""]},
            settings=wait,
        )


#: The fields of a fact's props, raw (ClickHouse's JSON functions want a non-null string).
_FIELDS = "JSONExtractKeysAndValuesRaw(assumeNotNull(props))"
#: A field (``kv``: key, raw value) of MEMBER_PROPS that names the erased member.
_NAMES = "(has(%(keys)s, kv.1) AND toInt64OrNull(trim(BOTH '\"' FROM kv.2)) = %(member)s)"
_PROPS_NAME = f"arrayExists(kv -> {_NAMES}, {_FIELDS})"
#: The props written again without those fields (NULL when nothing is left).
_PROPS_WITHOUT = (
    "nullIf(concat('{', arrayStringConcat(arrayMap(kv -> concat(toJSONString(kv.1), ': ', kv.2), "
    f"arrayFilter(kv -> NOT {_NAMES}, {_FIELDS})), ', '), '}}'), '{{}}')"
)


class ClickHouseTarget:
    """The sync's target on ClickHouse (``suffix``: the tables a rebuild fills)."""

    def __init__(self, url: str, suffix: str = "") -> None:
        self.url = url
        self.suffix = suffix
        self._ready = False

    @property
    def client(self) -> Client:
        client = connect(self.url)
        if not self._ready:
            new = not client.command(f"EXISTS TABLE visitors{self.suffix}")
            for ddl in (FACTS, SYNC_STATE, ERASED, VISITORS):
                client.command(ddl.format(suffix=self.suffix))
            if new:  # tables made before visitors was: filled from the facts once
                client.command(_FILL_VISITORS.format(suffix=self.suffix))
            self._ready = True
        return client

    def describe(self) -> str:
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        return urlunsplit(parts._replace(netloc=host + (f":{parts.port}" if parts.port else "")))

    def paused(self) -> bool:
        return False  # a rebuild fills tables of its own; syncs go on meanwhile

    def writing(self) -> Any:
        return store.writing()

    @contextmanager
    def batch(self) -> Iterator[ClickHouseBatch]:
        yield ClickHouseBatch(self.client, self.suffix)

    def reader(self) -> ClickHouseReader:
        return ClickHouseReader(self.client)

    def counts(self) -> dict[str, Any]:
        client = self.client
        counted = client.query(
            f"SELECT source, count() FROM facts{self.suffix} GROUP BY source", settings=READ_SETTINGS
        )
        held: dict[str, int] = {str(s): int(n) for s, n in counted.result_rows}
        states = client.query(f"SELECT source, watermark, gaps FROM sync_state{self.suffix} FINAL")
        positions = {str(s): (int(w), len(json.loads(g))) for s, w, g in states.result_rows}
        return {"facts": held, "positions": positions}

    @asynccontextmanager
    async def rebuilding(self) -> AsyncIterator[ClickHouseTarget]:
        """Fresh tables to fill; swapped in (EXCHANGE TABLES, atomic) when whole. Facts a
        sync adds meanwhile to the live tables are in the new ones too, or come after
        the new position."""
        fresh = ClickHouseTarget(self.url, self.suffix + "_rebuild")
        client = self.client
        for table in TABLES:
            client.command(f"DROP TABLE IF EXISTS {table}{fresh.suffix}")
        yield fresh
        for table in TABLES:
            client.command(f"EXCHANGE TABLES {table}{self.suffix} AND {table}{fresh.suffix}")
            client.command(f"DROP TABLE IF EXISTS {table}{fresh.suffix}")
