"""Retention: cohorts of members by when they started (joined, or a first order …) per
day, week or month, and how many came back in each period after.

- A member's **start** is their first fact of a start type, ever; they are in the cohort
  of that period when it falls in the range.
- A **return** is a fact of a return type after the start (any activity by default, an
  order, a check-in …); period N counts returns N days, weeks or months later (period 0
  is the start's own).
- **on**: members with a return in period N. **on or after**: members with a return in
  period N or any later one (unbounded). **first time**: members whose first return is in
  period N.
- Averages per period N over the cohorts old enough to have reached it: **weighted**
  (all their returned members ÷ all their members) and **simple** (the mean of the
  cohorts' rates).
- **Revenue retention**: net revenue (orders − refunds) of the cohort's members up to
  and including period N, per member of the cohort.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal, Protocol

from yutang.analytics.engines import Reader
from yutang.analytics.facts import ACTIVE_TYPES
from yutang.analytics.window import Window

Unit = Literal["day", "week", "month"]
Mode = Literal["on", "on_or_after", "first_time"]
_COHORT = {"day": "LOCAL_DAY({t}, :tz)", "week": "LOCAL_WEEK({t}, :tz)", "month": "LOCAL_MONTH({t}, :tz)"}
#: The period after the cohort's (``{a}``: the cohort, its first day) that a moment falls in:
#: one time-zone conversion per fact, the cohort's side was worked out once per member.
_OFFSET = {
    "day": "DAYS_BETWEEN({a}, LOCAL_DAY({b}, :tz))",
    "week": "CAST(DAYS_BETWEEN({a}, LOCAL_WEEK({b}, :tz)) / 7 AS BIGINT)",
    "month": "MONTHS_APART({a}, LOCAL_MONTH({b}, :tz))",
}
MAX_PERIODS = 36

#: The members who started in the range, by period: shared with the customer-value
#: report (:mod:`yutang.analytics.ltv`, by month), which reads their money alone.
_STARTS = """
starts AS (
    SELECT member_id, min(occurred_at) AS t0 FROM facts
    WHERE workspace_id = :ws AND member_id IS NOT NULL AND type IN :start_types
    GROUP BY member_id
),
cohorts AS (
    SELECT member_id, t0, {cohort} AS cohort FROM starts WHERE t0 >= :start AND t0 < :end
)"""
#: Their net revenue from the start on, by the period after the start it fell in (and,
#: of it, their paid orders and what those paid).
_MONEY = """,
money AS (
    SELECT c.cohort, {offset} AS n,
           CASE WHEN f.type = 'order.paid' THEN f.amount_cents ELSE 0 - f.amount_cents END AS cents,
           CASE WHEN f.type = 'order.paid' THEN 1 ELSE 0 END AS paid,
           CASE WHEN f.type = 'order.paid' THEN f.amount_cents ELSE 0 END AS gross
    FROM cohorts c JOIN facts f ON f.member_id = c.member_id
    WHERE f.workspace_id = :ws AND f.type IN ('order.paid', 'order.refunded') AND f.occurred_at >= c.t0
)"""
_SIZES_AND_MONEY = """
SELECT 'size' AS kind, cohort, CAST(0 AS BIGINT) AS n, CAST(count(*) AS BIGINT) AS value
FROM cohorts GROUP BY cohort
UNION ALL
SELECT 'cents', cohort, CAST(n AS BIGINT), CAST(sum(cents) AS BIGINT) FROM money
WHERE n >= 0 AND n <= :periods GROUP BY cohort, n
"""
_ORDERS = """
UNION ALL
SELECT 'orders', cohort, CAST(n AS BIGINT), CAST(sum(paid) AS BIGINT) FROM money
WHERE n >= 0 AND n <= :periods GROUP BY cohort, n
UNION ALL
SELECT 'gmv', cohort, CAST(n AS BIGINT), CAST(sum(gross) AS BIGINT) FROM money
WHERE n >= 0 AND n <= :periods GROUP BY cohort, n
"""
_CTES = (
    "WITH"
    + _STARTS
    + """,
returned AS (
    SELECT c.member_id, c.cohort, {offset} AS n
    FROM cohorts c JOIN facts f ON f.member_id = c.member_id
    WHERE f.workspace_id = :ws AND f.type IN :return_types AND f.occurred_at > c.t0
),
firsts AS (
    SELECT member_id, cohort, min(n) AS first_n, max(n) AS last_n FROM returned WHERE n >= 1
    GROUP BY member_id, cohort
)
"""
)
_SQL = (
    _CTES
    + """,
