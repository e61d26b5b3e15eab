"""Loads every domain module that registers something at import: outbox handlers and
periodic jobs. The app, the worker and the job queue call :func:`load` before they
dispatch, so a handler is never missing in one process and present in another."""

from __future__ import annotations

import importlib
import importlib.util

MODULES = (
    "yutang.loyalty.earning",  # earn rules: order.paid, order.refunded, member.joined, activities
    "yutang.loyalty.tiers",  # upgrades on order.paid and points.earned
    "yutang.loyalty.tasks",  # pending release, expiry, birthday points, tier evaluation
    "yutang.rewards.tasks",  # ended auctions closed
    "yutang.membership.tasks",  # paid memberships reminded and expired
    "yutang.referrals.handlers",  # attribution on join, invitees' goals, revocation
    "yutang.distribution.handlers",  # commissions on orders/refunds, entry paths, bindings
    "yutang.distribution.tasks",  # commissions released after the refund window
)


def load() -> None:
    for name in MODULES:
        importlib.import_module(name)


def load_error_codes() -> None:
    """Import every ``yutang.<domain>.errors`` so the catalogue of error codes is whole
    (for OpenAPI) even before a code of that domain was needed."""
    import pkgutil

    import yutang

    for info in pkgutil.iter_modules(yutang.__path__):
        if info.ispkg and importlib.util.find_spec(f"yutang.{info.name}.errors") is not None:
            importlib.import_module(f"yutang.{info.name}.errors")
