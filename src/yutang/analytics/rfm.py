"""RFM: recency, frequency and monetary scores of the members who bought, as of a day,
and the named groups they fall in.

- **Recency**: days from the member's last paid order to the as-of day (fewer is better).
- **Frequency**: their paid orders. **Monetary**: their net spend (orders − refunds).
- **Scores** 1–5 are quintiles within the workspace, from ranks (ties share a score):
  ``1 + ⌊5 × (rank − 1) ÷ n⌋`` with the best rank first — so the same members get the
  same scores on every engine and every run.
- **Groups** from the recency and frequency scores (the usual grid):

  ==================  ==========  ==========
  group               recency     frequency
  ==================  ==========  ==========
  champions           4–5         4–5
  loyal               3–5         3–5 (not champions)
  potential           4–5         2–3
  new                 5           1
  promising           4           1
  need_attention      3           2–3 (not loyal)
  about_to_sleep      3           1
  cant_lose           1–2         5
  at_risk             1–2         3–4
  hibernating         2           1–2
  lost                1           1–2
  ==================  ==========  ==========

- **Summary**: per group its members, their share of the scored members and their net
  spend; the 5 × 5 grid of recency × frequency scores with the members in each cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from yutang.analytics.engines import Reader

Group = Literal[
    "champions",
    "loyal",
    "potential",
    "new",
    "promising",
    "need_attention",
    "about_to_sleep",
    "cant_lose",
    "at_risk",
    "hibernating",
    "lost",
]
#: The named groups, best first.
GROUPS: tuple[Group, ...] = get_args(Group)
_SQL = """
WITH bought AS (
    SELECT member_id,
           max(CASE WHEN type = 'order.paid' THEN occurred_at END) AS last_at,
           CAST(sum(CASE WHEN type = 'order.paid' THEN 1 ELSE 0 END) AS BIGINT) AS orders,
           CAST(sum(CASE WHEN type = 'order.paid' THEN amount_cents ELSE 0 - amount_cents END) AS BIGINT)
               AS net
    FROM facts
    WHERE workspace_id = :ws AND member_id IS NOT NULL AND type IN ('order.paid', 'order.refunded')
      AND occurred_at < :end
    GROUP BY member_id
),
scored AS (
    SELECT member_id, DAYS_BETWEEN(LOCAL_DAY(last_at, :tz), :as_of) AS recency, orders, net,
           rank() OVER (ORDER BY last_at DESC) AS r_rank,
           rank() OVER (ORDER BY orders DESC) AS f_rank,
           rank() OVER (ORDER BY net DESC) AS m_rank,
           count(*) OVER () AS n
    FROM bought WHERE orders > 0
)
SELECT member_id, recency, orders, net,
       CAST(5 - floor(5 * (r_rank - 1) / n) AS BIGINT),
       CAST(5 - floor(5 * (f_rank - 1) / n) AS BIGINT),
       CAST(5 - floor(5 * (m_rank - 1) / n) AS BIGINT)
FROM scored ORDER BY member_id
"""


@dataclass(frozen=True)
class Scores:
    member_id: int
    recency_days: int
    orders: int
    net_cents: int
    r: int
    f: int
    m: int

    @property
    def group(self) -> Group:
        return group_of(self.r, self.f)


def group_of(r: int, f: int) -> Group:
    """The named group of a recency and a frequency score (the grid above)."""
    if r >= 4 and f >= 4:
        return "champions"
    if r >= 3 and f >= 3:
        return "loyal"
    if r >= 4 and f >= 2:
        return "potential"
    if r == 5:
        return "new"
    if r == 4:
        return "promising"
    if r == 3:
        return "need_attention" if f >= 2 else "about_to_sleep"
    if f == 5:
        return "cant_lose"
    if f >= 3:
        return "at_risk"
    return "hibernating" if r == 2 else "lost"


def rfm(reader: Reader, workspace_id: int, as_of: date, zone: str) -> list[Scores]:
    """Every member who bought up to ``as_of`` (inclusive, in ``zone``), scored."""
    end = datetime.combine(as_of + timedelta(days=1), time(), ZoneInfo(zone))
    params = {"ws": workspace_id, "tz": zone, "as_of": as_of, "end": end}
    return [Scores(*(int(v) for v in row)) for row in reader.rows(_SQL, params)]


@dataclass(frozen=True)
class GroupFigures:
    """One named group: its members, their share of the scored members, their money."""

    group: Group
    members: int
    share: float | None
    net_cents: int
    orders: int


@dataclass(frozen=True)
class Summary:
    scored: int
    groups: list[GroupFigures]
    #: ``grid[r - 1][f - 1]``: members with recency score r and frequency score f.
    grid: list[list[int]]


def summary(scores: Sequence[Scores]) -> Summary:
    """The groups (all of them, in the order of :data:`GROUPS`) and the grid of ``scores``."""
    grid = [[0] * 5 for _ in range(5)]
    members = dict.fromkeys(GROUPS, 0)
    net = dict.fromkeys(GROUPS, 0)
    orders = dict.fromkeys(GROUPS, 0)
    for s in scores:
        grid[s.r - 1][s.f - 1] += 1
        members[s.group] += 1
        net[s.group] += s.net_cents
        orders[s.group] += s.orders
    n = len(scores)
    groups = [GroupFigures(g, members[g], members[g] / n if n else None, net[g], orders[g]) for g in GROUPS]
    return Summary(n, groups, grid)


def chosen(
    scores: Sequence[Scores], group: str | None = None, r: int | None = None, f: int | None = None
) -> list[Scores]:
    """The scored members of one group and/or one cell of the grid (all without either)."""
    return [
        s
        for s in scores
        if (group is None or s.group == group) and (r is None or s.r == r) and (f is None or s.f == f)
    ]