kept AS (
    SELECT member_id, cohort, n FROM returned WHERE n >= 1 AND n <= :periods
)"""
    + _MONEY
    + """
SELECT 'on' AS kind, cohort, CAST(n AS BIGINT) AS n, CAST(count(DISTINCT member_id) AS BIGINT) AS value
FROM kept GROUP BY cohort, n
UNION ALL
SELECT 'first', cohort, CAST(first_n AS BIGINT), CAST(count(*) AS BIGINT) FROM firsts GROUP BY cohort, first_n
UNION ALL
SELECT 'last', cohort, CAST(last_n AS BIGINT), CAST(count(*) AS BIGINT) FROM firsts GROUP BY cohort, last_n
UNION ALL"""
    + _SIZES_AND_MONEY
)
#: The members behind one cell: period 0 is the cohort itself.
_MEMBERS = {
    "cohort": "SELECT member_id FROM cohorts WHERE cohort = CAST(:cohort AS DATE)",
    "on": "SELECT DISTINCT member_id FROM returned WHERE cohort = CAST(:cohort AS DATE) AND n = :n",
    "first_time": "SELECT member_id FROM firsts WHERE cohort = CAST(:cohort AS DATE) AND first_n = :n",
    "on_or_after": "SELECT member_id FROM firsts WHERE cohort = CAST(:cohort AS DATE) AND last_n >= :n",
}


@dataclass(frozen=True)
class Cohort:
    start: date
    size: int
    #: Members counted in period 1, 2 … (None: the cohort has not reached that period yet).
    returned: list[int | None]
    #: Net revenue of the cohort's members up to and including period 0, 1, 2 …, per member.
    revenue_per_member_cents: list[float | None]

    def rates(self) -> list[float | None]:
        return [None if n is None else (n / self.size if self.size else None) for n in self.returned]


@dataclass(frozen=True)
class Retention:
    unit: Unit
    mode: Mode
    cohorts: list[Cohort]
    weighted: list[float | None]
    simple: list[float | None]


class Span(Protocol):
    """The starts read: a :class:`~yutang.analytics.window.Window`, or any span of time
    that says its timezone and its ``start`` and ``end`` instants."""

    @property
    def zone(self) -> str: ...

    def bounds(self) -> dict[str, Any]: ...


def _add(at: date, unit: Unit, n: int) -> date:
    if unit == "day":
        return at + timedelta(days=n)
    if unit == "week":
        return at + timedelta(days=7 * n)
    months = at.year * 12 + at.month - 1 + n
    return date(months // 12, months % 12 + 1, 1)


def _current(today: date, unit: Unit) -> date:
    """The period ``today`` is in."""
    return {"day": today, "week": today - timedelta(days=today.weekday()), "month": today.replace(day=1)}[
        unit
    ]


def _read(
    reader: Reader,
    sql: str,
    workspace_id: int,
    window: Span,
    periods: int,
    start_types: tuple[str, ...],
    return_types: tuple[str, ...] = (),
) -> tuple[dict[date, int], dict[tuple[str, date, int], int]]:
    """The cohorts' sizes, and the other rows of ``sql`` by kind, cohort and period."""
    params = {
        "ws": workspace_id,
        "tz": window.zone,
        "periods": periods,
        "start_types": list(start_types),
        "return_types": list(return_types),
        **window.bounds(),
    }
    sizes: dict[date, int] = {}
    held: dict[tuple[str, date, int], int] = {}
    for kind, cohort, n, value in reader.rows(sql, params):
        if kind == "size":
            sizes[cohort] = int(value)
        else:
            held[(kind, cohort, int(n))] = int(value or 0)
    return sizes, held


def _per_member(
    held: dict[tuple[str, date, int], int], start: date, size: int, reached: list[bool]
) -> list[float | None]:
    """Net revenue up to and including each period, per member (None: not reached)."""
    out: list[float | None] = []
    total = 0
    for n, yes in enumerate(reached):
        total += held.get(("cents", start, n), 0)
        out.append(total / size if yes and size else None)
    return out


@dataclass(frozen=True)
class RevenueCohort:
    start: date
    size: int
    #: Net revenue of the cohort's members up to and including period 0, 1, 2 …, per member.
    per_member_cents: list[float | None]
    #: Their paid orders up to and including period 0, 1, 2 … (all of them, reached or not).
    orders: list[int] = field(default_factory=list)
    #: What those orders paid (cents, before refunds).
    gmv_cents: list[int] = field(default_factory=list)


