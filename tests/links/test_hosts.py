"""Hosts are read the way a browser reads them, and the Host header is not ambiguous.

A destination on one of the workspace's own link domains loops. The loop check compared
the host as typed, so ``a．test`` (U+FF0E), ``a。test`` (U+3002, the full stop of a
Chinese keyboard) and ``a%2etest`` passed it — and one visit of such a link made 15
redirects and counted 16 clicks. A Host header with an extra port, or two Host headers,
made the redirect path and the framework read different hosts.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest

from tests.conftest import Tenant
from tests.links.conftest import LINKS
from yutang.links.addresses import canonical_host, check_destination
from yutang.links.redirect import RedirectApp

LOOPS = [
    "http://go.acme.test/x",
    "http://go．acme．test/x",  # U+FF0E fullwidth full stop
    "http://go。acme。test/x",  # U+3002 ideographic full stop
    "http://go｡acme｡test/x",  # U+FF61 halfwidth ideographic full stop
    "http://go%2eacme%2etest/x",
    "http://GO.ACME.TEST./x",
    "http://ｇｏ.ａｃｍｅ.test/x",  # fullwidth letters
]


@pytest.mark.parametrize("url", LOOPS)
@pytest.mark.parametrize("field", ["url", "expired_url", "exhausted_url", "fallback_url", "target"])
async def test_a_destination_on_our_own_domain_loops_however_it_is_spelt(
    client: httpx.AsyncClient, tenant: Tenant, link_count: Any, url: str, field: str
) -> None:
    body: dict[str, Any] = {"url": "https://shop.example/"}
    if field == "url":
        body["url"] = url
    elif field == "target":
        body = {"targets": [{"label": "a", "destination": url}]}
    else:
        body[field] = url
    r = await client.post(LINKS, json=body, headers=tenant.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (400, "destination_loop"), r.text
    assert await link_count() == 0


async def test_a_patch_cannot_make_a_loop_either(client: httpx.AsyncClient, tenant: Tenant) -> None:
    link = (await client.post(LINKS, json={"url": "https://shop.example/"}, headers=tenant.headers)).json()
    for body in ({"url": "http://go。acme。test/x"}, {"expired_url": "http://go%2eacme.test/"}):
        r = await client.patch(f"{LINKS}/{link['id']}", json=body, headers=tenant.headers)
        assert (r.status_code, r.json()["error"]["code"]) == (400, "destination_loop")


async def test_hosts_are_stored_in_their_canonical_form(client: httpx.AsyncClient, tenant: Tenant) -> None:
    body = {
        "url": "https://Shop.Example。com/p?id=1",
        "expired_url": "https://bücher.example/sale",
        "fallback_url": "http://0x7f.1/",
    }
    link = (await client.post(LINKS, json=body, headers=tenant.headers)).json()
    assert link["url"] == "https://shop.example.com/p?id=1"
    assert link["expired_url"] == "https://xn--bcher-kva.example/sale"
    assert link["fallback_url"] == "http://127.0.0.1/"
    live = await client.post(
        LINKS,
        json={"targets": [{"label": "1号群", "destination": "https://ＷＸ.example/g"}]},
        headers=tenant.headers,
    )
    assert live.json()["targets"][0]["destination"] == "https://wx.example/g"
    domain = await client.post("/api/v1/link-domains", json={"host": "S．ACME.test"}, headers=tenant.headers)
    assert (domain.status_code, domain.json()["host"]) == (201, "s.acme.test")
    # …and the new domain is part of the loop check at once, however it is spelt.
    r = await client.post(LINKS, json={"url": "http://s%2Eacme。test/"}, headers=tenant.headers)
    assert r.json()["error"]["code"] == "destination_loop"


@pytest.mark.parametrize(
    ("raw", "host"),
    [
        ("a．test", "a.test"),
        ("a。test", "a.test"),
        ("a%2etest", "a.test"),
        ("A.Test.", "a.test"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("2130706433", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("0177.1", "127.0.0.1"),
        ("[::1]", "[::1]"),
    ],
)
def test_canonical_host_reads_like_a_browser(raw: str, host: str) -> None:
    assert canonical_host(raw) == host


@pytest.mark.parametrize("raw", ["a b", "a%20b", "1.2.3.4.5", "256.0.0.1", "a%", "[zz]", "a@b"])
def test_canonical_host_refuses_what_no_browser_resolves(raw: str) -> None:
    with pytest.raises(ValueError, match=re.escape(raw)):
        canonical_host(raw)


def test_an_unresolvable_host_is_an_invalid_destination() -> None:
    from yutang.kit.errors import BadRequest

    with pytest.raises(BadRequest) as err:
        check_destination("http://a%20b/x", set())
    assert err.value.code == "invalid_destination"


# --- the Host header -----------------------------------------------------------------------


async def _raw(app: RedirectApp, method: str, path: str, hosts: list[bytes]) -> int:
    """Send a request with exactly these Host headers (httpx would merge or add one)."""
    status: list[int] = []
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", h) for h in hosts] + [(b"user-agent", b"Mozilla/5.0")],
        "client": ("203.0.113.9", 4000),
        "server": ("127.0.0.1", 80),
        "scheme": "http",
        "http_version": "1.1",
        "root_path": "",
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    return status[0]


async def test_a_malformed_or_doubled_host_is_refused(
    client: httpx.AsyncClient, app: RedirectApp, tenant: Tenant, other_tenant: Tenant
) -> None:
    await client.post(LINKS, json={"url": "https://shop.example/", "slug": "promo"}, headers=tenant.headers)
    assert await _raw(app, "GET", "/promo", [b"go.acme.test"]) == 302
    assert await _raw(app, "GET", "/promo", [b"go.acme.test:80"]) == 302
    # An extra port was stripped as ":80" and the rest matched a domain with a port.
    assert await _raw(app, "GET", "/promo", [b"go.acme.test:8102:80"]) == 400
    # Two Host headers: the redirect path read the last, the framework the first.
    assert await _raw(app, "GET", "/promo", [b"go.globex.test", b"go.acme.test"]) == 400
    assert await _raw(app, "GET", "/api/v1/workspace", [b"api.test", b"go.acme.test"]) == 400
    assert await _raw(app, "GET", "/join", [b"go.acme.test:1:2"]) == 400
    assert await _raw(app, "GET", "/health", [b"a b"]) == 400
    assert await _raw(app, "GET", "/health", [b"127.0.0.1:8000"]) == 200
    assert await _raw(app, "GET", "/health", [b"[::1]:8000"]) == 200
