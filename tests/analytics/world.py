"""Generated facts for the report tests, and the two engines to run reports on: the
DuckDB store, and ClickHouse's engine (chdb, in-process) holding the same rows."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from yutang.analytics import query, store
from yutang.analytics.clickhouse import ClickHouseTarget
from yutang.analytics.engines import DuckReader, Reader
from yutang.analytics.facts import COLUMNS

WS, OTHER = 7, 8
ZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Fact:
    """One row of the store, as the tests reason about it."""

    source_id: int
    workspace_id: int
    type: str
    occurred_at: datetime
    member_id: int | None = None
    visitor_id: str | None = None
    channel_id: int | None = None
    link_id: int | None = None
    campaign_id: int | None = None
    staff_id: int | None = None
    tier_id: int | None = None
    amount_cents: int | None = None
    points: int | None = None
    is_bot: bool = False
    props: dict[str, Any] | None = None

    def row(self) -> tuple[Any, ...]:
        values = {"source": "click" if self.type == "link.clicked" else "outbox", **self.__dict__}
        values["props"] = json.dumps(self.props) if self.props else None
        return tuple(values[c] for c in COLUMNS)


def generated(seed: int = 5, members: int = 60) -> list[Fact]:
    """Members of two workspaces who click, join (some twice: a repeated step), order
    (often around Shanghai's midnight), are refunded (some after the range), are erased
    (member id gone), and clicks by robots."""
    rng = random.Random(seed)
    base = datetime(2026, 10, 1, 16, 0, tzinfo=UTC)  # midnight in Shanghai
    out: list[Fact] = []
    ids = iter(range(1, 10**9))
    for m in range(1, members + 1):
        ws = WS if m % 7 else OTHER
        channel = rng.choice([11, 12, None])
        staff = rng.choice([21, 22, None])
        tier = rng.choice([31, None])
        member: int | None = m if m % 13 else None  # erased: their facts have no member
        joined = base + timedelta(days=rng.randrange(0, 40), minutes=rng.choice([-1, 0, 1, 300, 900]))
        visitor = f"v{m}"
        for _ in range(rng.randrange(0, 3)):
            out.append(
                Fact(
                    next(ids),
                    ws,
                    "link.clicked",
                    joined - timedelta(minutes=rng.randrange(1, 90)),
                    visitor_id=visitor if member else None,
                    channel_id=channel,
                    link_id=channel,
                )
            )
        common: dict[str, Any] = {
            "member_id": member,
            "channel_id": channel,
            "staff_id": staff,
            "tier_id": tier,
        }
        out.append(
            Fact(next(ids), ws, "member.joined", joined, visitor_id=visitor if member else None, **common)
        )
        if rng.random() < 0.1:
            out.append(Fact(next(ids), ws, "member.joined", joined + timedelta(days=2), **common))
        at = joined
        for _ in range(rng.randrange(0, 5)):
            at += timedelta(days=rng.randrange(0, 12), minutes=rng.choice([-2, 0, 2, 59]))
            total = rng.randrange(1_000, 60_000)
            out.append(Fact(next(ids), ws, "order.paid", at, amount_cents=total, **common))
            if rng.random() < 0.25:
                later = at + timedelta(days=rng.choice([0, 3, 45]))
                out.append(
                    Fact(
                        next(ids), ws, "order.refunded", later, amount_cents=rng.randrange(1, total), **common
                    )
                )
        if rng.random() < 0.5:
            out.append(
                Fact(next(ids), ws, "points.expired", joined + timedelta(days=20), points=10, **common)
            )
        if rng.random() < 0.6:  # activated (some before joining again, some past the window)
            later = joined + timedelta(days=rng.choice([0, 1, 5, 13, 20]), minutes=rng.choice([-5, 5, 60]))
            out.append(Fact(next(ids), ws, "member.activity", later, props={"type": "checkin"}, **common))
        if member is not None and rng.random() < 0.35:  # a friend they invited joined
            later = joined + timedelta(days=rng.randrange(0, 25), minutes=7)
            friend: dict[str, Any] = {"member_id": 1000 + m, "channel_id": channel}
            out.append(
                Fact(next(ids), ws, "invitation.joined", later, props={"inviter_id": member}, **friend)
            )
    for b in range(15):
        out.append(
            Fact(
                next(ids),
                WS,
                "link.clicked",
                base + timedelta(hours=b * 7),
                visitor_id=f"bot{b}",
                channel_id=11,
                link_id=11,
                is_bot=True,
            )
        )
    return out


def duck(tmp_path: Path, facts: list[Fact]) -> DuckReader:
    path = tmp_path / "analytics.duckdb"
    with store.connect(path, write=True) as con:
        store.append(con, [f.row() for f in facts])
    return DuckReader(path)


class ChdbReader:
    """ClickHouse's engine in this process (chdb, through clickhouse-connect: the client,
    tables and reader that ``YUTANG_ANALYTICS_URL`` uses), holding the same facts as a
    DuckDB store, in a database of its own."""

    dialect: query.Dialect = "clickhouse"

    def __init__(self, source: DuckReader) -> None:
        self.target = ClickHouseTarget(f"chdb://memory/t_{uuid.uuid4().hex[:12]}")
        with store.connect(source.path) as con:
            rows = [tuple(r) for r in con.execute(f"SELECT {', '.join(COLUMNS)} FROM facts").fetchall()]
        with self.target.batch() as tx:
            for i in range(0, len(rows), 50_000):
                tx.append(rows[i : i + 50_000])
        self.reader = self.target.reader()

    def rows(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        return self.reader.rows(sql, params)


def readers(tmp_path: Path, facts: list[Fact]) -> list[Reader]:
    first = duck(tmp_path, facts)
    return [first, ChdbReader(first)]
