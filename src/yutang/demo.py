"""A realistic demo brand: channels, links, a live code and 60 days of clicks, and the
members, orders and loyalty programme of :mod:`yutang.demo_members`."""

from __future__ import annotations

import random
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update

from yutang.auth import service as auth_service
from yutang.config import get_settings
from yutang.kit.context import Actor, Ctx
from yutang.kit.db import unit_of_work
from yutang.links import service as links_service
from yutang.links.clicks import classify, ip_hash
from yutang.links.schemas import ChannelIn, ChannelType, LinkIn, TargetIn, Utm
from yutang.models.links import Click, Link
from yutang.models.members import Member
from yutang.workspaces import repository as ws_repo
from yutang.workspaces import service as ws_service

SLUG = "demo"
OWNER_EMAIL = "owner@demo.yutang.local"
OWNER_PASSWORD = "yutang-demo"  # noqa: S105 - documented demo credential

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


@dataclass
class DemoResult:
    workspace_slug: str
    channels: int
    links: int
    clicks: int
    api_key: str
    members: int = 0
    orders: int = 0
    #: "a referral campaign: 8 participants, 32 invitations; 6 distributors"
    fission: str = ""


async def load(
    *, days: int = 60, clicks: int = 40_000, members: int = 150, seed: int = 7, actor: Actor
) -> DemoResult:
    rng = random.Random(seed)
    async with unit_of_work() as s:
        ws = await ws_repo.by_slug(s, SLUG)
        if ws is not None:
            key = await auth_service.create_api_key(Ctx(s, ws.id, actor), "demo key", "admin")
            return DemoResult(SLUG, 0, 0, 0, key.secret)
        ws = await ws_service.create_workspace(
            s,
            "鲜豆咖啡 FreshBean Coffee",
            SLUG,
            link_domain=get_settings().default_link_domain,
            timezone="Asia/Shanghai",
            actor=actor,
        )
        ctx = Ctx(s, ws.id, actor)
        owner = await ws_service.create_user(s, OWNER_EMAIL, OWNER_PASSWORD, "Demo Owner")
        await ws_service.set_member_role(ctx, owner, "owner")
        key = await auth_service.create_api_key(ctx, "demo key", "admin")

        channels = []
        for name, ctype, exposures, _ in CHANNELS:
            channels.append(
                await links_service.create_channel(ctx, ChannelIn(name=name, type=ctype, exposures=exposures))
            )
        weights = [c[3] for c in CHANNELS]

        links: list[tuple[Link, float]] = []
        base = "https://shop.freshbean.example/"
        products = [
            ("beans", "咖啡豆 Coffee beans"),
            ("dripbag", "挂耳 Drip bags"),
            ("member", "会员日 Member day"),
            ("newyear", "新年礼盒 New-year box"),
        ]
        for ch, w in zip(channels, weights, strict=True):
            for path, title in products:
                link = await links_service.create_link(
                    ctx,
                    LinkIn(
                        url=f"{base}{path}",
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
                url=f"{base}double11",
                slug="double11",
                title="双十一 Double 11 (expired)",
                channel_id=channels[3].id,
                expires_at=datetime.now(UTC) - timedelta(days=10),
                expired_url=f"{base}",
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

    written, visitors = await _clicks(ws.id, links, days, clicks, rng)
    from yutang import demo_members

    pond = await demo_members.load(
        ws.id, actor, visitors, [c.id for c in channels], days=days, rng=rng, count=members
    )
    from yutang import demo_fission

    async with unit_of_work() as s:
        member_ids = list(
            (
                await s.scalars(
                    select(Member.id)
                    .where(Member.workspace_id == ws.id, Member.status == "active")
                    .order_by(Member.total_spent_cents.desc(), Member.id)
                )
            ).all()
        )
    grown = await demo_fission.load(ws.id, actor, member_ids, rng)
    fission = (
        f"a referral campaign ({grown.participants} participants, {grown.invitations} friends invited), "
        f"{grown.distributors} distributors"
    )
    return DemoResult(
        SLUG, len(channels), len(links), written, key.secret, pond.members, pond.orders, fission
    )


async def _clicks(
    workspace_id: int, links: list[tuple[Link, float]], days: int, total: int, rng: random.Random
) -> tuple[int, list[str]]:
    """Write the clicks; returns how many, and the visitor ids of human visitors."""
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
    rows = []
    human: Counter[int] = Counter()
    for _ in range(total):
        link, _w = links[rng.choices(range(len(links)), weights=link_weights)[0]]
        d = rng.choices(range(days), weights=day_weights)[0]
        hour = rng.choices(range(24), weights=hours)[0]
        local = (now - timedelta(days=days - 1 - d)).replace(
            hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0
        )
        if local > now:
            local = now - timedelta(minutes=rng.randrange(1, 120))
        ua = rng.choices(ua_choices, weights=ua_weights)[0]
        info = classify(ua)
        ref = rng.choices(ref_choices, weights=ref_weights)[0]
        visitor = rng.choice(visitors)
        target_id = None
        rows.append(
            {
                "workspace_id": workspace_id,
                "link_id": link.id,
                "channel_id": link.channel_id,
                "target_id": target_id,
                "occurred_at": local.astimezone(UTC),
                "visitor_id": visitor[:32],
                "ip_hash": ip_hash(
                    secret, f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"
                ),
                "referrer": ref,
                "referrer_host": ref.split("/")[2] if ref else None,
                "user_agent": ua,
                "device_type": info.device_type,
                "os": info.os,
                "browser": info.browser,
                "is_bot": info.is_bot,
            }
        )
        if not info.is_bot:
            human[link.id] += 1
    for i in range(0, len(rows), 5000):
        async with unit_of_work() as s:
            await s.execute(insert(Click), rows[i : i + 5000])
    async with unit_of_work() as s:
        for link_id, n in human.items():
            await s.execute(update(Link).where(Link.id == link_id).values(click_count=Link.click_count + n))
    return len(rows), sorted({str(r["visitor_id"]) for r in rows if not r["is_bot"]})
