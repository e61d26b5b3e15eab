"""Events of the points ledger, tiers and members' activities. Declared once here; see
:mod:`yutang.kit.events`."""

from __future__ import annotations

from yutang.kit.events import Event


class MemberActivity(Event, type_name="member.activity"):
    """A member checked in, posted, shared or did a custom thing (``type``); earn rules and
    referral goals listen."""

    member_id: int
    type: str
    name: str | None
    external_id: str | None


class PointsEarned(Event, type_name="points.earned"):
    """Points were credited (``pending`` when the lot is not yet available)."""

    member_id: int
    entry_id: int
    points: int
    pending: bool
    kind: str


class PointsSpent(Event, type_name="points.spent"):
    """Points were spent."""

    member_id: int
    entry_id: int
    points: int


class PointsClawedBack(Event, type_name="points.clawed_back"):
    """Points were taken back (a refund); ``forgiven`` is what the member could not repay."""

    member_id: int
    entry_id: int
    points: int
    forgiven: int


class PointsReversed(Event, type_name="points.reversed"):
    """An entry (``of``) was reversed."""

    member_id: int
    entry_id: int
    of: int
    points: int


class PointsExpired(Event, type_name="points.expired"):
    """Lots expired."""

    member_id: int
    entry_id: int
    points: int


class TierChanged(Event, type_name="tier.changed"):
    """A member moved tier (``to_tier_id`` None: no tier); ``reason``: upgrade, downgrade, manual …"""

    member_id: int
    from_tier_id: int | None
    to_tier_id: int | None
    reason: str
