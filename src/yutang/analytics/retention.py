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

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from yutang.analytics.engines import Reader
from yutang.analytics.facts import ACTIVE_TYPES
from yutang.analytics.window import Window

Unit = Literal["day", "week", "month"]
Mode = Literal["on", "on_or_after", "first_time"]
_COHORT = {"day": "LOCAL_DAY({t}, :tz)", "week": "LOCAL_WEEK({t}, :tz)", "month": "LOCAL_MONTH({t}, :tz)"}
#: Periods from the cohort's own (``a``, a DATE: computed once per member) to a fact's.
_OFFSET = {
    "day": "DAYS_BETWEEN({a}, LOCAL_DAY({b}, :tz))",
    "week": "CAST(DAYS_BETWEEN({a}, LOCAL_WEEK({b}, :tz)) / 7 AS BIGINT)",
    "month": "MONTHS_APART({a}, LOCAL_MONTH({b}, :tz))",
}
MAX_PERIODS = 36

# One pass over the cohorts' later facts: per member and period, whether they came back
# (a return fact after the start) and their net revenue (orders − refunds from the start).
# No filter on ``n`` outside ``cells`` (DuckDB would push it into the join and work the
# period out there again): periods past the last asked for are left out in Python.
_CTES = """
WITH starts AS (
    SELECT member_id, min(occurred_at) AS t0 FROM facts
    WHERE workspace_id = :ws AND member_id IS NOT NULL AND type IN :start_types
    GROUP BY member_id
),
cohorts AS (
    SELECT member_id, t0, {cohort} AS cohort FROM starts WHERE t0 >= :start AND t0 < :end
),
cells AS (
    SELECT c.member_id AS member_id, c.cohort AS cohort, {offset} AS n,
           max(CASE WHEN f.type IN :return_types AND f.occurred_at > c.t0 THEN 1 ELSE 0 END) AS back,
           sum(CASE WHEN f.type = 'order.paid' THEN f.amount_cents
                    WHEN f.type = 'order.refunded' THEN 0 - f.amount_cents ELSE 0 END) AS cents
    FROM cohorts c JOIN facts f ON f.member_id = c.member_id
    WHERE f.workspace_id = :ws AND f.occurred_at >= c.t0
      AND (f.type IN :return_types OR f.type IN ('order.paid', 'order.refunded'))
    GROUP BY 1, 2, 3
),
firsts AS (
    SELECT member_id, cohort, min(CASE WHEN n >= 1 THEN n END) AS first_n, max(n) AS last_n FROM cells
    WHERE back = 1 GROUP BY member_id, cohort HAVING max(n) >= 1
)
"""
_SQL = (
    _CTES
    + """
SELECT 'size' AS kind, cohort, CAST(0 AS BIGINT) AS n, CAST(count(*) AS BIGINT) AS value,
       CAST(0 AS BIGINT) AS cents
FROM cohorts GROUP BY cohort
UNION ALL
SELECT 'cell', cohort, CAST(n AS BIGINT), CAST(sum(CASE WHEN n >= 1 THEN back ELSE 0 END) AS BIGINT),
       CAST(sum(cents) AS BIGINT)
FROM cells GROUP BY cohort, n
UNION ALL
SELECT 'first', cohort, CAST(first_n AS BIGINT), CAST(count(*) AS BIGINT), CAST(0 AS BIGINT)
FROM firsts GROUP BY cohort, first_n
UNION ALL
SELECT 'last', cohort, CAST(last_n AS BIGINT), CAST(count(*) AS BIGINT), CAST(0 AS BIGINT)
FROM firsts GROUP BY cohort, last_n
"""
)
#: The members behind one cell: period 0 is the cohort itself.
_MEMBERS = {
    "cohort": "SELECT member_id FROM cohorts WHERE cohort = CAST(:cohort AS DATE)",
    "on": "SELECT member_id FROM cells WHERE cohort = CAST(:cohort AS DATE) AND n = :n AND back = 1",
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


def _add(at: date, unit: Unit, n: int) -> date:
    if unit == "day":
        return at + timedelta(days=n)
    if unit == "week":
        return at + timedelta(days=7 * n)
    months = at.year * 12 + at.month - 1 + n
    return date(months // 12, months % 12 + 1, 1)


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
    sql = _SQL.format(
        cohort=_COHORT[unit].format(t="t0"), offset=_OFFSET[unit].format(a="c.cohort", b="f.occurred_at")
    )
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
    for kind, cohort, n, value, cents in reader.rows(sql, params):
        if kind == "size":
            sizes[cohort] = int(value)
        elif kind == "cell":
            held[("on", cohort, int(n))] = int(value or 0)
            held[("cents", cohort, int(n))] = int(cents or 0)
        else:
            held[(kind, cohort, int(n))] = int(value or 0)
    # members counted on or after period n: those whose last return is at n or later
    lasts: dict[tuple[date, int], int] = {}
    for (kind, cohort, n), value in held.items():
        if kind == "last":
            for m in range(1, min(n, periods) + 1):
                lasts[(cohort, m)] = lasts.get((cohort, m), 0) + value
    current = {"day": today, "week": today - timedelta(days=today.weekday()), "month": today.replace(day=1)}[
        unit
    ]
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
                counts.append(lasts.get((start, n), 0))
        size = sizes[start]
        revenue: list[float | None] = []
        total = 0
        for n in range(periods + 1):
            total += held.get(("cents", start, n), 0)
            revenue.append(total / size if reached[n] and size else None)
        out.append(Cohort(start, size, counts, revenue))
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
