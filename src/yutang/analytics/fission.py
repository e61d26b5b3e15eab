"""Fission (裂变): how many new members the members who share bring — the viral
coefficient K per referral campaign and across the workspace, per day, week or month
of the workspace's timezone (or the whole range).

The facts (docs/analytics.md, "Fission and value"):

- ``referral.participant_joined`` — a member took part in a campaign: they got their
  own short link and poster (``props.share_link_id`` is that link);
- ``link.clicked`` on such a link — someone (not a robot) opened a share;
- ``invitation.joined`` — a friend joined through an invitation and counts (its member
  is the friend, ``props.inviter_id`` the member who shared, ``props.invitation_id``
  the invitation); ``invitation.held`` and ``invitation.rejected`` — a friend came
  through an invitation and it was held for review or refused; ``invitation.qualified``
  — the friend reached the campaign's goal.

Figures of a period (and of a campaign, or the whole workspace):

- **sharers**: members who shared in the period — took part, had their link clicked by
  someone who is not a robot, or had a friend's invitation count as joined;
  **participants**: those of them who took part in the period; **seed sharers**: sharers
  who did not themselves join through an invitation (of that campaign; workspace-wide:
  of any campaign); **inviting sharers**: sharers with a friend joined in the period; a
  sharer since erased is none of these (erasure clears their id from their friends'
  ``props.inviter_id`` too), while their friends still count below;
- **clicks**: human clicks on the sharers' links; **invitations**: invitations first
  decided in the period (joined, held or rejected); **friends joined**: invitations
  first counted as joined in the period; **qualified**: invitations that first reached
  the goal in the period;
- **referred**: new members brought in — each friend counted once, in the period of
  their first invitation joined (in the campaign; workspace-wide: in any campaign); a
  friend since erased is still one (counted by their invitation);
- **K** = referred ÷ sharers; **friends per inviting sharer** = friends joined ÷
  inviting sharers; **fission rate** = referred ÷ seed sharers (seed 000's "裂变率
  1032 %", and ``fission_rate`` of a campaign's figures in docs/referrals.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from yutang.analytics.engines import Reader
from yutang.analytics.revenue import Period, periods

__all__ = ["MEASURES", "By", "FissionRow", "Period", "Who", "empty", "fission", "members_of"]
from yutang.analytics.window import Window

By = Literal["none", "campaign"]
_PERIOD = {
    "day": "LOCAL_DAY({col}, :tz)",
    "week": "LOCAL_WEEK({col}, :tz)",
    "month": "LOCAL_MONTH({col}, :tz)",
    "total": "CAST(:first_day AS DATE)",
}
#: The counts of a row, in :class:`FissionRow`'s order.
MEASURES = (
    "participants",
    "sharers",
    "seed_sharers",
    "inviting_sharers",
    "clicks",
    "invitations",
    "friends_joined",
    "referred",
    "qualified",
)
#: The invitation a fact is about (a fact without one stands for itself).
_INVITATION = "coalesce(PROP(props, 'invitation_id'), 's:' || CAST(source_id AS VARCHAR))"
_SQL = """
WITH links AS (
    SELECT CAST(PROP(props, 'share_link_id') AS BIGINT) AS share_link,
           min(campaign_id) AS link_campaign, min(member_id) AS sharer
    FROM facts
    WHERE workspace_id = :ws AND type = 'referral.participant_joined' AND campaign_id IS NOT NULL
      AND PROP(props, 'share_link_id') IS NOT NULL
    GROUP BY CAST(PROP(props, 'share_link_id') AS BIGINT)
),
invited AS (
    SELECT {scope} AS scope, {invitation} AS invitation,
           coalesce(CAST(member_id AS VARCHAR), 'i:' || {invitation}) AS friend,
           CAST(PROP(props, 'inviter_id') AS BIGINT) AS sharer, occurred_at AS ts
    FROM facts
    WHERE workspace_id = :ws AND type = 'invitation.joined' AND campaign_id IS NOT NULL
),
first_join AS (
    SELECT scope, invitation, min(sharer) AS sharer, min(ts) AS ts FROM invited GROUP BY scope, invitation
),
first_friend AS (
    SELECT scope, friend, min(ts) AS ts FROM invited GROUP BY scope, friend
),
decided AS (
    SELECT scope, invitation, min(ts) AS ts FROM (
        SELECT {scope} AS scope, {invitation} AS invitation, occurred_at AS ts FROM facts
        WHERE workspace_id = :ws AND campaign_id IS NOT NULL
          AND type IN ('invitation.joined', 'invitation.held', 'invitation.rejected')
    ) d GROUP BY scope, invitation
),
qualified AS (
    SELECT scope, invitation, min(ts) AS ts FROM (
        SELECT {scope} AS scope, {invitation} AS invitation, occurred_at AS ts FROM facts
        WHERE workspace_id = :ws AND campaign_id IS NOT NULL AND type = 'invitation.qualified'
    ) q GROUP BY scope, invitation
),
clicks AS (
    SELECT {link_scope} AS scope, l.sharer AS sharer, f.occurred_at AS ts
    FROM facts f JOIN links l ON l.share_link = f.link_id
    WHERE f.workspace_id = :ws AND f.type = 'link.clicked' AND NOT f.is_bot
      AND f.occurred_at >= :start AND f.occurred_at < :end
),
acts AS (
    SELECT {scope} AS scope, member_id AS sharer, occurred_at AS ts, 1 AS took_part FROM facts
    WHERE workspace_id = :ws AND type = 'referral.participant_joined' AND campaign_id IS NOT NULL
      AND member_id IS NOT NULL AND occurred_at >= :start AND occurred_at < :end
    UNION ALL
    SELECT scope, sharer, ts, 0 FROM clicks WHERE sharer IS NOT NULL
    UNION ALL
    SELECT scope, sharer, ts, 0 FROM first_join
    WHERE sharer IS NOT NULL AND ts >= :start AND ts < :end
),
referred_ever AS (
    SELECT DISTINCT scope, friend FROM invited
),
measures AS (
    SELECT {a_period} AS period, a.scope AS scope, 'sharers' AS m,
           CAST(count(DISTINCT a.sharer) AS BIGINT) AS n
    FROM acts a GROUP BY {a_period}, a.scope
    UNION ALL
    SELECT {a_period}, a.scope, 'participants', CAST(count(DISTINCT a.sharer) AS BIGINT)
    FROM acts a WHERE a.took_part = 1 GROUP BY {a_period}, a.scope
    UNION ALL
    SELECT {a_period}, a.scope, 'seed_sharers', CAST(count(DISTINCT a.sharer) AS BIGINT)
    FROM acts a LEFT JOIN referred_ever r ON r.scope = a.scope AND r.friend = CAST(a.sharer AS VARCHAR)
    WHERE r.friend IS NULL GROUP BY {a_period}, a.scope
    UNION ALL
    SELECT {period}, scope, 'inviting_sharers', CAST(count(DISTINCT sharer) AS BIGINT)
    FROM first_join WHERE ts >= :start AND ts < :end GROUP BY {period}, scope
    UNION ALL
    SELECT {period}, scope, 'friends_joined', CAST(count(*) AS BIGINT)
    FROM first_join WHERE ts >= :start AND ts < :end GROUP BY {period}, scope
    UNION ALL
    SELECT {period}, scope, 'clicks', CAST(count(*) AS BIGINT) FROM clicks GROUP BY {period}, scope
    UNION ALL
    SELECT {period}, scope, 'invitations', CAST(count(*) AS BIGINT)
    FROM decided WHERE ts >= :start AND ts < :end GROUP BY {period}, scope
    UNION ALL
    SELECT {period}, scope, 'referred', CAST(count(*) AS BIGINT)
    FROM first_friend WHERE ts >= :start AND ts < :end GROUP BY {period}, scope
    UNION ALL
    SELECT {period}, scope, 'qualified', CAST(count(*) AS BIGINT)
    FROM qualified WHERE ts >= :start AND ts < :end GROUP BY {period}, scope
)
SELECT period, scope, {sums}
FROM measures
GROUP BY period, scope
ORDER BY period, scope
"""
#: Who is behind a campaign's figure: the members who shared, or those they brought.
_DRILL = """
WITH links AS (
    SELECT CAST(PROP(props, 'share_link_id') AS BIGINT) AS share_link, min(member_id) AS sharer
    FROM facts
    WHERE workspace_id = :ws AND type = 'referral.participant_joined' AND {campaigns}
      AND PROP(props, 'share_link_id') IS NOT NULL
    GROUP BY CAST(PROP(props, 'share_link_id') AS BIGINT)
),
first_join AS (
    SELECT {invitation} AS invitation, min(CAST(PROP(props, 'inviter_id') AS BIGINT)) AS sharer,
           min(member_id) AS friend, min(occurred_at) AS ts
    FROM facts
    WHERE workspace_id = :ws AND type = 'invitation.joined' AND {campaigns}
    GROUP BY {invitation}
),
first_friend AS (
    SELECT member_id AS friend, min(occurred_at) AS ts
    FROM facts
    WHERE workspace_id = :ws AND type = 'invitation.joined' AND {campaigns}
      AND member_id IS NOT NULL
    GROUP BY member_id
)
SELECT DISTINCT who FROM (
    SELECT member_id AS who FROM facts
    WHERE :want = 'sharers' AND workspace_id = :ws AND type = 'referral.participant_joined'
      AND {campaigns} AND occurred_at >= :start AND occurred_at < :end
    UNION ALL
    SELECT l.sharer FROM facts f JOIN links l ON l.share_link = f.link_id
    WHERE :want = 'sharers' AND f.workspace_id = :ws AND f.type = 'link.clicked' AND NOT f.is_bot
      AND f.occurred_at >= :start AND f.occurred_at < :end
    UNION ALL
    SELECT sharer FROM first_join WHERE :want = 'sharers' AND ts >= :start AND ts < :end
    UNION ALL
    SELECT friend FROM first_friend WHERE :want = 'referred' AND ts >= :start AND ts < :end
) w
WHERE who IS NOT NULL
ORDER BY who
"""


@dataclass(frozen=True)
class FissionRow:
    period: date
    #: The referral campaign (None: the whole workspace).
    campaign_id: int | None
    participants: int
    sharers: int
    seed_sharers: int
    inviting_sharers: int
    clicks: int
    invitations: int
    friends_joined: int
    referred: int
    qualified: int

    @property
    def k(self) -> float | None:
        return self.referred / self.sharers if self.sharers else None

    @property
    def friends_per_sharer(self) -> float | None:
        return self.friends_joined / self.inviting_sharers if self.inviting_sharers else None

    @property
    def fission_rate(self) -> float | None:
        return self.referred / self.seed_sharers if self.seed_sharers else None

    def figures(self) -> dict[str, Any]:
        """Every figure of the row, by name (the API's and the CSV's columns)."""
        return {
            "period": self.period.isoformat(),
            "campaign_id": self.campaign_id,
            "participants": self.participants,
            "sharers": self.sharers,
            "seed_sharers": self.seed_sharers,
            "inviting_sharers": self.inviting_sharers,
            "clicks": self.clicks,
            "invitations": self.invitations,
            "friends_joined": self.friends_joined,
            "referred": self.referred,
            "qualified": self.qualified,
            "k": _round(self.k),
            "friends_per_sharer": _round(self.friends_per_sharer),
            "fission_rate": _round(self.fission_rate),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def fission(
    reader: Reader, workspace_id: int, window: Window, period: Period = "day", by: By = "none"
) -> list[FissionRow]:
    """The fission figures of the window per period, for the whole workspace (``by``
    none: every period of the window, zeros included) or per campaign (the campaigns
    with something in a period)."""
    per_campaign = by == "campaign"
    sql = _SQL.format(
        scope="campaign_id" if per_campaign else "CAST(0 AS BIGINT)",
        link_scope="l.link_campaign" if per_campaign else "CAST(0 AS BIGINT)",
        invitation=_INVITATION,
        period=_PERIOD[period].format(col="ts"),
        a_period=_PERIOD[period].format(col="a.ts"),
        sums=", ".join(f"sum(CASE WHEN m = '{name}' THEN n ELSE 0 END)" for name in MEASURES),
    )
    params = {"ws": workspace_id, "tz": window.zone, "first_day": window.first, **window.bounds()}
    found = [
        FissionRow(p, int(scope) if per_campaign else None, *(int(n or 0) for n in counts))
        for p, scope, *counts in reader.rows(sql, params)
    ]
    if per_campaign:
        return found
    held = {row.period: row for row in found}
    return [held.get(p) or empty(p) for p in periods(window, period)]


def empty(period: date, campaign_id: int | None = None) -> FissionRow:
    return FissionRow(period, campaign_id, 0, 0, 0, 0, 0, 0, 0, 0, 0)


Who = Literal["sharers", "referred"]


def members_of(
    reader: Reader,
    workspace_id: int,
    campaign_id: int | None,
    start: datetime,
    end: datetime,
    want: Who,
) -> list[int]:
    """The members behind a figure of a campaign (None: of the whole workspace) in
    ``[start, end)``: its sharers, or the friends it referred for the first time then.
    Erased members, who have no id left, are not among them."""
    params: dict[str, Any] = {"ws": workspace_id, "start": start, "end": end, "want": want}
    if campaign_id is None:
        campaigns = "campaign_id IS NOT NULL"
    else:
        campaigns, params["campaign"] = "campaign_id = :campaign", campaign_id
    rows = reader.rows(_DRILL.format(invitation=_INVITATION, campaigns=campaigns), params)
    return [int(r[0]) for r in rows]
