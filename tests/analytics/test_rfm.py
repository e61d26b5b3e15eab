"""RFM, on DuckDB and on ClickHouse's engine, equals a plain computation over the
generated facts: recency in days of Shanghai, orders, net spend, scores from ranks with
ties sharing a score, and the named group of every recency and frequency score."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.analytics.world import WS, ZONE, generated, readers
from yutang.analytics.rfm import GROUPS, group_of, rfm

AS_OF = date(2026, 11, 10)
TZ = ZoneInfo(ZONE)


def test_rfm_is_what_the_facts_say_on_both_engines(tmp_path: Path) -> None:
    facts = generated(members=120)
    end = datetime.combine(AS_OF + timedelta(days=1), time(), TZ)
    last: dict[int, datetime] = {}
    orders: dict[int, int] = {}
    net: dict[int, int] = {}
    for f in facts:
        if f.workspace_id != WS or f.member_id is None or f.occurred_at >= end:
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

    want = [
        (
            m,
            (AS_OF - last[m].astimezone(TZ).date()).days,
            orders[m],
            net[m],
            score(last, m),
            score(orders, m),
            score(net, m),
        )
        for m in buyers
    ]
    assert n > 30 and len({w[4] for w in want}) == 5
    for reader in readers(tmp_path, facts):
        got = rfm(reader, WS, AS_OF, ZONE)
        assert [(s.member_id, s.recency_days, s.orders, s.net_cents, s.r, s.f, s.m) for s in got] == want, (
            reader.dialect
        )


def test_every_score_pair_has_one_named_group() -> None:
    named = {(r, f): group_of(r, f) for r in range(1, 6) for f in range(1, 6)}
    assert set(named.values()) == set(GROUPS)
    assert named[(5, 5)] == "champions" and named[(1, 1)] == "lost" and named[(1, 5)] == "cant_lose"
    assert named[(5, 1)] == "new" and named[(2, 3)] == "at_risk" and named[(3, 1)] == "about_to_sleep"
