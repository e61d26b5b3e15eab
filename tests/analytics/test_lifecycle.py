"""Lifecycle, on DuckDB and on ClickHouse's engine, equals a plain count over the
generated facts: per week and per day of Shanghai, new, returning, resurrecting and
dormant members."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.analytics.world import WS, ZONE, Fact, generated, readers
from yutang.analytics.facts import ACTIVE_TYPES
from yutang.analytics.lifecycle import lifecycle, members
from yutang.analytics.window import Window

WINDOW = Window(date(2026, 10, 5), date(2026, 11, 15), ZONE)
TZ = ZoneInfo(ZONE)


def _plain(facts: list[Fact], unit: str) -> list[tuple[date, int, int, int, int]]:
    return [
        (p, len(who["new"]), len(who["returning"]), len(who["resurrecting"]), len(who["dormant"]))
        for p, who in _plain_members(facts, unit)
    ]


KINDS = ("new", "returning", "resurrecting", "dormant")


def _plain_members(facts: list[Fact], unit: str) -> list[tuple[date, dict[str, set[int]]]]:
    def period(f: Fact) -> date:
        day = f.occurred_at.astimezone(TZ).date()
        return day - timedelta(days=day.weekday()) if unit == "week" else day

    step = timedelta(days=7 if unit == "week" else 1)
    end = WINDOW.bounds()["end"]
    active: dict[int, set[date]] = defaultdict(set)
    joined: dict[int, date] = {}
    for f in facts:
        if f.workspace_id != WS or f.member_id is None:
            continue
        if f.type == "member.joined":
            joined[f.member_id] = min(joined.get(f.member_id, period(f)), period(f))
        if f.type in ACTIVE_TYPES and f.occurred_at < end:
            active[f.member_id].add(period(f))
    first = WINDOW.first - timedelta(days=WINDOW.first.weekday()) if unit == "week" else WINDOW.first
    out = []
    p = first
    while p <= WINDOW.last:
        who: dict[str, set[int]] = {k: set() for k in KINDS}
        for m, ps in active.items():
            if p in ps:
                if joined.get(m) == p or (m not in joined and min(ps) == p):
                    who["new"].add(m)
                elif p - step in ps:
                    who["returning"].add(m)
                else:
                    who["resurrecting"].add(m)
            elif p - step in ps:
                who["dormant"].add(m)
        out.append((p, who))
        p += step
    return out


def test_each_lifecycle_figure_drills_down_to_its_members_on_both_engines(tmp_path: Path) -> None:
    facts = generated(members=90)
    want = _plain_members(facts, "week")
    for reader in readers(tmp_path, facts):
        for period, who in want:
            for kind in KINDS:
                got = members(reader, WS, WINDOW, "week", period + timedelta(days=3), kind)  # type: ignore[arg-type]
                assert got == sorted(who[kind]), (reader.dialect, period, kind)


@pytest.mark.parametrize("unit", ["week", "day"])
def test_lifecycle_is_what_the_facts_say_on_both_engines(tmp_path: Path, unit: str) -> None:
    facts = generated(members=90)
    want = _plain(facts, unit)
    assert sum(r[2] for r in want) and sum(r[3] for r in want) and sum(r[4] for r in want)
    for reader in readers(tmp_path, facts):
        got = lifecycle(reader, WS, WINDOW, unit)  # type: ignore[arg-type]
        assert [(r.period, r.new, r.returning, r.resurrecting, r.dormant) for r in got] == want, (
            reader.dialect
        )


async def test_lifecycle_through_the_api_and_on_the_retention_page(
    client: Any, app: Any, tenant: Any, engine: Any
) -> None:
    from dataclasses import replace

    from tests.web import browser
    from yutang.analytics import store

    path = app.app.state.settings.resolved_analytics_path()
    path.unlink(missing_ok=True)
    mine = [replace(f, workspace_id=tenant.id) for f in generated(members=90) if f.workspace_id == WS]
    with store.connect(path, write=True) as con:
        store.append(con, [f.row() for f in mine])
    r = await client.get(
        "/api/v1/reports/lifecycle?start=2026-10-05&end=2026-11-15&unit=week", headers=tenant.headers
    )
    assert r.status_code == 200, r.text
    want = _plain([replace(f, workspace_id=WS) for f in mine], "week")
    assert [
        (x["period"], x["new"], x["returning"], x["resurrecting"], x["dormant"]) for x in r.json()["rows"]
    ] == [(p.isoformat(), *rest) for p, *rest in want]
    await browser.make_user(engine, tenant.id, "analyst@acme.example", "analyst")
    client.cookies.clear()
    assert (await browser.login(client, "analyst@acme.example")).status_code == 303
    page = await client.get("/console/reports/retention?start=2026-10-05&end=2026-11-15")
    assert page.status_code == 200 and "回流" in page.text and "沉睡" in page.text
