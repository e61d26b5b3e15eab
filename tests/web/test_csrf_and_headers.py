"""CSRF: every unsafe console request needs the token bound to its session (or, before
sign-in, to the pre-session cookie) and an Origin of this site. Security headers on the
console, the API and the H5 pages; none on the redirect fast path."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.web import browser
from tests.web.browser import PASSWORD
from yutang.links.redirect import RedirectApp
from yutang.web.security import CSP

TEMPLATES = Path(__file__).resolve().parents[2] / "src/yutang/web/templates"


async def _signed_in(c: httpx.AsyncClient) -> bool:
    return (await c.get("/console")).status_code == 200


async def test_the_sign_in_form_cannot_be_posted_from_elsewhere(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await browser.make_user(engine, tenant.id, "ann@acme.example")
    form = {"email": "ann@acme.example", "password": PASSWORD}
    # Login CSRF: an attacker's page signing the victim in to the attacker's account.
    no_token = await client.post("/console/login", data=form, headers={"origin": browser.ORIGIN})
    assert no_token.status_code == 403 and "页面已过期或来源不明" in no_token.text
    token = await browser.csrf(client)
    evil = await client.post(
        "/console/login", data=form | {"csrf_token": token}, headers={"origin": "https://evil.example"}
    )
    assert evil.status_code == 403
    nothing = await client.post("/console/login", data=form | {"csrf_token": token})
    assert nothing.status_code == 403  # neither Origin nor Referer
    forged = await client.post(
        "/console/login", data=form | {"csrf_token": "0" * 64}, headers={"origin": browser.ORIGIN}
    )
    assert forged.status_code == 403
    assert "yt_console" not in client.cookies
    by_referer = await client.post(
        "/console/login",
        data=form | {"csrf_token": token},
        headers={"referer": "http://api.test/console/login?next=%2Fconsole"},
    )
    assert by_referer.status_code == 303


async def test_a_signed_in_browser_cannot_be_driven_from_another_site(
    app: RedirectApp, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    await browser.make_user(engine, tenant.id, "ann@acme.example")
    await browser.make_user(engine, other_tenant.id, "ann@acme.example")
    await browser.make_user(engine, tenant.id, "bob@acme.example")
    async with browser.browser(app, "192.0.2.1") as ann, browser.browser(app, "192.0.2.2") as bob:
        await browser.login(ann, "ann@acme.example")
        await browser.login(bob, "bob@acme.example")
        ann_token = browser.token_in((await ann.get("/console")).text)
        bob_token = browser.token_in((await bob.get("/console")).text)
        assert ann_token != bob_token
        attempts = [
            ({"origin": "https://evil.example"}, {"csrf_token": ann_token}),  # another site
            ({"origin": browser.ORIGIN}, {}),  # no token
            ({"origin": browser.ORIGIN}, {"csrf_token": bob_token}),  # another session's token
            ({"origin": "null"}, {"csrf_token": ann_token}),
            ({"referer": "https://api.test.evil.example/console"}, {"csrf_token": ann_token}),
        ]
        for headers, token in attempts:
            for path, data in (
                ("/console/logout", {}),
                ("/console/workspace", {"workspace_id": str(other_tenant.id)}),
                ("/console/account/password", {"current": PASSWORD, "new": "attackers-password"}),
            ):
                r = await ann.post(path, data=data | token, headers=headers)
                assert r.status_code == 403, (path, headers, token)
        assert await _signed_in(ann)
        assert 'value="1" selected' in (await ann.get("/console")).text  # not switched
        # The header htmx sends works as the form field does.
        r = await ann.post(
            "/console/workspace",
            data={"workspace_id": str(other_tenant.id)},
            headers={"origin": browser.ORIGIN, "x-csrf-token": ann_token},
        )
        assert r.status_code == 303


async def test_every_console_form_that_posts_carries_the_token(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    await browser.make_user(engine, tenant.id, "ann@acme.example", "owner")
    await browser.make_user(engine, other_tenant.id, "ann@acme.example")
    invited = await client.post(
        "/api/v1/invitations", json={"email": "new@x.example"}, headers=tenant.headers
    )
    await client.post("/api/v1/invitations", json={"email": "ann@acme.example"}, headers=tenant.headers)
    pages = [await client.get("/console/login"), await client.get(invited.json()["accept_url"])]
    await browser.login(client, "ann@acme.example")
    for path in (
        "/console",
        "/console/links",
        "/console/members",
        "/console/fission",
        "/console/invitations",
        "/console/account",
    ):
        pages.append(await client.get(path))
    posting = 0
    for page in pages:
        assert page.status_code == 200, page.url
        token = browser.token_in(page.text)
        assert f'hx-headers=\'{{"X-CSRF-Token": "{token}"}}\'' in page.text
        for form in re.findall(r"<form[^>]*>.*?</form>", page.text, re.S):
            if 'method="post"' in form:
                posting += 1
                assert f'name="csrf_token" value="{token}"' in form, (page.url, form)
    assert posting >= 10


def test_templates_have_no_inline_script() -> None:
    """The CSP allows scripts from this site only: no inline script, no on* handler (a
    chart's option is data: JSON in a script of type application/json, never run)."""
    for path in TEMPLATES.rglob("*.html"):
        html = path.read_text()
        assert not re.search(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))", html), path
        assert not re.search(r"\son[a-z]+\s*=", html), path
        assert "javascript:" not in html, path


