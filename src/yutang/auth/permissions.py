"""Permissions, roles and what each role may do. Checked at the HTTP/CLI boundary.

Every permission is declared here once, with what it allows: ``Permission`` is the type
``require()`` takes, so a misspelt permission is refused by mypy, and by ``require()``
itself when the endpoint module is imported — not as a 403 on every request."""

from __future__ import annotations

from typing import Literal, get_args

Permission = Literal[
    "links:read",
    "links:write",
    "stats:read",
    "audit:read",
    "workspace:read",
    "workspace:manage",
    "members:read",
    "members:write",
    "members:pii",
    "members:erase",
    "orders:read",
    "orders:write",
    "points:write",
    "loyalty:manage",
    "referrals:manage",
    "distribution:manage",
    "keys:manage",
    "users:manage",
    "domains:manage",
    "webhooks:manage",
]

#: What each permission allows (the console's roles page and the API docs show these).
PERMISSIONS: dict[Permission, str] = {
    "links:read": "Read links, live codes, channels, domains and QR codes.",
    "links:write": "Create, edit and archive links, live codes and channels.",
    "stats:read": "Read statistics: clicks, channels, campaigns.",
    "audit:read": "Read the audit log.",
    "workspace:read": "Read the workspace's settings.",
    "workspace:manage": "Change the workspace's settings.",
    "members:read": "Read members (personal data masked), points, rules and forms.",
    "members:write": "Create and edit members, tags, segments and forms.",
    "members:pii": "Read members' personal data in clear.",
    "members:erase": "Export a member's data and erase it for good.",
    "orders:read": "Read orders, refunds and stored value.",
    "orders:write": "Record orders, refunds, top-ups and plan purchases.",
    "points:write": "Spend and adjust points; issue and redeem coupons and rewards; draw, bid.",
    "loyalty:manage": "Earn rules, tiers, coupons, rewards, lotteries, auctions and plans.",
    "referrals:manage": "Referral campaigns and the review of held invitations.",
    "distribution:manage": "Distribution settings, levels, commission plans, distributors, withdrawals.",
    "keys:manage": "Create and revoke API keys.",
    "users:manage": "Invite users and change their roles.",
    "domains:manage": "Add short-link domains.",
    "webhooks:manage": "Set the shop's webhook secret.",
}
assert set(PERMISSIONS) == set(get_args(Permission)), "every permission says what it allows"


def declared(permission: str) -> Permission:
    """``permission`` if it is declared; a ValueError naming it otherwise."""
    if permission not in PERMISSIONS:
        raise ValueError(f"undeclared permission {permission!r}: declare it in yutang.auth.permissions")
    return permission


READ: set[Permission] = {
    "links:read",
    "stats:read",
    "audit:read",
    "workspace:read",
    "members:read",
    "orders:read",
}
#: Operators run the loyalty programme; they see members with PII masked.
OPERATE: set[Permission] = READ | {
    "links:write",
    "members:write",
    "orders:write",
    "points:write",
    "loyalty:manage",
    "referrals:manage",
    "distribution:manage",
}
#: Reading PII in clear, exporting and erasing members is for admins and owners.
ADMIN: set[Permission] = OPERATE | {
    "keys:manage",
    "users:manage",
    "domains:manage",
    "members:pii",
    "members:erase",
    "webhooks:manage",
}
OWNER: set[Permission] = ADMIN | {"workspace:manage"}

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "owner": frozenset(OWNER),
    "admin": frozenset(ADMIN),
    "operator": frozenset(OPERATE),
    # Staff (导购) see links, figures and members (PII masked; ownership rules come later).
    "staff": frozenset({"links:read", "stats:read", "workspace:read", "members:read", "orders:read"}),
    "analyst": frozenset(READ),
}

ROLE_ORDER = ("analyst", "staff", "operator", "admin", "owner")


def allowed(role: str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


def can_grant(granter_role: str, role: str) -> bool:
    """Nobody hands out a role above their own."""
    if role not in ROLE_PERMISSIONS or granter_role not in ROLE_PERMISSIONS:
        return False
    return ROLE_PERMISSIONS[role] <= ROLE_PERMISSIONS[granter_role]