def _running(held: dict[tuple[str, date, int], int], kind: str, start: date, periods: int) -> list[int]:
    out, total = [], 0
    for n in range(periods + 1):
        total += held.get((kind, start, n), 0)
        out.append(total)
    return out


def revenue_per_member(
    reader: Reader,
    workspace_id: int,
    window: Span,
    today: date,
    *,
    unit: Unit = "month",
    periods: int = 12,
    start_types: tuple[str, ...] = ("member.joined",),
) -> list[RevenueCohort]:
    """Revenue retention alone (the cohorts and their cumulative net revenue per member,
    as in :func:`retention`, without the returns, with their orders): historic customer
    value."""
    periods = max(1, min(periods, MAX_PERIODS))
    sql = ("WITH" + _STARTS + _MONEY + _SIZES_AND_MONEY + _ORDERS).format(
        cohort=_COHORT[unit].format(t="t0"), offset=_OFFSET[unit].format(a="c.cohort", b="f.occurred_at")
    )
    sizes, held = _read(reader, sql, workspace_id, window, periods, start_types)
    current = _current(today, unit)
    return [
        RevenueCohort(
            start,
            sizes[start],
            _per_member(
                held, start, sizes[start], [_add(start, unit, n) <= current for n in range(periods + 1)]
            ),
            _running(held, "orders", start, periods),
            _running(held, "gmv", start, periods),
        )
        for start in sorted(sizes)
    ]


def retention(
    reader: Reader,
    workspace_id: int,
    window: Window,
    today: date,
    *,
    unit: Unit = "week",
    mode: Mode = "on",
    periods: int = 8,
    start_types: tuple[str, ...] = ("member.joined",),
    return_types: tuple[str, ...] = ACTIVE_TYPES,
) -> Retention:
    """Cohorts started in the window, followed for ``periods`` periods, as of ``today``."""
    periods = max(1, min(periods, MAX_PERIODS))
    offset = _OFFSET[unit].format(a="c.cohort", b="f.occurred_at")
    sizes, held = _read(
        reader,
        _SQL.format(cohort=_COHORT[unit].format(t="t0"), offset=offset),
        workspace_id,
        window,
        periods,
        start_types,
        return_types,
    )
    current = _current(today, unit)
    out: list[Cohort] = []
    for start in sorted(sizes):
        reached = [_add(start, unit, n) <= current for n in range(periods + 1)]
        counts: list[int | None] = []
        for n in range(1, periods + 1):
            if not reached[n]:
                counts.append(None)
            elif mode == "on":
                counts.append(held.get(("on", start, n), 0))
            elif mode == "first_time":
                counts.append(held.get(("first", start, n), 0))
            else:
                counts.append(
                    sum(v for (k, c, m), v in held.items() if k == "last" and c == start and m >= n)
                )
        out.append(Cohort(start, sizes[start], counts, _per_member(held, start, sizes[start], reached)))
    weighted, simple = [], []
    for i in range(periods):
        grown = [c for c in out if c.returned[i] is not None]
        people = sum(c.size for c in grown)
        weighted.append(sum(c.returned[i] or 0 for c in grown) / people if people else None)
        rates = [r for c in grown if (r := c.rates()[i]) is not None]
        simple.append(sum(rates) / len(rates) if rates else None)
    return Retention(unit, mode, out, weighted, simple)


def members(
    reader: Reader,
    workspace_id: int,
    window: Window,
    cohort: date,
    n: int,
    *,
    unit: Unit = "week",
    mode: Mode = "on",
    start_types: tuple[str, ...] = ("member.joined",),
    return_types: tuple[str, ...] = ACTIVE_TYPES,
) -> list[int]:
    """The members behind one cell: the cohort starting ``cohort`` (``n`` = 0), or those of
    it counted in period ``n`` under ``mode``."""
    sql = _CTES.format(
        cohort=_COHORT[unit].format(t="t0"), offset=_OFFSET[unit].format(a="c.cohort", b="f.occurred_at")
    )
    pick = _MEMBERS["cohort" if n == 0 else mode]
    params = {
        "ws": workspace_id,
        "tz": window.zone,
        "cohort": cohort,
        "n": n,
        "start_types": list(start_types),
        "return_types": list(return_types),
        **window.bounds(),
    }
    rows = reader.rows(f"{sql}\nSELECT member_id FROM ({pick}) AS picked ORDER BY member_id", params)
    return [int(m) for (m,) in rows]
