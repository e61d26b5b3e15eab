"""Revenue, on DuckDB and on ClickHouse's engine, equals a plain computation over the
generated facts: days in Shanghai around midnight, refunds counted when they happen
(some after the range), erased members' orders still revenue but no buyers, robots
and the other workspace left out. Broken down by the fact's columns, and by the
member's first-touch campaign and how they joined (their source)."""

from __future__ import annotations

import dataclasses
import random
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.analytics.world import OTHER, WS, ZONE, Fact, generated, readers
from yutang.analytics.facts import ACTIVE_TYPES
from yutang.analytics.revenue import SOURCES, members, periods, revenue
from yutang.analytics.window import Window

WINDOW = Window(date(2026, 10, 3), date(2026, 11, 5), ZONE)


def _period(f: Fact, period: str) -> date:
    day = f.occurred_at.astimezone(ZoneInfo(ZONE)).date()
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return WINDOW.first if period == "total" else day


def with_campaigns(facts: list[Fact], seed: int = 9) -> list[Fact]:
    """The generated facts, with how each member joined (``via``; some unknown to the
    report, some missing, a second join saying otherwise) and referral campaigns touching
    members: before their first order, between their orders, at the very instant of one,
    a second campaign later (the first one counts), past the range, and a touch in the
    other workspace (never counted)."""
    rng = random.Random(seed)
    out: list[Fact] = []
    ids = iter(range(10**6, 10**9))
    seen: set[int] = set()
    orders: dict[int, list[Fact]] = defaultdict(list)
    for f in facts:
        if f.type == "order.paid" and f.member_id is not None:
            orders[f.member_id].append(f)
    for f in facts:
        if f.type == "member.joined" and (m := f.member_id) is not None:
            first = m not in seen
            seen.add(m)
            via = rng.choice([*SOURCES[:-1], "wecom_oauth", None]) if first else "csv"
            f = dataclasses.replace(f, props={"via": via} if via else None)
            if first and f.workspace_id == WS:
                own = sorted(orders[m], key=lambda o: o.occurred_at)
                touch, before = rng.random(), len(out)
                if touch < 0.3:  # invited: the campaign is there from the join on
                    when = f.occurred_at - timedelta(seconds=1)
                    out.append(Fact(next(ids), WS, "invitation.joined", when, f.member_id, campaign_id=41))
                elif touch < 0.5 and own:  # a sharer from the instant of one of their orders
                    when = rng.choice(own).occurred_at
                    out.append(
                        Fact(next(ids), WS, "referral.participant_joined", when, f.member_id, campaign_id=42)
                    )
                elif touch < 0.6:  # past the range
                    when = WINDOW.bounds()["end"] + timedelta(days=1)
                    out.append(
                        Fact(next(ids), WS, "referral.participant_joined", when, f.member_id, campaign_id=43)
                    )
                if len(out) > before and touch < 0.5 and rng.random() < 0.5:  # a later one does not count
                    out.append(
                        Fact(
                            next(ids),
                            WS,
                            "referral.stage_reached",
                            when + timedelta(days=1),
                            f.member_id,
                            campaign_id=43,
                        )
                    )
                if rng.random() < 0.2:  # another workspace's touch (never counted)
                    out.append(
                        Fact(
                            next(ids),
                            OTHER,
                            "referral.participant_joined",
                            f.occurred_at - timedelta(days=30),
                            f.member_id,
                            campaign_id=49,
                        )
                    )
        out.append(f)
    return out


