"""Funnels, on DuckDB and on ClickHouse's engine, equal a plain walk over the generated
facts in each step order (sequential, strict, any): people entering once, with their
first step 1 in the range, each next step within the window (even past the range), a
step's own window, exclusions, repeated steps needing a new fact, members who join
twice, clicks from before a visitor joined counted as the member's, robots, erased
members and the other workspace left out — and so do the time-to-convert buckets, the
trend per local day, week and month of entry, the breakdown and the members behind a
step or its drop-off."""

from __future__ import annotations

import bisect
import itertools
import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from statistics import median_low
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

from tests.analytics.world import WS, ZONE, Fact, generated, readers
from yutang.analytics.facts import CLICK
from yutang.analytics.funnel import (
    AARRR,
    FRIEND_JOINED,
    ORDERS,
    STEP_COLUMNS,
    By,
    Order,
    Step,
    StepResult,
    TrendPeriod,
    breakdown,
    funnel,
    member_ids,
    trend,
)
from yutang.analytics.window import Window

WINDOW = Window(date(2026, 10, 3), date(2026, 10, 31), ZONE)


Entry = tuple[datetime, str, int, str, Fact]  # time, source, id, type, the fact


def _events(facts: list[Fact]) -> dict[str, list[Entry]]:
    """Each person's facts in their order: time, then source and id (a person: the
    member, or 'v:' + the cookie)."""
    owner: dict[str, int] = {}
    for f in facts:
        if f.workspace_id == WS and f.member_id is not None and f.visitor_id is not None:
            owner[f.visitor_id] = min(owner.get(f.visitor_id, f.member_id), f.member_id)
    out: dict[str, list[Entry]] = defaultdict(list)
    for f in facts:
        if f.workspace_id != WS:
            continue
        if f.type == "invitation.joined" and f.props and f.props.get("inviter_id") is not None:
            out[str(f.props["inviter_id"])].append((f.occurred_at, "referral", f.source_id, FRIEND_JOINED, f))
        if f.is_bot or (f.member_id is None and f.visitor_id is None):
            continue
        member = f.member_id if f.member_id is not None else owner.get(f.visitor_id or "")
        person = str(member) if member is not None else f"v:{f.visitor_id}"
        source = "click" if f.type == "link.clicked" else "outbox"
        out[person].append((f.occurred_at, source, f.source_id, f.type, f))
    return {p: sorted(evs, key=lambda e: e[:3]) for p, evs in out.items()}


def _matches(step: Step, kind: str, f: Fact) -> bool:
    if kind != step.type:
        return False
    for name, value in step.where.items():
        held = getattr(f, name) if name in STEP_COLUMNS else (f.props or {}).get(name)
        if str(held) != str(value):
            return False
    return True


Path_ = tuple[str, Fact, list[datetime | None]]  # person, entering fact, when each step was reached


def _walk(
    facts: list[Fact], steps: tuple[Step, ...], exclusions: tuple[Step, ...], days: int, order: Order
) -> list[Path_]:
    """Every person who entered: the moment they reached each step (None: they did not)."""
    bounds = WINDOW.bounds()
    window = timedelta(days=days)
    out: list[Path_] = []
    for person, evs in _events(facts).items():
        first = next(
            (
                i
                for i, (t, _, _, k, f) in enumerate(evs)
                if bounds["start"] <= t < bounds["end"] and _matches(steps[0], k, f)
            ),
            None,
        )
        if first is None:
            continue
        entry = evs[first][0]
        if any(
            entry <= t <= entry + window and any(_matches(x, k, f) for x in exclusions)
            for t, _, _, k, f in evs
        ):
            continue
        reached: list[datetime | None] = [entry]
        if order == "any":
            done: list[datetime] = []
            for n, step in enumerate(steps[1:], 2):
                nth = sum(1 for s in steps[1 : n - 1] if s.type == step.type and s.where == step.where)
                fits = [
                    t
                    for t, _, _, k, f in evs[first + 1 :]
                    if t <= entry + window
                    and (step.within_seconds is None or t <= entry + timedelta(seconds=step.within_seconds))
                    and _matches(step, k, f)
                ]
                if nth < len(fits) and len(done) == n - 2:
                    done.append(fits[nth])
                reached.append(max([entry, *done]) if len(done) == n - 1 else None)
        else:
            at: int | None = first
            for step in steps[1:]:
                if at is None:
                    reached.append(None)
                    continue
                before = evs[at][0]
                later = range(at + 1, min(at + 2, len(evs))) if order == "strict" else range(at + 1, len(evs))
                at = next(
                    (
                        j
                        for j in later
                        if evs[j][0] <= entry + window
                        and (
                            step.within_seconds is None
                            or evs[j][0] <= before + timedelta(seconds=step.within_seconds)
                        )
                        and _matches(step, evs[j][3], evs[j][4])
                    ),
                    None,
                )
                reached.append(None if at is None else evs[at][0])
        out.append((person, evs[first][4], reached))
    return out


