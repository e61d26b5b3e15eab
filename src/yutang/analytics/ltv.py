"""Customer value (LTV): what members are worth — historic, per cohort of the month they
joined, and predicted, per member and per cohort, by BG/NBD and Gamma–Gamma
(:mod:`yutang.analytics.clv`) fitted on the workspace's own purchases.

**Historic LTV**: for the members who joined in a month (the workspace's timezone), the
cumulative net revenue (paid − refunded, in cents, from joining on) per member of the
cohort at month 0, 1, 2 … since joining; None where the cohort has not reached that month
yet. It is the retention report's revenue retention by month
(:func:`yutang.analytics.retention.revenue_per_member`), read once.

**The LTV of the value formula** (:func:`settled`, read by :mod:`yutang.analytics.value`):
the historic LTV at month ``months`` (12) since joining — the average of that column —
over every cohort ever joined whose month ``months`` was over by the end of a day, so
that every member counted has shown all of it and the figure of a past day does not move
as later money comes in. It is :func:`historic`'s average of that column as of the last
whole month by that day, over all the cohorts: one source for both reports.

**Predicted LTV**, as of a day:

- A **purchase** is a day (the workspace's timezone) on which the member paid orders
  whose value, net of their refunds up to the as-of day, is positive: two orders on one
  day are one purchase; an order refunded in full is not a purchase. A refund is counted
  against the order it refunds (by ``order_id``).
- **frequency** ``x``: purchases after the first; **recency** ``t_x``: from the first
  purchase's day to the last's; **T**: from the first purchase's day to the as-of day;
  all in the model's unit (days, weeks — the default — or months of 365.25 ÷ 12 days).
- **monetary value** ``m``: the mean net value of the repeat purchases (the first one is
  left out, as in the Gamma–Gamma note: it is often unlike the later ones).
- BG/NBD is fitted on every member who bought; Gamma–Gamma on those with a repeat
  purchase. A member's **expected purchases** over the horizon (months), their
  **P(alive)**, their **expected spend** per purchase, and their **value**: the purchases
  expected in each month of the horizon × the expected spend, discounted at the annual
  rate (as a monthly rate ``(1 + d)^(1/12) − 1``).
- Per cohort of the join month: its members, buyers, expected purchases and value, and
  the value per member of the cohort (members who never bought are worth nothing here:
  the model speaks of customers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from yutang.analytics import clv, retention
from yutang.analytics.engines import Reader
from yutang.analytics.window import Window

MAX_MONTHS = retention.MAX_PERIODS
#: Fewer buyers, or fewer of them with a repeat purchase, than this and the models are
#: not fitted (their estimates would say more about chance than about the members).
MIN_BUYERS = 20
MIN_REPEAT_BUYERS = 5


class NotEnoughData(ValueError):
    """Too few buyers (or repeat buyers) to fit the models."""

    def __init__(self, buyers: int, repeat_buyers: int) -> None:
        super().__init__(
            f"{buyers} buyers, {repeat_buyers} with a repeat purchase: the models need "
            f"at least {MIN_BUYERS} and {MIN_REPEAT_BUYERS}"
        )
        self.buyers = buyers
        self.repeat_buyers = repeat_buyers


@dataclass(frozen=True)
class Historic:
    cohorts: list[retention.RevenueCohort]
    #: Per month since joining: the cohorts that reached it, their net revenue up to it ÷
    #: all their members (a weighted average).
    average: list[float | None]


def average(cohorts: list[retention.RevenueCohort], n: int) -> float | None:
    """Month ``n``'s weighted average: the net revenue up to it of the cohorts that
    reached it ÷ all their members (None: no cohort reached it)."""
    grown = [c for c in cohorts if c.per_member_cents[n] is not None]
    people = sum(c.size for c in grown)
    money = sum((c.per_member_cents[n] or 0.0) * c.size for c in grown)
    return money / people if people else None


def historic(
    reader: Reader, workspace_id: int, window: retention.Span, today: date, months: int = 12
) -> Historic:
    """The cohorts of the months joined in the window, followed ``months`` months."""
    months = max(1, min(months, MAX_MONTHS))
    found = retention.revenue_per_member(
        reader, workspace_id, window, today, unit="month", periods=months, start_types=("member.joined",)
    )
    return Historic(found, [average(found, n) for n in range(months + 1)])


def months_after(at: date, n: int) -> date:
    """The first day of the month ``n`` months after ``at``'s (before it for n < 0)."""
    months = at.year * 12 + at.month - 1 + n
    return date(months // 12, months % 12 + 1, 1)


def whole_month(day: date) -> date:
    """The first day of the last month that is over by the end of ``day`` (``day``'s own
    month on its last day, the month before otherwise)."""
    return months_after(day + timedelta(days=1), -1)


@dataclass(frozen=True)
class Ever:
    """Every cohort ever joined, up to and including ``last`` (in ``zone``)."""

    last: date
    zone: str

    def bounds(self) -> dict[str, Any]:
        end = datetime.combine(self.last + timedelta(days=1), time(), ZoneInfo(self.zone))
        return {"start": datetime(1970, 1, 1, tzinfo=UTC), "end": end.astimezone(UTC)}


@dataclass(frozen=True)
class Settled:
    """The historic LTV at ``months`` since joining as of a day: over the cohorts whose
    month ``months`` was over by the end of ``as_of``."""

    as_of: date
    months: int
    #: The last whole month by ``as_of`` (its first day).
    through: date
    #: The cohorts counted: those who joined in ``joined_through``'s month or before.
    cohorts: list[retention.RevenueCohort]

    @property
    def joined_through(self) -> date:
        return months_after(self.through, -self.months)

    @property
    def members(self) -> int:
        return sum(c.size for c in self.cohorts)

    @property
    def ltv_cents(self) -> float | None:
        """The LTV: net revenue per member up to month ``months`` (None: no cohort that old)."""
        return average(self.cohorts, self.months)

    @property
    def first_month_cents(self) -> float | None:
        """Of it, what came in the month they joined (month 0)."""
        return average(self.cohorts, 0)

    @property
    def orders(self) -> int:
        return sum(c.orders[self.months] for c in self.cohorts)

    @property
    def gmv_cents(self) -> int:
        return sum(c.gmv_cents[self.months] for c in self.cohorts)


def settled(
    reader: Reader, workspace_id: int, zone: str, days: list[date], months: int = 12
) -> list[Settled]:
    """The LTV at ``months`` since joining as of each day, from one read of every cohort old
    enough by the last of them."""
    months = max(1, min(months, MAX_MONTHS))
    if not days:
        return []
    latest = whole_month(max(days))
    youngest = months_after(latest, -months)  # the youngest cohort that can count
    found = retention.revenue_per_member(
        reader,
        workspace_id,
        Ever(months_after(youngest, 1) - timedelta(days=1), zone),
        latest,
        unit="month",
        periods=months,
        start_types=("member.joined",),
    )
    out = []
    for day in days:
        through = whole_month(day)
        old = [c for c in found if months_after(c.start, months) <= through]
        out.append(Settled(day, months, through, old))
    return out


def cohort_members(reader: Reader, workspace_id: int, window: Window, cohort: date) -> list[int]:
    """The members of one cohort of :func:`historic`: those who first joined in the month
    starting ``cohort`` (when it falls in the window)."""
    return retention.members(reader, workspace_id, window, cohort, 0, unit="month")


#: Per member who bought: repeat purchases, days from the first purchase to the last and
#: to the as-of day, the net value of the repeat purchases, the month they joined; and
#: the size of each join month's cohort in the range.
_SUMMARY = """
WITH paid AS (
    SELECT member_id, PROP(props, 'order_id') AS order_id, LOCAL_DAY(occurred_at, :tz) AS day,
           amount_cents AS cents
    FROM facts
    WHERE workspace_id = :ws AND type = 'order.paid' AND member_id IS NOT NULL AND occurred_at < :end
),
refunded AS (
    SELECT member_id, PROP(props, 'order_id') AS order_id, sum(amount_cents) AS cents
    FROM facts
    WHERE workspace_id = :ws AND type = 'order.refunded' AND member_id IS NOT NULL AND occurred_at < :end
    GROUP BY member_id, PROP(props, 'order_id')
),
orders AS (
    SELECT p.member_id AS member_id, p.day AS day, p.cents - coalesce(r.cents, 0) AS net
    FROM paid p LEFT JOIN refunded r ON r.member_id = p.member_id AND r.order_id = p.order_id
),
days AS (
    SELECT member_id, day, sum(net) AS day_net FROM orders GROUP BY member_id, day HAVING sum(net) > 0
),
firsts AS (
    SELECT member_id, min(day) AS first_day FROM days GROUP BY member_id
),
buyers AS (
    SELECT d.member_id AS member_id, CAST(count(*) - 1 AS BIGINT) AS x,
           CAST(DAYS_BETWEEN(min(f.first_day), max(d.day)) AS BIGINT) AS recency,
           CAST(DAYS_BETWEEN(min(f.first_day), :as_of) AS BIGINT) AS age,
           CAST(sum(CASE WHEN d.day > f.first_day THEN d.day_net ELSE 0 END) AS BIGINT) AS repeat_net
    FROM days d JOIN firsts f ON f.member_id = d.member_id
    GROUP BY d.member_id
),
joined AS (
    SELECT member_id, LOCAL_MONTH(min(occurred_at), :tz) AS cohort, min(occurred_at) AS t0
    FROM facts
    WHERE workspace_id = :ws AND type = 'member.joined' AND member_id IS NOT NULL
    GROUP BY member_id
)
SELECT 'buyer' AS kind, b.member_id, j.cohort, b.x, b.recency, b.age, b.repeat_net
FROM buyers b LEFT JOIN joined j ON j.member_id = b.member_id
UNION ALL
SELECT 'size', CAST(NULL AS BIGINT), cohort, CAST(count(*) AS BIGINT), CAST(0 AS BIGINT), CAST(0 AS BIGINT),
       CAST(0 AS BIGINT)
FROM joined WHERE t0 >= :start AND t0 < :cohorts_end GROUP BY cohort
"""


@dataclass(frozen=True)
class Customer:
    """What the store says of a member who bought, as of a day (times in days)."""

    member_id: int
    #: The month they first joined (None: no join in the store, e.g. an order before it).
    cohort: date | None
    frequency: int
    recency_days: int
    age_days: int
    repeat_net_cents: int

    @property
    def monetary_cents(self) -> float | None:
        """The mean net value of their repeat purchases."""
        return self.repeat_net_cents / self.frequency if self.frequency else None


def customers(
    reader: Reader, workspace_id: int, as_of: date, zone: str, cohorts: Window | None = None
) -> tuple[list[Customer], dict[date, int]]:
    """Every member who bought up to ``as_of`` (inclusive, in ``zone``), and the size of
    each join month's cohort whose month starts in ``cohorts`` (none without it)."""
    end = datetime.combine(as_of + timedelta(days=1), time(), ZoneInfo(zone))
    span = cohorts.bounds() if cohorts else {"start": end, "end": end}
    params = {
        "ws": workspace_id,
        "tz": zone,
        "as_of": as_of,
        "end": end,
        "start": span["start"],
        "cohorts_end": span["end"],
    }
    found: list[Customer] = []
    sizes: dict[date, int] = {}
    for kind, member, cohort, x, recency, age, net in reader.rows(_SUMMARY, params):
        if kind == "size":
            sizes[cohort] = int(x)
        else:
            found.append(Customer(int(member), cohort, int(x), int(recency), int(age), int(net)))
    found.sort(key=lambda c: c.member_id)
    return found, sizes


@dataclass(frozen=True)
class MemberValue:
    member_id: int
    cohort: date | None
    frequency: int
    #: In the model's unit.
    recency: float
    T: float
    monetary_cents: float | None
    p_alive: float
    expected_purchases: float
    expected_spend_cents: float
    value_cents: float


@dataclass(frozen=True)
class CohortValue:
    start: date
    members: int
    buyers: int
    expected_purchases: float
    value_cents: float
    #: Value ÷ the cohort's members (buyers or not).
    value_per_member_cents: float | None
    #: The mean P(alive) of its buyers.
    mean_p_alive: float | None


@dataclass(frozen=True)
class Prediction:
    as_of: date
    unit: clv.Unit
    horizon_months: int
    annual_discount: float
    purchases: clv.BgNbd
    spend: clv.GammaGamma
    #: Every buyer, the most valuable first.
    members: list[MemberValue]
    cohorts: list[CohortValue]

    @property
    def repeat_buyers(self) -> int:
        return sum(1 for m in self.members if m.frequency > 0)


def predict(
    found: list[Customer],
    sizes: dict[date, int],
    as_of: date,
    *,
    unit: clv.Unit = "week",
    horizon_months: int = 12,
    annual_discount: float = 0.0,
) -> Prediction:
    """Fit both models on these customers and predict each one's and each cohort's value."""
    repeaters = [c for c in found if c.frequency > 0]
    if len(found) < MIN_BUYERS or len(repeaters) < MIN_REPEAT_BUYERS:
        raise NotEnoughData(len(found), len(repeaters))
    days = clv.UNIT_DAYS[unit]
    x = np.array([c.frequency for c in found], dtype=np.float64)
    t_x = np.array([c.recency_days for c in found], dtype=np.float64) / days
    T = np.array([c.age_days for c in found], dtype=np.float64) / days
    purchases = clv.fit_bgnbd(x, t_x, T)
    spend = clv.fit_gamma_gamma(
        [c.frequency for c in repeaters], [c.repeat_net_cents / c.frequency for c in repeaters]
    )
    m = np.array([c.monetary_cents or 0.0 for c in found], dtype=np.float64)
    expected_spend = spend.expected_spend(x, m)
    monthly = (1 + annual_discount) ** (1 / 12) - 1
    bought, value = clv.discounted_value(
        purchases,
        expected_spend,
        x,
        t_x,
        T,
        steps=horizon_months,
        step_length=clv.UNIT_DAYS["month"] / days,
        discount_per_step=monthly,
    )
    alive = purchases.p_alive(x, t_x, T)
    members = [
        MemberValue(
            c.member_id,
            c.cohort,
            c.frequency,
            float(t_x[i]),
            float(T[i]),
            c.monetary_cents,
            float(alive[i]),
            float(bought[i]),
            float(expected_spend[i]),
            float(value[i]),
        )
        for i, c in enumerate(found)
    ]
    cohorts = []
    for start in sorted(sizes):
        mine = [mv for mv in members if mv.cohort == start]
        total = sum(mv.value_cents for mv in mine)
        cohorts.append(
            CohortValue(
                start,
                sizes[start],
                len(mine),
                sum(mv.expected_purchases for mv in mine),
                total,
                total / sizes[start] if sizes[start] else None,
                sum(mv.p_alive for mv in mine) / len(mine) if mine else None,
            )
        )
    members.sort(key=lambda mv: (-mv.value_cents, mv.member_id))
    return Prediction(as_of, unit, horizon_months, annual_discount, purchases, spend, members, cohorts)


def predicted(
    reader: Reader,
    workspace_id: int,
    as_of: date,
    zone: str,
    cohorts: Window | None = None,
    *,
    unit: clv.Unit = "week",
    horizon_months: int = 12,
    annual_discount: float = 0.0,
) -> Prediction:
    """The workspace's buyers as of ``as_of``, the models fitted on them, and each
    member's and each cohort's (joined in ``cohorts``) predicted value."""
    found, sizes = customers(reader, workspace_id, as_of, zone, cohorts)
    return predict(
        found, sizes, as_of, unit=unit, horizon_months=horizon_months, annual_discount=annual_discount
    )
