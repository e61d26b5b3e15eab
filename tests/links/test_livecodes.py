"""Live codes (活码): targets with weights and daily caps; exact counters under concurrency."""

from __future__ import annotations

import asyncio
import random
import secrets
from collections import Counter
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.links.conftest import LINKS
from yutang.kit.db import unit_of_work
from yutang.links import livecodes, service
from yutang.links.cache import Entry, LinkCache, Target
from yutang.links.livecodes import DatabaseCounters, RedisCounters, pick_target
from yutang.links.schemas import LinkIn, TargetIn
from yutang.models.links import LiveCodeCounter

DAY = date(2026, 3, 2)
NEXT_DAY = date(2026, 3, 3)
SHANGHAI = ZoneInfo("Asia/Shanghai")


async def _live_code(engine, tenant, targets: list[TargetIn], slug: str = "live") -> list[int]:
    """Create a live code; return its target ids in the given order."""
    async with unit_of_work(engine=engine) as s:
        ctx = tenant.ctx(s)
        link = await service.create_link(ctx, LinkIn(slug=slug, targets=targets))
        found = await service.link_targets(ctx, [link])
    return [t.id for t in found[link.id]]


async def _entry(engine, slug: str = "live") -> Entry:
    cache = LinkCache(engine)
    domain = await cache.domain("go.acme.test")
    assert domain is not None
    entry = await cache.get("go.acme.test", slug, domain)
    assert entry is not None
    return entry


async def _stored(engine, target_id: int, day: date = DAY) -> int | None:
    async with unit_of_work(readonly=True, engine=engine) as s:
        return await s.scalar(
            select(LiveCodeCounter.count).where(
                LiveCodeCounter.target_id == target_id, LiveCodeCounter.day == day
            )
        )


# --- through the API ---------------------------------------------------------------------


async def test_create_live_code_with_weighted_capped_targets(client, tenant):
    body = {
        "slug": "wx-group",
        "title": "加群活码",
        "targets": [
            {"label": "群1", "destination": "https://example.com/g1", "weight": 3, "daily_cap": 200},
            {"label": "群2", "destination": "https://example.com/g2", "weight": 1},
        ],
        "fallback_url": "https://example.com/full",
    }
    r = await client.post(LINKS, json=body, headers=tenant.headers)
    assert r.status_code == 201, r.text
    link = r.json()
    assert link["kind"] == "live"
    assert (link["url"], link["destination"]) == ("", "")
    assert link["fallback_url"] == "https://example.com/full"
    assert [
        (t["label"], t["destination"], t["weight"], t["daily_cap"], t["enabled"], t["today"])
        for t in link["targets"]
    ] == [
        ("群1", "https://example.com/g1", 3, 200, True, 0),
        ("群2", "https://example.com/g2", 1, None, True, 0),
    ]
    listed = await client.get(LINKS, params={"kind": "live"}, headers=tenant.headers)
    assert [lk["id"] for lk in listed.json()["data"]] == [link["id"]]


async def test_get_live_code_shows_todays_count_per_target(client, tenant, engine):
    r = await client.post(
        LINKS,
        json={
            "targets": [
                {"label": "a", "destination": "https://example.com/a", "daily_cap": 5},
                {"label": "b", "destination": "https://example.com/b"},
            ]
        },
        headers=tenant.headers,
    )
    link = r.json()
    a, b = (t["id"] for t in link["targets"])
    counters = DatabaseCounters(engine)
    today = datetime.now(SHANGHAI).date()
    for _ in range(3):
        assert await counters.try_increment(a, today, 5)
    got = await client.get(f"{LINKS}/{link['id']}", headers=tenant.headers)
    assert [(t["id"], t["today"]) for t in got.json()["targets"]] == [(a, 3), (b, 0)]


