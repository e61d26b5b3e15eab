"""Click statistics over local days (Asia/Shanghai), by dimension, and per channel —
counted by the event store: the clicks are written to the database, then synced into the
store (DuckDB, and ClickHouse's engine chdb) as the worker does, and the API answers the
same figures it answered when it read the clicks table."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import Tenant
from tests.factories import sync_store
from yutang.kit.db import unit_of_work
from yutang.links import service
from yutang.links.schemas import ChannelIn, LinkIn
from yutang.models.links import Click

CLICKS = "/api/v1/stats/clicks"
CHANNELS = "/api/v1/stats/channels"
RANGE = {"start": "2026-03-01", "end": "2026-03-03"}

IPHONE = ("mobile", "iOS", "Mobile Safari")
ANDROID = ("mobile", "Android", "Chrome Mobile")
WINDOWS = ("desktop", "Windows", "Chrome")
IPAD = ("tablet", "iOS", "Mobile Safari")
BOT = ("bot", "Other", "Googlebot")
WX = "weixin.qq.com"


@dataclass
class World:
    card: int  # channel 快递卡, 200 exposures
    store: int  # channel 门店, exposures unknown
    idle: int  # channel 海报, 40 exposures, no clicks
    card_link: int
    store_link: int
    bare_link: int  # no channel
    foreign_link: int  # the other tenant's
    foreign_channel: int


def _click(
    ws: int,
    link: int,
    channel: int | None,
    at: str,
    visitor: str,
    ua: tuple[str, str, str],
    referrer: str | None = None,
) -> Click:
    device, os_name, browser = ua
    return Click(
        workspace_id=ws,
        link_id=link,
        channel_id=channel,
        occurred_at=datetime.fromisoformat(at),
        visitor_id=visitor,
        referrer_host=referrer,
        device_type=device,
        os=os_name,
        browser=browser,
        is_bot=ua is BOT,
    )


@pytest.fixture(params=["duckdb", "chdb"])
def store_kind(request: pytest.FixtureRequest, engine) -> str:
    """The store the statistics are counted by. ClickHouse's side is the same whatever the
    source database: SQLite as the source does for it."""
    if request.param == "chdb" and engine.dialect.name != "sqlite":
        pytest.skip("the ClickHouse side is the same whatever the source database")
    return str(request.param)


@pytest.fixture
async def world(engine, tenant, other_tenant, app, monkeypatch, store_kind) -> World:
    async with unit_of_work(engine=engine) as s:
        ctx = tenant.ctx(s)
        card = await service.create_channel(ctx, ChannelIn(name="快递卡", type="package_card", exposures=200))
        store = await service.create_channel(ctx, ChannelIn(name="门店", type="store"))
        idle = await service.create_channel(ctx, ChannelIn(name="海报", type="poster", exposures=40))
        card_link = await service.create_link(
            ctx, LinkIn(url="https://example.com/card", slug="card", title="包裹卡", channel_id=card.id)
        )
        store_link = await service.create_link(
            ctx, LinkIn(url="https://example.com/store", slug="store", channel_id=store.id)
        )
        bare_link = await service.create_link(ctx, LinkIn(url="https://example.com/bare", slug="bare"))
        octx = other_tenant.ctx(s)
        foreign_channel = await service.create_channel(octx, ChannelIn(name="快递卡", exposures=10))
        foreign_link = await service.create_link(
            octx, LinkIn(url="https://example.com/f", channel_id=foreign_channel.id)
        )
        w = World(
            card.id, store.id, idle.id, card_link.id, store_link.id, bare_link.id,
            foreign_link.id, foreign_channel.id,
        )  # fmt: skip
        ws, other = tenant.id, other_tenant.id
        s.add_all(
            [
                # 17:30Z on 1 March is 01:30 on 2 March in Shanghai.
                _click(ws, w.card_link, w.card, "2026-03-01T17:30:00+00:00", "v1", IPHONE, WX),
                # 15:59Z on 1 March is 23:59 on 1 March in Shanghai.
                _click(ws, w.card_link, w.card, "2026-03-01T15:59:00+00:00", "v1", IPHONE),
                _click(ws, w.card_link, w.card, "2026-03-02T03:00:00+00:00", "v2", WINDOWS),
                _click(ws, w.card_link, w.card, "2026-03-02T04:00:00+00:00", "bot1", BOT),
                _click(ws, w.card_link, w.card, "2026-03-02T05:00:00+00:00", "v1", BOT),
                # Outside the range: 23:59 on 28 Feb and 00:00 on 4 March, local time.
                _click(ws, w.card_link, w.card, "2026-02-28T15:59:00+00:00", "v3", IPHONE),
                _click(ws, w.card_link, w.card, "2026-03-03T16:00:00+00:00", "v3", IPHONE),
                # 16:00Z on 1 March is midnight, 2 March, in Shanghai.
                _click(ws, w.store_link, w.store, "2026-03-01T16:00:00+00:00", "v2", ANDROID, WX),
                _click(ws, w.bare_link, None, "2026-03-02T10:00:00+00:00", "v4", IPAD),
                # The other tenant's click, in range: counted nowhere here.
                _click(other, w.foreign_link, w.foreign_channel, "2026-03-02T10:00:00+00:00", "v5", IPHONE),
            ]
        )  # fmt: skip
    await sync_store(app, engine, monkeypatch, store_kind)
    return w


async def _stats(client: httpx.AsyncClient, tenant: Tenant, **params: Any) -> Any:
    r = await client.get(CLICKS, params={**RANGE, **params}, headers=tenant.headers)
    assert r.status_code == 200, r.text
    return r.json()


def _rows(body: Any) -> list[tuple[str, str, int, int]]:
    return [(r["key"], r["label"], r["clicks"], r["unique_visitors"]) for r in body["rows"]]


async def test_by_day_in_the_workspace_timezone_zero_filled(client, tenant, world):
    body = await _stats(client, tenant, dimension="day")
    assert (body["start"], body["end"], body["timezone"]) == ("2026-03-01", "2026-03-03", "Asia/Shanghai")
    assert body["totals"] == {"clicks": 5, "unique_visitors": 3, "bot_clicks": 2}
    assert _rows(body) == [
        ("2026-03-01", "2026-03-01", 1, 1),
        ("2026-03-02", "2026-03-02", 4, 3),
        ("2026-03-03", "2026-03-03", 0, 0),
    ]


async def test_a_click_at_1730_utc_counts_on_the_next_local_day(client, tenant, world):
    body = await _stats(client, tenant, dimension="day", start="2026-03-02", end="2026-03-02")
    # v1 at 17:30Z on 1 March, v2 at 16:00Z on 1 March, v2 at 03:00Z and v4 at 10:00Z on 2 March.
    assert body["totals"] == {"clicks": 4, "unique_visitors": 3, "bot_clicks": 2}
    assert _rows(body) == [("2026-03-02", "2026-03-02", 4, 3)]


async def test_by_channel(client, tenant, world):
    body = await _stats(client, tenant, dimension="channel")
    assert _rows(body) == [
        (str(world.card), "快递卡", 3, 2),
        ("", "(no channel)", 1, 1),
        (str(world.store), "门店", 1, 1),
    ]


async def test_by_device_os_and_browser(client, tenant, world):
    device = await _stats(client, tenant, dimension="device")
    assert _rows(device) == [
        ("mobile", "mobile", 3, 2),
        ("desktop", "desktop", 1, 1),
        ("tablet", "tablet", 1, 1),
    ]
    os_rows = await _stats(client, tenant, dimension="os")
    assert _rows(os_rows) == [
        ("iOS", "iOS", 3, 2),
        ("Android", "Android", 1, 1),
        ("Windows", "Windows", 1, 1),
    ]
    browser = await _stats(client, tenant, dimension="browser")
    assert _rows(browser) == [
        ("Mobile Safari", "Mobile Safari", 3, 2),
        ("Chrome", "Chrome", 1, 1),
        ("Chrome Mobile", "Chrome Mobile", 1, 1),
    ]
    # Bots are left out of every dimension, whatever their device.
    assert device["totals"] == os_rows["totals"] == browser["totals"]
    assert device["totals"]["bot_clicks"] == 2


async def test_by_referrer(client, tenant, world):
    body = await _stats(client, tenant, dimension="referrer")
    assert _rows(body) == [("", "(direct)", 3, 3), ("weixin.qq.com", "weixin.qq.com", 2, 2)]


async def test_by_link(client, tenant, world):
    body = await _stats(client, tenant, dimension="link")
    assert _rows(body) == [
        (str(world.card_link), "card · 包裹卡", 3, 2),
        (str(world.store_link), "store", 1, 1),
        (str(world.bare_link), "bare", 1, 1),
    ]


async def test_filter_by_link(client, tenant, world):
    body = await _stats(client, tenant, dimension="day", link_id=world.card_link)
    assert body["totals"] == {"clicks": 3, "unique_visitors": 2, "bot_clicks": 2}
    assert _rows(body) == [
        ("2026-03-01", "2026-03-01", 1, 1),
        ("2026-03-02", "2026-03-02", 2, 2),
        ("2026-03-03", "2026-03-03", 0, 0),
    ]


async def test_filter_by_channel(client, tenant, world):
    body = await _stats(client, tenant, dimension="device", channel_id=world.store)
    assert body["totals"] == {"clicks": 1, "unique_visitors": 1, "bot_clicks": 0}
    assert _rows(body) == [("mobile", "mobile", 1, 1)]


async def test_no_clicks_gives_zero_totals_and_zero_days(client, tenant, world):
    body = await _stats(client, tenant, dimension="day", start="2025-01-01", end="2025-01-02")
    assert body["totals"] == {"clicks": 0, "unique_visitors": 0, "bot_clicks": 0}
    assert _rows(body) == [("2025-01-01", "2025-01-01", 0, 0), ("2025-01-02", "2025-01-02", 0, 0)]


async def test_csv_format(client, tenant, world):
    r = await client.get(
        CLICKS, params={**RANGE, "dimension": "channel", "format": "csv"}, headers=tenant.headers
    )
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"] == 'attachment; filename="clicks-by-channel.csv"'
    assert r.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese names right
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows == [
        ["channel", "label", "clicks", "unique_visitors"],
        [str(world.card), "快递卡", "3", "2"],
        ["", "(no channel)", "1", "1"],
        [str(world.store), "门店", "1", "1"],
    ]


async def test_channel_stats_diversion_rate(client, tenant, world):
    r = await client.get(CHANNELS, params=RANGE, headers=tenant.headers)
    assert r.status_code == 200
    body = r.json()
    assert body["timezone"] == "Asia/Shanghai"
    rows = [
        (
            r["channel_id"], r["name"], r["type"], r["links"], r["clicks"],
            r["unique_visitors"], r["exposures"], r["diversion_rate"],
        )
        for r in body["rows"]
    ]  # fmt: skip
    assert rows == [
        (world.card, "快递卡", "package_card", 1, 3, 2, 200, 3 / 200),
        (world.store, "门店", "store", 1, 1, 1, None, None),
        (None, "(no channel)", "other", 1, 1, 1, None, None),
        (world.idle, "海报", "poster", 0, 0, 0, 40, 0.0),
    ]


async def test_channel_stats_csv(client, tenant, world):
    r = await client.get(CHANNELS, params={**RANGE, "format": "csv"}, headers=tenant.headers)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows == [
        ["channel_id", "name", "type", "links", "clicks", "unique_visitors", "exposures", "diversion_rate"],
        [str(world.card), "快递卡", "package_card", "1", "3", "2", "200", "0.015"],
        [str(world.store), "门店", "store", "1", "1", "1", "", ""],
        ["", "(no channel)", "other", "1", "1", "1", "", ""],
        [str(world.idle), "海报", "poster", "0", "0", "0", "40", "0.0"],
    ]  # fmt: skip


async def test_reversed_or_too_long_range_is_invalid_range(client, tenant, world):
    for path, start, end in (
        (CLICKS, "2026-03-03", "2026-03-01"),
        (CHANNELS, "2026-03-03", "2026-03-01"),
        (CLICKS, "2024-01-01", "2026-01-01"),  # 732 days
    ):
        r = await client.get(path, params={"start": start, "end": end}, headers=tenant.headers)
        assert r.status_code == 400, (path, start, end)
        assert r.json()["error"]["code"] == "invalid_range"
    longest = await _stats(client, tenant, start="2024-01-02", end="2026-01-01")  # 731 days
    assert len(longest["rows"]) == 731


async def test_another_tenants_link_or_channel_is_404(client, tenant, world):
    r = await client.get(CLICKS, params={**RANGE, "link_id": world.foreign_link}, headers=tenant.headers)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    r = await client.get(
        CLICKS, params={**RANGE, "channel_id": world.foreign_channel}, headers=tenant.headers
    )
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "unknown_channel"


async def test_other_tenant_sees_only_its_own_clicks(client, other_tenant, world):
    r = await client.get(CLICKS, params={**RANGE, "dimension": "channel"}, headers=other_tenant.headers)
    body = r.json()
    assert body["totals"] == {"clicks": 1, "unique_visitors": 1, "bot_clicks": 0}
    assert _rows(body) == [(str(world.foreign_channel), "快递卡", 1, 1)]


async def test_unknown_dimension_is_422(client, tenant):
    r = await client.get(CLICKS, params={"dimension": "city"}, headers=tenant.headers)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "validation_error"


async def test_the_figures_are_as_fresh_as_the_last_sync(
    client, tenant, world, app, engine, monkeypatch, store_kind
):
    """The statistics read the event store, not the clicks table: a click recorded after
    the sync counts from the next sync on, and ``as_of`` says when that was."""
    before = await _stats(client, tenant, dimension="day", link_id=world.bare_link)
    synced = datetime.fromisoformat(before["as_of"])
    assert datetime.now(UTC) - timedelta(minutes=5) < synced <= datetime.now(UTC)
    async with unit_of_work(engine=engine) as s:
        s.add(_click(tenant.id, world.bare_link, None, "2026-03-02T11:00:00+00:00", "v9", IPHONE))
    stale = await _stats(client, tenant, dimension="day", link_id=world.bare_link)
    assert stale["totals"] == before["totals"] == {"clicks": 1, "unique_visitors": 1, "bot_clicks": 0}
    await sync_store(app, engine, monkeypatch, store_kind, fresh=False)
    fresh = await _stats(client, tenant, dimension="day", link_id=world.bare_link)
    assert fresh["totals"] == {"clicks": 2, "unique_visitors": 2, "bot_clicks": 0}
    assert datetime.fromisoformat(fresh["as_of"]) > synced
    channels = (await client.get(CHANNELS, params=RANGE, headers=tenant.headers)).json()
    assert [r["clicks"] for r in channels["rows"] if r["channel_id"] is None] == [2]
    assert datetime.fromisoformat(channels["as_of"]) == datetime.fromisoformat(fresh["as_of"])


async def test_before_the_first_sync_there_is_nothing_and_no_as_of(client, tenant, app, monkeypatch):
    monkeypatch.setattr(app.app.state.settings, "analytics_url", None)
    app.app.state.settings.resolved_analytics_path().unlink(missing_ok=True)
    body = await _stats(client, tenant, dimension="day")
    assert body["as_of"] is None and body["totals"]["clicks"] == 0
