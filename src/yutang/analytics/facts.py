"""What the event store holds: one row per fact — a click, or a domain event of the
outbox — in one wide shape every report reads.

A row carries ids only, never personal data: the workspace, the member, the visitor
cookie (pseudonymous), and the attribution the reports break down by — the channel and
link that brought the member (or that was clicked), the campaign, the member's owner
staff (导购) and tier when the fact was synced — with money in cents, points, and the
event's remaining fields as ``props``. Times are UTC; a report reads them in the
workspace's timezone.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

#: The columns of a fact, in the store's order.
COLUMNS = (
    "source",
    "source_id",
    "workspace_id",
    "type",
    "occurred_at",
    "member_id",
    "visitor_id",
    "channel_id",
    "link_id",
    "campaign_id",
    "staff_id",
    "tier_id",
    "amount_cents",
    "points",
    "is_bot",
    "props",
)
#: A click is a fact of this type (the outbox's types are ``<domain>.<what>`` too).
CLICK = "link.clicked"
#: What a member does (an activity, for ARPU, retention and lifecycle): not what is done
#: to them by a schedule (points expiring, a membership running out, a tier evaluated).
ACTIVE_TYPES = (
    "member.joined",
    "member.activity",
    "order.paid",
    "form.submitted",
    "points.spent",
    "coupon.redeemed",
    "reward.redeemed",
    "lottery.drawn",
    "auction.bid",
    "referral.participant_joined",
    "invitation.joined",
    "wallet.topped_up",
    "wallet.spent",
    "membership.purchased",
    "membership.renewed",
)
#: Payload fields read into columns (the rest stay in ``props``).
_MEMBER = ("member_id", "invitee_id")
_AMOUNT = ("amount_cents", "total_cents")  # a refund: what was given back, not the order
#: Payload fields that name a member other than the fact's own, kept in ``props``: an
#: invitation's inviter (the fact's member is the invited friend; a revoked invitation
#: has no friend), the bidder an auction bid outbid, an auction's winner. Erasing that
#: member takes the field out of every fact of the workspace (``store.erase``), and out of
#: facts that arrive later. No other field of a declared event names a member: the
#: member of a fact is a column (``member_id``, or ``invitee_id``), ``staff_id`` is a user
#: (staff, not a member), a distributor, participant or invitation is a row of its own.
MEMBER_PROPS = ("inviter_id", "outbid_member_id", "winner_member_id")
_MEMBER_KEYS = tuple(f'"{key}"' for key in MEMBER_PROPS)
#: Payload times that say when the fact happened, when it was recorded later (an order
#: imported the day after it was paid).
_WHEN = ("paid_at",)


@dataclass(frozen=True, slots=True)
class MemberFacts:
    """What a member's row says at sync time: their attribution and their staff."""

    source_channel_id: int | None
    first_link_id: int | None
    visitor_id: str | None
    owner_user_id: int | None
    tier_id: int | None
    #: When they joined: a member imported or backdated joined before the event was recorded.
    joined_at: datetime | None = None


Row = tuple[Any, ...]


def _int(value: Any) -> int | None:
    if value.__class__ is int:  # the usual case, quickest
        return value
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _named(value: Any) -> int | None:
    """A props value as the member id it holds (a number, or digits in a string)."""
    if isinstance(value, str):
        return int(value) if value.isascii() and value.isdigit() else None
    return _int(value)


def members_in(props: str | None) -> dict[str, int]:
    """The members a fact's props name besides its own (:data:`MEMBER_PROPS`): key → id.
    Quick for the many props that name none (a look for the keys before any parsing)."""
    if not props or not any(key in props for key in _MEMBER_KEYS):
        return {}
    try:
        body = json.loads(props)
    except ValueError:
        return {}
    if not isinstance(body, dict):
        return {}
    return {key: found for key in MEMBER_PROPS if (found := _named(body.get(key))) is not None}


