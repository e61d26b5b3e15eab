"""Channels: what each touchpoint (or each link) brought over a range of days — exposures,
clicks, unique visitors, diversion rate, joins, join rate, first orders, revenue,
revenue per click — and, with the spend entered for it, cost per new member and ROI.

Definitions (docs/analytics.md, "Channels"):

- **Clicks**: clicks of the channel's links in the range (robots left out);
  **unique visitors**: the visitor cookies behind them, each once.
- **Joins**: members the channel brought whose first join is in the range (a member
  counts for the channel that brought them — ``facts.channel_id`` of a member's facts —
  whichever channels they clicked; once, however often they joined).
- **First orders**: members the channel brought whose first paid order ever is in the range.
- **Revenue**: the net revenue of the members the channel brought — orders paid in the
  range less refunds given in it (an erased member's orders stay revenue).
- **Exposures** and **spend**: entered by the operator per period
  (:mod:`yutang.links.costs`), each period spread evenly over its days; the range takes
  the share of its days (see :func:`shares`).
- **Diversion rate** = clicks ÷ exposures; **join rate** = joins ÷ unique visitors;
  **revenue per click** = revenue ÷ clicks; **CPA** = spend ÷ joins;
  **ROI** = (revenue − spend) ÷ spend.

The store answers the measured figures (one SQL text for both engines); exposures and
spend are operator-entered numbers that the caller reads from the transactional
database and passes in as :class:`Cost` rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any, Literal

from yutang.analytics.engines import Reader
from yutang.analytics.facts import CLICK
from yutang.analytics.window import Window

By = Literal["channel", "link"]
KEYS: dict[str, str] = {"channel": "channel_id", "link": "link_id", "none": "CAST(NULL AS BIGINT)"}
#: The members behind a row: those who joined, or who ordered for the first time.
Drill = Literal["joins", "first_orders"]
_FIRST_TYPE = {"joins": "member.joined", "first_orders": "order.paid"}

_SCOPE = """
scope AS (
    SELECT {key} AS key, type, member_id, visitor_id, amount_cents, occurred_at, source_id
    FROM facts
    WHERE workspace_id = :ws AND NOT is_bot
      AND type IN ('link.clicked', 'member.joined', 'order.paid', 'order.refunded')
),
firsts AS (
    SELECT key, type, member_id, occurred_at,
           row_number() OVER (PARTITION BY type, member_id ORDER BY occurred_at, source_id) AS nth
    FROM scope
    WHERE type IN ('member.joined', 'order.paid') AND member_id IS NOT NULL
)
"""
_SQL = (
    "WITH"
    + _SCOPE
    + """,
measures AS (
    SELECT key,
           CAST(sum(CASE WHEN type = :click THEN 1 ELSE 0 END) AS BIGINT) AS clicks,
           CAST(count(DISTINCT CASE WHEN type = :click THEN visitor_id END) AS BIGINT) AS visitors,
           CAST(0 AS BIGINT) AS joins, CAST(0 AS BIGINT) AS first_orders,
           CAST(sum(CASE WHEN type = 'order.paid' THEN amount_cents ELSE 0 END) AS BIGINT) AS gmv,
           CAST(sum(CASE WHEN type = 'order.refunded' THEN amount_cents ELSE 0 END) AS BIGINT) AS refunds
    FROM scope
    WHERE occurred_at >= :start AND occurred_at < :end
    GROUP BY key
    UNION ALL
    SELECT key, CAST(0 AS BIGINT), CAST(0 AS BIGINT),
           CAST(sum(CASE WHEN type = 'member.joined' THEN 1 ELSE 0 END) AS BIGINT),
           CAST(sum(CASE WHEN type = 'order.paid' THEN 1 ELSE 0 END) AS BIGINT),
           CAST(0 AS BIGINT), CAST(0 AS BIGINT)
    FROM firsts
    WHERE nth = 1 AND occurred_at >= :start AND occurred_at < :end
    GROUP BY key
)
SELECT key, sum(clicks), sum(visitors), sum(joins), sum(first_orders), sum(gmv), sum(refunds)
FROM measures
GROUP BY key
ORDER BY key NULLS FIRST
"""
)
_DRILL = (
    "WITH"
    + _SCOPE
    + """
SELECT DISTINCT member_id FROM firsts
WHERE nth = 1 AND type = :first_type AND occurred_at >= :start AND occurred_at < :end
  AND {match}
