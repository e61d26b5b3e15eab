"""Slug → destination cache for the redirect path, invalidated on every edit.

Each process holds its caches in memory. An edit invalidates them after commit
(``link_cache.invalidate``), and — when Redis is configured — publishes the key so
that every other process drops it too. A generation counter stops a slow loader
from re-inserting an entry that was invalidated while it read the database.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from yutang.kit.db import unit_of_work
from yutang.links.addresses import location_header
from yutang.models.links import Link, LinkDomain, LiveCodeTarget
from yutang.models.workspaces import Workspace

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

INVALIDATION_CHANNEL = "yutang:links:invalidate"
MAX_ENTRIES = 500_000


@dataclass(slots=True, frozen=True)
class DomainInfo:
    id: int
    workspace_id: int
    tz: ZoneInfo
    https: bool


@dataclass(slots=True, frozen=True)
class Target:
    id: int
    destination: str
    weight: int
    daily_cap: int | None


@dataclass(slots=True)
class Entry:
    link_id: int
    workspace_id: int
    channel_id: int | None
    kind: str
    destination: str
    status: int
    expires_at: float | None
    expired_url: str | None
    max_clicks: int | None
    exhausted_url: str | None
    fallback_url: str | None
    inactive: bool
    tz: ZoneInfo
    https: bool
    #: Human clicks counted so far (database count at load + clicks since).
    clicks: int = 0
    targets: tuple[Target, ...] = field(default_factory=tuple)
    #: ``destination`` as the bytes of a Location header, computed once.
    location: bytes = b""


class LinkCache:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.domains: dict[str, DomainInfo] | None = None
        self.links: dict[tuple[str, str], Entry | None] = {}
        self.generation = 0
        self._lock = threading.Lock()
        url = engine.url
        self._sqlite_path: str | None = (
            url.database
            if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
            else None
        )
        self._reader: sqlite3.Connection | None = None
        link_cache.register(self)

    async def domain(self, host: str) -> DomainInfo | None:
        domains = self.domains
        if domains is None:
            domains = await self.load_domains()
        return domains.get(host)

    async def load_domains(self) -> dict[str, DomainInfo]:
        gen = self.generation
        async with unit_of_work(readonly=True, engine=self.engine) as s:
            rows = await s.execute(
                select(LinkDomain, Workspace.timezone).join(
                    Workspace, Workspace.id == LinkDomain.workspace_id
                )
            )
            domains = {
                d.host: DomainInfo(d.id, d.workspace_id, ZoneInfo(tz), d.https) for d, tz in rows.all()
            }
        if gen == self.generation:
            self.domains = domains
        return domains

    async def get(self, host: str, slug: str, domain: DomainInfo) -> Entry | None:
        key = (host, slug)
        try:
            return self.links[key]
        except KeyError:
            pass
        gen = self.generation
        entry = await self._load(slug, domain)
        with self._lock:
            if gen == self.generation:
                if len(self.links) >= MAX_ENTRIES:
                    # Oldest first (dicts keep insertion order): cheap, close enough to LRU.
                    for old in list(self.links)[: MAX_ENTRIES // 10]:
                        self.links.pop(old, None)
                self.links[key] = entry
        return entry

    async def _load(self, slug: str, domain: DomainInfo) -> Entry | None:
        if self._sqlite_path is not None:
            return self._load_sqlite(slug, domain)
        async with self.engine.execution_options(yutang_readonly=True).connect() as conn:
            row = (
                await conn.execute(
                    select(*_LINK_COLUMNS).where(Link.domain_id == domain.id, Link.slug == slug)
                )
            ).first()
            if row is None:
                return None
            targets: list[Any] = []
            if row.kind == "live":
                targets = list((await conn.execute(_targets_query(row.id))).all())
        return _entry(row._mapping, targets, domain)

    def _load_sqlite(self, slug: str, domain: DomainInfo) -> Entry | None:
        """On SQLite, read on the event loop through a read-only connection of our own.

        A point lookup by a unique index takes tens of microseconds; going through the
        async driver's thread costs three thread hops, which under load made a cache miss
        ~25x slower than the query itself."""
        con = self._reader
        if con is None:
            uri = f"file:{self._sqlite_path}?mode=ro"
            con = self._reader = sqlite3.connect(uri, uri=True, check_same_thread=False)
            con.row_factory = sqlite3.Row
            con.execute("PRAGMA busy_timeout=5000")
        cols = ", ".join(c.name for c in _LINK_COLUMNS)
        row = con.execute(
            f"SELECT {cols} FROM links WHERE domain_id = ? AND slug = ?", (domain.id, slug)
        ).fetchone()
        if row is None:
            return None
        targets: list[Any] = []
        if row["kind"] == "live":
            targets = con.execute(
                "SELECT id, destination, weight, daily_cap FROM live_code_targets "
                "WHERE link_id = ? AND enabled = 1 AND weight > 0 ORDER BY id",
                (row["id"],),
            ).fetchall()
        values = dict(row)
        if values["expires_at"] is not None:
            values["expires_at"] = datetime.fromisoformat(values["expires_at"]).replace(tzinfo=UTC)
        return _entry(values, targets, domain)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def drop(self, host: str, slug: str) -> None:
        with self._lock:
            self.generation += 1
            self.links.pop((host, slug), None)

    def drop_domains(self) -> None:
        with self._lock:
            self.generation += 1
            self.domains = None
            self.links.clear()


_LINK_COLUMNS = (
    Link.id,
    Link.workspace_id,
    Link.channel_id,
    Link.kind,
    Link.destination,
    Link.redirect_status,
    Link.expires_at,
    Link.expired_url,
    Link.max_clicks,
    Link.exhausted_url,
    Link.fallback_url,
    Link.disabled,
    Link.archived,
    Link.click_count,
)


def _targets_query(link_id: int) -> Any:
    return (
        select(LiveCodeTarget.id, LiveCodeTarget.destination, LiveCodeTarget.weight, LiveCodeTarget.daily_cap)
        .where(
            LiveCodeTarget.link_id == link_id,
            LiveCodeTarget.enabled.is_(True),
            LiveCodeTarget.weight > 0,
        )
        .order_by(LiveCodeTarget.id)
    )


def _entry(row: Mapping[Any, Any], targets: Sequence[Any], domain: DomainInfo) -> Entry:
    expires: datetime | None = row["expires_at"]
    return Entry(
        link_id=row["id"],
        workspace_id=row["workspace_id"],
        channel_id=row["channel_id"],
        kind=row["kind"],
        destination=row["destination"],
        status=row["redirect_status"],
        expires_at=expires.timestamp() if expires else None,
        expired_url=row["expired_url"],
        max_clicks=row["max_clicks"],
        exhausted_url=row["exhausted_url"],
        fallback_url=row["fallback_url"],
        inactive=bool(row["disabled"]) or bool(row["archived"]),
        tz=domain.tz,
        https=domain.https,
        clicks=row["click_count"],
        targets=tuple(Target(t[0], t[1], t[2], t[3]) for t in targets),
        location=location_header(row["destination"]),
    )


class _Broadcast:
    """Invalidates every cache of this process, and of other processes through Redis."""

    def __init__(self) -> None:
        self._caches: weakref.WeakSet[LinkCache] = weakref.WeakSet()
        self.publisher: Any = None  # a sync redis client when Redis is configured

    def register(self, cache: LinkCache) -> None:
        self._caches.add(cache)

    def invalidate(self, host: str, slug: str) -> None:
        self.local_invalidate(host, slug)
        self._publish(f"link\n{host}\n{slug}")

    def invalidate_domains(self) -> None:
        self.local_invalidate_domains()
        self._publish("domains")

    def local_invalidate(self, host: str, slug: str) -> None:
        for cache in list(self._caches):
            cache.drop(host, slug)

    def local_invalidate_domains(self) -> None:
        for cache in list(self._caches):
            cache.drop_domains()

    def handle_message(self, message: str) -> None:
        kind, _, rest = message.partition("\n")
        if kind == "link":
            host, _, slug = rest.partition("\n")
            self.local_invalidate(host, slug)
        elif kind == "domains":
            self.local_invalidate_domains()

    def _publish(self, message: str) -> None:
        if self.publisher is None:
            return
        try:
            self.publisher.publish(INVALIDATION_CHANNEL, message)
        except Exception:
            log.exception("could not publish a cache invalidation")


link_cache = _Broadcast()


class RedisInvalidationListener:
    """A daemon thread applying invalidations published by other processes."""

    def __init__(self, redis_url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(redis_url)
        self.pubsub = self.client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        self.pubsub.subscribe(INVALIDATION_CHANNEL)
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="yutang-invalidation", daemon=True)

    def start(self) -> None:
        link_cache.publisher = self.client
        self.thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                msg = self.pubsub.get_message(timeout=0.5)
            except Exception:
                log.exception("invalidation listener lost Redis; retrying")
                self._stop.wait(1.0)
                continue
            if msg and msg.get("type") == "message":
                data = msg["data"]
                link_cache.handle_message(data.decode() if isinstance(data, bytes) else data)

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(timeout=2)
        if link_cache.publisher is self.client:
            link_cache.publisher = None
        self.pubsub.close()
        self.client.close()
