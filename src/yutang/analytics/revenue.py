"""Revenue: GMV, refunds, net revenue, orders, buyers, AOV, ARPU, ARPPU, repurchase rate
and purchase frequency — per day, week or month (or the whole range), in the
workspace's timezone, overall or by channel, link, campaign, tier, owner staff or source.

Definitions (docs/analytics.md, "Revenue"):

- **GMV**: what paid orders totalled, counted when they were paid.
- **Refunds**: money given back, counted when it was given back (a refund in March of a
  February order lowers March).
- **Net revenue** = GMV − refunds.
- **Orders**: paid orders. **Buyers**: members with a paid order (an order of an erased
  member is revenue and an order, no longer a buyer).
- **AOV** = GMV ÷ orders. **ARPPU** = net ÷ buyers. **ARPU** = net ÷ active members
  (members who did something in the period: ``facts.ACTIVE_TYPES``).
  **Purchase frequency** = orders of buyers ÷ buyers. **Repurchase rate** = buyers with
  two orders or more ÷ buyers.

Breakdowns (``by``): the channel, link, tier and owner staff are the fact's own columns
(for a member's fact, the member's source channel and link, owner staff and tier when it
was synced). Two are the member's, read from their facts:

- **campaign**: the member's first-touch referral campaign — the campaign of their
  earliest fact that names one (in the facts' order: time, then source, then id), for
  their facts at or after that moment; their earlier facts, and the facts of members
  who never touched a campaign (or were erased), are the row of no campaign (key null).
- **source**: how the member joined — ``via`` of their first ``member.joined`` fact
  (:data:`SOURCES`; a value this report does not know is ``other``); null: no join fact
  of theirs in the store, or an erased member's fact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from yutang.analytics.engines import Reader
from yutang.analytics.facts import ACTIVE_TYPES
from yutang.analytics.window import Window

Period = Literal["day", "week", "month", "total"]
By = Literal["none", "channel", "link", "campaign", "tier", "staff", "source"]
BYS: tuple[By, ...] = ("none", "channel", "link", "campaign", "tier", "staff", "source")
#: How a member joins (``via`` of ``member.joined``: ``yutang.members.service.join`` and
#: its callers — the API, the console, a CSV import, a form, the public join page, a
#: referral's invitation page, the demo), and ``other`` for any value not listed here.
SOURCES = ("api", "console", "csv", "form", "page", "invite", "demo", "other")
PERIODS: dict[str, str] = {
    "day": "LOCAL_DAY(occurred_at, :tz)",
    "week": "LOCAL_WEEK(occurred_at, :tz)",
    "month": "LOCAL_MONTH(occurred_at, :tz)",
    "total": "CAST(:first_day AS DATE)",
}
#: The breakdowns that are a column of the fact.
COLUMN_OF: dict[str, str] = {
    "none": "CAST(NULL AS BIGINT)",
    "channel": "channel_id",
    "link": "link_id",
    "tier": "tier_id",
    "staff": "staff_id",
}
#: The facts of the workspace in the window (robots left out), each with its ``key``.
_KEYED_COLUMN = """keyed AS (
    SELECT occurred_at, {column} AS key, type, member_id, amount_cents
    FROM facts
    WHERE workspace_id = :ws AND occurred_at >= :start AND occurred_at < :end AND NOT is_bot
)"""
#: The member's first-touch campaign, from the moment of that touch.
_KEYED_CAMPAIGN = """touch AS (
    SELECT member_id, campaign_id AS campaign, occurred_at AS touched FROM (
        SELECT member_id, campaign_id, occurred_at,
               row_number() OVER (
                   PARTITION BY member_id ORDER BY FACT_ORDER(occurred_at, source, source_id)) AS n
        FROM facts
        WHERE workspace_id = :ws AND member_id IS NOT NULL AND campaign_id IS NOT NULL AND NOT is_bot
    ) AS touches
    WHERE n = 1
),
keyed AS (
    SELECT f.occurred_at AS occurred_at,
           CASE WHEN t.touched <= f.occurred_at THEN t.campaign END AS key,
           f.type AS type, f.member_id AS member_id, f.amount_cents AS amount_cents
    FROM facts f LEFT JOIN touch t ON t.member_id = f.member_id
    WHERE f.workspace_id = :ws AND f.occurred_at >= :start AND f.occurred_at < :end AND NOT f.is_bot
)"""
#: How the member joined: ``via`` of their first ``member.joined``.
_KEYED_SOURCE = """joins AS (
    SELECT member_id, via FROM (
        SELECT member_id, PROP(props, 'via') AS via,
               row_number() OVER (
                   PARTITION BY member_id ORDER BY FACT_ORDER(occurred_at, source, source_id)) AS n
        FROM facts
        WHERE workspace_id = :ws AND member_id IS NOT NULL AND type = 'member.joined'
    ) AS joined
    WHERE n = 1
),
keyed AS (
    SELECT f.occurred_at AS occurred_at,
           CASE WHEN j.via IN :sources THEN j.via WHEN j.via IS NOT NULL THEN 'other' END AS key,
           f.type AS type, f.member_id AS member_id, f.amount_cents AS amount_cents
    FROM facts f LEFT JOIN joins j ON j.member_id = f.member_id
    WHERE f.workspace_id = :ws AND f.occurred_at >= :start AND f.occurred_at < :end AND NOT f.is_bot
)"""


def keyed(by: By) -> str:
    """The CTE(s) ending in ``keyed``: the window's facts with the breakdown's ``key``."""
    if by == "campaign":
        return _KEYED_CAMPAIGN
    if by == "source":
        return _KEYED_SOURCE
    if by not in COLUMN_OF:
        raise ValueError(f"revenue is broken down by one of {', '.join(BYS)}")
    return _KEYED_COLUMN.format(column=COLUMN_OF[by])


_SQL = """
WITH {keyed},
scope AS (
    SELECT {period} AS period, key, type, member_id, amount_cents FROM keyed
),
per_buyer AS (
    SELECT period, key, member_id, CAST(count(*) AS BIGINT) AS n
    FROM scope WHERE type = 'order.paid' AND member_id IS NOT NULL
    GROUP BY period, key, member_id
),
measures AS (
    SELECT period, key,
           CAST(sum(CASE WHEN type = 'order.paid' THEN amount_cents ELSE 0 END) AS BIGINT) AS gmv,
           CAST(sum(CASE WHEN type = 'order.refunded' THEN amount_cents ELSE 0 END) AS BIGINT) AS refunds,
           CAST(sum(CASE WHEN type = 'order.paid' THEN 1 ELSE 0 END) AS BIGINT) AS orders,
           CAST(0 AS BIGINT) AS buyers, CAST(0 AS BIGINT) AS buyer_orders, CAST(0 AS BIGINT) AS repeat_buyers,
           CAST(count(DISTINCT CASE WHEN type IN :active_types THEN member_id END) AS BIGINT) AS active
    FROM scope GROUP BY period, key
    UNION ALL
    SELECT period, key, CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(0 AS BIGINT),
           CAST(count(*) AS BIGINT), CAST(sum(n) AS BIGINT),
           CAST(sum(CASE WHEN n >= 2 THEN 1 ELSE 0 END) AS BIGINT), CAST(0 AS BIGINT)
    FROM per_buyer GROUP BY period, key
)
SELECT period, key, sum(gmv), sum(refunds), sum(orders), sum(buyers), sum(buyer_orders),
       sum(repeat_buyers), sum(active)