#: The buckets of a time to convert, as docs/analytics.md states them (upper bounds, s).
EDGES = [60, 600, 3_600, 6 * 3_600, 86_400, 3 * 86_400, 7 * 86_400]


def _plain(paths: list[Path_], n: int) -> list[tuple[int, int | None, list[int]]]:
    """Per step: people, the lower median of the seconds from the step before, and how
    many took each bucket's time."""
    out = []
    for i in range(n):
        waits = [
            int(r[i].timestamp()) - int(r[i - 1].timestamp())  # type: ignore[union-attr]
            for _, _, r in paths
            if i and r[i] is not None
        ]
        spread = [0] * (len(EDGES) + 1)
        for w in waits:
            spread[bisect.bisect_right(EDGES, w)] += 1
        people = sum(1 for _, _, r in paths if r[i] is not None)
        out.append((people, median_low(waits) if waits else None, spread))
    return out


def _local(t: datetime, period: str) -> date:
    day = t.astimezone(ZoneInfo(ZONE)).date()
    if period == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1) if period == "month" else day


CASES: dict[str, tuple[tuple[Step, ...], tuple[Step, ...], int]] = {
    "aarrr": (AARRR, (), 14),
    "joined then ordered within three days, from one channel": (
        (Step("member.joined", {"channel_id": 11}), Step("order.paid", within_seconds=3 * 86_400)),
        (),
        30,
    ),
    "activated by a check-in, unless refunded": (
        (Step("member.joined"), Step("member.activity", {"type": "checkin"}), Step("order.paid")),
        (Step("order.refunded"),),
        14,
    ),
    "joined again (members who enter twice)": ((Step("member.joined"), Step("member.joined")), (), 14),
    "ordered, ordered again, and again": (
        (Step("member.joined"), Step("order.paid"), Step("order.paid"), Step("order.paid")),
        (),
        30,
    ),
    "ordered before or after a check-in": (
        (Step(CLICK), Step("order.paid"), Step("member.activity"), Step("member.joined")),
        (),
        14,
    ),
}


def _figures(found: list[StepResult]) -> list[tuple[int, int | None, list[int]]]:
    return [(r.people, r.median_seconds, list(r.distribution) if i else [0] * 8) for i, r in enumerate(found)]


@pytest.mark.parametrize("case", list(CASES))
def test_a_funnel_is_what_a_plain_walk_says_on_both_engines(tmp_path: Path, case: str) -> None:
    steps, exclusions, days = CASES[case]
    facts = generated()
    wants = {order: _plain(_walk(facts, steps, exclusions, days, order), len(steps)) for order in ORDERS}
    for want in wants.values():
        assert want[0][0] > 10, want
        assert all(a >= b for (a, _, _), (b, _, _) in itertools.pairwise(want))
    assert any(w[-1][0] > 0 for w in wants.values()), wants  # the data reaches the last step
    # strict is never more than sequential, and here the three differ somewhere
    assert all(s[0] <= q[0] for s, q in zip(wants["strict"], wants["sequential"], strict=True))
    for reader in readers(tmp_path, facts):
        for order in ORDERS:
            got = funnel(reader, WS, WINDOW, steps, exclusions, days, order)
            assert _figures(got) == wants[order], (reader.dialect, order)


