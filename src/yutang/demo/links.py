"""The demo brand's touchpoints: seven channels with their exposures, a link per product
and channel, an expired campaign link, a live code (活码) spreading visitors over three
staff, and the clicks of the period — written through the redirect's own click writer."""

from __future__ import annotations

import random
import secrets
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from yutang.kit.context import Ctx
from yutang.kit.db import unit_of_work
from yutang.links import costs
from yutang.links import service as links_service
from yutang.links.clicks import ClickRow, click_row, ip_hash, write_clicks
from yutang.links.schemas import ChannelIn, ChannelType, CostIn, LinkIn, TargetIn, Utm
from yutang.models.links import Channel, Link

# (name, type, exposures, weight of traffic, conversion of viewers into clickers)
CHANNELS: list[tuple[str, ChannelType, int | None, float]] = [
    ("包裹卡 Package card", "package_card", 30_000, 0.22),
    ("门店桌贴 Store table sticker", "store", 40_000, 0.16),
    ("公众号文章 Official account article", "article", 60_000, 0.18),
    ("短信 SMS", "sms", 120_000, 0.10),
    ("服务号模板消息 Template message", "template_message", 50_000, 0.12),
    ("海报 Poster", "poster", 20_000, 0.08),
    ("直播间 Live stream", "live_stream", None, 0.14),
]

