"""Console sign-in: limited per account and per IP with a lockout (in Redis when
configured), and as slow for an unknown e-mail as for a known one."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.web import browser
from tests.web.browser import PASSWORD
from yutang.app import create_app
from yutang.auth import passwords
from yutang.auth.throttle import Key, MemoryThrottle, Policy, RedisThrottle, keys_for
from yutang.config import Settings
from yutang.links.redirect import RedirectApp

LOCKED_ZH = "登录尝试次数过多"


async def test_an_account_is_locked_after_five_wrong_passwords_even_for_the_right_one(
    app: RedirectApp, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    await browser.make_user(engine, tenant.id, "ann@acme.example")
    await browser.make_user(engine, other_tenant.id, "bob@globex.example")
    async with browser.browser(app, "198.51.100.1") as attacker, browser.browser(app, "198.51.100.2") as bob:
        for _ in range(5):
            assert (await browser.login(attacker, "ann@acme.example", "wrong-password")).status_code == 401
        locked = await browser.login(attacker, "ann@acme.example", PASSWORD)
        assert locked.status_code == 429
        assert 800 <= int(locked.headers["retry-after"]) <= 900
        assert LOCKED_ZH in locked.text and "15 分钟" in locked.text
        assert "yt_console" not in locked.cookies
        # Another person, elsewhere, signs in as usual.
        assert (await browser.login(bob, "bob@globex.example")).status_code == 303
        # Ann herself, from another address, is locked too: the lock is on the account.
        async with browser.browser(app, "198.51.100.3") as ann:
            en = await browser.post(
                ann, "/console/login?lang=en", {"email": "ANN@acme.example ", "password": PASSWORD}
            )
            assert en.status_code == 429 and "Too many sign-in attempts" in en.text


async def test_a_success_clears_the_count_of_the_account(
    app: RedirectApp, tenant: Tenant, engine: AsyncEngine
) -> None:
    await browser.make_user(engine, tenant.id, "ann@acme.example")
    async with browser.browser(app) as c:
        for _ in range(2):
            for _ in range(4):
                assert (await browser.login(c, "ann@acme.example", "wrong-password")).status_code == 401
            assert (await browser.login(c, "ann@acme.example")).status_code == 303
            await browser.post(c, "/console/logout")


async def test_one_address_is_locked_after_twenty_attempts_on_many_accounts(
    app: RedirectApp, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    await browser.make_user(engine, tenant.id, "ann@acme.example")
    await browser.make_user(engine, other_tenant.id, "bob@globex.example")
    async with browser.browser(app, "198.51.100.9") as spray:
        for n in range(20):
            r = await browser.login(spray, f"guess{n}@acme.example", "123456789")
            assert r.status_code == 401
        assert (await browser.login(spray, "bob@globex.example")).status_code == 429
    async with browser.browser(app, "198.51.100.10") as elsewhere:
        assert (await browser.login(elsewhere, "bob@globex.example")).status_code == 303


async def test_unknown_and_known_emails_answer_alike(
    app: RedirectApp, tenant: Tenant, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same statuses, same page, same time (the password is checked against a dummy
    hash when nobody has the e-mail) — at the production cost of argon2."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher())
    passwords.dummy_hash.cache_clear()
    await browser.make_user(engine, tenant.id, "ann@acme.example")
    throttle = app.app.state.sign_in_throttle  # type: ignore[attr-defined]
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    pages: dict[str, set[int]] = {"known": set(), "unknown": set()}
    async with browser.browser(app) as c:
        token = await browser.csrf(c)
        for _ in range(5):
            for kind, email in (("known", "ann@acme.example"), ("unknown", "nobody@acme.example")):
                await throttle.clear()
                start = time.perf_counter()
                r = await c.post(
                    "/console/login",
                    data={"email": email, "password": "wrong-password", "csrf_token": token},
                    headers={"origin": browser.ORIGIN},
                )
                timings[kind].append(time.perf_counter() - start)
                assert r.status_code == 401
                pages[kind].add(len(r.text.replace(email, "")))
    known, unknown = statistics.median(timings["known"]), statistics.median(timings["unknown"])
    assert 0.5 < unknown / known < 2, (known, unknown)
    assert pages["known"] == pages["unknown"]
    # Locked out alike as well.
    await throttle.clear()
    async with browser.browser(app, "198.51.100.20") as c:
        statuses = {
            email: [(await browser.login(c, email, "wrong-password")).status_code for _ in range(6)]
            for email in ("ann@acme.example", "nobody@acme.example")
        }
    assert statuses["ann@acme.example"] == statuses["nobody@acme.example"] == [401] * 5 + [429]
    passwords.dummy_hash.cache_clear()


async def test_the_lockout_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    throttle = MemoryThrottle(
        Policy(account_limit=2, ip_limit=10, window=60, lockout=300), clock=lambda: now[0]
    )
    keys = keys_for(throttle.policy, "a@b.example", "192.0.2.1")
    assert [await throttle.attempt(keys) for _ in range(3)] == [0, 0, 300]
    now[0] += 299
    assert await throttle.attempt(keys) == 1
    now[0] += 2
    assert await throttle.attempt(keys) == 0


async def test_redis_counts_for_every_process(
    engine: AsyncEngine, tenant: Tenant, other_tenant: Tenant, redis_url: str, tmp_path: Path
) -> None:
    """Two app processes on one Redis: failures on one lock the account on the other."""
    await browser.make_user(engine, tenant.id, "ann@acme.example")
    settings = Settings(
        database_url=str(engine.url.render_as_string(hide_password=False)),
        var_dir=tmp_path / "var",
        secret_key="test-secret",
        worker_in_process=False,
        redis_url=redis_url,
    )
    first = create_app(settings, engine, run_worker=False)
    second = create_app(settings, engine, run_worker=False)
    throttle = first.app.state.sign_in_throttle  # type: ignore[attr-defined]
    assert isinstance(throttle, RedisThrottle)
    await throttle.clear()
    try:
        async with browser.browser(first) as a, browser.browser(second, "198.51.100.4") as b:
            for _ in range(5):
                assert (await browser.login(a, "ann@acme.example", "wrong-password")).status_code == 401
            locked = await browser.login(b, "ann@acme.example")
            assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 800
    finally:
        await throttle.clear()
        await throttle.close()
        await second.app.state.sign_in_throttle.close()  # type: ignore[attr-defined]


async def test_redis_and_memory_agree(redis_url: str) -> None:
    policy = Policy(account_limit=3, ip_limit=4, window=60, lockout=120)
    redis = RedisThrottle(policy, redis_url)
    await redis.clear()
    try:
        for throttle in (MemoryThrottle(policy), redis):
            acct = Key("yt:signin:acct:t", 3, True)
            ip = Key("yt:signin:ip:t", 4, False)
            waits = [await throttle.attempt([acct, ip]) for _ in range(3)]
            await throttle.succeeded([acct, ip])  # the account starts over; the IP gives one back
            waits += [await throttle.attempt([acct, ip]) for _ in range(3)]
            assert waits[:5] == [0, 0, 0, 0, 0] and 119 <= waits[5] <= 120, (throttle, waits)
    finally:
        await redis.clear()
        await redis.close()


async def test_client_ip_comes_from_the_proxy_only_when_trusted(
    client: httpx.AsyncClient, app: RedirectApp, tenant: Tenant, engine: AsyncEngine
) -> None:
    """Untrusted: a forged X-Forwarded-For does not get fresh attempts."""
    for n in range(20):
        await browser.post(
            client,
            "/console/login",
            {"email": f"x{n}@acme.example", "password": "123456789"},
        )
    r = await client.post(
        "/console/login",
        data={"email": "y@acme.example", "password": "123456789", "csrf_token": await browser.csrf(client)},
        headers={"origin": browser.ORIGIN, "x-forwarded-for": "192.0.2.77"},
    )
    assert r.status_code == 429