def test_the_orders_differ_and_repeated_steps_need_a_new_fact(tmp_path: Path) -> None:
    """A hand-made person per rule: strict breaks on any fact in between (even one no
    step names); any order takes steps after the entry in either order; a repeated step
    needs another fact; a member who enters twice enters once, at the first."""
    t0 = datetime(2026, 10, 10, 2, 0, tzinfo=ZoneInfo("UTC"))
    ids = itertools.count(1)

    def fact(member: int, kind: str, minutes: int) -> Fact:
        return Fact(next(ids), WS, kind, t0 + timedelta(minutes=minutes), member_id=member)

    facts = [
        # 1: joined, expired points, ordered, checked in — strict stops at the points
        fact(1, "member.joined", 0),
        fact(1, "points.expired", 1),
        fact(1, "order.paid", 2),
        fact(1, "member.activity", 3),
        # 2: joined, checked in, ordered — any order reaches the end, sequential step 2
        fact(2, "member.joined", 0),
        fact(2, "member.activity", 5),
        fact(2, "order.paid", 70),
        # 3: joined, ordered, checked in, in a row — all three reach the end
        fact(3, "member.joined", 0),
        fact(3, "order.paid", 1),
        fact(3, "member.activity", 2),
        # 4: joined twice (the second, within the window, is not a new entry), one order
        fact(4, "member.joined", 0),
        fact(4, "member.joined", 60 * 24 * 3),
        fact(4, "order.paid", 60 * 24 * 3 + 1),
        # another workspace's member never counts
        Fact(next(ids), 8, "member.joined", t0, member_id=5),
    ]
    joined_ordered_active = (Step("member.joined"), Step("order.paid"), Step("member.activity"))
    twice = (Step("member.joined"), Step("member.joined"), Step("order.paid"))
    for reader in readers(tmp_path, facts):
        people = {
            order: [r.people for r in funnel(reader, WS, WINDOW, joined_ordered_active, (), 14, order)]
            for order in ORDERS
        }
        assert people == {"sequential": [4, 4, 2], "strict": [4, 1, 1], "any": [4, 4, 3]}, reader.dialect
        any_order = funnel(reader, WS, WINDOW, joined_ordered_active, (), 14, "any")
        # the third step is reached when the later of the two was: 1 min, 0, 1 min after the second
        assert any_order[2].median_seconds == 60 and any_order[2].distribution[:2] == (1, 2), reader.dialect
        assert [r.people for r in funnel(reader, WS, WINDOW, twice, (), 14, "sequential")] == [4, 1, 1]
        assert [r.people for r in funnel(reader, WS, WINDOW, twice, (), 14, "strict")] == [4, 1, 1]
        assert member_ids(reader, WS, WINDOW, 1, True, joined_ordered_active, (), 14, "strict") == [1, 2, 4]
        assert member_ids(reader, WS, WINDOW, 3, False, joined_ordered_active, (), 14, "any") == [1, 2, 3]


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_the_conversion_trend_per_period_of_entry(tmp_path: Path, period: TrendPeriod) -> None:
    steps, exclusions, days = CASES["activated by a check-in, unless refunded"]
    facts = generated()
    walked = _walk(facts, steps, exclusions, days, "sequential")
    want: dict[date, list[int]] = defaultdict(lambda: [0] * len(steps))
    for _, _, reached in walked:
        cell = want[_local(reached[0], period)]  # type: ignore[arg-type]
        for i, t in enumerate(reached):
            cell[i] += t is not None
    for reader in readers(tmp_path, facts):
        got = trend(reader, WS, WINDOW, period, steps, exclusions, days)
        assert {g.period: list(g.people) for g in got if any(g.people)} == dict(want), reader.dialect
        assert len({g.period for g in got}) == len(got) and got[0].period <= WINDOW.first
    assert len(want) > 1 or period == "month"