def keyer(facts: list[Fact], by: str) -> Callable[[Fact], Any]:
    """The breakdown's value of a fact, computed plainly."""
    if by == "none":
        return lambda f: None
    if by not in ("campaign", "source"):
        return lambda f: getattr(f, f"{by}_id")
    mine = sorted(
        (f for f in facts if f.workspace_id == WS and f.member_id is not None and not f.is_bot),
        key=lambda f: (f.occurred_at, 0 if f.type == "link.clicked" else 1, f.source_id),
    )
    first: dict[int, Fact] = {}
    for f in mine:
        wanted = f.campaign_id is not None if by == "campaign" else f.type == "member.joined"
        if wanted and f.member_id is not None:
            first.setdefault(f.member_id, f)
    if by == "campaign":

        def campaign(f: Fact) -> int | None:
            touch = first.get(f.member_id) if f.member_id is not None else None
            return touch.campaign_id if touch and touch.occurred_at <= f.occurred_at else None

        return campaign

    def source(f: Fact) -> str | None:
        joined = first.get(f.member_id) if f.member_id is not None else None
        via = (joined.props or {}).get("via") if joined else None
        return None if via is None else via if via in SOURCES else "other"

    return source


def _plain(facts: list[Fact], period: str, by: str) -> dict[tuple[date, Any], dict[str, int]]:
    bounds = WINDOW.bounds()
    key_of = keyer(facts, by)
    out: dict[tuple[date, Any], dict[str, Any]] = defaultdict(
        lambda: {"gmv": 0, "refunds": 0, "orders": 0, "active": set(), "per_buyer": defaultdict(int)}
    )
    for f in facts:
        if f.workspace_id != WS or f.is_bot or not bounds["start"] <= f.occurred_at < bounds["end"]:
            continue
        cell = out[(_period(f, period), key_of(f))]
        if f.type == "order.paid":
            cell["gmv"] += f.amount_cents or 0
            cell["orders"] += 1
            if f.member_id is not None:
                cell["per_buyer"][f.member_id] += 1
        elif f.type == "order.refunded":
            cell["refunds"] += f.amount_cents or 0
        if f.type in ACTIVE_TYPES and f.member_id is not None:
            cell["active"].add(f.member_id)
    return {
        k: {
            "gmv": v["gmv"],
            "refunds": v["refunds"],
            "orders": v["orders"],
            "buyers": len(v["per_buyer"]),
            "buyer_orders": sum(v["per_buyer"].values()),
            "repeat_buyers": sum(1 for n in v["per_buyer"].values() if n >= 2),
            "active": len(v["active"]),
        }
        for k, v in out.items()
    }


@pytest.mark.parametrize(
    ("period", "by"),
    [
        ("day", "none"),
        ("week", "channel"),
        ("month", "staff"),
        ("total", "tier"),
        ("day", "campaign"),
        ("total", "campaign"),
        ("week", "source"),
        ("total", "source"),
    ],
)
def test_revenue_is_what_the_facts_say_on_both_engines(tmp_path: Path, period: str, by: str) -> None:
    facts = with_campaigns(generated())
    want = _plain(facts, period, by)
    if by == "none":  # every period of the range is there, zeros where nothing happened
        zero = {
            "gmv": 0,
            "refunds": 0,
            "orders": 0,
            "buyers": 0,
            "buyer_orders": 0,
            "repeat_buyers": 0,
            "active": 0,
        }
        want = {(p, None): want.get((p, None), zero) for p in periods(WINDOW, period)}  # type: ignore[arg-type]
    assert sum(v["refunds"] for v in want.values()) > 0 and sum(v["orders"] for v in want.values()) > 50
    keys = {k for _, k in want}
    if by == "campaign":  # the first touch only; the other workspace's and later touches never
        assert keys == {None, 41, 42}
    if by == "source":  # an unknown via is "other"; no join fact (or erased): null
        assert keys >= {None, "other", "api", "invite"} and keys <= {None, *SOURCES}
    for reader in readers(tmp_path, facts):
        rows = revenue(reader, WS, WINDOW, period, by)  # type: ignore[arg-type]
        got = {
            (r.period, r.key): {
                "gmv": r.gmv_cents,
                "refunds": r.refunds_cents,
                "orders": r.orders,
                "buyers": r.buyers,
                "buyer_orders": r.buyer_orders,
                "repeat_buyers": r.repeat_buyers,
                "active": r.active_members,
            }
            for r in rows
        }
        assert got == want, reader.dialect


