"""Console sessions live on the server: the cookie is an opaque token (HttpOnly,
SameSite=Lax, Secure over https), and sign-out, a password change, removal from the
workspace and the idle and absolute timeouts end them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.web import browser
from tests.web.browser import PASSWORD
from yutang.app import create_app
from yutang.config import Settings
from yutang.kit.db import unit_of_work
from yutang.links.redirect import RedirectApp
from yutang.models.base import utcnow
from yutang.models.workspaces import ConsoleSession


def _set_cookie(r: httpx.Response) -> str:
    return next(v for v in r.headers.get_list("set-cookie") if v.startswith("yt_console="))


async def _signed_in(client: httpx.AsyncClient) -> bool:
    r = await client.get("/console")
    return r.status_code == 200


def _with_cookie(app: RedirectApp, token: str, ip: str = "192.0.2.50") -> httpx.AsyncClient:
    c = browser.browser(app, ip)
    c.cookies.set("yt_console", token, domain="api.test")
    return c


async def test_the_cookie_is_an_opaque_token_stored_only_as_a_hash(
    client: httpx.AsyncClient, app: RedirectApp, tenant: Tenant, engine: AsyncEngine
) -> None:
    await browser.make_user(engine, tenant.id, "ann@acme.example")
    r = await browser.login(client, "ann@acme.example")
    cookie = _set_cookie(r)
    attrs = [a.strip().lower() for a in cookie.split(";")]
    assert "httponly" in attrs and "samesite=lax" in attrs and "path=/" in attrs
    assert "secure" not in attrs  # plain http
    assert any(a.startswith("max-age=") for a in attrs)
    token = client.cookies["yt_console"]
    assert len(token) >= 43 and "." not in token  # random, not signed data
    async with engine.connect() as conn:
        dump = " ".join(map(str, (await conn.execute(text("SELECT * FROM console_sessions"))).all()))
    assert token not in dump


async def test_sign_out_ends_the_session_for_every_copy_of_the_cookie(
    client: httpx.AsyncClient, app: RedirectApp, tenant: Tenant, engine: AsyncEngine
) -> None:
    await browser.make_user(engine, tenant.id, "ann@acme.example")
    await browser.make_user(engine, tenant.id, "bob@acme.example")
    await browser.login(client, "ann@acme.example")
    stolen = client.cookies["yt_console"]
    async with browser.browser(app, "192.0.2.2") as bob:
        await browser.login(bob, "bob@acme.example")
        async with _with_cookie(app, stolen) as thief:
            assert await _signed_in(thief)
            r = await browser.post(client, "/console/logout")
            assert r.status_code == 303 and r.headers["location"] == "/console/login"
            assert not await _signed_in(thief)  # the copy is dead too
            assert not await _signed_in(client)
        assert await _signed_in(bob)  # another user's session lives on


async def test_a_password_change_ends_every_other_session(
    app: RedirectApp, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    await browser.make_user(engine, tenant.id, "ann@acme.example")
    await browser.make_user(engine, other_tenant.id, "ann@acme.example")
    await browser.make_user(engine, tenant.id, "bob@acme.example")
    async with (
        browser.browser(app, "192.0.2.1") as laptop,
        browser.browser(app, "192.0.2.2") as phone,
        browser.browser(app, "192.0.2.3") as bob,
    ):
        for c, email in (
            (laptop, "ann@acme.example"),
            (phone, "ann@acme.example"),
            (bob, "bob@acme.example"),
        ):
            assert (await browser.login(c, email)).status_code == 303
        wrong = await browser.post(
            laptop, "/console/account/password", {"current": "not-it-at-all", "new": "a-new-password"}
        )
        assert wrong.status_code == 400 and await _signed_in(phone)
        done = await browser.post(
            laptop, "/console/account/password", {"current": PASSWORD, "new": "a-new-password"}
        )
        assert done.status_code == 200 and "密码已修改" in done.text
        assert await _signed_in(laptop)
        assert not await _signed_in(phone)
        assert await _signed_in(bob)
    async with browser.browser(app, "192.0.2.4") as again:
        assert (await browser.login(again, "ann@acme.example")).status_code == 401
        assert (await browser.login(again, "ann@acme.example", "a-new-password")).status_code == 303


async def test_removal_from_a_workspace_ends_the_sessions_in_it(
    app: RedirectApp, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    ann = await browser.make_user(engine, tenant.id, "ann@acme.example")
    await browser.make_user(engine, other_tenant.id, "ann@acme.example")
    async with browser.browser(app, "192.0.2.1") as on_acme, browser.browser(app, "192.0.2.2") as on_globex:
        await browser.login(on_acme, "ann@acme.example")
        await browser.login(on_globex, "ann@acme.example")
        await browser.post(on_globex, "/console/workspace", {"workspace_id": str(other_tenant.id)})
        assert "Globex" in (await on_globex.get("/console")).text
        assert "Acme" in (await on_acme.get("/console")).text
        r = await on_acme.delete(f"/api/v1/users/{ann}", headers=tenant.headers)
        assert r.status_code == 204
        async with engine.connect() as conn:
            left = (await conn.execute(text("SELECT workspace_id FROM console_sessions"))).scalars().all()
        assert left == [other_tenant.id]
        assert not await _signed_in(on_acme)
        assert await _signed_in(on_globex)


async def test_idle_and_absolute_timeouts(
    client: httpx.AsyncClient, app: RedirectApp, tenant: Tenant, engine: AsyncEngine
) -> None:
    await browser.make_user(engine, tenant.id, "ann@acme.example")
    await browser.make_user(engine, tenant.id, "bob@acme.example")
    await browser.login(client, "ann@acme.example")
    async with browser.browser(app, "192.0.2.9") as bob:
        await browser.login(bob, "bob@acme.example")
        now = utcnow()
        async with unit_of_work(engine=engine) as s:
            # Ann idled past the default 8 hours; Bob was active, but signed in 7 days ago.
            await s.execute(
                update(ConsoleSession)
                .where(ConsoleSession.user_id == 1)
                .values(last_seen_at=now - timedelta(hours=8, minutes=1))
            )
            await s.execute(
                update(ConsoleSession)
                .where(ConsoleSession.user_id == 2)
                .values(expires_at=now - timedelta(seconds=1))
            )
        assert not await _signed_in(client)
        assert not await _signed_in(bob)


async def test_activity_keeps_a_session_alive(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await browser.make_user(engine, tenant.id, "ann@acme.example")
    await browser.login(client, "ann@acme.example")
    async with unit_of_work(engine=engine) as s:
        await s.execute(update(ConsoleSession).values(last_seen_at=utcnow() - timedelta(hours=7)))
    assert await _signed_in(client)  # a read-only page stamps the activity
    async with unit_of_work(engine=engine, readonly=True) as s:
        row = await s.scalar(select(ConsoleSession))
    assert row is not None and utcnow() - row.last_seen_at < timedelta(minutes=1)


async def test_cookies_are_secure_over_https_and_behind_a_trusted_proxy(
    engine: AsyncEngine, tenant: Tenant, tmp_path: Path
) -> None:
    await browser.make_user(engine, tenant.id, "ann@acme.example")

    def settings(trust: bool) -> Settings:
        return Settings(
            database_url=str(engine.url.render_as_string(hide_password=False)),
            var_dir=tmp_path / "var",
            secret_key="test-secret",
            worker_in_process=False,
            trust_forwarded_for=trust,
        )

    direct = create_app(settings(False), engine, run_worker=False)
    proxied = create_app(settings(True), engine, run_worker=False)

    async def attrs(
        app: RedirectApp, base: str, headers: dict[str, str], origin: str | None = None
    ) -> list[str]:
        transport = httpx.ASGITransport(app=app, client=("192.0.2.70", 1))
        async with httpx.AsyncClient(transport=transport, base_url=base, headers=headers) as c:
            page = await c.get("/console/login")
            token = browser.token_in(page.text)
            # httpx keeps a Secure cookie from going back over http (the browser talks
            # https to the proxy): hand the pre-session cookie back by hand.
            pre = next(v for v in page.headers.get_list("set-cookie") if v.startswith("yt_csrf="))
            c.cookies.clear()
            c.cookies.set("yt_csrf", pre.split(";")[0].split("=", 1)[1])
            r = await c.post(
                "/console/login",
                data={"email": "ann@acme.example", "password": PASSWORD, "csrf_token": token},
                headers={"origin": origin or base},
            )
            assert r.status_code == 303, r.text
            return [a.strip().lower() for a in _set_cookie(r).split(";")]

    assert "secure" in await attrs(direct, "https://console.test", {})
    assert "secure" not in await attrs(direct, "http://console.test", {"x-forwarded-proto": "https"})
    # The browser talks https to the proxy: its Origin says https.
    assert "secure" in await attrs(
        proxied, "http://console.test", {"x-forwarded-proto": "https"}, "https://console.test"
    )
    assert "secure" not in await attrs(proxied, "http://console.test", {})