@pytest.mark.parametrize("by", ["channel", "staff", "tier"])
def test_the_breakdown_by_the_entering_fact(tmp_path: Path, by: By) -> None:
    steps, exclusions, days = AARRR[1:], (), 14
    facts = generated()
    walked = _walk(facts, steps, exclusions, days, "sequential")
    want: dict[int | None, list[tuple[int, int | None, list[int]]]] = {}
    for key in {getattr(f, f"{by}_id") for _, f, _ in walked}:
        want[key] = _plain([p for p in walked if getattr(p[1], f"{by}_id") == key], len(steps))
    assert len(want) > 1
    for reader in readers(tmp_path, facts):
        got = breakdown(reader, WS, WINDOW, by, steps, exclusions, days)
        assert {k: _figures(found) for k, found in got} == want, reader.dialect


@pytest.mark.parametrize("order", ORDERS)
def test_the_members_behind_each_step_and_each_drop_off(tmp_path: Path, order: Order) -> None:
    steps, exclusions, days = CASES["activated by a check-in, unless refunded"]
    facts = generated()
    walked = _walk(facts, steps, exclusions, days, order)

    def members(at: int, dropped: bool, key: Any = ...) -> list[int]:
        return sorted(
            int(p)
            for p, f, r in walked
            if not p.startswith("v:")
            and r[at - 1] is not None
            and (not dropped or r[at] is None)
            and (key is ... or f.channel_id == key)
        )

    def ids(at: int, dropped: bool, by: By = "none", key: int | None = None) -> list[int]:
        return member_ids(reader, WS, WINDOW, at, dropped, steps, exclusions, days, order, by, key)

    for reader in readers(tmp_path, facts):
        for at in range(1, len(steps) + 1):
            for dropped in [False, True] if at < len(steps) else [False]:
                assert ids(at, dropped) == members(at, dropped), (reader.dialect, at, dropped)
        assert ids(1, True, "channel", 11) == members(1, True, 11)
        assert ids(1, False, "channel", None) == members(1, False, None)
    assert members(1, True) and members(2, False)
    with pytest.raises(ValueError, match="no such step"):
        member_ids(readers(tmp_path / "x", facts)[0], WS, WINDOW, 3, True, steps)


def test_the_figures_of_each_step() -> None:
    first, second = StepResult(Step("member.joined"), 40, None), StepResult(Step("order.paid"), 10, 3_600)
    assert second.figures(first.people, first.people) == {
        "type": "order.paid",
        "label": "",
        "people": 10,
        "from_first": 0.25,
        "from_previous": 0.25,
        "dropped": 30,
        "median_seconds": 3_600,
    }


def test_a_step_narrowed_by_something_unknown_is_refused() -> None:
    from yutang.analytics.funnel import build

    with pytest.raises(ValueError, match="narrowed by"):
        build([Step("member.joined", {"phone; DROP": 1}), Step("order.paid")])
    with pytest.raises(ValueError, match="2 to 10 steps"):
        build([Step("member.joined")])


