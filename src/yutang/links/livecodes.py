"""Live codes (活码): pick a target by weight among those under today's cap.

Counters are exact under concurrency: a visit counts only if an atomic
"increment unless at cap" succeeds — a conditional upsert in the database on the
embedded default, a Lua script in Redis when Redis is configured.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from yutang.kit.db import unit_of_work
from yutang.links.cache import Entry, Target
from yutang.models.links import LiveCodeCounter

REDIS_TTL = 3 * 24 * 3600
_INCR_UNDER_CAP = """
local c = tonumber(redis.call('GET', KEYS[1]) or '0')
if ARGV[1] ~= '' and c >= tonumber(ARGV[1]) then return -1 end
c = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return c
"""


class Counters(Protocol):
    async def try_increment(self, target_id: int, day: date, cap: int | None) -> bool: ...

    async def counts(self, target_ids: Sequence[int], day: date) -> dict[int, int]: ...


class DatabaseCounters:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def try_increment(self, target_id: int, day: date, cap: int | None) -> bool:
        table = LiveCodeCounter.__table__
        assert isinstance(table, Table)
        async with unit_of_work(engine=self.engine) as s:
            ins: Any = (pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert)(table)
            stmt = ins.values(target_id=target_id, day=day, count=1)
            stmt = stmt.on_conflict_do_update(
                index_elements=[table.c.target_id, table.c.day],
                set_={"count": table.c.count + 1},
                where=(table.c.count < cap) if cap is not None else None,
            ).returning(table.c.count)
            if cap is not None and cap < 1:
                return False
            row = (await s.execute(stmt)).first()
            return row is not None

    async def counts(self, target_ids: Sequence[int], day: date) -> dict[int, int]:
        if not target_ids:
            return {}
        async with unit_of_work(readonly=True, engine=self.engine) as s:
            rows = await s.execute(
                select(LiveCodeCounter.target_id, LiveCodeCounter.count).where(
                    LiveCodeCounter.target_id.in_(list(target_ids)), LiveCodeCounter.day == day
                )
            )
            return {t: c for t, c in rows.all()}


class RedisCounters:
    def __init__(self, redis_url: str) -> None:
        import redis.asyncio as aioredis

        self.client = aioredis.Redis.from_url(redis_url)
        self.script = self.client.register_script(_INCR_UNDER_CAP)

    @staticmethod
    def key(target_id: int, day: date) -> str:
        return f"yutang:live:{target_id}:{day.isoformat()}"

    async def try_increment(self, target_id: int, day: date, cap: int | None) -> bool:
        result = await self.script(
            keys=[self.key(target_id, day)], args=["" if cap is None else cap, REDIS_TTL]
        )
        return int(result) > 0

    async def counts(self, target_ids: Sequence[int], day: date) -> dict[int, int]:
        if not target_ids:
            return {}
        values = await self.client.mget([self.key(t, day) for t in target_ids])
        return {t: int(v) for t, v in zip(target_ids, values, strict=True) if v is not None}

    async def close(self) -> None:
        await self.client.aclose()


def local_day(entry: Entry, now: float) -> date:
    return datetime.fromtimestamp(now, entry.tz).date()


async def pick_target(
    counters: Counters, entry: Entry, day: date, rng: random.Random | None = None
) -> Target | None:
    """A target drawn by weight among those that still take visitors today, or None."""
    rng = rng or random.Random()
    candidates = [t for t in entry.targets if t.weight > 0]
    while candidates:
        target = rng.choices(candidates, weights=[t.weight for t in candidates])[0]
        if await counters.try_increment(target.id, day, target.daily_cap):
            return target
        candidates.remove(target)
    return None