def props_without(props: str, gone: Collection[int]) -> str | None:
    """``props`` without the fields of :data:`MEMBER_PROPS` that name a member of ``gone``
    (None when nothing is left, as a fact without props has)."""
    body = json.loads(props)
    for key in MEMBER_PROPS:
        if _named(body.get(key)) in gone:
            del body[key]
    return _PROPS_JSON(body) if body else None


def event_member(payload: dict[str, Any]) -> int | None:
    """The member an outbox event is about (an invitation's: the invited friend's)."""
    for key in _MEMBER:
        if (found := _int(payload.get(key))) is not None:
            return found
    return None


#: Payload fields that become columns, never props (besides the amount's own field).
_TAKEN = frozenset({*_MEMBER, "points", "campaign_id", "channel_id", "link_id"})
#: ``json.dumps(x, ensure_ascii=False, sort_keys=True)``, without building an encoder a call.
_PROPS_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
_UNSET: Any = object()


def from_event(
    event_id: int,
    workspace_id: int,
    type_: str,
    payload: dict[str, Any],
    created_at: datetime,
    member: MemberFacts | None,
    member_id: int | None = _UNSET,
) -> Row:
    """An outbox event as a fact (``member_id``: :func:`event_member` of the payload, when
    the caller has it already). Run once per event by the sync: written for speed — few
    calls, no temporary sets."""
    get = payload.get
    if member_id is _UNSET:
        member_id = event_member(payload)
    at = created_at.replace(tzinfo=UTC) if created_at.tzinfo is None else created_at.astimezone(UTC)
    for key in _WHEN:
        when = get(key)
        if isinstance(when, str):
            try:  # noqa: SIM105 (suppress() costs more, once per event)
                at = _utc(datetime.fromisoformat(when))
            except ValueError:
                pass
    amount_key: str | None = None
    amount: int | None = None
    for key in _AMOUNT:
        if (found := _int(get(key))) is not None:
            amount_key, amount = key, found
            break
    points = _int(get("points"))
    if type_ == "member.joined" and member is not None and member.joined_at is not None:
        at = _utc(member.joined_at)
    if type_.startswith("auction."):  # an auction's amount is points
        points, amount = _int(get("amount")), None
    props = {k: v for k, v in payload.items() if k not in _TAKEN and k != amount_key}
    channel = _int(get("channel_id")) or _int(get("source_channel_id"))
    link = _int(get("link_id")) or _int(get("first_link_id"))
    if member is not None:
        channel = channel or member.source_channel_id
        link = link or member.first_link_id
    return (
        "outbox",
        event_id,
        workspace_id,
        type_,
        at,
        member_id,
        member.visitor_id if member else None,
        channel,
        link,
        _int(get("campaign_id")),
        member.owner_user_id if member else None,
        member.tier_id if member else None,
        amount,
        points,
        False,
        _PROPS_JSON(props) if props else None,
    )


def from_click(
    click_id: int,
    workspace_id: int,
    link_id: int,
    channel_id: int | None,
    target_id: int | None,
    occurred_at: datetime,
    visitor_id: str,
    referrer_host: str | None,
    device_type: str,
    is_bot: bool,
    os: str | None = None,
    browser: str | None = None,
) -> Row:
    """A click as a fact (no IP, no user agent: the device type, the operating system's
    and the browser's family — "iOS", "Chrome Mobile" — and the referrer's host)."""
    props = {"device_type": device_type}
    if os:
        props["os"] = os
    if browser:
        props["browser"] = browser
    if referrer_host:
        props["referrer_host"] = referrer_host
    if target_id is not None:
        props["target_id"] = str(target_id)
    return (
        "click",
        click_id,
        workspace_id,
        CLICK,
        _utc(occurred_at),
        None,
        visitor_id,
        channel_id,
        link_id,
        None,
        None,
        None,
        None,
        None,
        bool(is_bot),
        json.dumps(props, ensure_ascii=False, sort_keys=True),
    )
