"""Events of paid membership. Declared once here; see :mod:`yutang.kit.events`."""

from __future__ import annotations

from yutang.kit.events import Event


class _Term(Event):
    """A paid term bought."""

    member_id: int
    plan_id: int
    subscription_id: int
    ends_at: str
    amount_cents: int


class MembershipPurchased(_Term, type_name="membership.purchased"):
    """A member bought a plan (a new term)."""


class MembershipRenewed(_Term, type_name="membership.renewed"):
    """A member extended a running term."""


class MembershipExpiring(Event, type_name="membership.expiring"):
    """A term ends soon (the reminder)."""

    member_id: int
    subscription_id: int
    plan_id: int
    ends_at: str


class MembershipExpired(Event, type_name="membership.expired"):
    """A term ended."""

    member_id: int
    subscription_id: int
    plan_id: int