def _plain_members(facts: list[Fact], period: str, by: str) -> dict[tuple[date, Any], dict[str, set[int]]]:
    bounds = WINDOW.bounds()
    key_of = keyer(facts, by)
    orders: dict[tuple[date, Any], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    active: dict[tuple[date, Any], set[int]] = defaultdict(set)
    for f in facts:
        if f.workspace_id != WS or f.is_bot or f.member_id is None:
            continue
        if not bounds["start"] <= f.occurred_at < bounds["end"]:
            continue
        cell = (_period(f, period), key_of(f))
        if f.type == "order.paid":
            orders[cell][f.member_id] += 1
        if f.type in ACTIVE_TYPES:
            active[cell].add(f.member_id)
    return {
        cell: {
            "buyers": set(orders[cell]),
            "repeat_buyers": {m for m, n in orders[cell].items() if n >= 2},
            "active_members": active[cell],
        }
        for cell in {*orders, *active}
    }


@pytest.mark.parametrize(
    ("period", "by"), [("week", "channel"), ("total", "tier"), ("week", "campaign"), ("total", "source")]
)
def test_every_member_figure_drills_down_to_its_members_on_both_engines(
    tmp_path: Path, period: str, by: str
) -> None:
    facts = with_campaigns(generated())
    want = _plain_members(facts, period, by)
    assert any(len(v["repeat_buyers"]) for v in want.values())
    assert any(k is None for _, k in want), "some members came through no channel / have no tier"
    for reader in readers(tmp_path, facts):
        for (at, key), figures in sorted(want.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
            for figure, ids in figures.items():
                got = members(reader, WS, WINDOW, period, by, at, key, figure)  # type: ignore[arg-type]
                assert got == sorted(ids), (reader.dialect, at, key, figure)
        other = members(reader, WS + 1, WINDOW, period, by, WINDOW.first, None, "buyers")  # type: ignore[arg-type]
        assert not set(other) & {m for v in want.values() for m in v["buyers"]}


def test_the_figures_derived_from_the_sums() -> None:
    from yutang.analytics.revenue import RevenueRow

    row = RevenueRow(date(2026, 10, 1), None, 10_000, 1_000, 4, 2, 3, 1, 5)
    figures = row.figures()
    assert figures["net_cents"] == 9_000 and figures["aov_cents"] == 2_500.0
    assert figures["arppu_cents"] == 4_500.0 and figures["arpu_cents"] == 1_800.0
    assert figures["purchase_frequency"] == 1.5 and figures["repurchase_rate"] == 0.5
    empty = RevenueRow(date(2026, 10, 1), None, 0, 0, 0, 0, 0, 0, 0).figures()
    assert empty["aov_cents"] is None and empty["repurchase_rate"] is None


async def test_the_revenue_report_through_the_api_and_as_csv(
    client: Any, app: Any, engine: Any, tenant: Any, other_tenant: Any
) -> None:
    from tests.factories import member, order, refund
    from yutang.analytics import sync

    path = app.app.state.settings.resolved_analytics_path()
    path.unlink(missing_ok=True)
    ids = [await member(engine, tenant, phone=f"1380013{i:04d}") for i in range(4)]
    first = await order(engine, tenant, ids[0], 10_000)
    await order(engine, tenant, ids[0], 5_000)
    await order(engine, tenant, ids[1], 2_000)
    await refund(engine, tenant, first, 1_000)
    await order(engine, other_tenant, await member(engine, other_tenant, phone="13900000000"), 99_999)
    await sync.sync(engine, path)
    r = await client.get("/api/v1/reports/revenue?period=month", headers=tenant.headers)
    assert r.status_code == 200, r.text
    total = r.json()["total"]
    assert (total["gmv_cents"], total["refunds_cents"], total["net_cents"]) == (17_000, 1_000, 16_000)
    assert (total["orders"], total["buyers"], total["repurchase_rate"]) == (3, 2, 0.5)
    assert total["active_members"] == 4 and total["arpu_cents"] == 4_000.0
    csv_text = await client.get("/api/v1/reports/revenue?format=csv&by=staff", headers=tenant.headers)
    assert csv_text.status_code == 200 and csv_text.text.lstrip("\ufeff").startswith("period,key,gmv_cents")
    bad = await client.get("/api/v1/reports/revenue?start=2026-12-01&end=2026-11-01", headers=tenant.headers)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_range"
    odd = await client.get("/api/v1/reports/revenue?by=planet", headers=tenant.headers)
    assert odd.status_code == 422


async def test_revenue_by_campaign_and_source_through_the_api(
    client: Any, app: Any, engine: Any, tenant: Any, other_tenant: Any
) -> None:
    """From the services' own events: a member's order before they took part in a referral
    campaign is no campaign's, their order after it is the campaign's; every member here
    joined through the API (their source); another workspace's campaign never shows."""
    from tests.factories import member, order
    from tests.referrals.conftest import make_campaign, take_part
    from yutang.analytics import sync

    path = app.app.state.settings.resolved_analytics_path()
    path.unlink(missing_ok=True)
    cid = await make_campaign(engine, tenant)
    ids = [await member(engine, tenant, phone=f"1380013{i:04d}") for i in range(3)]
    await order(engine, tenant, ids[0], 10_000)  # never touched a campaign
    await order(engine, tenant, ids[1], 2_000)  # before taking part
    await take_part(engine, tenant, cid, ids[1])
    await order(engine, tenant, ids[1], 3_000)  # after: the campaign's
    elsewhere = await make_campaign(engine, other_tenant)
    them = await member(engine, other_tenant, phone="13900000000")
    await take_part(engine, other_tenant, elsewhere, them)
    await order(engine, other_tenant, them, 99_999)
    await sync.sync(engine, path)

    r = await client.get("/api/v1/reports/revenue?period=total&by=campaign", headers=tenant.headers)
    assert r.status_code == 200, r.text
    rows = {row["key"]: row for row in r.json()["rows"]}
    assert set(rows) == {None, cid}
    assert (rows[None]["gmv_cents"], rows[None]["orders"], rows[None]["buyers"]) == (12_000, 2, 2)
    assert (rows[cid]["gmv_cents"], rows[cid]["orders"], rows[cid]["buyers"]) == (3_000, 1, 1)
    base = f"/api/v1/reports/revenue/members?period=total&by=campaign&at={r.json()['start']}"
    got = await client.get(f"{base}&key={cid}", headers=tenant.headers)
    assert got.status_code == 200 and [m["id"] for m in got.json()["data"]] == [ids[1]]
    nobody = await client.get(base, headers=tenant.headers)
    assert sorted(m["id"] for m in nobody.json()["data"]) == ids[:2]

    r = await client.get("/api/v1/reports/revenue?period=total&by=source", headers=tenant.headers)
    sold = [(row["key"], row["gmv_cents"], row["buyers"]) for row in r.json()["rows"] if row["orders"]]
    assert sold == [("api", 15_000, 2)]  # (a row of null: the campaign's own facts, no member's)
    csv_text = await client.get(
        "/api/v1/reports/revenue?format=csv&by=source&period=total", headers=tenant.headers
    )
    assert csv_text.status_code == 200 and "\n" + r.json()["start"] + ",api,15000," in csv_text.text
    base = f"/api/v1/reports/revenue/members?period=total&by=source&at={r.json()['start']}"
    got = await client.get(f"{base}&key=api&figure=active_members", headers=tenant.headers)
    assert sorted(m["id"] for m in got.json()["data"]) == ids
    for bad in ("key=planet", "key=0"):
        refused = await client.get(
            f"{base.replace('by=source', 'by=campaign' if bad == 'key=0' else 'by=source')}&{bad}",
            headers=tenant.headers,
        )
        assert refused.status_code == 422, (bad, refused.text)


def test_the_periods_of_a_range() -> None:
    months = periods(Window(date(2026, 1, 30), date(2026, 3, 2)), "month")
    assert months == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    weeks = periods(Window(date(2026, 11, 4), date(2026, 11, 17)), "week")  # a Wednesday
    assert weeks == [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]
    assert len(periods(Window(date(2024, 2, 1), date(2024, 3, 1)), "day")) == 30
