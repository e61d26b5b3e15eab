"""Refused input: each case answers a stable error code and writes nothing."""

from __future__ import annotations

from typing import Any

from tests.links.conftest import LINKS, list_all

OK_URL = "https://example.com/ok"


async def _refused(
    client: Any, tenant: Any, link_count: Any, body: dict[str, Any], status: int, code: str
) -> Any:
    before = await link_count()
    r = await client.post(LINKS, json=body, headers=tenant.headers)
    assert r.status_code == status, r.text
    payload = r.json()
    assert set(payload) == {"error"}
    assert set(payload["error"]) == {"code", "message", "details"}
    assert payload["error"]["code"] == code
    assert isinstance(payload["error"]["message"], str) and payload["error"]["message"]
    assert isinstance(payload["error"]["details"], dict)
    assert await link_count() == before
    return payload["error"]


BAD_URLS = [
    "javascript:alert(1)",
    "data:text/html,x",
    "/foo",
    "ftp://x",
    "example.com/no-scheme",
    "https://",
    "https://exa mple.com/",
    "https://example.com:99999/",
]


async def test_bad_destination_is_400_invalid_destination(client, tenant, link_count):
    for url in BAD_URLS:
        error = await _refused(client, tenant, link_count, {"url": url}, 400, "invalid_destination")
        assert error["details"] == {"field": "url"}, url
    assert await list_all(client, tenant) == []


async def test_destination_of_2049_chars_is_too_long(client, tenant, link_count):
    base = "https://example.com/"
    url = base + "a" * (2049 - len(base))
    assert len(url) == 2049
    error = await _refused(client, tenant, link_count, {"url": url}, 400, "destination_too_long")
    assert error["details"] == {"field": "url", "length": 2049}


async def test_destination_of_2048_chars_is_accepted(client, tenant, create):
    base = "https://example.com/"
    url = base + "a" * (2048 - len(base))
    link = await create(url=url)
    assert link["destination"] == url
    assert len(link["destination"]) == 2048


async def test_utm_that_pushes_the_destination_over_2048_chars_is_refused(client, tenant, link_count):
    base = "https://example.com/"
    url = base + "a" * (2040 - len(base))
    await _refused(
        client,
        tenant,
        link_count,
        {"url": url, "utm": {"source": "wechat"}},
        400,
        "destination_too_long",
    )


async def test_destination_on_own_link_domain_is_a_loop(client, tenant, link_count):
    for url in ("https://go.acme.test/abc", "http://GO.ACME.TEST/abc", "https://go.acme.test.:443/abc"):
        error = await _refused(client, tenant, link_count, {"url": url}, 400, "destination_loop")
        assert error["details"] == {"field": "url", "host": "go.acme.test"}, url


async def test_destination_on_another_workspaces_domain_is_not_a_loop(client, tenant, create):
    link = await create(url="https://go.globex.test/abc")
    assert link["destination"] == "https://go.globex.test/abc"


async def test_duplicate_slug_is_409_slug_taken(client, tenant, create, link_count):
    await create(url=OK_URL, slug="taken")
    error = await _refused(client, tenant, link_count, {"url": OK_URL, "slug": "taken"}, 409, "slug_taken")
    assert error["details"] == {"field": "slug", "slug": "taken"}
    assert await link_count() == 1


async def test_same_slug_in_another_workspace_is_allowed(client, tenant, other_tenant, create, link_count):
    await create(url=OK_URL, slug="shared")
    r = await client.post(LINKS, json={"url": OK_URL, "slug": "shared"}, headers=other_tenant.headers)
    assert r.status_code == 201
    assert r.json()["short_url"] == "http://go.globex.test/shared"
    assert await link_count() == 2


async def test_reserved_slug_is_refused(client, tenant, link_count):
    for slug in ("api", "static", "console", "health", "API", "Static"):
        error = await _refused(
            client, tenant, link_count, {"url": OK_URL, "slug": slug}, 400, "reserved_slug"
        )
        assert error["details"] == {"field": "slug", "slug": slug}


