"""The redirect fast path, through the real ASGI app: destinations, expiry, caps,
live codes, cache invalidation and click capture."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.factories import sync_store
from yutang.kit.db import unit_of_work
from yutang.links.clicks import new_visitor_id
from yutang.links.redirect import RedirectApp
from yutang.models.links import Click, Link

IPHONE_WECHAT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49 NetType/WIFI Language/zh_CN"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


async def create(client: httpx.AsyncClient, tenant: Tenant, **body: object) -> dict[str, Any]:
    r = await client.post("/api/v1/links", json=body, headers=tenant.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def visit(
    client: httpx.AsyncClient, host: str, slug: str, method: str = "GET", **headers: str
) -> httpx.Response:
    headers.setdefault("user-agent", IPHONE_WECHAT)
    return await client.request(method, f"http://{host}/{slug}", headers=headers)


async def flush(app: RedirectApp) -> int:
    return await app.clicks.flush()


async def clicks(engine: AsyncEngine) -> list[Click]:
    async with unit_of_work(readonly=True, engine=engine) as s:
        return list((await s.scalars(select(Click).order_by(Click.id))).all())


async def test_redirects_to_destination_with_302_and_records_the_click(
    client: httpx.AsyncClient, app: RedirectApp, tenant: Tenant, engine: AsyncEngine
) -> None:
    link = await create(client, tenant, url="https://shop.example/item?id=1", slug="item1")
    r = await visit(client, tenant.host, "item1", referer="https://mp.weixin.qq.com/s/x")
    assert r.status_code == 302
    assert r.headers["location"] == "https://shop.example/item?id=1"
    assert "yt_vid=" in r.headers["set-cookie"]
    assert await flush(app) == 1
    (click,) = await clicks(engine)
    assert click.link_id == link["id"]
    assert click.workspace_id == tenant.id
    assert click.device_type == "mobile"
    assert click.os == "iOS"
    assert click.browser == "WeChat Browser"
    assert click.referrer_host == "mp.weixin.qq.com"
    assert click.is_bot is False
    assert click.visitor_id == r.cookies["yt_vid"]


async def test_permanent_link_answers_301(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await create(client, tenant, url="https://shop.example/", slug="perm", redirect_status=301)
    r = await visit(client, tenant.host, "perm")
    assert r.status_code == 301
    assert r.headers["location"] == "https://shop.example/"


async def test_visitor_cookie_is_reused_for_unique_counts(
    client: httpx.AsyncClient, app: RedirectApp, tenant: Tenant, engine: AsyncEngine
) -> None:
    await create(client, tenant, url="https://shop.example/", slug="uniq")
    first = await visit(client, tenant.host, "uniq")
    vid = first.cookies["yt_vid"]
    second = await visit(client, tenant.host, "uniq", cookie=f"other=1; yt_vid={vid}")
    assert "set-cookie" not in second.headers
    await flush(app)
    rows = await clicks(engine)
    assert [c.visitor_id for c in rows] == [vid, vid]


async def test_new_visitor_ids_are_unique_and_sort_by_the_time_they_were_made(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    # The clicks writer's inserts into the visitor index stay cheap only while new ids
    # land at its right end (docs/benchmarks.md, the click writer's cost).
    await create(client, tenant, url="https://shop.example/", slug="fresh")
    ids = []
    for _ in range(50):
        client.cookies.clear()  # a new visitor each time
        ids.append((await visit(client, tenant.host, "fresh")).cookies["yt_vid"])
    assert len(set(ids)) == 50
    assert all(len(v) == 24 and int(v[:8], 16) > 0 for v in ids)
    made = [int(v[:8], 16) for v in ids]
    assert made == sorted(made)
    assert abs(made[0] - time.time()) < 60
    later = new_visitor_id(time.time() + 2)
    assert later > max(ids)


async def test_ip_is_stored_only_as_a_salted_hash(
    client: httpx.AsyncClient, app: RedirectApp, tenant: Tenant, engine: AsyncEngine
) -> None:
    await create(client, tenant, url="https://shop.example/", slug="iphash")
    await visit(client, tenant.host, "iphash")
    await flush(app)
    (click,) = await clicks(engine)
    assert click.ip_hash and len(click.ip_hash) == 32
    assert "203.0.113.7" not in click.ip_hash
    async with engine.connect() as conn:
        dump = " ".join(str(r) for r in (await conn.execute(text("SELECT * FROM clicks"))).all())
    assert "203.0.113.7" not in dump


async def test_bots_and_head_requests_are_flagged_and_not_counted(
    client: httpx.AsyncClient, app: RedirectApp, tenant: Tenant, engine: AsyncEngine
) -> None:
    link = await create(client, tenant, url="https://shop.example/", slug="bots")
    assert (await visit(client, tenant.host, "bots", **{"user-agent": GOOGLEBOT})).status_code == 302
    head = await visit(client, tenant.host, "bots", method="HEAD")
    assert head.status_code == 302
    await visit(client, tenant.host, "bots")
    await flush(app)
    rows = await clicks(engine)
    assert [c.is_bot for c in rows] == [True, True, False]
    got = await client.get(f"/api/v1/links/{link['id']}", headers=tenant.headers)
    assert got.json()["click_count"] == 1


async def test_unknown_slug_is_404_and_other_workspaces_slugs_do_not_leak(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await create(client, other_tenant, url="https://globex.example/", slug="secret")
    mine = await visit(client, tenant.host, "secret")
    nothing = await visit(client, tenant.host, "never-made")
    assert mine.status_code == nothing.status_code == 404
    assert mine.content == nothing.content
    assert (await visit(client, other_tenant.host, "secret")).status_code == 302


async def test_editing_the_destination_takes_effect_at_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    link = await create(client, tenant, url="https://old.example/", slug="moving")
    assert (await visit(client, tenant.host, "moving")).headers["location"] == "https://old.example/"
    r = await client.patch(
        f"/api/v1/links/{link['id']}", json={"url": "https://new.example/"}, headers=tenant.headers
    )
    assert r.status_code == 200
    assert (await visit(client, tenant.host, "moving")).headers["location"] == "https://new.example/"


async def test_a_slug_visited_before_it_existed_works_once_created(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    assert (await visit(client, tenant.host, "later")).status_code == 404
    await create(client, tenant, url="https://later.example/", slug="later")
    assert (await visit(client, tenant.host, "later")).status_code == 302


async def test_expired_link_uses_its_fallback_or_answers_410(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    await create(client, tenant, url="https://a.example/", slug="old", expires_at=past)
    await create(
        client,
        tenant,
        url="https://a.example/",
        slug="oldfb",
        expires_at=past,
        expired_url="https://a.example/over",
    )
    gone = await visit(client, tenant.host, "old")
    assert gone.status_code == 410
    assert "链接已失效" in gone.text
    fb = await visit(client, tenant.host, "oldfb")
    assert fb.status_code == 302
    assert fb.headers["location"] == "https://a.example/over"


async def test_max_clicks_then_fallback(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await create(
        client,
        tenant,
        url="https://a.example/",
        slug="three",
        max_clicks=3,
        exhausted_url="https://a.example/sold-out",
    )
    locations = [(await visit(client, tenant.host, "three")).headers["location"] for _ in range(5)]
    assert locations == ["https://a.example/"] * 3 + ["https://a.example/sold-out"] * 2
    await create(client, tenant, url="https://a.example/", slug="one", max_clicks=1)
    assert (await visit(client, tenant.host, "one")).status_code == 302
    assert (await visit(client, tenant.host, "one")).status_code == 410


async def test_max_clicks_survive_a_restart_of_the_cache(
    client: httpx.AsyncClient, app: RedirectApp, tenant: Tenant
) -> None:
    await create(client, tenant, url="https://a.example/", slug="two", max_clicks=2)
    await visit(client, tenant.host, "two")
    await visit(client, tenant.host, "two")
    await flush(app)
    app.cache.drop(tenant.host, "two")  # as a fresh process would: reload from the database
    assert (await visit(client, tenant.host, "two")).status_code == 410


async def test_disabled_and_archived_links_answer_410(client: httpx.AsyncClient, tenant: Tenant) -> None:
    a = await create(client, tenant, url="https://a.example/", slug="off")
    b = await create(client, tenant, url="https://a.example/", slug="gone")
    await client.patch(f"/api/v1/links/{a['id']}", json={"disabled": True}, headers=tenant.headers)
    await client.delete(f"/api/v1/links/{b['id']}", headers=tenant.headers)
    assert (await visit(client, tenant.host, "off")).status_code == 410
    assert (await visit(client, tenant.host, "gone")).status_code == 410
    await client.patch(f"/api/v1/links/{a['id']}", json={"disabled": False}, headers=tenant.headers)
    assert (await visit(client, tenant.host, "off")).status_code == 302


async def test_reserved_paths_and_other_hosts_reach_the_application(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    r = await client.get(f"http://{tenant.host}/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    await create(client, tenant, url="https://a.example/", slug="onlyhere")
    other = await client.get("http://api.test/onlyhere")
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "not_found"


async def test_live_code_rotates_by_weight_and_falls_back_when_full(
    client: httpx.AsyncClient, app: RedirectApp, tenant: Tenant, engine: AsyncEngine
) -> None:
    await create(
        client,
        tenant,
        slug="staff",
        targets=[
            {"label": "Wang", "destination": "https://wx.example/wang", "weight": 1, "daily_cap": 2},
            {"label": "Li", "destination": "https://wx.example/li", "weight": 1, "daily_cap": 1},
        ],
        fallback_url="https://wx.example/group",
    )
    seen = [(await visit(client, tenant.host, "staff")).headers["location"] for _ in range(5)]
    assert sorted(seen[:3]) == ["https://wx.example/li", "https://wx.example/wang", "https://wx.example/wang"]
    assert seen[3:] == ["https://wx.example/group"] * 2
    await flush(app)
    rows = await clicks(engine)
    assert sum(1 for c in rows if c.target_id is not None) == 3


async def test_live_code_without_fallback_shows_the_full_page(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await create(
        client,
        tenant,
        slug="full",
        targets=[{"label": "A", "destination": "https://wx.example/a", "weight": 1, "daily_cap": 1}],
    )
    assert (await visit(client, tenant.host, "full")).status_code == 302
    page = await visit(client, tenant.host, "full")
    assert page.status_code == 410
    assert "今日名额已满" in page.text


async def test_click_count_is_written_with_the_batch(
    client: httpx.AsyncClient, app: RedirectApp, tenant: Tenant, engine: AsyncEngine
) -> None:
    link = await create(client, tenant, url="https://a.example/", slug="count")
    for _ in range(7):
        await visit(client, tenant.host, "count")
    assert await flush(app) == 7
    async with unit_of_work(readonly=True, engine=engine) as s:
        stored = await s.scalar(select(Link.click_count).where(Link.id == link["id"]))
        n = await s.scalar(select(func.count()).select_from(Click).where(Click.link_id == link["id"]))
    assert stored == n == 7


async def test_bots_do_not_use_up_live_code_caps_or_max_clicks(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await create(
        client,
        tenant,
        slug="capped",
        targets=[{"label": "A", "destination": "https://wx.example/a", "weight": 1, "daily_cap": 1}],
    )
    await create(client, tenant, url="https://a.example/", slug="once", max_clicks=1)
    for slug in ("capped", "once"):
        for _ in range(3):
            assert (await visit(client, tenant.host, slug, **{"user-agent": GOOGLEBOT})).status_code == 302
            assert (await visit(client, tenant.host, slug, method="HEAD")).status_code == 302
        assert (await visit(client, tenant.host, slug)).status_code == 302  # the one human visit
        assert (await visit(client, tenant.host, slug)).status_code == 410


async def test_utm_fields_keep_the_urls_own_query_as_written(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await create(
        client,
        tenant,
        url="https://a.example/p?flag&q=a%20b&utm_source=old",
        slug="utm",
        utm={"source": "sms", "campaign": "双11"},
    )
    r = await visit(client, tenant.host, "utm")
    assert r.headers["location"] == "https://a.example/p?flag&q=a%20b&utm_source=sms&utm_campaign=%E5%8F%8C11"


async def test_international_destinations_are_sent_as_ascii(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await create(client, tenant, url="https://例子.测试/路径?q=值", slug="idn")
    r = await visit(client, tenant.host, "idn")
    assert r.headers["location"] == "https://xn--fsqu00a.xn--0zwm56d/%E8%B7%AF%E5%BE%84?q=%E5%80%BC"


async def test_captured_clicks_carry_their_time_and_reach_the_statistics(
    client: httpx.AsyncClient,
    app: RedirectApp,
    tenant: Tenant,
    engine: AsyncEngine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    link = await create(client, tenant, url="https://a.example/", slug="timed")
    before = datetime.now(UTC)
    for _ in range(3):
        await visit(client, tenant.host, "timed")
    await flush(app)
    rows = await clicks(engine)
    assert all(before - timedelta(seconds=1) <= c.occurred_at <= datetime.now(UTC) for c in rows)
    await sync_store(app, engine, monkeypatch)  # the statistics count the event store's clicks
    stats = await client.get(
        "/api/v1/stats/clicks", params={"dimension": "day", "link_id": link["id"]}, headers=tenant.headers
    )
    body = stats.json()
    assert body["totals"]["clicks"] == 3
    assert body["rows"][-1]["clicks"] == 3  # today, in the workspace's timezone
