"""Distribution: the distributors' commission buckets agree with the commission ledger
(run by ``yutang doctor``)."""

from __future__ import annotations

from yutang.distribution import commissions
from yutang.kit.context import Ctx
from yutang.kit.findings import Check, Finding, from_problems


async def commission_balance(ctx: Ctx) -> list[Finding]:
    """Buckets = ledger sums, none but available negative, no commission reversed beyond
    its amount."""
    return from_problems("commission_balance", await commissions.check(ctx))


CHECKS: tuple[Check, ...] = (commission_balance,)