async def test_invalid_slug_is_refused(client, tenant, link_count):
    for slug in ("a/b", "a b", "短链", "abc\n", "a.b", "a%20b", "x" * 65):
        error = await _refused(client, tenant, link_count, {"url": OK_URL, "slug": slug}, 400, "invalid_slug")
        assert error["details"] == {"field": "slug", "slug": slug}, repr(slug)
    assert await list_all(client, tenant) == []


async def test_slug_of_64_chars_is_accepted(client, tenant, create):
    link = await create(url=OK_URL, slug="x" * 64)
    assert link["slug"] == "x" * 64


async def test_unknown_channel_is_refused(client, tenant, link_count):
    await _refused(client, tenant, link_count, {"url": OK_URL, "channel_id": 987654}, 400, "unknown_channel")


async def test_channel_of_another_workspace_is_unknown(client, tenant, other_tenant, link_count):
    r = await client.post("/api/v1/channels", json={"name": "poster"}, headers=other_tenant.headers)
    assert r.status_code == 201
    foreign = r.json()["id"]
    await _refused(client, tenant, link_count, {"url": OK_URL, "channel_id": foreign}, 400, "unknown_channel")


async def test_patch_to_another_workspaces_channel_is_refused(client, tenant, other_tenant, create):
    link = await create(url=OK_URL)
    r = await client.post("/api/v1/channels", json={"name": "poster"}, headers=other_tenant.headers)
    foreign = r.json()["id"]
    r = await client.patch(f"{LINKS}/{link['id']}", json={"channel_id": foreign}, headers=tenant.headers)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "unknown_channel"
    got = await client.get(f"{LINKS}/{link['id']}", headers=tenant.headers)
    assert got.json()["channel_id"] is None


async def test_payload_validation_failure_is_422_validation_error(client, tenant, link_count):
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"url": OK_URL, "max_clicks": 0}, ["body", "max_clicks"]),
        ({"url": OK_URL, "redirect_status": 307}, ["body", "redirect_status"]),
        ({"url": OK_URL, "expires_at": "2030-01-01T00:00:00"}, ["body", "expires_at"]),
        ({"url": OK_URL, "slug": ""}, ["body", "slug"]),
        ({"url": OK_URL, "tags": ["t"] * 21}, ["body", "tags"]),
    ]
    for body, loc in cases:
        error = await _refused(client, tenant, link_count, body, 422, "validation_error")
        assert [e["loc"] for e in error["details"]["errors"]] == [loc]


async def test_link_without_url_or_targets_is_refused(client, tenant, link_count):
    await _refused(client, tenant, link_count, {"title": "nothing"}, 422, "validation_error")


async def test_unknown_domain_is_refused(client, tenant, link_count):
    error = await _refused(
        client, tenant, link_count, {"url": OK_URL, "domain": "go.globex.test"}, 400, "unknown_domain"
    )
    assert error["message"]


async def test_bad_expired_url_is_refused(client, tenant, link_count):
    error = await _refused(
        client,
        tenant,
        link_count,
        {"url": OK_URL, "expired_url": "javascript:alert(1)"},
        400,
        "invalid_destination",
    )
    assert error["details"] == {"field": "expired_url"}


async def test_backslash_cannot_smuggle_a_loop_past_the_host_check(
    client: Any, tenant: Any, link_count: Any
) -> None:
    r = await client.post(
        "/api/v1/links", json={"url": "https://go.acme.test\\@example.com/"}, headers=tenant.headers
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_destination"
    assert await link_count() == 0


async def test_service_level_payload_problems_are_422(client: Any, tenant: Any) -> None:
    r = await client.post(
        "/api/v1/links", json={"url": "https://a.example/", "tags": ["x" * 41]}, headers=tenant.headers
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "validation_error"
    r = await client.post("/api/v1/links", json={"title": "neither url nor targets"}, headers=tenant.headers)
    assert r.status_code == 422
