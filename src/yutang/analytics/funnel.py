"""Funnels: how many people went through ordered steps, and how fast.

A person is a member, or a visitor cookie that never became one (a member's clicks from
before they joined count as theirs: the cookie of their first click is on their facts).
A person **enters** with their first fact of step 1 in the date range; each next step
counts when it happens after the step before and within the conversion window of the
entry (default 14 days) — and within its own window after the step before, when the
step has one. Conversions are counted up to the end of the window even past the range,
so the last days of a range are not short-changed. A person with an exclusion step
anywhere between entering and the end of their window leaves the funnel. The step
``referral.friend_joined`` is a friend's ``invitation.joined`` seen from the inviter (the
last step of the AARRR loop: referred a friend who joined). Each step
takes the earliest fact that qualifies (the earliest next step leaves the most room for
the ones after it).

Per step: people, conversion from the first step and from the previous one, drop-off,
and the median time from the step before (lower median, exact).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from yutang.analytics.engines import Reader
from yutang.analytics.facts import CLICK
from yutang.analytics.window import Window

#: Columns a step may be narrowed by (besides ``props`` fields).
STEP_COLUMNS = ("channel_id", "link_id", "campaign_id", "tier_id", "staff_id")
_PROP = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
DEFAULT_WINDOW_DAYS = 14
MAX_STEPS = 10


@dataclass(frozen=True)
class Step:
    """A fact of ``type``, narrowed by column or ``props`` values (all must match)."""

    type: str
    where: Mapping[str, str | int] = field(default_factory=dict)
    #: At most this long after the step before (None: only the funnel's window).
    within_seconds: int | None = None
    label: str = ""


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


def build(
    steps: Sequence[Step], exclusions: Sequence[Step] = (), window_days: int = DEFAULT_WINDOW_DAYS
) -> tuple[str, dict[str, Any]]:
    """The funnel's SQL (one row: people and median seconds of each step) and its
    parameters besides the workspace and the range."""
    if not 2 <= len(steps) <= MAX_STEPS:
        raise ValueError(f"a funnel has 2 to {MAX_STEPS} steps")
    params: dict[str, Any] = {"window": window_days * 86_400}
    ctes = [
        """people AS (
    SELECT visitor_id, min(member_id) AS owner FROM facts
    WHERE workspace_id = :ws AND member_id IS NOT NULL AND visitor_id IS NOT NULL
    GROUP BY visitor_id)""",
        f"""ev AS (
    SELECT coalesce(CAST(coalesce(f.member_id, p.owner) AS VARCHAR), 'v:' || f.visitor_id) AS person,
           f.type, f.occurred_at AS ts, f.props, f.channel_id, f.link_id, f.campaign_id, f.tier_id, f.staff_id
    FROM facts f LEFT JOIN people p ON p.visitor_id = f.visitor_id
    WHERE f.workspace_id = :ws AND NOT f.is_bot AND (f.member_id IS NOT NULL OR f.visitor_id IS NOT NULL)
      AND f.occurred_at >= :start AND f.occurred_at < ADD_SECONDS(:end, :window)
    UNION ALL
    SELECT PROP(f.props, 'inviter_id'), '{FRIEND_JOINED}', f.occurred_at, f.props, f.channel_id, f.link_id,
           f.campaign_id, f.tier_id, f.staff_id
    FROM facts f
    WHERE f.workspace_id = :ws AND f.type = 'invitation.joined' AND PROP(f.props, 'inviter_id') IS NOT NULL
      AND f.occurred_at >= :start AND f.occurred_at < ADD_SECONDS(:end, :window))""",
        f"""s1 AS (
    SELECT e.person, min(e.ts) AS t1, min(e.ts) AS entered FROM ev e
    WHERE {_condition("e", steps[0], 1, params)} AND e.ts < :end
    GROUP BY e.person)""",
    ]
    for k in range(2, len(steps) + 1):
        step = steps[k - 1]
        within = (
            f" AND e.ts <= ADD_SECONDS(s.t{k - 1}, {int(step.within_seconds)})" if step.within_seconds else ""
        )
        carried = ", ".join(f"s.t{j}" for j in range(1, k))
        ctes.append(
            f"""s{k} AS (
    SELECT s.person, s.entered, {carried}, min(e.ts) AS t{k} FROM s{k - 1} s JOIN ev e ON e.person = s.person
    WHERE {_condition("e", step, k, params)} AND e.ts >= s.t{k - 1}
      AND e.ts <= ADD_SECONDS(s.entered, :window){within}
    GROUP BY s.person, s.entered, {carried})"""
        )
    if exclusions:
        conditions = " OR ".join(f"({_condition('e', x, 100 + i, params)})" for i, x in enumerate(exclusions))
        ctes.append(
            f"""out AS (
    SELECT DISTINCT s.person FROM s1 s JOIN ev e ON e.person = s.person
    WHERE ({conditions}) AND e.ts >= s.entered AND e.ts <= ADD_SECONDS(s.entered, :window))"""
        )
        keep = "person NOT IN (SELECT person FROM out)"
    else:
        keep = "TRUE"
    selects = []
    for k in range(1, len(steps) + 1):
        selects.append(f"(SELECT CAST(count(*) AS BIGINT) FROM s{k} WHERE {keep}) AS people{k}")
        if k == 1:
            selects.append("CAST(NULL AS BIGINT) AS median1")
        else:
            median = f"MEDIAN_LOW(SECONDS_BETWEEN(t{k - 1}, t{k}))"
            selects.append(f"(SELECT {median} FROM s{k} WHERE {keep}) AS median{k}")
    sql = "WITH " + ",\n".join(ctes) + "\nSELECT " + ",\n       ".join(selects)
    return sql, params


def funnel(
    reader: Reader,
    workspace_id: int,
    window: Window,
    steps: Sequence[Step] = AARRR,
    exclusions: Sequence[Step] = (),
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> list[StepResult]:
    sql, params = build(steps, exclusions, window_days)
    (row,) = reader.rows(sql, {"ws": workspace_id, **window.bounds(), **params})
    out = []
    for i, step in enumerate(steps):
        people, median = int(row[2 * i] or 0), row[2 * i + 1]
        out.append(StepResult(step, people, int(median) if people and i and median is not None else None))
    return out
