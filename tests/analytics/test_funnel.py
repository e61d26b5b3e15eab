"""Funnels, on DuckDB and on ClickHouse's engine, equal a plain walk over the generated
facts: people entering in the range, each next step the earliest after the one before
and within the window (even past the range), a step's own window, exclusions, clicks
from before a visitor joined counted as the member's, robots left out."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from statistics import median_low
from typing import Any

import pytest

from tests.analytics.world import WS, ZONE, Fact, generated, readers
from yutang.analytics.funnel import AARRR, FRIEND_JOINED, STEP_COLUMNS, Step, funnel
from yutang.analytics.window import Window

WINDOW = Window(date(2026, 10, 3), date(2026, 10, 31), ZONE)


def _events(facts: list[Fact]) -> dict[str, list[tuple[datetime, str, Fact]]]:
    """Each person's facts in time order (a person: the member, or 'v:' + the cookie)."""
    owner: dict[str, int] = {}
    for f in facts:
        if f.workspace_id == WS and f.member_id is not None and f.visitor_id is not None:
            owner[f.visitor_id] = min(owner.get(f.visitor_id, f.member_id), f.member_id)
    out: dict[str, list[tuple[datetime, str, Fact]]] = defaultdict(list)
    for f in facts:
        if f.workspace_id != WS:
            continue
        if f.type == "invitation.joined" and f.props and f.props.get("inviter_id") is not None:
            out[str(f.props["inviter_id"])].append((f.occurred_at, FRIEND_JOINED, f))
        if f.is_bot or (f.member_id is None and f.visitor_id is None):
            continue
        member = f.member_id if f.member_id is not None else owner.get(f.visitor_id or "")
        person = str(member) if member is not None else f"v:{f.visitor_id}"
        out[person].append((f.occurred_at, f.type, f))
    return {p: sorted(evs, key=lambda e: e[0]) for p, evs in out.items()}


def _matches(step: Step, kind: str, f: Fact) -> bool:
    if kind != step.type:
        return False
    for name, value in step.where.items():
        held = getattr(f, name) if name in STEP_COLUMNS else (f.props or {}).get(name)
        if str(held) != str(value):
            return False
    return True


def _plain(
    facts: list[Fact], steps: tuple[Step, ...], exclusions: tuple[Step, ...], days: int
) -> list[tuple[int, int | None]]:
    bounds = WINDOW.bounds()
    window = timedelta(days=days)
    people = [0] * len(steps)
    waits: list[list[int]] = [[] for _ in steps]
    for evs in _events(facts).values():
        entry = next(
            (t for t, k, f in evs if bounds["start"] <= t < bounds["end"] and _matches(steps[0], k, f)), None
        )
        if entry is None:
            continue
        if any(
            entry <= t <= entry + window and any(_matches(x, k, f) for x in exclusions) for t, k, f in evs
        ):
            continue
        times = [entry]
        for step in steps[1:]:
            nxt = next(
                (
                    t
                    for t, k, f in evs
                    if t >= times[-1]
                    and t <= entry + window
                    and (
                        step.within_seconds is None or t <= times[-1] + timedelta(seconds=step.within_seconds)
                    )
                    and _matches(step, k, f)
                ),
                None,
            )
            if nxt is None:
                break
            times.append(nxt)
        for i, t in enumerate(times):
            people[i] += 1
            if i:
                waits[i].append(int(t.timestamp()) - int(times[i - 1].timestamp()))
    return [(n, median_low(w) if w else None) for n, w in zip(people, waits, strict=True)]


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
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_funnel_is_what_a_plain_walk_says_on_both_engines(tmp_path: Path, case: str) -> None:
    steps, exclusions, days = CASES[case]
    facts = generated()
    want = _plain(facts, steps, exclusions, days)
    assert want[0][0] > 10 and want[-1][0] > 0, want  # the data reaches the last step
    assert all(a >= b for (a, _), (b, _) in itertools.pairwise(want))
    for reader in readers(tmp_path, facts):
        got = funnel(reader, WS, WINDOW, steps, exclusions, days)
        assert [(r.people, r.median_seconds) for r in got] == want, reader.dialect


def test_the_figures_of_each_step() -> None:
    from yutang.analytics.funnel import StepResult

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