async def test_the_funnel_through_the_api(client: Any, app: Any, engine: Any, tenant: Any) -> None:
    from tests.factories import member, order
    from yutang.analytics import sync

    path = app.app.state.settings.resolved_analytics_path()
    path.unlink(missing_ok=True)
    ids = [await member(engine, tenant, phone=f"1380013{i:04d}") for i in range(5)]
    for mid in ids[:2]:
        await order(engine, tenant, mid, 10_000)
    await sync.sync(engine, path)
    body = {"steps": [{"type": "member.joined", "label": "joined"}, {"type": "order.paid"}], "window_days": 7}
    r = await client.post("/api/v1/reports/funnel", json=body, headers=tenant.headers)
    assert r.status_code == 200, r.text
    steps = r.json()["steps"]
    assert (
        [s["people"] for s in steps] == [5, 2] and steps[1]["from_first"] == 0.4 and steps[1]["dropped"] == 3
    )
    bad = {"steps": [{"type": "member.joined"}, {"type": "member.flew"}]}
    refused = await client.post("/api/v1/reports/funnel", json=bad, headers=tenant.headers)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "unknown_event_type"
    odd = {"steps": [{"type": "member.joined", "where": {"phone": 1, "x y": 2}}, {"type": "order.paid"}]}
    assert (await client.post("/api/v1/reports/funnel", json=odd, headers=tenant.headers)).status_code == 422
    aarrr = await client.get("/api/v1/reports/funnel", headers=tenant.headers)
    assert aarrr.status_code == 200 and [s["label"] for s in aarrr.json()["steps"]][-1] == "referred"
    # the order, the trend per period of entry, the breakdown, and CSV
    more = {**body, "order": "strict", "trend": "week", "by": "tier"}
    r = await client.post("/api/v1/reports/funnel", json=more, headers=tenant.headers)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["order"] == "strict" and [s["people"] for s in out["steps"]] == [5, 2]
    assert sum(b["people"] for b in out["steps"][1]["distribution"]) == 2
    assert out["steps"][1]["distribution"][0]["bucket"] == "lt_1m" and not out["steps"][0]["distribution"]
    assert sum(t["people"][0] for t in out["trend"]) == 5 and all(t["period"] for t in out["trend"])
    assert [b["key"] for b in out["breakdown"]] == [None] and out["breakdown"][0]["steps"][1]["people"] == 2
    week = next(t for t in out["trend"] if t["people"][0])
    assert week["conversion"] == round(week["people"][1] / week["people"][0], 4)
    unknown = await client.post(
        "/api/v1/reports/funnel", json={**body, "order": "loose"}, headers=tenant.headers
    )
    assert unknown.status_code == 422
    csv = await client.post("/api/v1/reports/funnel?format=csv", json=body, headers=tenant.headers)
    assert csv.status_code == 200 and csv.text.lstrip("\ufeff").splitlines()[2].startswith(
        "2,order.paid,,2,0.4"
    )
    # the members behind a step and its drop-off, and a segment of them in one call
    base = "/api/v1/reports/funnel/members?step=member.joined&step=order.paid&window_days=7"
    got = (await client.get(f"{base}&at=2", headers=tenant.headers)).json()
    assert got["count"] == 2 and [m["id"] for m in got["data"]] == ids[:2]
    gone = (await client.get(f"{base}&at=1&dropped=true", headers=tenant.headers)).json()
    assert gone["count"] == 3 and [m["id"] for m in gone["data"]] == ids[2:]
    definition = quote(json.dumps({**body, "order": "any"}))
    same = await client.get(
        f"/api/v1/reports/funnel/members?definition={definition}&at=2", headers=tenant.headers
    )
    assert same.status_code == 200 and same.json()["count"] == 2
    segment_of = base.replace("/members?", "/members/segment?")
    saved = await client.post(
        f"{segment_of}&at=1&dropped=true", json={"name": "joined, no order"}, headers=tenant.headers
    )
    assert saved.status_code == 201, saved.text
    assert saved.json()["kind"] == "list" and saved.json()["count"] == 3
    beyond = await client.get(f"{base}&at=2&dropped=true", headers=tenant.headers)
    assert beyond.status_code == 400 and beyond.json()["error"]["code"] == "invalid_funnel"
    broken = await client.get("/api/v1/reports/funnel/members?definition=%7B%7D&at=1", headers=tenant.headers)
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "invalid_funnel"
    unknown = await client.get(f"{base}&at=1&step=member.flew", headers=tenant.headers)
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "unknown_event_type"
    one = await client.get("/api/v1/reports/funnel/members?step=member.joined&at=1", headers=tenant.headers)
    assert one.status_code == 400 and one.json()["error"]["code"] == "invalid_funnel"
