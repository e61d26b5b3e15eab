"""Export and erasure of a member, composed from the domains' ``privacy.py`` (see the
package docstring for the shape)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from yutang.commerce import privacy as commerce
from yutang.coupons import privacy as coupons
from yutang.distribution import privacy as distribution
from yutang.kit import audit
from yutang.kit.context import Ctx
from yutang.loyalty import privacy as loyalty
from yutang.members import privacy as members
from yutang.members import service as members_service
from yutang.membership import privacy as membership
from yutang.models.base import utcnow
from yutang.models.members import Member
from yutang.referrals import privacy as referrals
from yutang.rewards import privacy as rewards

Export = Callable[[Ctx, int], Awaitable[dict[str, Any]]]
Erase = Callable[[Ctx, int], Awaitable[None]]

#: The domains' exports, run in this order; members first, since it refuses an unknown member.
EXPORTS: tuple[Export, ...] = (
    members.export,
    commerce.export,
    loyalty.export,
    coupons.export,
    rewards.export,
    membership.export,
    referrals.export,
    distribution.export,
)

#: The export file's sections in the order a reader finds them (after ``exported_at``).
#: The file is a contract with whoever receives it, so its order is declared here once
#: rather than left to the order the domains happen to be listed in.
SECTIONS = (
    "member",
    "orders",
    "points_entries",
    "points_lots",
    "form_submissions",
    "clicks",
    # Added later, so after the sections readers already rely on:
    "wallet",
    "tier_changes",
    "coupons",
    "redemptions",
    "lottery_draws",
    "auction_bids",
    "subscriptions",
    "referrals",
    "distribution",
)

#: The domains' erasures, run in this order. Each locks the rows it changes in the
#: declared lock order (``kit.locks``: referral participants and invitations before
#: members), so members comes last: it locks the member's row, marks the member erased
#: and announces it (``member.erased``).
ERASURES: tuple[Erase, ...] = (referrals.erase, members.erase)


async def export_member(ctx: Ctx, member_id: int) -> dict[str, Any]:
    """Everything Yutang holds about a member, PII opened (a data-subject access request)."""
    found: dict[str, Any] = {}
    for export in EXPORTS:
        found.update(await export(ctx, member_id))
    if set(found) != set(SECTIONS):
        raise AssertionError(f"export sections {sorted(found)} are not those declared")
    audit.record(ctx, "member.exported", "member", member_id)
    return {"exported_at": utcnow().isoformat(), **{name: found[name] for name in SECTIONS}}


async def erase_member(ctx: Ctx, member_id: int) -> Member:
    """Remove the member's PII for good. Ledgers and orders stay, tied to the anonymous id.
    Erasing an erased member changes nothing.

    The member's row is not locked here but by ``members.erase``, last: the erasures
    before it lock rows that come before members in the lock order. Two erasures at
    once both replace the same names with the same label; the second finds the member
    erased under the lock and stops."""
    member = await members_service.get_member(ctx, member_id)
    if member.status == "erased":
        return member
    for erase in ERASURES:
        await erase(ctx, member_id)
    return member
