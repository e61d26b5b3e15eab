"""Roles and what each may do. Checked at the HTTP/CLI boundary."""

from __future__ import annotations

READ = {"links:read", "stats:read", "audit:read", "workspace:read", "members:read", "orders:read"}
#: Operators run the loyalty programme; they see members with PII masked.
OPERATE = READ | {
    "links:write",
    "members:write",
    "orders:write",
    "points:write",
    "loyalty:manage",
    "referrals:manage",
    "distribution:manage",
}
#: Reading PII in clear, exporting and erasing members is for admins and owners.
ADMIN = OPERATE | {
    "keys:manage",
    "users:manage",
    "domains:manage",
    "members:pii",
    "members:erase",
    "webhooks:manage",
}
OWNER = ADMIN | {"workspace:manage"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "owner": frozenset(OWNER),
    "admin": frozenset(ADMIN),
    "operator": frozenset(OPERATE),
    # Staff (导购) see links, figures and members (PII masked; ownership rules come later).
    "staff": frozenset({"links:read", "stats:read", "workspace:read", "members:read", "orders:read"}),
    "analyst": frozenset(READ),
}

ROLE_ORDER = ("analyst", "staff", "operator", "admin", "owner")


def allowed(role: str, permission: str) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


def can_grant(granter_role: str, role: str) -> bool:
    """Nobody hands out a role above their own."""
    if role not in ROLE_PERMISSIONS or granter_role not in ROLE_PERMISSIONS:
        return False
    return ROLE_PERMISSIONS[role] <= ROLE_PERMISSIONS[granter_role]
