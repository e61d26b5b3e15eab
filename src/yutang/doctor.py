"""``yutang doctor``: set-based checks that cached figures agree with their ledgers.

The checks belong to the domains that keep the figures (``<domain>/checks.py``, each a
``CHECKS`` tuple of ``check(ctx) -> list[Finding]``); the doctor only lists the domains
and runs their checks in that order. It sits above every domain because it reads all of
them; no domain imports it. It reports; it never repairs.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from yutang.commerce import checks as commerce
from yutang.distribution import checks as distribution
from yutang.kit.context import SYSTEM, Ctx
from yutang.kit.findings import Check, Finding
from yutang.loyalty import checks as loyalty

__all__ = ["CHECKS", "Finding", "check_workspace"]

#: Every check, domain by domain, in the order findings are reported.
CHECKS: tuple[Check, ...] = (*loyalty.CHECKS, *commerce.CHECKS, *distribution.CHECKS)


async def check_workspace(session: AsyncSession, workspace_id: int) -> list[Finding]:
    ctx = Ctx(session, workspace_id, SYSTEM)
    findings: list[Finding] = []
    for check in CHECKS:
        findings += await check(ctx)
    return findings