FROM measures
GROUP BY period, key
ORDER BY period, key NULLS FIRST
"""


@dataclass(frozen=True)
class RevenueRow:
    period: date
    #: The breakdown's value: an id (a source: its ``via``); None: the row of none.
    key: int | str | None
    gmv_cents: int
    refunds_cents: int
    orders: int
    buyers: int
    buyer_orders: int
    repeat_buyers: int
    active_members: int

    @property
    def net_cents(self) -> int:
        return self.gmv_cents - self.refunds_cents

    @property
    def aov_cents(self) -> float | None:
        return self.gmv_cents / self.orders if self.orders else None

    @property
    def arppu_cents(self) -> float | None:
        return self.net_cents / self.buyers if self.buyers else None

    @property
    def arpu_cents(self) -> float | None:
        return self.net_cents / self.active_members if self.active_members else None

    @property
    def frequency(self) -> float | None:
        return self.buyer_orders / self.buyers if self.buyers else None

    @property
    def repurchase_rate(self) -> float | None:
        return self.repeat_buyers / self.buyers if self.buyers else None

    def figures(self) -> dict[str, Any]:
        """Every figure of the row, by name (the API's and the CSV's columns)."""
        return {
            "period": self.period.isoformat(),
            "key": self.key,
            "gmv_cents": self.gmv_cents,
            "refunds_cents": self.refunds_cents,
            "net_cents": self.net_cents,
            "orders": self.orders,
            "buyers": self.buyers,
            "active_members": self.active_members,
            "aov_cents": _round(self.aov_cents),
            "arpu_cents": _round(self.arpu_cents),
            "arppu_cents": _round(self.arppu_cents),
            "purchase_frequency": _round(self.frequency, 4),
            "repurchase_rate": _round(self.repurchase_rate, 4),
        }


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def periods(window: Window, period: Period) -> list[date]:
    """Every period the window touches, in order (a week: its Monday; a month: its 1st)."""
    if period == "total":
        return [window.first]
    start = window.first
    if period == "week":
        start -= timedelta(days=start.weekday())
    elif period == "month":
        start = start.replace(day=1)
    out, at = [], start
    while at <= window.last:
        out.append(at)
        if period == "day":
            at += timedelta(days=1)
        elif period == "week":
            at += timedelta(days=7)
        else:
            at = (at.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


def revenue(
    reader: Reader, workspace_id: int, window: Window, period: Period = "day", by: By = "none"
) -> list[RevenueRow]:
    """The revenue figures of the window, per period and per value of ``by``; without a
    breakdown, every period of the window is there (zeros where nothing happened)."""
    sql = _SQL.format(period=PERIODS[period], keyed=keyed(by))
    params = {
        "sources": list(SOURCES),
        "ws": workspace_id,
        "tz": window.zone,
        "first_day": window.first,
        "active_types": list(ACTIVE_TYPES),
        **window.bounds(),
    }
    found = [
        RevenueRow(
            period=p,
            key=k if k is None or isinstance(k, str) else int(k),
            gmv_cents=int(g or 0),
            refunds_cents=int(r or 0),
            orders=int(o or 0),
            buyers=int(b or 0),
            buyer_orders=int(bo or 0),
            repeat_buyers=int(rb or 0),
            active_members=int(a or 0),
        )
        for p, k, g, r, o, b, bo, rb, a in reader.rows(sql, params)
    ]
    if by != "none":
        return found
    held = {row.period: row for row in found}
    return [held.get(p) or RevenueRow(p, None, 0, 0, 0, 0, 0, 0, 0) for p in periods(window, period)]


#: The figures of a revenue row that are members, for the drill-down.
Figure = Literal["buyers", "repeat_buyers", "active_members"]
_MEMBERS_SQL = """
WITH {keyed}
SELECT member_id FROM (
    SELECT {period} AS period, key, member_id FROM keyed
    WHERE member_id IS NOT NULL AND type IN :types
) AS cell
WHERE period = CAST(:at AS DATE) {key}
GROUP BY member_id
HAVING count(*) >= :least
ORDER BY member_id
"""


def members(
    reader: Reader,
    workspace_id: int,
    window: Window,
    period: Period,
    by: By,
    at: date,
    key: int | str | None,
    figure: Figure,
) -> list[int]:
    """The members counted in one figure of one row: the buyers (or repeat buyers, or
    active members) of period ``at`` and breakdown value ``key`` (None: the members of no
    channel, link, campaign, tier, staff or known source, when broken down)."""
    where_key = "" if by == "none" else ("AND key IS NULL" if key is None else "AND key = :key")
    sql = _MEMBERS_SQL.format(period=PERIODS[period], keyed=keyed(by), key=where_key)
    params = {
        "sources": list(SOURCES),
        "ws": workspace_id,
        "tz": window.zone,
        "first_day": window.first,
        "at": window.first if period == "total" else at,
        "key": key,
        "types": list(ACTIVE_TYPES) if figure == "active_members" else ["order.paid"],
        "least": 2 if figure == "repeat_buyers" else 1,
        **window.bounds(),
    }
    return [int(m) for (m,) in reader.rows(sql, params)]
