"""The demo brand's members: people who came in through the demo links (most carry the
visitor cookie of a click, some only a channel), with names, birthdays, addresses, a
taste tag and their marketing consent — created through the members service."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update

from yutang.kit.context import Actor, Ctx
from yutang.kit.db import unit_of_work
from yutang.members import service as members
from yutang.members.schemas import Address, MemberIn
from yutang.models.members import Member

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "洋",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "小红",
    "欣怡",
    "子涵",
    "浩然",
    "梓萱",
    "宇轩",
    "思琪",
    "雨桐",
]
CITIES = [
    ("浙江省", "杭州市"),
    ("上海市", "上海市"),
    ("广东省", "深圳市"),
    ("北京市", "北京市"),
    ("四川省", "成都市"),
    ("江苏省", "南京市"),
]


async def join(
    workspace_id: int,
    actor: Actor,
    visitors: list[str],
    channel_ids: list[int],
    *,
    days: int,
    rng: random.Random,
    count: int,
) -> list[tuple[int, datetime]]:
    """``count`` members who joined over the period; returns (member id, joined at)."""
    now = datetime.now(UTC)
    people: list[tuple[int, datetime]] = []
    async with unit_of_work() as s:
        ctx = Ctx(s, workspace_id, actor)
        for i in range(count):
            joined = now - timedelta(days=rng.uniform(0, days), hours=rng.uniform(0, 12))
            city = rng.choice(CITIES)
            born = date(rng.randint(1970, 2004), rng.randint(1, 12), rng.randint(1, 28))
            member = await members.create_member(
                ctx,
                MemberIn(
                    phone=f"139{rng.randrange(10**8):08d}" if i % 9 else None,
                    openid=f"oDemo{i:06d}{rng.randrange(10**6):06d}",
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    gender=rng.choice(["male", "female", "female", "unknown"]),
                    birthday=born if rng.random() < 0.7 else None,
                    address=Address(province=city[0], city=city[1], detail=f"{rng.randint(1, 999)} 号"),
                    tags=[
                        rng.choice(["偏好/深烘 dark roast", "偏好/浅烘 light roast", "偏好/冷萃 cold brew"])
                    ],
                    source_channel_id=None if visitors and rng.random() < 0.8 else rng.choice(channel_ids),
                    visitor_id=rng.choice(visitors) if visitors and rng.random() < 0.8 else None,
                    consents={"marketing": rng.random() < 0.6},
                ),
                via="demo",
            )
            # Back-dated: the demo covers a period that has already passed.
            await s.execute(
                update(Member).where(Member.id == member.id).values(joined_at=joined, last_active_at=joined)
            )
            people.append((member.id, joined))
    return people