ORDER BY member_id
"""
)


@dataclass(frozen=True)
class Cost:
    """Exposures and spend entered for a channel (or one of its links) over
    ``starts_on`` … ``ends_on``, both included."""

    channel_id: int
    link_id: int | None
    starts_on: date
    ends_on: date
    exposures: int | None
    spend_cents: int | None


@dataclass(frozen=True)
class ChannelRow:
    key: int | None
    clicks: int
    visitors: int
    joins: int
    first_orders: int
    gmv_cents: int
    refunds_cents: int
    #: The range's share of what was entered (None: nothing entered for its days).
    exposures: int | None = None
    spend_cents: int | None = None

    @property
    def revenue_cents(self) -> int:
        return self.gmv_cents - self.refunds_cents

    @property
    def diversion_rate(self) -> float | None:
        return self.clicks / self.exposures if self.exposures else None

    @property
    def join_rate(self) -> float | None:
        return self.joins / self.visitors if self.visitors else None

    @property
    def revenue_per_click_cents(self) -> float | None:
        return self.revenue_cents / self.clicks if self.clicks else None

    @property
    def cpa_cents(self) -> float | None:
        return self.spend_cents / self.joins if self.spend_cents is not None and self.joins else None

    @property
    def roi(self) -> float | None:
        if not self.spend_cents:
            return None
        return (self.revenue_cents - self.spend_cents) / self.spend_cents

    def figures(self) -> dict[str, Any]:
        """Every figure of the row, by name (the API's and the CSV's columns)."""
        return {
            "key": self.key,
            "exposures": self.exposures,
            "clicks": self.clicks,
            "unique_visitors": self.visitors,
            "diversion_rate": _round(self.diversion_rate, 4),
            "joins": self.joins,
            "join_rate": _round(self.join_rate, 4),
            "first_orders": self.first_orders,
            "gmv_cents": self.gmv_cents,
            "refunds_cents": self.refunds_cents,
            "revenue_cents": self.revenue_cents,
            "revenue_per_click_cents": _round(self.revenue_per_click_cents),
            "spend_cents": self.spend_cents,
            "cpa_cents": _round(self.cpa_cents),
            "roi": _round(self.roi, 4),
        }


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _half_up(value: Fraction) -> int:
    return int((value + Fraction(1, 2)) // 1)


def overlap_days(cost: Cost, window: Window) -> int:
    """How many days of the entry's period fall in the window."""
    first, last = max(cost.starts_on, window.first), min(cost.ends_on, window.last)
    return max((last - first).days + 1, 0)


def shares(
    costs: Iterable[Cost], window: Window, by: By | Literal["none"]
) -> dict[int | None, tuple[int | None, int | None]]:
    """Exposures and spend of each channel (or link) in the window: each entry spread
    evenly over the days of its period — ``figure × days in the window ÷ days of the
    period`` — summed exactly and rounded half up to a whole exposure and a whole cent at
    the end. A channel's are its own entries and its links'; a link's only its own. None
    where no entry with that figure touches the window."""
    held: dict[int | None, list[Fraction | None]] = {}
    for cost in costs:
        days = overlap_days(cost, window)
        if not days:
            continue
        if by == "link" and cost.link_id is None:
            continue
        key = None if by == "none" else cost.link_id if by == "link" else cost.channel_id
        length = (cost.ends_on - cost.starts_on).days + 1
        slot = held.setdefault(key, [None, None])
        for i, figure in enumerate((cost.exposures, cost.spend_cents)):
            if figure is not None:
                slot[i] = (slot[i] or Fraction(0)) + Fraction(figure * days, length)
    return {
        key: (
            None if exposures is None else _half_up(exposures),
            None if spend is None else _half_up(spend),
        )
        for key, (exposures, spend) in held.items()
    }


def _params(workspace_id: int, window: Window) -> dict[str, Any]:
    return {"ws": workspace_id, "click": CLICK, **window.bounds()}


def channels(
    reader: Reader,
    workspace_id: int,
    window: Window,
    by: By | Literal["none"] = "channel",
    costs: Iterable[Cost] = (),
) -> list[ChannelRow]:
    """A row per channel (or link) with clicks, joins, orders or entered figures in the
    window — ``key`` None: clicks and members of no channel (or link) — ordered by key;
    ``by="none"``: one row for the whole workspace (visitors counted once)."""
    given = shares(costs, window, by)
    rows: dict[int | None, ChannelRow] = {}
    for key, clicks, visitors, joins, firsts, gmv, refunds in reader.rows(
        _SQL.format(key=KEYS[by]), _params(workspace_id, window)
    ):
        exposures, spend = given.get(key, (None, None))
        rows[key] = ChannelRow(
            key,
            int(clicks or 0),
            int(visitors or 0),
            int(joins or 0),
            int(firsts or 0),
            int(gmv or 0),
            int(refunds or 0),
            exposures,
            spend,
        )
    for key, (exposures, spend) in given.items():
        if key not in rows:
            rows[key] = ChannelRow(key, 0, 0, 0, 0, 0, 0, exposures, spend)
    if by == "none" and not rows:
        rows[None] = ChannelRow(None, 0, 0, 0, 0, 0, 0)
    return sorted(rows.values(), key=lambda r: (r.key is not None, r.key or 0))


def members(
    reader: Reader, workspace_id: int, window: Window, by: By, key: int | None, what: Drill = "joins"
) -> list[int]:
    """The members behind a row's joins (or first orders): the channel (or link) brought
    them and their first join (or first paid order) is in the window."""
    match = "key IS NULL" if key is None else "key = :key"
    sql = _DRILL.format(key=KEYS[by], match=match)
    params = {**_params(workspace_id, window), "key": key, "first_type": _FIRST_TYPE[what]}
    return [int(m) for (m,) in reader.rows(sql, params)]
