"""Events of distribution (分销): distributors, bindings, commissions and withdrawals.
Declared once here; see :mod:`yutang.kit.events`."""

from __future__ import annotations

from yutang.kit.events import Event


class DistributorActivated(Event, type_name="distributor.activated"):
    """A member became (or became again) a distributor."""

    distributor_id: int
    member_id: int


class DistributorLevelUp(Event, type_name="distributor.level_up"):
    """A distributor reached a higher level."""

    distributor_id: int
    level_id: int


class DistributionBound(Event, type_name="distribution.bound"):
    """A member was bound to a distributor (``via``: link, referral, manual …)."""

    member_id: int
    distributor_id: int
    via: str


class CommissionEarned(Event, type_name="commission.earned"):
    """A commission was recorded on an order, at ``level`` 1 or 2."""

    commission_id: int
    distributor_id: int
    order_id: int
    level: int
    amount_cents: int


class CommissionReversed(Event, type_name="commission.reversed"):
    """A refund took a commission back."""

    commission_id: int
    distributor_id: int
    order_id: int
    amount_cents: int


class WithdrawalRequested(Event, type_name="withdrawal.requested"):
    """A distributor asked to withdraw."""

    withdrawal_id: int
    distributor_id: int
    amount_cents: int


class _WithdrawalDecided(Event):
    """A withdrawal decided."""

    withdrawal_id: int
    distributor_id: int


class WithdrawalPaid(_WithdrawalDecided, type_name="withdrawal.paid"):
    """A withdrawal was approved and paid."""


class WithdrawalRejected(_WithdrawalDecided, type_name="withdrawal.rejected"):
    """A withdrawal was refused; the money returned to the available balance."""
