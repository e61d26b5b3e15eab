"""Short links through the HTTP API: create, read, list, edit, archive, idempotency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update

from tests.conftest import Tenant
from tests.links.conftest import LINKS, list_all
from tests.links.test_redirect import IPHONE_WECHAT
from yutang.kit.db import unit_of_work
from yutang.links import addresses
from yutang.models.links import Link
from yutang.models.workspaces import Workspace

HOST = {"host": "go.acme.test"}


async def test_create_link_returns_201_with_a_generated_seven_char_slug(client, tenant, create):
    r = await client.post(LINKS, json={"url": "https://shop.example.com/p/42"}, headers=tenant.headers)
    assert r.status_code == 201
    link = r.json()
    slug = link["slug"]
    assert len(slug) == addresses.GENERATED_SLUG_LENGTH == 7
    assert set(slug) <= set(addresses.SLUG_ALPHABET)
    assert link["kind"] == "link"
    assert link["domain"] == "go.acme.test"
    assert link["short_url"] == f"http://go.acme.test/{slug}"
    assert link["url"] == link["destination"] == "https://shop.example.com/p/42"
    assert link["redirect_status"] == 302
    assert (link["disabled"], link["archived"], link["click_count"]) == (False, False, 0)
    assert link["targets"] is None


async def test_generated_slugs_avoid_look_alike_characters(client, tenant, create):
    slugs = [(await create(url=f"https://example.com/{i}"))["slug"] for i in range(20)]
    assert len(set(slugs)) == 20
    assert not set("".join(slugs)) & set("0Oo1lI")


async def test_create_link_with_custom_slug_title_and_tags(client, tenant, create):
    link = await create(
        url="https://example.com/spring",
        slug="Spring_2026-sale",
        title="  春季上新  ",
        tags=["vip", " 双十一 ", "vip", ""],
    )
    assert link["slug"] == "Spring_2026-sale"
    assert link["short_url"] == "http://go.acme.test/Spring_2026-sale"
    assert link["title"] == "春季上新"
    assert link["tags"] == ["vip", "双十一"]


async def test_utm_fields_are_appended_to_the_destination(client, tenant, create):
    link = await create(
        url="https://shop.example.com/p?id=42",
        utm={"source": "wechat", "medium": "package_card", "campaign": "双十一"},
    )
    assert link["url"] == "https://shop.example.com/p?id=42"
    assert link["utm"] == {"source": "wechat", "medium": "package_card", "campaign": "双十一"}
    assert link["destination"] == (
        "https://shop.example.com/p?id=42&utm_source=wechat&utm_medium=package_card"
        "&utm_campaign=%E5%8F%8C%E5%8D%81%E4%B8%80"
    )


async def test_given_utm_fields_replace_those_already_in_the_url(client, tenant, create):
    link = await create(
        url="https://shop.example.com/p?utm_source=old&id=42&utm_term=kept#top",
        utm={"source": "sms"},
    )
    assert link["destination"] == ("https://shop.example.com/p?id=42&utm_term=kept&utm_source=sms#top")


async def test_get_link_by_id(client, tenant, create):
    made = await create(url="https://example.com/a", title="A")
    r = await client.get(f"{LINKS}/{made['id']}", headers=tenant.headers)
    assert r.status_code == 200
    assert r.json() == made


async def test_get_unknown_link_is_404_not_found(client, tenant):
    r = await client.get(f"{LINKS}/999999", headers=tenant.headers)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


async def test_another_tenants_link_is_404(client, tenant, other_tenant, create):
    made = await create(url="https://example.com/a")
    r = await client.get(f"{LINKS}/{made['id']}", headers=other_tenant.headers)
    assert r.status_code == 404
    r = await client.patch(f"{LINKS}/{made['id']}", json={"title": "stolen"}, headers=other_tenant.headers)
    assert r.status_code == 404
    listed = await client.get(LINKS, headers=other_tenant.headers)
    assert listed.json() == {"data": [], "next_cursor": None}


async def test_list_pages_by_cursor_newest_first_without_duplicates(client, tenant, create):
    ids = [(await create(url=f"https://example.com/{i}"))["id"] for i in range(5)]
    pages: list[list[int]] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        r = await client.get(LINKS, params=params, headers=tenant.headers)
        assert r.status_code == 200
        body = r.json()
        pages.append([lk["id"] for lk in body["data"]])
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert len(pages) < 10
    assert pages == [ids[4:2:-1], ids[2:0:-1], ids[0:1]]


async def test_list_with_an_invalid_cursor_is_400_invalid_cursor(client, tenant):
    r = await client.get(LINKS, params={"cursor": "not-a-cursor"}, headers=tenant.headers)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_cursor"


async def test_list_filters_by_channel(client, tenant, create):
    ch = await client.post(
        "/api/v1/channels", json={"name": "快递卡", "type": "package_card"}, headers=tenant.headers
    )
    assert ch.status_code == 201
    channel_id = ch.json()["id"]
    in_channel = await create(url="https://example.com/1", channel_id=channel_id)
    await create(url="https://example.com/2")
    found = await list_all(client, tenant, channel_id=channel_id)
    assert [lk["id"] for lk in found] == [in_channel["id"]]
    assert found[0]["channel_id"] == channel_id


async def test_list_filters_by_tag_including_chinese_tags(client, tenant, create):
    a = await create(url="https://example.com/a", tags=["双十一", "vip"])
    b = await create(url="https://example.com/b", tags=["双十一"])
    await create(url="https://example.com/c", tags=["双十二"])
    await create(url="https://example.com/d", tags=["vip2"])
    assert [lk["id"] for lk in await list_all(client, tenant, tag="双十一")] == [b["id"], a["id"]]
    assert [lk["id"] for lk in await list_all(client, tenant, tag="vip")] == [a["id"]]
    assert await list_all(client, tenant, tag="双十") == []


async def test_tag_filter_is_exact_and_keeps_pages_full(client, tenant, create):
    """Links whose tags merely look alike (case, LIKE wildcards) neither show up nor
    shorten a page: with limit=2, two matching links fill the first page."""
    wanted = [(await create(url=f"https://example.com/w{i}", tags=["VIP"]))["id"] for i in range(3)]
    for i in range(3):
        await create(url=f"https://example.com/x{i}", tags=["vip"])
    r = await client.get(LINKS, params={"tag": "VIP", "limit": 2}, headers=tenant.headers)
    body = r.json()
    assert [lk["id"] for lk in body["data"]] == [wanted[2], wanted[1]]
    assert body["next_cursor"] is not None
    r = await client.get(
        LINKS,
        params={"tag": "VIP", "limit": 2, "cursor": body["next_cursor"]},
        headers=tenant.headers,
    )
    assert [lk["id"] for lk in r.json()["data"]] == [wanted[0]]
    assert r.json()["next_cursor"] is None
    underscore = await create(url="https://example.com/u", tags=["a_b"])
    await create(url="https://example.com/v", tags=["axb"])
    assert [lk["id"] for lk in await list_all(client, tenant, tag="a_b")] == [underscore["id"]]
    assert await list_all(client, tenant, tag="a%") == []


async def test_list_search_q_matches_slug_title_and_url(client, tenant, create):
    by_slug = await create(url="https://example.com/1", slug="spring-sale")
    by_title = await create(url="https://example.com/2", title="春季上新")
    by_url = await create(url="https://springfield.example.com/")
    await create(url="https://example.com/3", title="autumn")
    found = {lk["id"] for lk in await list_all(client, tenant, q="spring")}
    assert found == {by_slug["id"], by_url["id"]}
    assert [lk["id"] for lk in await list_all(client, tenant, q="春季")] == [by_title["id"]]


async def test_list_search_q_treats_like_wildcards_literally(client, tenant, create):
    await create(url="https://example.com/1", title="plain")
    percent = await create(url="https://example.com/2", title="100% cotton")
    assert [lk["id"] for lk in await list_all(client, tenant, q="%")] == [percent["id"]]
    assert await list_all(client, tenant, q="_") == []


async def test_patch_url_changes_the_destination_and_keeps_utm(client, tenant, create):
    made = await create(url="https://example.com/old", utm={"source": "sms"})
    r = await client.patch(
        f"{LINKS}/{made['id']}", json={"url": "https://example.com/new"}, headers=tenant.headers
    )
    assert r.status_code == 200
    assert r.json()["url"] == "https://example.com/new"
    assert r.json()["destination"] == "https://example.com/new?utm_source=sms"
    got = await client.get(f"{LINKS}/{made['id']}", headers=tenant.headers)
    assert got.json()["destination"] == "https://example.com/new?utm_source=sms"


async def test_patch_destination_is_served_by_the_redirect_at_once(client, tenant, create):
    made = await create(url="https://example.com/old", slug="moving")
    first = await client.get("/moving", headers=HOST)
    assert (first.status_code, first.headers["location"]) == (302, "https://example.com/old")
    await client.patch(
        f"{LINKS}/{made['id']}", json={"url": "https://example.com/new"}, headers=tenant.headers
    )
    second = await client.get("/moving", headers=HOST)
    assert (second.status_code, second.headers["location"]) == (302, "https://example.com/new")


async def test_patch_with_a_bad_url_is_refused_and_changes_nothing(client, tenant, create):
    made = await create(url="https://example.com/old")
    r = await client.patch(
        f"{LINKS}/{made['id']}", json={"url": "javascript:alert(1)"}, headers=tenant.headers
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_destination"
    got = await client.get(f"{LINKS}/{made['id']}", headers=tenant.headers)
    assert got.json()["destination"] == "https://example.com/old"


async def test_delete_archives_the_link(client, tenant, create):
    made = await create(url="https://example.com/a", slug="gone")
    kept = await create(url="https://example.com/b")
    r = await client.delete(f"{LINKS}/{made['id']}", headers=tenant.headers)
    assert r.status_code == 200
    assert (r.json()["archived"], r.json()["disabled"]) == (True, True)
    assert [lk["id"] for lk in await list_all(client, tenant)] == [kept["id"]]
    listed = await list_all(client, tenant, include_archived="true")
    assert [lk["id"] for lk in listed] == [kept["id"], made["id"]]
    assert (await client.get("/gone", headers=HOST)).status_code == 410
    # The slug stays taken.
    again = await client.post(
        LINKS, json={"url": "https://example.com/c", "slug": "gone"}, headers=tenant.headers
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "slug_taken"


async def test_disable_and_enable_through_patch(client, tenant, create):
    made = await create(url="https://example.com/a", slug="toggle")
    off = await client.patch(f"{LINKS}/{made['id']}", json={"disabled": True}, headers=tenant.headers)
    assert off.status_code == 200
    assert off.json()["disabled"] is True
    assert (await client.get("/toggle", headers=HOST)).status_code == 410
    on = await client.patch(f"{LINKS}/{made['id']}", json={"disabled": False}, headers=tenant.headers)
    assert on.json()["disabled"] is False
    back = await client.get("/toggle", headers=HOST)
    assert (back.status_code, back.headers["location"]) == (302, "https://example.com/a")


async def test_redirect_status_301_on_request(client, tenant, create):
    made = await create(url="https://example.com/forever", slug="perm", redirect_status=301)
    assert made["redirect_status"] == 301
    r = await client.get("/perm", headers=HOST)
    assert (r.status_code, r.headers["location"]) == (301, "https://example.com/forever")


# --- Idempotency-Key ---------------------------------------------------------------------


async def _post(client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any], key: str) -> httpx.Response:
    return await client.post(LINKS, json=body, headers={**tenant.headers, "Idempotency-Key": key})


async def test_idempotency_key_replays_the_first_answer_and_creates_once(client, tenant, link_count):
    body = {"url": "https://example.com/once", "title": "once"}
    first = await _post(client, tenant, body, "key-1")
    second = await _post(client, tenant, body, "key-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert [lk["id"] for lk in await list_all(client, tenant)] == [first.json()["id"]]
    assert await link_count() == 1


async def test_idempotency_key_with_another_body_is_409_and_creates_nothing(client, tenant, link_count):
    first = await _post(client, tenant, {"url": "https://example.com/a"}, "key-2")
    assert first.status_code == 201
    other = await _post(client, tenant, {"url": "https://example.com/b"}, "key-2")
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert await link_count() == 1


async def test_idempotency_keys_are_per_workspace(client, tenant, other_tenant, link_count):
    body = {"url": "https://example.com/a"}
    mine = await _post(client, tenant, body, "shared-key")
    theirs = await _post(client, other_tenant, body, "shared-key")
    assert mine.status_code == theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()["domain"] == "go.globex.test"
    assert await link_count() == 2


async def test_idempotency_key_of_bad_length_is_refused(client, tenant, link_count):
    for key in ("", "k" * 256):
        r = await _post(client, tenant, {"url": "https://example.com/a"}, key)
        assert r.status_code == 400
        assert r.json()["error"]["code"] == "idempotency_key_invalid"
    assert await link_count() == 0


async def test_requests_without_a_key_are_401(client):
    r = await client.get(LINKS)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"


async def test_status_tells_what_the_link_does_and_filters_the_list(client, tenant, create, app):
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    later = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    active = await create(url="https://example.com/a", slug="st-active", expires_at=later, max_clicks=5)
    expired = await create(url="https://example.com/e", slug="st-expired", expires_at=past)
    exhausted = await create(url="https://example.com/x", slug="st-exhausted", max_clicks=1)
    disabled = await create(url="https://example.com/d", slug="st-disabled")
    archived = await create(url="https://example.com/r", slug="st-archived")
    await client.patch(f"{LINKS}/{disabled['id']}", json={"disabled": True}, headers=tenant.headers)
    await client.delete(f"{LINKS}/{archived['id']}", headers=tenant.headers)
    phone = HOST | {"user-agent": IPHONE_WECHAT}  # a person, not a bot: the click counts
    assert (await client.get("/st-exhausted", headers=phone)).status_code == 302
    assert (await client.get("/st-exhausted", headers=phone)).status_code == 410  # used up
    await app.clicks.flush()
    expected = {
        active["id"]: "active",
        expired["id"]: "expired",
        exhausted["id"]: "exhausted",
        disabled["id"]: "disabled",
        archived["id"]: "archived",
    }
    every = await list_all(client, tenant, include_archived="true")
    assert {lk["id"]: lk["status"] for lk in every} == expected
    for status in ("active", "expired", "exhausted", "disabled", "archived"):
        found = [lk["id"] for lk in await list_all(client, tenant, status=status)]
        assert found == [i for i, s in expected.items() if s == status], status
        one = await client.get(f"{LINKS}/{found[0]}", headers=tenant.headers)
        assert one.json()["status"] == status
    assert {lk["id"] for lk in await list_all(client, tenant)} == set(expected) - {archived["id"]}
    bad = await client.get(LINKS, params={"status": "sleeping"}, headers=tenant.headers)
    assert bad.status_code == 422


async def test_list_filters_by_the_days_created_in_the_workspaces_calendar(client, tenant, create, engine):
    made = [await create(url=f"https://example.com/{i}") for i in range(3)]
    # Shanghai is UTC+8: 2026-11-30 16:30 UTC is already December 1st there.
    stamps = ["2026-11-30T15:59:00+00:00", "2026-11-30T16:30:00+00:00", "2026-12-01T15:59:59+00:00"]
    async with unit_of_work(engine=engine) as s:
        await s.execute(update(Workspace).where(Workspace.id == tenant.id).values(timezone="Asia/Shanghai"))
        for link, stamp in zip(made, stamps, strict=True):
            await s.execute(
                update(Link).where(Link.id == link["id"]).values(created_at=datetime.fromisoformat(stamp))
            )
    december_first = await list_all(client, tenant, created_from="2026-12-01", created_to="2026-12-01")
    assert [lk["id"] for lk in december_first] == [made[2]["id"], made[1]["id"]]
    november = await list_all(client, tenant, created_to="2026-11-30")
    assert [lk["id"] for lk in november] == [made[0]["id"]]
    reversed_range = await client.get(
        LINKS, params={"created_from": "2026-12-02", "created_to": "2026-12-01"}, headers=tenant.headers
    )
    assert reversed_range.status_code == 400 and reversed_range.json()["error"]["code"] == "invalid_range"
