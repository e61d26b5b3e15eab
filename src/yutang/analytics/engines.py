"""Where a report runs: the embedded DuckDB store, or ClickHouse.

A :class:`Reader` answers rows for a report's SQL (:mod:`yutang.analytics.query`
writes it in the engine's dialect). ClickHouse's table is the same facts table, as a
MergeTree partitioned by month and ordered for one workspace's scans of one type.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from yutang.analytics import query, store

CLICKHOUSE_SCHEMA = """
CREATE TABLE IF NOT EXISTS facts (
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
#: Settings every ClickHouse query of a report runs with: NULLs where a LEFT JOIN finds
#: nothing (as in DuckDB), not the type's default.
CLICKHOUSE_SETTINGS = {"join_use_nulls": 1}


class Reader(Protocol):
    dialect: query.Dialect

    def rows(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]: ...


class DuckReader:
    """The embedded store: each report opens the file read-only and closes it."""

    dialect: query.Dialect = "duckdb"

    def __init__(self, path: Path) -> None:
        self.path = path

    def rows(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        with store.connect(self.path) as con:
            return con.execute(query.render(sql, params, "duckdb")).fetchall()
