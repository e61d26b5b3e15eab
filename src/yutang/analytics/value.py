"""The seed's value formula over time: 未来企业的总价值 = 客户数 × 用户生命周期价值 ×
裂变系数 (seed 003) — value = customers × LTV × fission coefficient — beside
N × LTV ÷ (1 − K), and a what-if of how value moves with K, retention and AOV.

At the end of each period (day, week, month of the workspace's timezone; the last one
ends with the range):

- **customers** N: members who joined before the period's end (a member erased since
  has no id left in the store and is not counted);
- **LTV**: the customer-value report's historic LTV (:func:`yutang.analytics.ltv.settled`,
  one source for both): the net revenue (paid orders − refunds) per member up to month
  ``ltv_months`` (default 12) since the month they joined, over every join-month cohort
  whose month ``ltv_months`` was over by the period's end — a newer member has not shown
  their value yet. None (shown as "not available", with the reason) while no cohort is
  that old; then the value is None too;
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
**retention** by x % — x % more (fewer) of the members come back after the month they
joined, each spending as now, so the LTV earned after month 0 moves by x %;
**AOV** by x % — every order x % larger, so the whole LTV moves by x %.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Literal

from yutang.analytics import fission
from yutang.analytics import ltv as ltv_report
from yutang.analytics.engines import Reader
from yutang.analytics.revenue import periods
from yutang.analytics.window import Window

Period = Literal["day", "week", "month"]
#: The month since joining the LTV is read at (the customer-value report's column).
DEFAULT_LTV_MONTHS = 12
#: Why the LTV (and so the value) is missing: no cohort had lived its months by then.
NO_OLD_COHORT = "no_old_cohort"
#: Every reason ``ltv_missing`` gives (words: the console's group ``value_ltv_missing``).
LTV_MISSING = (NO_OLD_COHORT,)
_PERIOD = {
    "day": "LOCAL_DAY(joined_at, :tz)",
    "week": "LOCAL_WEEK(joined_at, :tz)",
    "month": "LOCAL_MONTH(joined_at, :tz)",
}
#: The customers: members by the period they first joined in.
_SQL = """
SELECT period, CAST(count(*) AS BIGINT) AS joined FROM (
    SELECT {period} AS period FROM (
        SELECT member_id, min(occurred_at) AS joined_at FROM facts
        WHERE workspace_id = :ws AND type = 'member.joined' AND member_id IS NOT NULL AND occurred_at < :end
        GROUP BY member_id
    ) AS joins
) AS joined
GROUP BY period
ORDER BY period
"""


@dataclass(frozen=True)
class ValueRow:
    period: date
    #: The last day the period's figures count (the range's last day for the last one).
    as_of: date
    customers: int
    #: The customer-value report's historic LTV as of ``as_of`` (:func:`ltv.settled`).
    ltv: ltv_report.Settled
    #: The period's K (None: nobody shared; the formula then reads 0).
    k: float | None

    @property
    def ltv_cents(self) -> float | None:
        return self.ltv.ltv_cents

    @property
    def first_ltv_cents(self) -> float | None:
        """The part of the LTV from the month the members joined (month 0)."""
        return self.ltv.first_month_cents

    @property
    def ltv_missing(self) -> str | None:
        """Why there is no LTV (None: there is one)."""
        return NO_OLD_COHORT if self.ltv_cents is None else None

    @property
    def aov_cents(self) -> float | None:
        return self.ltv.gmv_cents / self.ltv.orders if self.ltv.orders else None

    @property
    def orders_per_member(self) -> float | None:
        members = self.ltv.members
        return self.ltv.orders / members if members else None

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
            "ltv_members": self.ltv.members,
            "ltv_joined_through": self.ltv.joined_through.isoformat(),
            "ltv_cents": _round(self.ltv_cents),
            "ltv_missing": self.ltv_missing,
            "first_month_ltv_cents": _round(self.first_ltv_cents),
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
    ltv_months: int = DEFAULT_LTV_MONTHS,
) -> list[ValueRow]:
    """The value formula and its factors at the end of every period of the window."""
    params = {"ws": workspace_id, "tz": window.zone, **window.bounds()}
    joined = reader.rows(_SQL.format(period=_PERIOD[period]), params)
    ks = {r.period: r.k for r in fission.fission(reader, workspace_id, window, period, "none")}
    starts = periods(window, period)
    ends = [
        min(starts[n + 1] - timedelta(days=1), window.last) if n + 1 < len(starts) else window.last
        for n in range(len(starts))
    ]
    ltvs = ltv_report.settled(reader, workspace_id, window.zone, ends, ltv_months)
    out: list[ValueRow] = []
    customers, i = 0, 0
    for n, start in enumerate(starts):
        nxt = starts[n + 1] if n + 1 < len(starts) else None
        while i < len(joined) and (nxt is None or joined[i][0] < nxt):
            customers += int(joined[i][1] or 0)
            i += 1
        out.append(ValueRow(start, ends[n], customers, ltvs[n], ks.get(start)))
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
    percentages: K × (1 + k%); the LTV after the month the members joined × (1 +
    retention%); the whole LTV × (1 + AOV%). Customers stay as measured."""
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