@pytest.mark.parametrize(
    "path",
    ["/console/login", "/console", "/api/v1/workspace", "h5:/join", "/api/openapi.json", "/health"],
)
async def test_security_headers_on_console_api_and_h5(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine, path: str
) -> None:
    await browser.make_user(engine, tenant.id, "ann@acme.example")
    await browser.login(client, "ann@acme.example")
    url = f"http://{tenant.host}/join" if path.startswith("h5:") else path
    r = await client.get(url, headers=tenant.headers if path.startswith("/api/v1") else {})
    assert r.status_code == 200, r.text
    h = r.headers
    assert h["x-frame-options"] == "DENY" and h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "same-origin"
    csp = h["content-security-policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "unsafe-eval" not in csp and "script-src 'self' 'unsafe-inline'" not in csp
    assert "strict-transport-security" not in h  # plain http
    if path.startswith("/console"):
        assert h["cache-control"] == "no-store"


async def test_hsts_only_over_https(app: RedirectApp, tenant: Tenant) -> None:
    transport = httpx.ASGITransport(app=app, client=("192.0.2.1", 1))
    async with httpx.AsyncClient(transport=transport, base_url="https://api.test") as c:
        r = await c.get("/console/login")
        assert r.headers["strict-transport-security"] == "max-age=31536000"
        h5 = await c.get(f"https://{tenant.host}/join")
        assert h5.status_code == 200 and "strict-transport-security" in h5.headers
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as c:
        # Not trusted (trust_forwarded_for is off): a forged X-Forwarded-Proto changes nothing.
        r = await c.get("/console/login", headers={"x-forwarded-proto": "https"})
        assert "strict-transport-security" not in r.headers


async def test_the_api_docs_page_works_offline_under_the_csp_and_the_redirect_path_stays_bare(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    docs = await client.get("/api/docs")
    assert docs.status_code == 200 and docs.headers["content-security-policy"] == CSP
    assert docs.headers["x-frame-options"] == "DENY"
    sources = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert sources and all(s.startswith("/") for s in sources), sources  # nothing from elsewhere
    for source in sources:
        asset = await client.get(source)
        assert asset.status_code == 200 and len(asset.content) > 500, source
    assert (await client.get("/api/docs/oauth2-redirect")).status_code == 200
    await client.post(
        "/api/v1/links", json={"url": "https://a.example/", "slug": "fast"}, headers=tenant.headers
    )
    r = await client.get(f"http://{tenant.host}/fast")
    assert r.status_code == 302 and "content-security-policy" not in r.headers