UAS = [
    # (weight, user agent)
    (
        34,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN",
    ),
    (
        30,
        "Mozilla/5.0 (Linux; Android 14; V2309A Build/UP1A.231005.007; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/122.0.6261.120 Mobile Safari/537.36 XWEB/1220067 "
        "MMWEBSDK/20240301 MicroMessenger/8.0.48.2580(0x28003036) WeChat/arm64 Weixin NetType/5G "
        "Language/zh_CN ABI/arm64",
    ),
    (
        9,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.4 Mobile/15E148 Safari/604.1",
    ),
    (
        8,
        "Mozilla/5.0 (Linux; Android 13; 23049RAD8C) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/116.0.0.0 Mobile Safari/537.36",
    ),
    (
        6,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36",
    ),
    (
        4,
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.4 Safari/605.1.15",
    ),
    (
        4,
        "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.4 Mobile/15E148 Safari/604.1",
    ),
    (3, "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"),
    (2, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
]
REFERRERS = [
    (60, None),
    (15, "https://mp.weixin.qq.com/s/abc"),
    (8, "https://www.xiaohongshu.com/explore"),
    (7, "https://www.douyin.com/"),
    (5, "https://m.baidu.com/s?wd=coffee"),
    (5, "https://weibo.com/"),
]


BASE = "https://shop.freshbean.example/"
PRODUCT_PAGES = [
    ("beans", "咖啡豆 Coffee beans"),
    ("dripbag", "挂耳 Drip bags"),
    ("member", "会员日 Member day"),
    ("newyear", "新年礼盒 New-year box"),
]
#: Clicks are written in batches of this many rows.
BATCH = 5000


#: The diversion rate each touchpoint is seen at (seed 000: package cards 5–10 %, stores
#: 1–5 %, articles 3–10 %, template messages 0.1 %): the period's exposures entered for
#: the channels report are its clicks ÷ this rate.
DIVERSION: dict[str, float] = {
    "package_card": 0.075,
    "store": 0.03,
    "article": 0.065,
    "sms": 0.02,
    "template_message": 0.001,
    "poster": 0.02,
}
#: What a touchpoint costs per exposure, in cents (a printed card, an SMS, a poster …);
#: the live stream: a flat fee for the period (its audience is not counted).
COST_PER_EXPOSURE: dict[str, int] = {
    "package_card": 30,
    "store": 2,
    "article": 5,
    "sms": 5,
    "template_message": 0,
    "poster": 10,
}
LIVE_STREAM_FEE = 3_000_000


async def touchpoints(
    ctx: Ctx, rng: random.Random, days: int = 60, clicks: int = 40_000
) -> tuple[list[Channel], list[tuple[Link, float]]]:
    """The channels, with their exposures and spend over the period entered (for the
    channels report), and the links with the share of traffic each gets."""
    channels = [
        await links_service.create_channel(ctx, ChannelIn(name=name, type=ctype, exposures=exposures))
        for name, ctype, exposures, _ in CHANNELS
    ]
    today = await links_service.local_today(ctx)
    period = {"starts_on": today - timedelta(days=days - 1), "ends_on": today}
    for ch, (*_, weight) in zip(channels, CHANNELS, strict=True):
        seen = round(clicks * weight / DIVERSION[ch.type]) if ch.type in DIVERSION else None
        spend = seen * COST_PER_EXPOSURE[ch.type] if seen is not None else LIVE_STREAM_FEE
        entry = CostIn.model_validate({**period, "exposures": seen, "spend_cents": spend})
        await costs.add_cost(ctx, ch.id, entry)
    weights = [c[3] for c in CHANNELS]
    links: list[tuple[Link, float]] = []
    for ch, w in zip(channels, weights, strict=True):
        for path, title in PRODUCT_PAGES:
            link = await links_service.create_link(
                ctx,
                LinkIn(
                    url=f"{BASE}{path}",
                    title=f"{title} · {ch.name.split(' ')[0]}",
                    channel_id=ch.id,
                    tags=[path, ch.type],
                    utm=Utm(source=ch.type, medium="qr", campaign=path),
                ),
            )
            links.append((link, w * rng.uniform(0.5, 1.5)))
    expired = await links_service.create_link(
        ctx,
        LinkIn(
            url=f"{BASE}double11",
            slug="double11",
            title="双十一 Double 11 (expired)",
            channel_id=channels[3].id,
            expires_at=datetime.now(UTC) - timedelta(days=10),
            expired_url=f"{BASE}",
            tags=["campaign"],
        ),
    )
    links.append((expired, 0.3))
    live = await links_service.create_link(
        ctx,
        LinkIn(
            slug="add-staff",
            title="加导购微信 Add a shopping guide",
            channel_id=channels[1].id,
            targets=[
                TargetIn(
                    label="导购小王 Wang",
                    destination="https://work.weixin.example/u/wang",
                    weight=3,
                    daily_cap=200,
                ),
                TargetIn(
                    label="导购小李 Li",
                    destination="https://work.weixin.example/u/li",
                    weight=2,
                    daily_cap=200,
                ),
                TargetIn(
                    label="社群 Group 3",
                    destination="https://work.weixin.example/g/3",
                    weight=1,
                    daily_cap=None,
                ),
            ],
            fallback_url="https://work.weixin.example/g/overflow",
        ),
    )
    links.append((live, 0.8))
    return channels, links


async def clicks(
    workspace_id: int, links: list[tuple[Link, float]], days: int, total: int, rng: random.Random
) -> tuple[int, list[str]]:
    """Write ``total`` clicks over the period; returns how many, and the visitor ids of the
    human visitors (members are later drawn from them, as if they joined after a click)."""
    tz = ZoneInfo("Asia/Shanghai")
    now = datetime.now(tz)
    secret = b"demo"
    ua_choices = [u for _, u in UAS]
    ua_weights = [w for w, _ in UAS]
    ref_choices = [r for _, r in REFERRERS]
    ref_weights = [w for w, _ in REFERRERS]
    # Traffic grows over the period, with weekend bumps and evening peaks.
    day_weights = []
    for d in range(days):
        day = now - timedelta(days=days - 1 - d)
        day_weights.append((0.6 + 0.8 * d / max(days - 1, 1)) * (1.35 if day.weekday() >= 5 else 1.0))
    hours = [1, 1, 1, 1, 1, 2, 4, 7, 9, 8, 7, 8, 10, 9, 7, 6, 6, 7, 9, 12, 14, 13, 9, 4]
    link_weights = [w for _, w in links]
    visitors = [secrets.token_urlsafe(12) for _ in range(max(total // 3, 1))]
    sqlite = await sqlite_database()
    rows: list[ClickRow] = []
    for _ in range(total):
        link, _w = links[rng.choices(range(len(links)), weights=link_weights)[0]]
        d = rng.choices(range(days), weights=day_weights)[0]
        hour = rng.choices(range(24), weights=hours)[0]
        local = (now - timedelta(days=days - 1 - d)).replace(
            hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0
        )
        if local > now:
            local = now - timedelta(minutes=rng.randrange(1, 120))
        ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"
        rows.append(
            click_row(
                workspace_id,
                link.id,
                link.channel_id,
                None,
                local.astimezone(UTC),
                rng.choice(visitors),
                ip_hash(secret, ip),
                rng.choices(ref_choices, weights=ref_weights)[0],
                rng.choices(ua_choices, weights=ua_weights)[0],
                False,
                sqlite,
            )
        )
    await write(rows)
    return len(rows), sorted({str(r[5]) for r in rows if not r[-1]})


async def write(rows: list[ClickRow]) -> None:
    """Write click rows in batches, each in its own transaction."""
    for i in range(0, len(rows), BATCH):
        async with unit_of_work() as s:
            await write_clicks(s, rows[i : i + BATCH])


async def sqlite_database() -> bool:
    """Whether click rows are to be built for SQLite (see :func:`click_row`)."""
    async with unit_of_work(readonly=True) as s:
        return s.get_bind().dialect.name == "sqlite"