async def test_patch_targets_keeps_matching_labels_and_disables_removed_ones(client, tenant):
    r = await client.post(
        LINKS,
        json={
            "targets": [
                {"label": "a", "destination": "https://example.com/a", "weight": 1},
                {"label": "b", "destination": "https://example.com/b", "weight": 1},
            ]
        },
        headers=tenant.headers,
    )
    link = r.json()
    a_id, b_id = (t["id"] for t in link["targets"])
    r = await client.patch(
        f"{LINKS}/{link['id']}",
        json={
            "targets": [
                {"label": "a", "destination": "https://example.com/a2", "weight": 5, "daily_cap": 9},
                {"label": "c", "destination": "https://example.com/c", "weight": 2},
            ]
        },
        headers=tenant.headers,
    )
    assert r.status_code == 200, r.text
    targets = r.json()["targets"]
    assert [(t["label"], t["destination"], t["weight"], t["daily_cap"], t["enabled"]) for t in targets] == [
        ("a", "https://example.com/a2", 5, 9, True),
        ("b", "https://example.com/b", 0, None, False),
        ("c", "https://example.com/c", 2, None, True),
    ]
    assert [t["id"] for t in targets[:2]] == [a_id, b_id]


async def test_live_code_redirects_to_targets_until_all_are_full_then_to_fallback(client, tenant):
    body = {
        "slug": "full",
        "targets": [
            {"label": "a", "destination": "https://example.com/a", "daily_cap": 1},
            {"label": "b", "destination": "https://example.com/b", "daily_cap": 1},
        ],
        "fallback_url": "https://example.com/sorry",
    }
    assert (await client.post(LINKS, json=body, headers=tenant.headers)).status_code == 201
    ua = {"host": "go.acme.test", "user-agent": "Mozilla/5.0 (iPhone) Mobile Safari"}
    locations = [(await client.get("/full", headers=ua)).headers["location"] for _ in range(3)]
    assert sorted(locations[:2]) == ["https://example.com/a", "https://example.com/b"]
    assert locations[2] == "https://example.com/sorry"


async def test_refused_live_codes_answer_their_code_and_write_nothing(client, tenant, link_count):
    a = {"label": "a", "destination": "https://example.com/a"}
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"targets": []}, 400, "invalid_live_code"),
        ({"targets": [{**a, "weight": 0}]}, 400, "invalid_live_code"),
        ({"targets": [{**a, "enabled": False}]}, 400, "invalid_live_code"),
        ({"targets": [a, {"label": "b", "destination": "https://go.acme.test/x"}]}, 400, "destination_loop"),
        ({"targets": [a], "url": "https://example.com/"}, 422, "validation_error"),
        ({"targets": [{**a, "daily_cap": 0}]}, 422, "validation_error"),
        ({"targets": [{**a, "weight": -1}]}, 422, "validation_error"),
    ]
    for body, status, code in cases:
        r = await client.post(LINKS, json=body, headers=tenant.headers)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), body
        if code == "destination_loop":
            assert r.json()["error"]["details"]["field"] == "targets[1].destination"
    assert await link_count() == 0


