"""Funnels: how many people went through steps, how fast, and who dropped off.

A person is a member, or a visitor cookie that never became one (a member's clicks from
before they joined count as theirs: the cookie of their first click is on their facts).
A person's facts are in **their order**: by time, and facts of the same instant by their
place in the store (source, then id) — so "after" always means a later fact, and a step
repeated (ordered → ordered again) needs a second fact.

A person **enters** once: with their first fact of step 1 in the date range (a member
who does step 1 again later in the range still enters once, at the first). Every later
step must happen within the conversion window of the entry (default 14 days), counted
past the end of the range, so the last days of a range are not short-changed. The
**order** says how the steps follow each other:

- ``sequential``: each step is a fact after the step before; other facts may come in
  between. Each step takes the earliest fact that qualifies (it leaves the most room for
  the ones after it). A step's own window (``within_seconds``) runs from the step before.
- ``strict``: each step is the person's very next fact after the step before — any
  other fact of theirs in between (of any type, in the store) breaks the funnel there.
- ``any``: step 1 is the entry; steps 2 … n may happen in any order after it, within the
  window; step *k* counts when steps 2 … *k* have all happened. Each step takes the
  earliest fact of it after the entry; a step that repeats an earlier one (the same type
  and filters) takes that step's next fact (the 2nd, the 3rd …). A step's own window
  runs from the entry. A step reaches *k* when the last of steps 2 … *k* happened.

A person with an exclusion step anywhere between entering and the end of their window
leaves the funnel (every step, every figure). The step ``referral.friend_joined`` is a
friend's ``invitation.joined`` seen from the inviter (the last step of the AARRR loop:
referred a friend who joined).

Per step: people, conversion from the first step and from the previous one, drop-off,
the median time from the step before (lower median, exact) and its distribution in
:data:`BUCKETS`. Per day, week or month of entry (the trend) and per channel, link,
campaign, tier or owner staff of the entering fact (the breakdown): the same counts. The
members behind a step, or behind its drop-off, are :func:`member_ids`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from yutang.analytics.engines import Reader
from yutang.analytics.facts import CLICK
from yutang.analytics.window import Window

#: Columns a step may be narrowed by (besides ``props`` fields).
STEP_COLUMNS = ("channel_id", "link_id", "campaign_id", "tier_id", "staff_id")
_PROP = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
DEFAULT_WINDOW_DAYS = 14
MAX_STEPS = 10

Order = Literal["sequential", "strict", "any"]
ORDERS: tuple[Order, ...] = ("sequential", "strict", "any")
TrendPeriod = Literal["day", "week", "month"]
By = Literal["none", "channel", "link", "campaign", "tier", "staff"]
BYS: tuple[By, ...] = ("none", "channel", "link", "campaign", "tier", "staff")
_GROUPS = {
    "day": "LOCAL_DAY(at1, :tz)",
    "week": "LOCAL_WEEK(at1, :tz)",
    "month": "LOCAL_MONTH(at1, :tz)",
    "total": "CAST(:first_day AS DATE)",
}

#: The time from the step before, in buckets: (name, from, to) in seconds, ``to``
#: excluded (None: no end).
BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("lt_1m", 0, 60),
    ("1m_10m", 60, 600),
    ("10m_1h", 600, 3_600),
    ("1h_6h", 3_600, 21_600),
    ("6h_24h", 21_600, 86_400),
    ("1d_3d", 86_400, 259_200),
    ("3d_7d", 259_200, 604_800),
    ("gt_7d", 604_800, None),
)


def bucket_of(seconds: int) -> int:
    """The index in :data:`BUCKETS` of a time to convert."""
    return next(i for i, (_, lo, hi) in enumerate(BUCKETS) if seconds >= lo and (hi is None or seconds < hi))


@dataclass(frozen=True)
class Step:
    """A fact of ``type``, narrowed by column or ``props`` values (all must match)."""

    type: str
    where: Mapping[str, str | int] = field(default_factory=dict)
    #: At most this long after the step before (``any``: after the entry; None: only
    #: the funnel's window).
    within_seconds: int | None = None
    label: str = ""

    def same_as(self, other: Step) -> bool:
        """The same fact (type and filters): a repeated step."""
        return self.type == other.type and dict(self.where) == dict(other.where)


#: A step seen from the inviter: a friend they invited joined (``invitation.joined``,
#: whose member is the friend).
FRIEND_JOINED = "referral.friend_joined"
#: The AARRR loop: clicked a link → joined → activated → first order → a friend joined.
AARRR = (
    Step(CLICK, label="clicked"),
    Step("member.joined", label="joined"),
    Step("member.activity", label="activated"),
    Step("order.paid", label="ordered"),
    Step(FRIEND_JOINED, label="referred"),
)


@dataclass(frozen=True)
class StepResult:
    step: Step
    people: int
    median_seconds: int | None  # from the step before
    #: People per bucket of :data:`BUCKETS` (the time from the step before); zeros for step 1.
    distribution: tuple[int, ...] = (0,) * len(BUCKETS)

    def figures(self, first: int, before: int) -> dict[str, Any]:
        return {
            "type": self.step.type,
            "label": self.step.label,
            "people": self.people,
            "from_first": round(self.people / first, 4) if first else None,
            "from_previous": round(self.people / before, 4) if before else None,
            "dropped": before - self.people,
            "median_seconds": self.median_seconds,
        }


@dataclass(frozen=True)
class Group:
    """The people of each step among those who entered in one period (the trend)."""

    period: date
    people: tuple[int, ...]

    def conversion(self) -> float | None:
        """The last step ÷ the first."""
        return round(self.people[-1] / self.people[0], 4) if self.people and self.people[0] else None

    def from_previous(self) -> list[float | None]:
        return [
            round(n / before, 4) if before else None
            for before, n in zip(self.people, self.people[1:], strict=False)
        ]


def _condition(alias: str, step: Step, i: int, params: dict[str, Any]) -> str:
    params[f"t{i}"] = step.type
    parts = [f"{alias}.type = :t{i}"]
    for j, (name, value) in enumerate(sorted(step.where.items())):
        key = f"w{i}_{j}"
        params[key] = value
        if name in STEP_COLUMNS:
            parts.append(f"{alias}.{name} = :{key}")
        elif _PROP.match(name):
            params[f"{key}k"] = name
            parts.append(f"PROP({alias}.props, :{key}k) = CAST(:{key} AS VARCHAR)")
        else:
            raise ValueError(
                f"a step is narrowed by {', '.join(STEP_COLUMNS)} or a props field, not {name!r}"
            )
    return " AND ".join(parts)


def _paths(
    steps: Sequence[Step],
    exclusions: Sequence[Step],
    window_days: int,
    order: Order,
    by: By,
) -> tuple[str, dict[str, Any]]:
    """The CTEs down to ``paths``: one row per person who entered (and was not excluded)
    with ``person``, ``key`` (the breakdown's value of the entering fact) and ``t1`` …
    ``tn``, the moment they reached each step (NULL when they did not)."""
    if not 2 <= len(steps) <= MAX_STEPS:
        raise ValueError(f"a funnel has 2 to {MAX_STEPS} steps")
    if order not in ORDERS:
        raise ValueError(f"a funnel's order is one of {', '.join(ORDERS)}")
    if by not in BYS:
        raise ValueError(f"a funnel is broken down by one of {', '.join(BYS)}")
    params: dict[str, Any] = {"window": window_days * 86_400, "window_us": window_days * 86_400 * 1_000_000}
    conditions = [_condition("e", s, k, params) for k, s in enumerate(steps, 1)]
    excluded = [_condition("e", x, 100 + i, params) for i, x in enumerate(exclusions)]
    # the strict order looks at every fact of a person; the others only at those of a step
    relevant = "" if order == "strict" else "WHERE " + " OR ".join(f"({c})" for c in conditions + excluded)
    key = "CAST(NULL AS BIGINT)" if by == "none" else f"e.{by}_id"
    # only the columns the steps and the breakdown read are carried
    narrowed = {name for s in (*steps, *exclusions) for name in s.where}
    carried = [c for c in STEP_COLUMNS if c in narrowed or c == f"{by}_id"]
    if any(name not in STEP_COLUMNS for name in narrowed):
        carried.append("props")
    extra = "".join(f", f.{c}" for c in carried)
    ctes = [
        # every visitor cookie: the member it became, or a number of its own below zero (a
        # visitor who never joined is a person too) — kept by the sync (store.visitors)
        """visitors AS (
    SELECT visitor_id, coalesce(member_id, -1 - first_click) AS person
    FROM visitors WHERE workspace_id = :ws)""",
        f"""ev0 AS (
    SELECT f.member_id AS person, f.type, f.occurred_at AS ts, f.source AS src, f.source_id AS sid{extra}
    FROM facts f
    WHERE f.workspace_id = :ws AND NOT f.is_bot AND f.member_id IS NOT NULL
      AND f.occurred_at >= :start AND f.occurred_at < ADD_SECONDS(:end, :window)
    UNION ALL
    SELECT v.person, f.type, f.occurred_at, f.source, f.source_id{extra}
    FROM facts f JOIN visitors v ON v.visitor_id = f.visitor_id
    WHERE f.workspace_id = :ws AND NOT f.is_bot AND f.member_id IS NULL
      AND f.occurred_at >= :start AND f.occurred_at < ADD_SECONDS(:end, :window)
    UNION ALL
    SELECT CAST(PROP(f.props, 'inviter_id') AS BIGINT), '{FRIEND_JOINED}', f.occurred_at, 'referral',
           f.source_id{extra}
    FROM facts f
    WHERE f.workspace_id = :ws AND f.type = 'invitation.joined' AND PROP(f.props, 'inviter_id') IS NOT NULL
      AND f.occurred_at >= :start AND f.occurred_at < ADD_SECONDS(:end, :window))""",
        # moments as microseconds from here on: integers to compare and subtract
        f"""ev AS (
    SELECT e.*, EPOCH_MICROS(e.ts) AS us, FACT_ORDER(e.ts, e.src, e.sid) AS k FROM ev0 e {relevant})""",
        f"""first1 AS (
    SELECT e.person AS person, min(e.k) AS k1, min(e.us) AS t1, min(e.ts) AS at1 FROM ev e
    WHERE {conditions[0]} AND e.ts < :end GROUP BY e.person)""",
    ]
    if by == "none":
        ctes.append("s1 AS (SELECT person, k1, t1, at1, CAST(NULL AS BIGINT) AS key FROM first1)")
    else:  # the entering fact's value of the breakdown
        ctes.append(
            f"""s1 AS (
    SELECT f.person AS person, f.k1 AS k1, f.t1 AS t1, f.at1 AS at1, {key} AS key
    FROM first1 f JOIN ev e ON e.person = f.person AND e.k = f.k1)"""
        )
    reach = ["s1.t1"]
    joins = []
    for k in range(2, len(steps) + 1):
        ctes += _step(steps, k, conditions[k - 1], order)
        if order == "any":
            done = " AND ".join(f"s{j}.t{j} IS NOT NULL" for j in range(2, k + 1))
            latest = ", ".join(["s1.t1"] + [f"s{j}.t{j}" for j in range(2, k + 1)])
            reach.append(f"CASE WHEN {done} THEN greatest({latest}) END")
        else:
            reach.append(f"s{k}.t{k}")
        joins.append(f"LEFT JOIN s{k} ON s{k}.person = s1.person")
    if exclusions:
        ctes.append(
            f"""out AS (
    SELECT DISTINCT s.person AS person FROM s1 s JOIN ev e ON e.person = s.person
    WHERE ({" OR ".join(f"({c})" for c in excluded)})
      AND e.us >= s.t1 AND e.us <= s.t1 + :window_us)"""
        )
        keep = "WHERE s1.person NOT IN (SELECT person FROM out)"
    else:
        keep = ""
    columns = ", ".join(f"{r} AS t{k}" for k, r in enumerate(reach, 1))
    ctes.append(
        f"""paths AS (
    SELECT s1.person AS person, s1.key AS key, s1.at1 AS at1, {columns}
    FROM s1 {" ".join(joins)} {keep})"""
    )
    return "WITH " + ",\n".join(ctes), params


def _step(steps: Sequence[Step], k: int, cond: str, order: Order) -> list[str]:
    """The CTEs of step ``k`` (2 … n): ``s{k}``, one row per person who reached it with
    ``t{k}``, the moment (µs) — and for the sequential and strict orders ``k{k}``, the
    fact it was (the next step starts after it) and ``t1``, the entry."""
    step = steps[k - 1]
    # every step happens within the window of the entry; a step's own window runs from
    # the entry (any) or from the step before
    since = "s.t1" if order == "any" else f"s.t{k - 1}"
    own = f" AND e.us <= {since} + {int(step.within_seconds) * 1_000_000}" if step.within_seconds else ""
    within = f"e.us <= s.t1 + :window_us{own}"
    before = "s1" if k == 2 or order == "any" else f"s{k - 1}"
    after = "e.k > s.k1" if order == "any" else f"e.k > s.k{k - 1}"
    pairs = f"FROM {before} s JOIN ev e ON e.person = s.person"
    if order == "any":
        nth = sum(1 for other in steps[1 : k - 1] if other.same_as(step)) + 1
        if nth == 1:  # the earliest fact of the step after the entry
            return [
                f"""s{k} AS (
    SELECT s.person AS person, min(e.us) AS t{k} {pairs}
    WHERE {cond} AND {after} AND {within} GROUP BY s.person)"""
            ]
        # a repeated step: its nth fact after the entry
        return [
            f"""s{k} AS (
    SELECT person, t{k} FROM (
        SELECT s.person AS person, e.us AS t{k}, row_number() OVER (PARTITION BY s.person ORDER BY e.k) AS n
        {pairs} WHERE {cond} AND {after} AND {within}) x
    WHERE n = {nth})"""
        ]
    if order == "strict":
        # the person's next fact after the step before (within the window: a later one
        # cannot be next), and whether it is this step's
        return [
            f"""s{k} AS (
    SELECT person, t1, k{k}, t{k} FROM (
        SELECT s.person AS person, min(s.t1) AS t1, min(e.k) AS nk,
               min(e.k) FILTER (WHERE {cond}{own}) AS k{k}, min(e.us) FILTER (WHERE {cond}{own}) AS t{k}
        {pairs} WHERE {after} AND e.us <= s.t1 + :window_us GROUP BY s.person) x
    WHERE k{k} = nk)"""
        ]
    # sequential: the earliest fact of the step after the step before
    return [
        f"""s{k} AS (
    SELECT s.person AS person, min(s.t1) AS t1, min(e.k) AS k{k}, min(e.us) AS t{k} {pairs}
    WHERE {cond} AND {after} AND {within} GROUP BY s.person)"""
    ]


def build(
    steps: Sequence[Step],
    exclusions: Sequence[Step] = (),
    window_days: int = DEFAULT_WINDOW_DAYS,
    order: Order = "sequential",
    group: str = "total",
    by: By = "none",
) -> tuple[str, dict[str, Any]]:
    """The funnel's SQL — one row per period of entry (``group``: day, week, month or
    total) and value of ``by``: the period, the key, then per step the people, the
    median seconds from the step before and the people of each bucket — and its
    parameters besides the workspace, the range, ``tz`` and ``first_day``."""
    head, params = _paths(steps, exclusions, window_days, order, by)
    selects = [f"{_GROUPS[group]} AS period", "key"]
    for k in range(1, len(steps) + 1):
        selects.append(f"CAST(count(t{k}) AS BIGINT) AS people{k}")
        if k == 1:
            selects.append("CAST(NULL AS BIGINT) AS median1")
            continue
        wait = f"(WHOLE_SECONDS(t{k}) - WHOLE_SECONDS(t{k - 1}))"  # second boundaries crossed
        selects.append(f"MEDIAN_LOW({wait}) AS median{k}")
        for i, (_, lo, hi) in enumerate(BUCKETS):
            upper = f" AND {wait} < {hi}" if hi is not None else ""
            selects.append(
                f"CAST(sum(CASE WHEN t{k} IS NOT NULL AND {wait} >= {lo}{upper} THEN 1 ELSE 0 END) AS BIGINT)"
                f" AS b{k}_{i}"
            )
    sql = f"{head}\nSELECT {', '.join(selects)}\nFROM paths GROUP BY 1, 2 ORDER BY 1, 2 NULLS FIRST"
    return sql, params


def _run(
    reader: Reader,
    workspace_id: int,
    window: Window,
    steps: Sequence[Step],
    exclusions: Sequence[Step],
    window_days: int,
    order: Order,
    group: str,
    by: By,
) -> list[tuple[Any, ...]]:
    sql, params = build(steps, exclusions, window_days, order, group, by)
    return reader.rows(
        sql, {"ws": workspace_id, "tz": window.zone, "first_day": window.first, **window.bounds(), **params}
    )


def _results(steps: Sequence[Step], row: Sequence[Any] | None) -> list[StepResult]:
    out, at = [], 2
    for i, step in enumerate(steps):
        people = int(row[at] or 0) if row else 0
        median = row[at + 1] if row else None
        at += 2
        if i == 0:
            out.append(StepResult(step, people, None))
            continue
        spread = tuple(int(row[at + b] or 0) if row else 0 for b in range(len(BUCKETS)))
        at += len(BUCKETS)
        out.append(StepResult(step, people, int(median) if people and median is not None else None, spread))
    return out


def funnel(
    reader: Reader,
    workspace_id: int,
    window: Window,
    steps: Sequence[Step] = AARRR,
    exclusions: Sequence[Step] = (),
    window_days: int = DEFAULT_WINDOW_DAYS,
    order: Order = "sequential",
) -> list[StepResult]:
    """Every step's figures over the people who entered in the range."""
    rows = _run(reader, workspace_id, window, steps, exclusions, window_days, order, "total", "none")
    return _results(steps, rows[0] if rows else None)


