"""Lifecycle: the members active in each day, week or month of the range, by where they
stand — and those who stopped.

- **new**: joined in the period (or, with no join fact, active for the first time);
- **returning**: active in the period before as well;
- **resurrecting**: not active in the period before, but active some time earlier;
- **dormant**: active in the period before, not in this one (shown as a loss).

Active means a fact of :data:`~yutang.analytics.facts.ACTIVE_TYPES` (joining included).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from yutang.analytics.engines import Reader
from yutang.analytics.facts import ACTIVE_TYPES
from yutang.analytics.window import Window

Unit = Literal["day", "week", "month"]
#: Periods are numbered from these (a Monday, the first of a month).
EPOCH = date(2000, 1, 3)
_INDEX = {
    "day": "DAYS_BETWEEN(:epoch, LOCAL_DAY(occurred_at, :tz))",
    "week": "CAST(DAYS_BETWEEN(:epoch, LOCAL_WEEK(occurred_at, :tz)) / 7 AS BIGINT)",
    "month": "MONTHS_APART(:epoch_month, LOCAL_MONTH(occurred_at, :tz))",
}
_CTES = """
WITH act AS (
    SELECT DISTINCT member_id, {index} AS i FROM facts
    WHERE workspace_id = :ws AND member_id IS NOT NULL AND type IN :active AND occurred_at < :end
),
joined AS (
    SELECT member_id, min({index}) AS j FROM facts
    WHERE workspace_id = :ws AND member_id IS NOT NULL AND type = 'member.joined' GROUP BY member_id
),
firsts AS (
    SELECT member_id, min(i) AS f FROM act GROUP BY member_id
),
cur AS (
    SELECT a.member_id, a.i, CASE WHEN p.member_id IS NULL THEN 0 ELSE 1 END AS had_prev
    FROM act a LEFT JOIN act p ON p.member_id = a.member_id AND p.i = a.i - 1
    WHERE a.i >= :first_i AND a.i <= :last_i
),
kinds AS (
    SELECT c.member_id AS member_id, c.i,
           CASE WHEN jn.j = c.i OR (jn.j IS NULL AND fs.f = c.i) THEN 'new'
                WHEN c.had_prev = 1 THEN 'returning'
                ELSE 'resurrecting' END AS kind
    FROM cur c
    LEFT JOIN joined jn ON jn.member_id = c.member_id
    LEFT JOIN firsts fs ON fs.member_id = c.member_id
),
gone AS (
    SELECT a.member_id AS member_id, a.i + 1 AS i
    FROM act a LEFT JOIN act n ON n.member_id = a.member_id AND n.i = a.i + 1
    WHERE n.member_id IS NULL AND a.i + 1 >= :first_i AND a.i + 1 <= :last_i
)
"""
_SQL = (
    _CTES
    + """
SELECT i, kind, CAST(count(*) AS BIGINT) FROM kinds GROUP BY i, kind
UNION ALL
SELECT i, 'dormant', CAST(count(*) AS BIGINT) FROM gone GROUP BY i
"""
)
_MEMBERS = (
    _CTES
    + """
SELECT member_id FROM (
    SELECT member_id FROM kinds WHERE i = :at_i AND kind = :kind
    UNION ALL
    SELECT member_id FROM gone WHERE i = :at_i AND :kind = 'dormant'
) AS picked
ORDER BY member_id
"""
)
Kind = Literal["new", "returning", "resurrecting", "dormant"]


@dataclass(frozen=True)
class LifecycleRow:
    period: date
    new: int
    returning: int
    resurrecting: int
    dormant: int


def _index(day: date, unit: Unit) -> int:
    if unit == "day":
        return (day - EPOCH).days
    if unit == "week":
        return (day - timedelta(days=day.weekday()) - EPOCH).days // 7
    return (day.year - EPOCH.year) * 12 + day.month - 1


def _start(i: int, unit: Unit) -> date:
    if unit == "day":
        return EPOCH + timedelta(days=i)
    if unit == "week":
        return EPOCH + timedelta(days=7 * i)
    return date(EPOCH.year + i // 12, i % 12 + 1, 1)


def _params(workspace_id: int, window: Window, unit: Unit) -> dict[str, Any]:
    return {
        "ws": workspace_id,
        "tz": window.zone,
        "epoch": EPOCH,
        "epoch_month": EPOCH.replace(day=1),
        "active": list(ACTIVE_TYPES),
        "first_i": _index(window.first, unit),
        "last_i": _index(window.last, unit),
        "end": window.bounds()["end"],
    }


def lifecycle(reader: Reader, workspace_id: int, window: Window, unit: Unit = "week") -> list[LifecycleRow]:
    """Every period of the window, with its new, returning, resurrecting and dormant members."""
    params = _params(workspace_id, window, unit)
    first_i, last_i = params["first_i"], params["last_i"]
    held: dict[tuple[int, str], int] = {}
    for i, kind, n in reader.rows(_SQL.format(index=_INDEX[unit]), params):
        held[(int(i), str(kind))] = int(n)
    return [
        LifecycleRow(
            _start(i, unit),
            held.get((i, "new"), 0),
            held.get((i, "returning"), 0),
            held.get((i, "resurrecting"), 0),
            held.get((i, "dormant"), 0),
        )
        for i in range(first_i, last_i + 1)
    ]


def members(reader: Reader, workspace_id: int, window: Window, unit: Unit, at: date, kind: Kind) -> list[int]:
    """The members counted as ``kind`` in the period holding ``at`` (one of the window's)."""
    params = {**_params(workspace_id, window, unit), "at_i": _index(at, unit), "kind": kind}
    return [int(m) for (m,) in reader.rows(_MEMBERS.format(index=_INDEX[unit]), params)]
