"""Slug → destination cache for the redirect path, invalidated on every edit.

Each process holds its caches in memory. An edit invalidates them after commit
(``link_cache.invalidate``), and — when Redis is configured — publishes the key so
that every other process drops it too. A generation counter stops a slow loader
from re-inserting an entry that was invalidated while it read the database.
"""

from __future__ import annotations

import logging
import threading
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from yutang.kit.db import unit_of_work
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


class LinkCache:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.domains: dict[str, DomainInfo] | None = None
        self.links: dict[tuple[str, str], Entry | None] = {}
        self.generation = 0
        self._lock = threading.Lock()
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
        async with unit_of_work(readonly=True, engine=self.engine) as s:
            link = await s.scalar(select(Link).where(Link.domain_id == domain.id, Link.slug == slug))
            if link is None:
                return None
            targets: tuple[Target, ...] = ()
            if link.kind == "live":
                rows = await s.scalars(
                    select(LiveCodeTarget)
                    .where(
                        LiveCodeTarget.link_id == link.id,
                        LiveCodeTarget.enabled.is_(True),
                        LiveCodeTarget.weight > 0,
                    )
                    .order_by(LiveCodeTarget.id)
                )
                targets = tuple(Target(t.id, t.destination, t.weight, t.daily_cap) for t in rows.all())
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

    def drop(self, host: str, slug: str) -> None:
        with self._lock:
            self.generation += 1
            self.links.pop((host, slug), None)

    def drop_domains(self) -> None:
        with self._lock:
            self.generation += 1
            self.domains = None
            self.links.clear()


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
