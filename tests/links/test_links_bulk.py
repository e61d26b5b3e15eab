"""``POST /api/v1/links/bulk``: up to 1,000 links, all or nothing, every bad row reported."""

from __future__ import annotations

import secrets
from itertools import chain, repeat
from typing import Any

from tests.links.conftest import LINKS, list_all
from yutang.kit.db import unit_of_work
from yutang.links import addresses, service
from yutang.links.schemas import LinkIn

BULK = f"{LINKS}/bulk"


def _rows(n: int) -> list[dict[str, Any]]:
    return [{"url": f"https://example.com/item/{i}", "title": f"item {i}"} for i in range(n)]


async def test_bulk_of_1000_rows_creates_1000_links_with_distinct_slugs(client, tenant, link_count):
    r = await client.post(BULK, json={"links": _rows(1000)}, headers=tenant.headers)
    assert r.status_code == 201, r.text[:500]
    data = r.json()["data"]
    assert len(data) == 1000
    assert [d["url"] for d in data] == [f"https://example.com/item/{i}" for i in range(1000)]
    slugs = {d["slug"] for d in data}
    assert len(slugs) == 1000
    assert all(len(s) == 7 and set(s) <= set(addresses.SLUG_ALPHABET) for s in slugs)
    assert await link_count() == 1000


async def test_bulk_of_1001_rows_is_bulk_too_large_and_writes_nothing(client, tenant, link_count):
    # The schema lets any number of rows through; the service refuses more than 1,000.
    r = await client.post(BULK, json={"links": _rows(1001)}, headers=tenant.headers)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "bulk_too_large"
    assert await link_count() == 0


async def test_empty_bulk_is_422(client, tenant):
    r = await client.post(BULK, json={"links": []}, headers=tenant.headers)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "validation_error"


async def test_bulk_with_bad_rows_reports_exactly_those_rows_and_writes_nothing(client, tenant, link_count):
    rows = _rows(10)
    rows[2] = {"url": "javascript:alert(1)"}
    rows[5] = {"url": "https://example.com/x", "slug": "api"}
    rows[9] = {"url": "https://example.com/y", "channel_id": 424242}
    r = await client.post(BULK, json={"links": rows}, headers=tenant.headers)
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "bulk_invalid"
    assert [(e["row"], e["code"]) for e in error["details"]["errors"]] == [
        (2, "invalid_destination"),
        (5, "reserved_slug"),
        (9, "unknown_channel"),
    ]
    assert error["details"]["errors"][0]["field"] == "url"
    assert await link_count() == 0
    assert await list_all(client, tenant) == []


async def test_bulk_reports_duplicate_slugs_inside_the_batch(client, tenant, link_count):
    rows = [
        {"url": "https://example.com/1", "slug": "twice"},
        {"url": "https://example.com/2", "slug": "once"},
        {"url": "https://example.com/3", "slug": "twice"},
    ]
    r = await client.post(BULK, json={"links": rows}, headers=tenant.headers)
    assert r.status_code == 400
    errors = r.json()["error"]["details"]["errors"]
    assert [(e["row"], e["code"], e["field"]) for e in errors] == [(2, "slug_taken", "slug")]
    assert await link_count() == 0


async def test_bulk_reports_slugs_taken_before(client, tenant, create, link_count):
    await create(url="https://example.com/0", slug="old")
    rows = [{"url": "https://example.com/1"}, {"url": "https://example.com/2", "slug": "old"}]
    r = await client.post(BULK, json={"links": rows}, headers=tenant.headers)
    assert r.status_code == 400
    errors = r.json()["error"]["details"]["errors"]
    assert [(e["row"], e["code"]) for e in errors] == [(1, "slug_taken")]
    assert await link_count() == 1


async def test_bulk_reports_taken_slugs_together_with_other_bad_rows(client, tenant, link_count):
    """Row numbers of slug errors are rows of the request, even after an earlier bad row."""
    rows = [
        {"url": "ftp://example.com/0"},
        {"url": "https://example.com/1", "slug": "dup"},
        {"url": "https://example.com/2", "slug": "dup"},
        {"url": "https://example.com/3"},
    ]
    r = await client.post(BULK, json={"links": rows}, headers=tenant.headers)
    assert r.status_code == 400
    errors = r.json()["error"]["details"]["errors"]
    assert [(e["row"], e["code"]) for e in errors] == [
        (0, "invalid_destination"),
        (2, "slug_taken"),
    ]
    assert await link_count() == 0


async def test_bulk_rows_with_payload_errors_are_422(client, tenant, link_count):
    rows = _rows(3)
    rows[1]["max_clicks"] = 0
    r = await client.post(BULK, json={"links": rows}, headers=tenant.headers)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "validation_error"
    assert [e["loc"] for e in error["details"]["errors"]] == [["body", "links", 1, "max_clicks"]]
    assert await link_count() == 0


async def test_generated_slugs_never_repeat_a_custom_slug_of_the_same_batch(engine, tenant, monkeypatch):
    drawn = chain(["Custom7", "Custom7", "Fresh22"], repeat("Never99"))
    monkeypatch.setattr(addresses, "generate_slug", lambda: next(drawn))
    async with unit_of_work(engine=engine) as s:
        links = await service.create_links_bulk(
            tenant.ctx(s),
            [
                LinkIn(url="https://example.com/custom", slug="Custom7"),
                LinkIn(url="https://example.com/a"),
                LinkIn(url="https://example.com/b"),
            ],
        )
    assert [lk.slug for lk in links] == ["Custom7", "Fresh22", "Never99"]


def test_generated_slugs_are_never_reserved(monkeypatch):
    letters = iter("metrics" + "MeTRiCS" + "abcdefg")
    monkeypatch.setattr(secrets, "choice", lambda alphabet: next(letters))
    assert addresses.generate_slug() == "abcdefg"
