"""Channels, on DuckDB and on ClickHouse's engine, equal a plain computation over
generated facts: many channels and links, visitors who click several channels, members
who count for the channel that brought them, joins repeated, first orders before and in
the range, refunds after it, erased members, robots, days around Shanghai's midnight and
another workspace's rows; exposures and spend entered per period and spread over days."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from tests.analytics.world import OTHER, WS, ZONE, Fact, readers
from yutang.analytics.channels import ChannelRow, Cost, channels, members, shares
from yutang.analytics.window import Window

WINDOW = Window(date(2026, 10, 10), date(2026, 11, 8), ZONE)
#: channel → its links
LINKS = {11: [101, 102], 12: [103], 13: [104, 105, 106], 14: [107], 15: [108, 109]}


def generated(seed: int = 3, people: int = 400) -> list[Fact]:
    rng = random.Random(seed)
    base = datetime(2026, 9, 25, 16, 0, tzinfo=UTC)  # midnight in Shanghai
    ids = iter(range(1, 10**9))
    out: list[Fact] = []
    for p in range(1, people + 1):
        ws = OTHER if p % 9 == 0 else WS
        visitor = f"v{p}"
        erased = p % 17 == 0
        t = base + timedelta(days=rng.randrange(0, 55), minutes=rng.choice([-3, -1, 0, 1, 2, 600]))
        clicked: list[tuple[int | None, int | None]] = []
        for _ in range(rng.randrange(1, 5)):  # several clicks, often on several channels
            channel = rng.choice(list(LINKS))
            link = rng.choice(LINKS[channel])
            clicked.append((channel, link))
            t += timedelta(minutes=rng.randrange(1, 3000))
            out.append(
                Fact(
                    next(ids),
                    ws,
                    "link.clicked",
                    t,
                    visitor_id=None if erased else visitor,
                    channel_id=channel,
                    link_id=link,
                )
            )
        if rng.random() < 0.1:  # a click on a link of no channel
            out.append(Fact(next(ids), ws, "link.clicked", t, visitor_id=visitor, link_id=110))
        if rng.random() < 0.45:
            continue  # a visitor who never joined
        # brought by the channel of their first click, or (added by hand) another, or none
        brought, via = rng.choice([clicked[0], clicked[0], clicked[-1], (12, None), (None, None)])
        member = None if erased else p
        common: dict[str, Any] = {"member_id": member, "channel_id": brought, "link_id": via}
        joined = t + timedelta(minutes=rng.randrange(1, 600))
        out.append(
            Fact(next(ids), ws, "member.joined", joined, visitor_id=None if erased else visitor, **common)
        )
        if rng.random() < 0.15:  # joined again later
            out.append(
                Fact(next(ids), ws, "member.joined", joined + timedelta(days=rng.choice([1, 30])), **common)
            )
        at = joined
        for _ in range(rng.randrange(0, 4)):
            at += timedelta(days=rng.randrange(0, 15), minutes=rng.choice([-2, 0, 2, 59]))
            total = rng.randrange(1_000, 80_000)
            out.append(Fact(next(ids), ws, "order.paid", at, amount_cents=total, **common))
            if rng.random() < 0.3:  # refunded, sometimes after the range
                later = at + timedelta(days=rng.choice([0, 2, 40]))
                out.append(
                    Fact(
                        next(ids), ws, "order.refunded", later, amount_cents=rng.randrange(1, total), **common
                    )
                )
    for b in range(40):  # robots: clicks that never count
        channel = 11 if b % 2 else 13
        out.append(
            Fact(
                next(ids),
                WS,
                "link.clicked",
                base + timedelta(hours=b * 31),
                visitor_id=f"bot{b}",
                channel_id=channel,
                link_id=LINKS[channel][0],
                is_bot=True,
            )
        )
    return out


COSTS = [
    # a month over the range's start: 22 of its 31 days are in the range
    Cost(11, None, date(2026, 10, 1), date(2026, 10, 31), 31_000, 310_000),
    Cost(11, None, date(2026, 11, 1), date(2026, 11, 30), 9_000, None),  # spend not known
    Cost(11, 101, date(2026, 10, 15), date(2026, 10, 21), 7_001, 70_003),  # a link's own
    Cost(12, None, date(2026, 9, 1), date(2026, 9, 30), 50_000, 100_000),  # before the range
    Cost(13, None, date(2026, 11, 8), date(2027, 2, 4), 89_000, 890_001),  # its first day only
    Cost(14, 107, date(2026, 10, 10), date(2026, 10, 10), 0, 5_000),  # no exposures: no rate
    Cost(16, None, date(2026, 10, 20), date(2026, 10, 29), 1_000, 20_000),  # nothing measured
]


def _in(f: Fact) -> bool:
    bounds = WINDOW.bounds()
    return f.workspace_id == WS and not f.is_bot and bounds["start"] <= f.occurred_at < bounds["end"]


def _plain(facts: list[Fact], by: str) -> dict[Any, dict[str, Any]]:
    def key_of(f: Fact) -> Any:
        return None if by == "none" else getattr(f, f"{by}_id")

    out: dict[Any, dict[str, Any]] = defaultdict(
        lambda: {"clicks": 0, "visitors": set(), "joins": 0, "first_orders": 0, "gmv": 0, "refunds": 0}
    )
    first: dict[tuple[str, int], Fact] = {}
    for f in sorted(facts, key=lambda f: (f.occurred_at, f.source_id)):
        if f.workspace_id != WS or f.is_bot:
            continue
        if f.type in ("member.joined", "order.paid") and f.member_id is not None:
            first.setdefault((f.type, f.member_id), f)
        if not _in(f):
            continue
        cell = out[key_of(f)]
        if f.type == "link.clicked":
            cell["clicks"] += 1
            if f.visitor_id is not None:
                cell["visitors"].add(f.visitor_id)
        elif f.type == "order.paid":
            cell["gmv"] += f.amount_cents or 0
        elif f.type == "order.refunded":
            cell["refunds"] += f.amount_cents or 0
    for (type_, _), f in first.items():
        if _in(f):
            out[key_of(f)]["joins" if type_ == "member.joined" else "first_orders"] += 1
    return {k: {**v, "visitors": len(v["visitors"])} for k, v in out.items()}


def _spread(by: str) -> dict[Any, tuple[int | None, int | None]]:
    """Each entry day by day: a day's share is the figure ÷ the period's days."""
    sums: dict[Any, list[Fraction | None]] = {}
    for c in COSTS:
        if by == "link" and c.link_id is None:
            continue
        length = (c.ends_on - c.starts_on).days + 1
        day = c.starts_on
        while day <= c.ends_on:
            if WINDOW.first <= day <= WINDOW.last:
                slot = sums.setdefault(c.link_id if by == "link" else c.channel_id, [None, None])
                for i, figure in enumerate((c.exposures, c.spend_cents)):
                    if figure is not None:
                        slot[i] = (slot[i] or Fraction(0)) + Fraction(figure, length)
            day += timedelta(days=1)
    return {k: tuple(None if v is None else int(v + Fraction(1, 2)) for v in s) for k, s in sums.items()}  # type: ignore[misc]


@pytest.mark.parametrize("by", ["channel", "link", "none"])
def test_channels_are_what_the_facts_say_on_both_engines(tmp_path: Path, by: str) -> None:
    facts = generated()
    want = _plain(facts, by)
    costs = {} if by == "none" else _spread(by)
    assert sum(v["joins"] for v in want.values()) > 100 and sum(v["refunds"] for v in want.values()) > 0
    for reader in readers(tmp_path, facts):
        rows = channels(reader, WS, WINDOW, by, COSTS if by != "none" else ())  # type: ignore[arg-type]
        got = {
            r.key: {
                "clicks": r.clicks,
                "visitors": r.visitors,
                "joins": r.joins,
                "first_orders": r.first_orders,
                "gmv": r.gmv_cents,
                "refunds": r.refunds_cents,
            }
            for r in rows
        }
        zero = {"clicks": 0, "visitors": 0, "joins": 0, "first_orders": 0, "gmv": 0, "refunds": 0}
        assert got == {**{k: zero for k in costs}, **want}, reader.dialect
        assert {r.key: (r.exposures, r.spend_cents) for r in rows if r.key in costs} == costs
        assert [r.key for r in rows] == sorted(got, key=lambda k: (k is not None, k or 0))


def test_a_member_counts_for_the_channel_that_brought_them(tmp_path: Path) -> None:
    at = datetime(2026, 10, 20, 3, 0, tzinfo=UTC)
    facts = [
        Fact(1, WS, "link.clicked", at, visitor_id="a", channel_id=11, link_id=101),
        Fact(2, WS, "link.clicked", at + timedelta(hours=1), visitor_id="a", channel_id=13, link_id=104),
        Fact(
            3,
            WS,
            "member.joined",
            at + timedelta(hours=2),
            member_id=5,
            visitor_id="a",
            channel_id=11,
            link_id=101,
        ),
        Fact(
            4,
            WS,
            "order.paid",
            at + timedelta(hours=3),
            member_id=5,
            channel_id=11,
            link_id=101,
            amount_cents=9_000,
        ),
    ]
    for reader in readers(tmp_path, facts):
        rows = {r.key: r for r in channels(reader, WS, WINDOW, "channel")}
        assert (rows[11].clicks, rows[11].joins, rows[11].first_orders, rows[11].revenue_cents) == (
            1,
            1,
            1,
            9_000,
        )
        assert (rows[13].clicks, rows[13].joins, rows[13].revenue_cents) == (1, 0, 0)
        assert members(reader, WS, WINDOW, "channel", 11) == [5]
        assert members(reader, WS, WINDOW, "channel", 13) == []


@pytest.mark.parametrize("by", ["channel", "link"])
def test_the_members_behind_the_joins_and_first_orders(tmp_path: Path, by: str) -> None:
    facts = generated(seed=8, people=250)
    first: dict[tuple[str, int], Fact] = {}
    for f in sorted(facts, key=lambda f: (f.occurred_at, f.source_id)):
        if f.workspace_id == WS and f.member_id is not None and f.type in ("member.joined", "order.paid"):
            first.setdefault((f.type, f.member_id), f)
    for reader in readers(tmp_path, facts):
        for what, type_ in (("joins", "member.joined"), ("first_orders", "order.paid")):
            for key in [None, *(LINKS if by == "channel" else [k for v in LINKS.values() for k in v])]:
                want = sorted(
                    m
                    for (t, m), f in first.items()
                    if t == type_ and _in(f) and getattr(f, f"{by}_id") == key
                )
                assert members(reader, WS, WINDOW, by, key, what) == want, (reader.dialect, what, key)  # type: ignore[arg-type]


def test_spreading_an_entry_over_its_days() -> None:
    window = Window(date(2026, 11, 1), date(2026, 11, 10), ZONE)
    entry = Cost(1, None, date(2026, 10, 27), date(2026, 11, 3), 1_000, 999)  # 8 days, 3 in the range
    assert shares([entry], window, "channel") == {1: (375, 375)}  # 999 × 3 ÷ 8 = 374.6
    assert shares([entry], window, "link") == {}
    link = Cost(1, 9, date(2026, 11, 10), date(2026, 11, 11), 3, None)  # half of 3 rounds up
    assert shares([entry, link], window, "channel") == {1: (377, 375)}
    assert shares([entry, link], window, "link") == {9: (2, None)}
    assert shares([Cost(1, None, date(2026, 12, 1), date(2026, 12, 31), 5, 5)], window, "channel") == {}


def test_the_figures_derived_from_the_sums() -> None:
    row = ChannelRow(3, clicks=200, visitors=160, joins=40, first_orders=10, gmv_cents=120_000,
                     refunds_cents=20_000, exposures=4_000, spend_cents=50_000)  # fmt: skip
    f = row.figures()
    assert (f["diversion_rate"], f["join_rate"], f["revenue_cents"]) == (0.05, 0.25, 100_000)
    assert (f["revenue_per_click_cents"], f["cpa_cents"], f["roi"]) == (500.0, 1_250.0, 1.0)
    bare = ChannelRow(None, 0, 0, 0, 0, 0, 0).figures()
    assert bare["diversion_rate"] is bare["join_rate"] is bare["cpa_cents"] is bare["roi"] is None
    nothing_seen = ChannelRow(1, 5, 5, 0, 0, 0, 0, exposures=0, spend_cents=0).figures()
    assert nothing_seen["diversion_rate"] is None and nothing_seen["roi"] is None


async def test_the_channels_report_through_the_api_with_costs_csv_and_members(
    client: Any, app: Any, engine: Any, tenant: Any, other_tenant: Any
) -> None:
    from sqlalchemy import insert

    from tests.factories import member, order, refund
    from yutang.analytics import sync
    from yutang.kit.db import unit_of_work
    from yutang.models.links import Click

    path = app.app.state.settings.resolved_analytics_path()
    path.unlink(missing_ok=True)
    h = tenant.headers
    ch = (
        await client.post("/api/v1/channels", json={"name": "包裹卡", "type": "package_card"}, headers=h)
    ).json()
    body = {"url": "https://shop.example/p/1", "slug": "card-1", "channel_id": ch["id"], "title": "卡片一"}
    link = (await client.post("/api/v1/links", json=body, headers=h)).json()
    at = datetime.now(UTC) - timedelta(hours=2)
    async with unit_of_work(engine=engine) as s:
        await s.execute(
            insert(Click),
            [
                {
                    "workspace_id": tenant.id,
                    "link_id": link["id"],
                    "channel_id": ch["id"],
                    "occurred_at": at + timedelta(seconds=i),
                    "visitor_id": f"v{i}",
                    "device_type": "mobile",
                    "is_bot": i == 10,  # a robot: not a click, not a visitor
                }
                for i in range(11)
            ],
        )
    ids = [
        await member(engine, tenant, phone=f"1380013{i:04d}", visitor_id=f"v{i}", source_channel_id=ch["id"])
        for i in range(4)
    ]
    first = await order(engine, tenant, ids[0], 10_000)
    await order(engine, tenant, ids[1], 5_000)
    await refund(engine, tenant, first, 1_000)
    await order(engine, other_tenant, await member(engine, other_tenant, phone="13900000000"), 99_999)
    await sync.sync(engine, path)
    end = date.fromisoformat((await client.get("/api/v1/reports/channels", headers=h)).json()["end"])
    cost = {"starts_on": (end - timedelta(days=9)).isoformat(), "ends_on": end.isoformat()}
    r = await client.post(
        f"/api/v1/channels/{ch['id']}/costs",
        json={**cost, "exposures": 1_000, "spend_cents": 20_000},
        headers=h,
    )
    assert r.status_code == 201, r.text
    r = await client.get("/api/v1/reports/channels", headers=h)
    assert r.status_code == 200, r.text
    row = next(x for x in r.json()["rows"] if x["key"] == ch["id"])
    assert row["name"] == "包裹卡" and (row["clicks"], row["unique_visitors"], row["exposures"]) == (
        10,
        10,
        1_000,
    )
    assert (row["diversion_rate"], row["joins"], row["join_rate"], row["first_orders"]) == (0.01, 4, 0.4, 2)
    assert (row["revenue_cents"], row["revenue_per_click_cents"]) == (14_000, 1_400.0)
    assert (row["spend_cents"], row["cpa_cents"], row["roi"]) == (20_000, 5_000.0, -0.3)
    total = r.json()["total"]
    assert (total["clicks"], total["joins"], total["revenue_cents"], total["spend_cents"]) == (
        10,
        4,
        14_000,
        20_000,
    )
    by_link = (await client.get("/api/v1/reports/channels?by=link", headers=h)).json()["rows"]
    card = next(x for x in by_link if x["key"] == link["id"])
    assert card["name"] == "卡片一" and card["joins"] == 4 and card["exposures"] is None
    text = await client.get("/api/v1/reports/channels?format=csv", headers=h)
    assert text.status_code == 200 and text.text.lstrip("\ufeff").startswith("key,name,exposures,clicks")
    drill = await client.get(f"/api/v1/reports/channels/members?key={ch['id']}", headers=h)
    assert drill.status_code == 200 and drill.json()["count"] == 4
    assert sorted(m["id"] for m in drill.json()["data"]) == sorted(ids)
    buyers = await client.get(
        f"/api/v1/reports/channels/members?key={ch['id']}&figure=first_orders", headers=h
    )
    assert buyers.json()["count"] == 2
    assert (await client.get("/api/v1/reports/channels?by=tier", headers=h)).status_code == 422
    other = (await client.get("/api/v1/reports/channels", headers=other_tenant.headers)).json()
    assert all(x["key"] != ch["id"] for x in other["rows"]) and other["total"]["spend_cents"] is None