def breakdown(
    reader: Reader,
    workspace_id: int,
    window: Window,
    by: By,
    steps: Sequence[Step] = AARRR,
    exclusions: Sequence[Step] = (),
    window_days: int = DEFAULT_WINDOW_DAYS,
    order: Order = "sequential",
) -> list[tuple[int | None, list[StepResult]]]:
    """The funnel per value of ``by`` on the entering fact (None: the fact has none)."""
    rows = _run(reader, workspace_id, window, steps, exclusions, window_days, order, "total", by)
    return [(None if r[1] is None else int(r[1]), _results(steps, r)) for r in rows]


def trend(
    reader: Reader,
    workspace_id: int,
    window: Window,
    period: TrendPeriod,
    steps: Sequence[Step] = AARRR,
    exclusions: Sequence[Step] = (),
    window_days: int = DEFAULT_WINDOW_DAYS,
    order: Order = "sequential",
) -> list[Group]:
    """The people of each step per day, week or month of entry — every period the range
    touches, zeros where nobody entered."""
    from yutang.analytics.revenue import periods

    rows = _run(reader, workspace_id, window, steps, exclusions, window_days, order, period, "none")
    held = {row[0]: tuple(r.people for r in _results(steps, row)) for row in rows}
    zero = (0,) * len(steps)
    return [Group(p, held.get(p, zero)) for p in periods(window, period)]


