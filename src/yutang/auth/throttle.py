"""Sign-in rate limits with a lockout, per account and per client IP.

Every attempt is counted *before* the password is checked, so a burst of parallel
guesses is limited as strictly as a sequence. When a key has seen more attempts than
its limit inside the window it is locked out for ``lockout`` seconds: every attempt,
the right password included, is refused (429 with ``Retry-After``) without checking
the password. A successful sign-in clears the account's count and gives back its
attempt on the IP's count (so an office behind one address is not locked by its own
sign-ins).

The account key is a hash of the normalised e-mail, counted whether or not a user has
that e-mail: the answer never tells which e-mails exist. Counters live in Redis when
``redis_url`` is configured (shared by every process), else in the process.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Policy:
    account_limit: int = 5
    ip_limit: int = 20
    window: int = 900
    lockout: int = 900


@dataclass(frozen=True)
class Key:
    name: str
    limit: int
    #: True for the account's key: cleared on success (the IP's key gives one back).
    account: bool


def keys_for(policy: Policy, email: str, ip: str | None) -> list[Key]:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    keys = [Key(f"yt:signin:acct:{digest}", policy.account_limit, True)]
    if ip:
        keys.append(Key(f"yt:signin:ip:{ip}", policy.ip_limit, False))
    return keys


class Throttle(Protocol):
    policy: Policy

    async def attempt(self, keys: list[Key]) -> int:
        """Count an attempt; the seconds to wait if it is refused, else 0."""
        ...

    async def succeeded(self, keys: list[Key]) -> None: ...

    async def clear(self) -> None: ...


class MemoryThrottle:
    """One process's counters: the embedded default."""

    MAX_KEYS = 100_000

    def __init__(self, policy: Policy, clock: Any = time.monotonic) -> None:
        self.policy = policy
        self.clock = clock
        #: key → [attempts, expires at, locked]
        self.counters: dict[str, list[Any]] = {}

    async def attempt(self, keys: list[Key]) -> int:
        now = self.clock()
        if len(self.counters) > self.MAX_KEYS:
            self.counters = {k: v for k, v in self.counters.items() if v[1] > now}
        wait = 0
        for key in keys:
            entry = self.counters.get(key.name)
            if entry is None or entry[1] <= now:
                entry = self.counters[key.name] = [0, now + self.policy.window, False]
            entry[0] += 1
            if entry[0] > key.limit:
                if not entry[2]:
                    entry[1], entry[2] = now + self.policy.lockout, True
                wait = max(wait, max(1, round(entry[1] - now)))
        return wait

    async def succeeded(self, keys: list[Key]) -> None:
        for key in keys:
            if key.account:
                self.counters.pop(key.name, None)
            elif (entry := self.counters.get(key.name)) is not None and entry[0] > 0:
                entry[0] -= 1

    async def clear(self) -> None:
        self.counters.clear()


# KEYS: counter names; ARGV: window, lockout, then each key's limit.
# Returns the seconds to wait (0: go ahead).
_ATTEMPT = """
local wait = 0
for i, key in ipairs(KEYS) do
  local c = redis.call('INCR', key)
  if c == 1 then redis.call('EXPIRE', key, ARGV[1]) end
  local limit = tonumber(ARGV[i + 2])
  if c > limit then
    if c == limit + 1 then redis.call('EXPIRE', key, ARGV[2]) end
    local ttl = redis.call('TTL', key)
    if ttl < 1 then ttl = 1 end
    if ttl > wait then wait = ttl end
  end
end
return wait
"""

_SUCCEEDED = """
for i, key in ipairs(KEYS) do
  if ARGV[i] == '1' then
    redis.call('DEL', key)
  elseif tonumber(redis.call('GET', key) or '0') > 0 then
    redis.call('DECR', key)
  end
end
return 0
"""


class RedisThrottle:
    """Counters shared by every process through Redis (atomic Lua scripts)."""

    def __init__(self, policy: Policy, redis_url: str) -> None:
        import redis.asyncio as aioredis

        self.policy = policy
        self.client = aioredis.Redis.from_url(redis_url)
        self._attempt = self.client.register_script(_ATTEMPT)
        self._succeeded = self.client.register_script(_SUCCEEDED)

    async def attempt(self, keys: list[Key]) -> int:
        args = [self.policy.window, self.policy.lockout, *(k.limit for k in keys)]
        return int(await self._attempt(keys=[k.name for k in keys], args=args))

    async def succeeded(self, keys: list[Key]) -> None:
        await self._succeeded(keys=[k.name for k in keys], args=["1" if k.account else "0" for k in keys])

    async def clear(self) -> None:
        names = [n async for n in self.client.scan_iter(match="yt:signin:*")]
        if names:
            await self.client.delete(*names)

    async def close(self) -> None:
        await self.client.aclose()


def make_throttle(policy: Policy, redis_url: str | None) -> Throttle:
    return RedisThrottle(policy, redis_url) if redis_url else MemoryThrottle(policy)
