"""The seed's value formula over time: 未来企业的总价值 = 客户数 × 用户生命周期价值 ×
裂变系数 (seed 003) — value = customers × LTV × fission coefficient — beside
N × LTV ÷ (1 − K), and a what-if of how value moves with K, retention and AOV.

At the end of each period (day, week, month of the workspace's timezone; the last one
ends with the range):

- **customers** N: members who joined before the period's end (a member erased since
  has no id left in the store and is not counted);
- **LTV** (:func:`historic_ltv_cents`, a small stand-in for the full LTV report): the
  average net revenue (paid orders − refunds) per member in their first ``ltv_days``
  (default 365: twelve months) from joining, over the members whose first ``ltv_days``
  were over before the period's end — a member who joined more recently has not shown
  their value yet. None (shown as "–") while no member has been that long;
- **K**: the workspace's viral coefficient of the period (:mod:`.fission`; 0 when nobody
  shared);
- **fission coefficient** = 1 + K: a member's own value plus that of the friends they
  bring — one generation, what was measured. Seed 003 names the coefficient without a
  formula; 1 + K is the reading that needs no assumption about the future;
- **value** = N × LTV × (1 + K); **steady-state value** = N × LTV ÷ (1 − K), the
  friends' friends counted too, each generation bringing K times as many
  (1 + K + K² + … = 1 ÷ (1 − K)); it has no finite value for K ≥ 1 and is then
  undefined (None), not infinite.

The what-if (:func:`what_if`) is arithmetic on those factors: K changes by x %;
**retention** by x % — x % more (fewer) of the members come back after their first
30 days, each spending as now, so the LTV earned after the first 30 days moves by x %;
**AOV** by x % — every order x % larger, so the whole LTV moves by x %.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Literal

from yutang.analytics import fission
from yutang.analytics.engines import Reader
from yutang.analytics.revenue import periods
from yutang.analytics.window import Window

Period = Literal["day", "week", "month"]
DEFAULT_LTV_DAYS = 365
#: The first days of a member's LTV, before "coming back" starts (the retention what-if).
FIRST_DAYS = 30
_PERIOD = {
    "day": "LOCAL_DAY({col}, :tz)",
    "week": "LOCAL_WEEK({col}, :tz)",
    "month": "LOCAL_MONTH({col}, :tz)",
}
_SQL = """
WITH joins AS (
    SELECT member_id, min(occurred_at) AS joined_at FROM facts
    WHERE workspace_id = :ws AND type = 'member.joined' AND member_id IS NOT NULL AND occurred_at < :end
    GROUP BY member_id
),
money AS (
    SELECT j.member_id AS member_id,
           sum(CASE WHEN f.type = 'order.paid' THEN f.amount_cents ELSE 0 - f.amount_cents END) AS net,
           sum(CASE WHEN f.occurred_at >= ADD_SECONDS(j.joined_at, :first_seconds) THEN 0
                    WHEN f.type = 'order.paid' THEN f.amount_cents ELSE 0 - f.amount_cents END) AS net_first,
           sum(CASE WHEN f.type = 'order.paid' THEN 1 ELSE 0 END) AS orders,
           sum(CASE WHEN f.type = 'order.paid' THEN f.amount_cents ELSE 0 END) AS gmv
    FROM joins j JOIN facts f ON f.member_id = j.member_id
    WHERE f.workspace_id = :ws AND f.type IN ('order.paid', 'order.refunded') AND NOT f.is_bot
      AND f.occurred_at >= j.joined_at AND f.occurred_at < ADD_SECONDS(j.joined_at, :horizon)
    GROUP BY j.member_id
)
SELECT period, sum(new_members), sum(cohort), sum(net), sum(net_first), sum(orders), sum(gmv) FROM (
    SELECT {joined_period} AS period, CAST(count(*) AS BIGINT) AS new_members, CAST(0 AS BIGINT) AS cohort,
           CAST(0 AS BIGINT) AS net, CAST(0 AS BIGINT) AS net_first, CAST(0 AS BIGINT) AS orders,
           CAST(0 AS BIGINT) AS gmv
    FROM joins GROUP BY {joined_period}
    UNION ALL
    SELECT {done_period}, CAST(0 AS BIGINT), CAST(count(*) AS BIGINT),
           CAST(sum(coalesce(m.net, 0)) AS BIGINT), CAST(sum(coalesce(m.net_first, 0)) AS BIGINT),
           CAST(sum(coalesce(m.orders, 0)) AS BIGINT), CAST(sum(coalesce(m.gmv, 0)) AS BIGINT)
    FROM joins j LEFT JOIN money m ON m.member_id = j.member_id
    WHERE ADD_SECONDS(j.joined_at, :horizon) < :end
    GROUP BY {done_period}
) buckets
GROUP BY period
ORDER BY period
"""


@dataclass(frozen=True)
class LtvCohort:
    """The members whose first ``ltv_days`` were over by a moment, and what they spent then."""

    members: int = 0
    net_cents: int = 0
    #: Of it, in their first :data:`FIRST_DAYS` days.
    first_net_cents: int = 0
    orders: int = 0
    gmv_cents: int = 0

    def __add__(self, other: LtvCohort) -> LtvCohort:
        return LtvCohort(
            self.members + other.members,
            self.net_cents + other.net_cents,
            self.first_net_cents + other.first_net_cents,
            self.orders + other.orders,
            self.gmv_cents + other.gmv_cents,
        )


def historic_ltv_cents(cohort: LtvCohort) -> float | None:
    """LTV as the value formula reads it: the historic average net revenue per member
    over their first ``ltv_days`` (None with no member that old). A stand-in until the
    full LTV report (``analytics/ltv.py``) is the one source."""
    return cohort.net_cents / cohort.members if cohort.members else None


@dataclass(frozen=True)
class ValueRow:
    period: date
    #: The last day the period's figures count (the range's last day for the last one).
    as_of: date
    customers: int
    cohort: LtvCohort
    #: The period's K (None: nobody shared; the formula then reads 0).
    k: float | None

    @property
    def ltv_cents(self) -> float | None:
        return historic_ltv_cents(self.cohort)

    @property
    def first_ltv_cents(self) -> float | None:
        c = self.cohort
        return c.first_net_cents / c.members if c.members else None

    @property
    def aov_cents(self) -> float | None:
        c = self.cohort
        return c.gmv_cents / c.orders if c.orders else None

    @property
    def orders_per_member(self) -> float | None:
        c = self.cohort
        return c.orders / c.members if c.members else None

    @property
    def coefficient(self) -> float:
        return 1 + (self.k or 0.0)

    @property
    def value_cents(self) -> float | None:
        ltv = self.ltv_cents
        return None if ltv is None else self.customers * ltv * self.coefficient

    @property
    def steady_value_cents(self) -> float | None:
        return steady_value(self.customers, self.ltv_cents, self.k or 0.0)

    def figures(self) -> dict[str, Any]:
        return {
            "period": self.period.isoformat(),
            "as_of": self.as_of.isoformat(),
            "customers": self.customers,
            "ltv_members": self.cohort.members,
            "ltv_cents": _round(self.ltv_cents),
            "first_days_ltv_cents": _round(self.first_ltv_cents),
            "aov_cents": _round(self.aov_cents),
            "orders_per_member": _round(self.orders_per_member, 4),
            "k": _round(self.k, 4),
            "fission_coefficient": round(self.coefficient, 4),
            "value_cents": _round(self.value_cents),
            "steady_value_cents": _round(self.steady_value_cents),
        }


def steady_value(customers: int, ltv_cents: float | None, k: float) -> float | None:
    """N × LTV ÷ (1 − K): every generation of friends counted; undefined for K ≥ 1."""
    if ltv_cents is None or k >= 1:
        return None
    return customers * ltv_cents / (1 - k)


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def value(
    reader: Reader,
    workspace_id: int,
    window: Window,
    period: Period = "month",
    ltv_days: int = DEFAULT_LTV_DAYS,
) -> list[ValueRow]:
    """The value formula and its factors at the end of every period of the window."""
    sql = _SQL.format(
        joined_period=_PERIOD[period].format(col="joined_at"),
        done_period=_PERIOD[period].format(col="ADD_SECONDS(j.joined_at, :horizon)"),
    )
    params = {
        "ws": workspace_id,
        "tz": window.zone,
        "horizon": ltv_days * 86_400,
        "first_seconds": min(FIRST_DAYS, ltv_days) * 86_400,
        **window.bounds(),
    }
    buckets = reader.rows(sql, params)
    ks = {r.period: r.k for r in fission.fission(reader, workspace_id, window, period, "none")}
    starts = periods(window, period)
    out: list[ValueRow] = []
    customers, cohort, i = 0, LtvCohort(), 0
    for n, start in enumerate(starts):
        nxt = starts[n + 1] if n + 1 < len(starts) else None
        while i < len(buckets) and (nxt is None or buckets[i][0] < nxt):
            _, joined, members, net, first, orders, gmv = buckets[i]
            customers += int(joined or 0)
            cohort += LtvCohort(
                int(members or 0), int(net or 0), int(first or 0), int(orders or 0), int(gmv or 0)
            )
            i += 1
        as_of = min(nxt - timedelta(days=1), window.last) if nxt else window.last
        out.append(ValueRow(start, as_of, customers, cohort, ks.get(start)))
    return out


@dataclass(frozen=True)
class Scenario:
    """The factors and the value after a what-if (changes in percent)."""

    k_change: float
    retention_change: float
    aov_change: float
    customers: int
    k: float
    ltv_cents: float | None
    value_cents: float | None
    steady_value_cents: float | None

    @property
    def coefficient(self) -> float:
        return 1 + self.k

    def figures(self) -> dict[str, Any]:
        return {
            "k_change": self.k_change,
            "retention_change": self.retention_change,
            "aov_change": self.aov_change,
            "customers": self.customers,
            "k": round(self.k, 4),
            "fission_coefficient": round(self.coefficient, 4),
            "ltv_cents": _round(self.ltv_cents),
            "value_cents": _round(self.value_cents),
            "steady_value_cents": _round(self.steady_value_cents),
        }


def what_if(
    row: ValueRow, k_change: float = 0, retention_change: float = 0, aov_change: float = 0
) -> Scenario:
    """How the value of ``row`` moves when K, retention or AOV change by the given
    percentages: K × (1 + k%); the LTV after the first 30 days × (1 + retention%); the
    whole LTV × (1 + AOV%). Customers stay as measured."""
    k = max(0.0, (row.k or 0.0) * (1 + k_change / 100))
    ltv = row.ltv_cents
    first = row.first_ltv_cents
    if ltv is not None and first is not None:
        ltv = (first + (ltv - first) * (1 + retention_change / 100)) * (1 + aov_change / 100)
    return Scenario(
        k_change=k_change,
        retention_change=retention_change,
        aov_change=aov_change,
        customers=row.customers,
        k=k,
        ltv_cents=ltv,
        value_cents=None if ltv is None else row.customers * ltv * (1 + k),
        steady_value_cents=steady_value(row.customers, ltv, k),
    )


def baseline(row: ValueRow) -> Scenario:
    """The row itself as a scenario (no change)."""
    return replace(what_if(row), k_change=0, retention_change=0, aov_change=0)