def member_ids(
    reader: Reader,
    workspace_id: int,
    window: Window,
    at: int,
    dropped: bool = False,
    steps: Sequence[Step] = AARRR,
    exclusions: Sequence[Step] = (),
    window_days: int = DEFAULT_WINDOW_DAYS,
    order: Order = "sequential",
    by: By = "none",
    key: int | None = None,
) -> list[int]:
    """The members who reached step ``at`` (1-based) — or, ``dropped``, who reached it
    and not the next — in order of id; with ``by``, only those whose entering fact has
    ``key`` (None: has none). Visitors who never joined are counted in the funnel but
    are no member to list."""
    if not 1 <= at <= len(steps) or (dropped and at == len(steps)):
        raise ValueError("no such step of the funnel")
    head, params = _paths(steps, exclusions, window_days, order, by)
    where = [f"t{at} IS NOT NULL", "person > 0"]
    if dropped:
        where.append(f"t{at + 1} IS NULL")
    if by != "none":
        if key is None:
            where.append("key IS NULL")
        else:
            params["key"] = key
            where.append("key = :key")
    sql = f"{head}\nSELECT DISTINCT person AS id FROM paths WHERE {' AND '.join(where)}"
    sql += " ORDER BY id"
    found = reader.rows(sql, {"ws": workspace_id, **window.bounds(), **params})
    return [int(r[0]) for r in found]
