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
from typing import Literal

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
_SQL = """
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
    SELECT c.i,
           CASE WHEN jn.j = c.i OR (jn.j IS NULL AND fs.f = c.i) THEN 'new'
                WHEN c.had_prev = 1 THEN 'returning'
                ELSE 'resurrecting' END AS kind
    FROM cur c
    LEFT JOIN joined jn ON jn.member_id = c.member_id
    LEFT JOIN firsts fs ON fs.member_id = c.member_id
),
gone AS (
    SELECT a.i + 1 AS i FROM act a LEFT JOIN act n ON n.member_id = a.member_id AND n.i = a.i + 1
    WHERE n.member_id IS NULL AND a.i + 1 >= :first_i AND a.i + 1 <= :last_i
)
SELECT i, kind, CAST(count(*) AS BIGINT) FROM kinds GROUP BY i, kind
UNION ALL
SELECT i, 'dormant', CAST(count(*) AS BIGINT) FROM gone GROUP BY i
"""


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


def lifecycle(reader: Reader, workspace_id: int, window: Window, unit: Unit = "week") -> list[LifecycleRow]:
    """Every period of the window, with its new, returning, resurrecting and dormant members."""
    first_i, last_i = _index(window.first, unit), _index(window.last, unit)
    params = {
        "ws": workspace_id,
        "tz": window.zone,
        "epoch": EPOCH,
        "epoch_month": EPOCH.replace(day=1),
        "active": list(ACTIVE_TYPES),
        "first_i": first_i,
        "last_i": last_i,
        "end": window.bounds()["end"],
    }
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
