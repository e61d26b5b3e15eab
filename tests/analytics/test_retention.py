"""Retention, on DuckDB and on ClickHouse's engine, equals a plain computation over the
generated facts: cohorts by the first start ever (joined twice: the first counts), days,
weeks and months of Shanghai, returns on / on or after / for the first time in period N,
periods not reached yet left empty, both averages and revenue per member."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.analytics.world import WS, ZONE, Fact, generated, readers
from yutang.analytics.facts import ACTIVE_TYPES
from yutang.analytics.retention import members as retention_members
from yutang.analytics.retention import retention
from yutang.analytics.window import Window

WINDOW = Window(date(2026, 10, 1), date(2026, 10, 31), ZONE)
TODAY = date(2026, 11, 20)
TZ = ZoneInfo(ZONE)


def _start_of(at: datetime, unit: str) -> date:
    day = at.astimezone(TZ).date()
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def _offset(a: datetime, b: datetime, unit: str) -> int:
    x, y = _start_of(a, unit), _start_of(b, unit)
    if unit == "month":
        return (y.year - x.year) * 12 + y.month - x.month
    return (y - x).days // (7 if unit == "week" else 1)


def _cohorts(facts: list[Fact], unit: str) -> tuple[list[Fact], dict[int, datetime], dict[date, list[int]]]:
    """The workspace's member facts, each member's start, and the cohorts of the range."""
    bounds = WINDOW.bounds()
    mine = [f for f in facts if f.workspace_id == WS and f.member_id is not None]
    t0: dict[int, datetime] = {}
    for f in mine:
        if f.type == "member.joined" and (f.member_id not in t0 or f.occurred_at < t0[f.member_id]):
            t0[f.member_id] = f.occurred_at  # type: ignore[index]
    cohorts: dict[date, list[int]] = defaultdict(list)
    for m, t in t0.items():
        if bounds["start"] <= t < bounds["end"]:
            cohorts[_start_of(t, unit)].append(m)
    return mine, t0, cohorts


def _returns(mine: list[Fact], t0: dict[int, datetime], members: list[int], unit: str) -> dict[int, set[int]]:
    """The periods (1, 2 …) each member of a cohort came back in."""
    returns: dict[int, set[int]] = defaultdict(set)
    for f in mine:
        if f.member_id in members and f.type in ACTIVE_TYPES and f.occurred_at > t0[f.member_id]:
            n = _offset(t0[f.member_id], f.occurred_at, unit)
            if n >= 1:
                returns[f.member_id].add(n)
    return returns


def _plain(
    facts: list[Fact], unit: str, mode: str, periods: int
) -> dict[date, tuple[int, list[int | None], list[float | None]]]:
    mine, t0, cohorts = _cohorts(facts, unit)
    current = _start_of(datetime.combine(TODAY, datetime.min.time(), TZ), unit)

    def reached(start: date, n: int) -> bool:
        if unit == "month":
            months = start.year * 12 + start.month - 1 + n
            return date(months // 12, months % 12 + 1, 1) <= current
        return start + timedelta(days=n * (7 if unit == "week" else 1)) <= current

    out = {}
    for start, members in cohorts.items():
        returns = _returns(mine, t0, members, unit)
        money: dict[int, int] = defaultdict(int)
        for f in mine:
            if f.member_id not in members:
                continue
            n = _offset(t0[f.member_id], f.occurred_at, unit)
            if f.type in ("order.paid", "order.refunded") and f.occurred_at >= t0[f.member_id]:
                money[n] += (f.amount_cents or 0) * (1 if f.type == "order.paid" else -1)
        counts: list[int | None] = []
        for n in range(1, periods + 1):
            if not reached(start, n):
                counts.append(None)
            elif mode == "on":
                counts.append(sum(1 for ns in returns.values() if n in ns))
            elif mode == "first_time":
                counts.append(sum(1 for ns in returns.values() if ns and min(ns) == n))
            else:
                counts.append(sum(1 for ns in returns.values() if ns and max(ns) >= n))
        revenue: list[float | None] = []
        total = 0
        for n in range(periods + 1):
            total += money.get(n, 0)
            revenue.append(total / len(members) if reached(start, n) else None)
        out[start] = (len(members), counts, revenue)
    return out


@pytest.mark.parametrize("mode", ["on", "on_or_after", "first_time"])
def test_each_cell_drills_down_to_its_members_on_both_engines(tmp_path: Path, mode: str) -> None:
    facts = generated(members=90)
    mine, t0, cohorts = _cohorts(facts, "week")
    want: dict[tuple[date, int], list[int]] = {}
    for start, members in cohorts.items():
        want[(start, 0)] = sorted(members)
        returns = _returns(mine, t0, members, "week")
        for n in range(1, 5):
            if mode == "on":
                want[(start, n)] = sorted(m for m, ns in returns.items() if n in ns)
            elif mode == "first_time":
                want[(start, n)] = sorted(m for m, ns in returns.items() if min(ns) == n)
            else:
                want[(start, n)] = sorted(m for m, ns in returns.items() if max(ns) >= n)
    assert sum(len(v) for (_, n), v in want.items() if n) > 10
    for reader in readers(tmp_path, facts):
        for (start, n), ids in sorted(want.items()):
            got = retention_members(reader, WS, WINDOW, start, n, unit="week", mode=mode)  # type: ignore[arg-type]
            assert got == ids, (reader.dialect, start, n)


@pytest.mark.parametrize(
    ("unit", "mode"), [("day", "on"), ("week", "on_or_after"), ("week", "first_time"), ("month", "on")]
)
def test_retention_is_what_the_facts_say_on_both_engines(tmp_path: Path, unit: str, mode: str) -> None:
    facts = generated(members=90)
    periods = 6
    want = _plain(facts, unit, mode, periods)
    assert sum(size for size, _, _ in want.values()) > 20
    assert any(any(c for c in counts if c) for _, counts, _ in want.values())
    for reader in readers(tmp_path, facts):
        got = retention(reader, WS, WINDOW, TODAY, unit=unit, mode=mode, periods=periods)  # type: ignore[arg-type]
        held = {
            c.start: (
                c.size,
                c.returned,
                [None if r is None else round(r, 6) for r in c.revenue_per_member_cents],
            )
            for c in got.cohorts
        }
        expected = {
            k: (s, c, [None if r is None else round(r, 6) for r in rv]) for k, (s, c, rv) in want.items()
        }
        assert held == expected, reader.dialect
        for i in range(periods):
            grown = [(s, c[i]) for s, c, _ in want.values() if c[i] is not None]
            people = sum(s for s, _ in grown)
            assert got.weighted[i] == (sum(n or 0 for _, n in grown) / people if people else None)


async def test_retention_through_the_api(client: Any, app: Any, tenant: Any) -> None:
    from dataclasses import replace

    from yutang.analytics import store
    from yutang.analytics.engines import DuckReader

    path = app.app.state.settings.resolved_analytics_path()
    path.unlink(missing_ok=True)
    mine = [replace(f, workspace_id=tenant.id) for f in generated(members=90) if f.workspace_id == WS]
    with store.connect(path, write=True) as con:
        store.append(con, [f.row() for f in mine])
    r = await client.get(
        "/api/v1/reports/retention?start=2026-10-01&end=2026-10-31&unit=month&periods=3&mode=on_or_after",
        headers=tenant.headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["timezone"] == ZONE and body["unit"] == "month" and len(body["weighted"]) == 3
    direct = retention(
        DuckReader(path),
        tenant.id,
        Window(date(2026, 10, 1), date(2026, 10, 31), ZONE),
        datetime.now(TZ).date(),  # "today" as the workspace counts it
        unit="month",
        mode="on_or_after",
        periods=3,
    )
    assert [c["returned"] for c in body["cohorts"]] == [c.returned for c in direct.cohorts]
    assert sum(c["size"] for c in body["cohorts"]) > 20
    for bad in ("periods=0", "starts_with=birthday", "unit=year"):
        assert (
            await client.get(f"/api/v1/reports/retention?{bad}", headers=tenant.headers)
        ).status_code == 422
