"""Events of orders and stored value (wallets). Declared once here; see :mod:`yutang.kit.events`."""

from __future__ import annotations

from yutang.kit.events import Event


class OrderPaid(Event, type_name="order.paid"):
    """An order was paid (``member_id`` is None for a guest order)."""

    order_id: int
    member_id: int | None
    total_cents: int
    paid_at: str


class OrderRefunded(Event, type_name="order.refunded"):
    """Part or all of an order was refunded; the amounts before and after let handlers
    take back in proportion."""

    order_id: int
    refund_id: int
    member_id: int | None
    amount_cents: int
    refunded_before_cents: int
    refunded_after_cents: int
    total_cents: int


class WalletToppedUp(Event, type_name="wallet.topped_up"):
    """Stored value was bought (with its bonus)."""

    member_id: int
    entry_id: int
    amount_cents: int
    bonus_cents: int


class WalletSpent(Event, type_name="wallet.spent"):
    """Stored value was spent."""

    member_id: int
    entry_id: int
    amount_cents: int


class WalletGranted(Event, type_name="wallet.granted"):
    """Stored value was given (an award, an adjustment)."""

    member_id: int
    entry_id: int
    amount_cents: int


class WalletRefunded(Event, type_name="wallet.refunded"):
    """Stored value was paid back."""

    member_id: int
    entry_id: int
    amount_cents: int
