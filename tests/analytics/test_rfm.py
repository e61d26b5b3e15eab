"""RFM, on DuckDB and on ClickHouse's engine, equals a plain computation over the
generated facts: recency in days of Shanghai, orders, net spend, scores from ranks with
ties sharing a score, and the named group of every recency and frequency score."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.analytics.world import WS, ZONE, Fact, generated, readers
from yutang.analytics.rfm import GROUPS, chosen, group_of, rfm, summary

AS_OF = date(2026, 11, 10)
TZ = ZoneInfo(ZONE)


def plain(facts: list[Fact], ws: int, as_of: date) -> list[tuple[int, int, int, int, int, int, int]]:
    """The scores of the members of ``ws`` who bought up to ``as_of`` (Shanghai), written
    plainly: (member, recency days, orders, net, r, f, m) in order of member."""
    end = datetime.combine(as_of + timedelta(days=1), time(), TZ)
    last: dict[int, datetime] = {}
    orders: dict[int, int] = {}
    net: dict[int, int] = {}
    for f in facts:
        if f.workspace_id != ws or f.member_id is None or f.occurred_at >= end:
            continue
        if f.type == "order.paid":
            last[f.member_id] = max(last.get(f.member_id, f.occurred_at), f.occurred_at)
            orders[f.member_id] = orders.get(f.member_id, 0) + 1
            net[f.member_id] = net.get(f.member_id, 0) + (f.amount_cents or 0)
        elif f.type == "order.refunded":
            net[f.member_id] = net.get(f.member_id, 0) - (f.amount_cents or 0)
    buyers = sorted(last)
    n = len(buyers)

    def score(values: Mapping[int, Any], m: int) -> int:
        """Quintile from the rank, ties sharing it (1 + how many are strictly better)."""
        rank = 1 + len([o for o in buyers if values[o] > values[m]])
        return 5 - (5 * (rank - 1)) // n

    return [
        (
            m,
            (as_of - last[m].astimezone(TZ).date()).days,
            orders[m],
            net[m],
            score(last, m),
            score(orders, m),
            score(net, m),
        )
        for m in buyers
    ]


def plain_group(r: int, f: int) -> str:
    """The grid of docs/analytics.md, read plainly."""
    if r >= 4 and f >= 4:
        return "champions"
    if r >= 3 and f >= 3:
        return "loyal"
    if r >= 4 and f >= 2:
        return "potential"
    if r >= 4:
        return "new" if r == 5 else "promising"
    if r == 3:
        return "need_attention" if f >= 2 else "about_to_sleep"
    if f == 5:
        return "cant_lose"
    if f >= 3:
        return "at_risk"
    return "hibernating" if r == 2 else "lost"


def test_rfm_is_what_the_facts_say_on_both_engines(tmp_path: Path) -> None:
    facts = generated(members=120)
    want = plain(facts, WS, AS_OF)
    assert len(want) > 30 and len({w[4] for w in want}) == 5
    for reader in readers(tmp_path, facts):
        got = rfm(reader, WS, AS_OF, ZONE)
        assert [(s.member_id, s.recency_days, s.orders, s.net_cents, s.r, s.f, s.m) for s in got] == want, (
            reader.dialect
        )


def test_the_groups_the_grid_and_a_cells_members_on_both_engines(tmp_path: Path) -> None:
    """The summary counts every scored member once: in one group and one cell; a group's
    money is its members' net spend; a drill-down names exactly the members counted."""
    facts = generated(members=150)
    want = plain(facts, WS, AS_OF)
    grid = [[0] * 5 for _ in range(5)]
    members: dict[str, list[int]] = {g: [] for g in GROUPS}
    net: dict[str, int] = dict.fromkeys(GROUPS, 0)
    for m, _, _, spent, r, f, _ in want:
        grid[r - 1][f - 1] += 1
        named = plain_group(r, f)
        members[named].append(m)
        net[named] += spent
    assert sum(1 for g in GROUPS if members[g]) >= 6
    for reader in readers(tmp_path, facts):
        scores = rfm(reader, WS, AS_OF, ZONE)
        made = summary(scores)
        assert made.scored == len(want) and made.grid == grid, reader.dialect
        assert [g.group for g in made.groups] == list(GROUPS)
        for fig in made.groups:
            assert fig.members == len(members[fig.group]) and fig.net_cents == net[fig.group]
            assert fig.share == len(members[fig.group]) / len(want)
            assert [s.member_id for s in chosen(scores, fig.group)] == members[fig.group]
        fresh = [w[0] for w in want if (w[4], w[5]) == (5, 1)]
        assert [s.member_id for s in chosen(scores, r=5, f=1)] == fresh
        assert chosen(scores, "champions", r=1) == []
    assert summary([]).groups[0].share is None


def test_every_score_pair_has_one_named_group() -> None:
    named = {(r, f): group_of(r, f) for r in range(1, 6) for f in range(1, 6)}
    assert set(named.values()) == set(GROUPS)
    assert named[(5, 5)] == "champions" and named[(1, 1)] == "lost" and named[(1, 5)] == "cant_lose"
    assert named[(5, 1)] == "new" and named[(2, 3)] == "at_risk" and named[(3, 1)] == "about_to_sleep"