async def test_patch_targets_on_a_plain_link_is_refused(client, tenant, create):
    link = await create(url="https://example.com/")
    r = await client.patch(
        f"{LINKS}/{link['id']}",
        json={"targets": [{"label": "a", "destination": "https://example.com/a"}]},
        headers=tenant.headers,
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "wrong_link_kind"
    got = await client.get(f"{LINKS}/{link['id']}", headers=tenant.headers)
    assert (got.json()["kind"], got.json()["targets"]) == ("link", None)


# --- counters and picking (service level) ------------------------------------------------


async def test_database_counter_is_exact_under_concurrency(engine, tenant):
    (target,) = await _live_code(
        engine, tenant, [TargetIn(label="a", destination="https://example.com/a", daily_cap=25)]
    )
    counters = DatabaseCounters(engine)
    results = await asyncio.gather(*(counters.try_increment(target, DAY, 25) for _ in range(60)))
    assert results.count(True) == 25
    assert results.count(False) == 35
    assert await _stored(engine, target) == 25
    assert await counters.counts([target], DAY) == {target: 25}


async def test_database_counter_without_cap_counts_every_call(engine, tenant):
    (target,) = await _live_code(engine, tenant, [TargetIn(label="a", destination="https://example.com/a")])
    counters = DatabaseCounters(engine)
    results = await asyncio.gather(*(counters.try_increment(target, DAY, None) for _ in range(30)))
    assert results == [True] * 30
    assert await _stored(engine, target) == 30


async def test_database_counter_starts_afresh_each_day(engine, tenant):
    (target,) = await _live_code(
        engine, tenant, [TargetIn(label="a", destination="https://example.com/a", daily_cap=2)]
    )
    counters = DatabaseCounters(engine)
    assert [await counters.try_increment(target, DAY, 2) for _ in range(3)] == [True, True, False]
    nxt = NEXT_DAY
    assert await counters.try_increment(target, nxt, 2) is True
    assert await counters.counts([target], DAY) == {target: 2}
    assert await counters.counts([target], nxt) == {target: 1}


async def test_pick_target_moves_on_when_a_target_is_full_and_returns_none_at_the_end(engine, tenant):
    a, b = await _live_code(
        engine,
        tenant,
        [
            TargetIn(label="a", destination="https://example.com/a", weight=100, daily_cap=2),
            TargetIn(label="b", destination="https://example.com/b", weight=1, daily_cap=3),
        ],
    )
    entry = await _entry(engine)
    counters = DatabaseCounters(engine)
    rng = random.Random(7)
    picked = [await pick_target(counters, entry, DAY, rng) for _ in range(5)]
    assert all(p is not None for p in picked)
    assert Counter(p.id for p in picked if p is not None) == {a: 2, b: 3}
    assert await pick_target(counters, entry, DAY, rng) is None
    assert await counters.counts([a, b], DAY) == {a: 2, b: 3}


async def test_pick_target_skips_disabled_and_zero_weight_targets(engine, tenant):
    _, b, _ = await _live_code(
        engine,
        tenant,
        [
            TargetIn(label="off", destination="https://example.com/off", enabled=False),
            TargetIn(label="on", destination="https://example.com/on"),
            TargetIn(label="zero", destination="https://example.com/zero", weight=0),
        ],
    )
    entry = await _entry(engine)
    counters = DatabaseCounters(engine)
    rng = random.Random(1)
    picked = {(await pick_target(counters, entry, DAY, rng)).id for _ in range(10)}  # type: ignore[union-attr]
    assert picked == {b}


async def test_pick_target_follows_the_weights(engine, tenant):
    light, heavy = await _live_code(
        engine,
        tenant,
        [
            TargetIn(label="light", destination="https://example.com/l", weight=1),
            TargetIn(label="heavy", destination="https://example.com/h", weight=3),
        ],
    )
    entry = await _entry(engine)
    counters = DatabaseCounters(engine)
    rng = random.Random(20260302)
    picks: Counter[int] = Counter()
    for _ in range(200):
        target = await pick_target(counters, entry, DAY, rng)
        assert target is not None
        picks[target.id] += 1
    # Deterministic for the seed, and within one standard deviation (6.1) of the
    # 50 : 150 that the 1 : 3 weights give on average.
    assert picks == {light: 55, heavy: 145}
    assert abs(picks[light] - 50) <= 6.2
    assert await counters.counts([light, heavy], DAY) == {light: 55, heavy: 145}


async def test_pick_target_with_every_target_full_is_none(engine, tenant):
    a, b = await _live_code(
        engine,
        tenant,
        [
            TargetIn(label="a", destination="https://example.com/a", daily_cap=1),
            TargetIn(label="b", destination="https://example.com/b", daily_cap=1),
        ],
    )
    counters = DatabaseCounters(engine)
    assert await counters.try_increment(a, DAY, 1)
    assert await counters.try_increment(b, DAY, 1)
    entry = await _entry(engine)
    assert await pick_target(counters, entry, DAY, random.Random(3)) is None
    assert await counters.counts([a, b], DAY) == {a: 1, b: 1}


async def test_concurrent_picks_never_exceed_the_caps(engine, tenant):
    a, b = await _live_code(
        engine,
        tenant,
        [
            TargetIn(label="a", destination="https://example.com/a", daily_cap=10),
            TargetIn(label="b", destination="https://example.com/b", daily_cap=15),
        ],
    )
    entry = await _entry(engine)
    counters = DatabaseCounters(engine)
    picks = await asyncio.gather(*(pick_target(counters, entry, DAY, random.Random(i)) for i in range(40)))
    assert Counter(p.id if p else None for p in picks) == {a: 10, b: 15, None: 15}
    assert (await _stored(engine, a), await _stored(engine, b)) == (10, 15)


def _bare_entry(targets: tuple[Target, ...] = ()) -> Entry:
    return Entry(
        link_id=1,
        workspace_id=1,
        channel_id=None,
        kind="live",
        destination="",
        status=302,
        expires_at=None,
        expired_url=None,
        max_clicks=None,
        exhausted_url=None,
        fallback_url=None,
        inactive=False,
        tz=SHANGHAI,
        https=False,
        targets=targets,
    )


def test_local_day_is_the_workspace_day():
    # 2026-03-01T17:30Z is 01:30 on 2 March in Shanghai.
    now = datetime.fromisoformat("2026-03-01T17:30:00+00:00").timestamp()
    assert livecodes.local_day(_bare_entry(), now) == DAY


# --- Redis counters ----------------------------------------------------------------------


class RedisBox:
    """RedisCounters on the test Redis, with target ids no other test uses; the keys it
    may have created are deleted afterwards (and nothing else)."""

    def __init__(self, redis_url: str) -> None:
        self.counters = RedisCounters(redis_url)
        self.keys: list[str] = []

    def fresh_ids(self, n: int) -> list[int]:
        ids = [10**12 + secrets.randbelow(10**12) for _ in range(n)]
        self.keys.extend(RedisCounters.key(i, d) for i in ids for d in (DAY, NEXT_DAY))
        return ids


@pytest.fixture
async def redis_box(redis_url):
    box = RedisBox(redis_url)
    yield box
    await box.counters.client.delete(*box.keys) if box.keys else None
    await box.counters.close()


@pytest.mark.redis
async def test_redis_counter_is_exact_under_concurrency(redis_box):
    counters = redis_box.counters
    (target,) = redis_box.fresh_ids(1)
    results = await asyncio.gather(*(counters.try_increment(target, DAY, 25) for _ in range(60)))
    assert results.count(True) == 25
    assert results.count(False) == 35
    assert await counters.counts([target], DAY) == {target: 25}
    assert int(await counters.client.get(RedisCounters.key(target, DAY))) == 25
    ttl = await counters.client.ttl(RedisCounters.key(target, DAY))
    assert 0 < ttl <= livecodes.REDIS_TTL


@pytest.mark.redis
async def test_redis_counter_without_cap_and_per_day(redis_box):
    counters = redis_box.counters
    target, untouched = redis_box.fresh_ids(2)
    assert [await counters.try_increment(target, DAY, None) for _ in range(4)] == [True] * 4
    assert await counters.try_increment(target, DAY, 4) is False
    assert await counters.try_increment(target, NEXT_DAY, 4) is True
    assert await counters.counts([target, untouched], DAY) == {target: 4}
    assert await counters.counts([target], NEXT_DAY) == {target: 1}


@pytest.mark.redis
async def test_pick_target_on_redis_counters_fills_caps_exactly(redis_box):
    a, b = redis_box.fresh_ids(2)
    entry = _bare_entry(
        targets=(
            Target(a, "https://example.com/a", 2, 10),
            Target(b, "https://example.com/b", 1, 5),
        )
    )
    picks = await asyncio.gather(
        *(pick_target(redis_box.counters, entry, DAY, random.Random(i)) for i in range(30))
    )
    assert Counter(p.id if p else None for p in picks) == {a: 10, b: 5, None: 15}
    assert await redis_box.counters.counts([a, b], DAY) == {a: 10, b: 5}
