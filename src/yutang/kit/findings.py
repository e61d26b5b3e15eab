"""What a consistency check reports, in one shape for every domain.

Each domain that keeps cached figures checks them in ``<domain>/checks.py``: coroutines
``check(ctx) -> list[Finding]`` listed in that module's ``CHECKS``. :mod:`yutang.doctor`
runs them all. ``Finding`` lives here, below the domains, so a domain can name it
without importing the doctor, which sits above every domain.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from yutang.kit.context import Ctx


@dataclass(frozen=True)
class Finding:
    check: str
    subject: str
    detail: str


Check = Callable[[Ctx], Awaitable[list[Finding]]]


def from_problems(check: str, problems: list[str]) -> list[Finding]:
    """Findings from ``"subject: detail"`` lines, the form ledger modules report in."""
    found = []
    for problem in problems:
        subject, _, detail = problem.partition(": ")
        found.append(Finding(check, subject, detail))
    return found
