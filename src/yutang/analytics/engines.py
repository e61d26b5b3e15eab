"""Where a report runs: the embedded DuckDB store, or ClickHouse.

A :class:`Reader` answers rows for a report's SQL (:mod:`yutang.analytics.query`
writes it in the engine's dialect): :class:`DuckReader` here, or
:class:`yutang.analytics.clickhouse.ClickHouseReader` when ``YUTANG_ANALYTICS_URL`` names
a ClickHouse (:func:`reader_of` picks).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from yutang.analytics import query, store
from yutang.config import Settings


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


def synced_at(reader: Reader, source: str = "click") -> datetime | None:
    """When the sync last saved its position for ``source`` (what the store holds of it
    is as fresh as that); None before the first sync. DuckDB keeps the time in ``meta``;
    on ClickHouse a position's ``version`` is the time it was saved, in nanoseconds."""
    if reader.dialect == "clickhouse":
        found = reader.rows("SELECT max(version) FROM sync_state WHERE source = :source", {"source": source})
        ns = int(found[0][0] or 0) if found else 0
        return datetime.fromtimestamp(ns / 1e9, UTC) if ns else None
    found = reader.rows("SELECT value FROM meta WHERE key = :key", {"key": f"synced_at.{source}"})
    return datetime.fromisoformat(found[0][0]) if found else None


def reader_of(settings: Settings) -> Reader:
    """The reports' engine: ClickHouse when ``analytics_url`` names one, else the file."""
    if settings.analytics_url:
        from yutang.analytics.clickhouse import ClickHouseTarget

        return ClickHouseTarget(settings.analytics_url).reader()
    return DuckReader(settings.resolved_analytics_path())


def target_of(settings: Settings) -> store.Target:
    """Where the sync writes: the same choice as :func:`reader_of`."""
    if settings.analytics_url:
        from yutang.analytics.clickhouse import ClickHouseTarget

        return ClickHouseTarget(settings.analytics_url)
    return store.DuckTarget(settings.resolved_analytics_path())
