"""Permissions are declared once, with what each allows; a misspelt one is refused where
the endpoint is declared, and the roles table of docs/api.md is the one the code grants."""

from __future__ import annotations

import pathlib
import re
from typing import get_args

import pytest

from yutang.auth.dependencies import idempotent, require
from yutang.auth.permissions import PERMISSIONS, ROLE_ORDER, ROLE_PERMISSIONS, Permission

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs"


def test_every_permission_says_what_it_allows_and_an_owner_has_it() -> None:
    assert set(PERMISSIONS) == set(get_args(Permission))
    assert all(meaning.strip().endswith(".") for meaning in PERMISSIONS.values())
    assert ROLE_PERMISSIONS["owner"] == frozenset(PERMISSIONS)
    assert set(ROLE_PERMISSIONS) == set(ROLE_ORDER)


def test_roles_grow_in_order() -> None:
    """Each role may do all its junior may do (staff and analyst are side by side)."""
    assert ROLE_PERMISSIONS["analyst"] <= ROLE_PERMISSIONS["operator"]
    assert ROLE_PERMISSIONS["staff"] <= ROLE_PERMISSIONS["operator"]
    assert ROLE_PERMISSIONS["operator"] <= ROLE_PERMISSIONS["admin"] <= ROLE_PERMISSIONS["owner"]


@pytest.mark.parametrize("dependency", [require, idempotent])
def test_a_misspelt_permission_fails_where_it_is_declared(dependency: object) -> None:
    with pytest.raises(ValueError, match="undeclared permission 'memebrs:read'"):
        dependency("memebrs:read")  # type: ignore[operator]


def test_the_roles_table_in_the_docs_is_what_the_code_grants() -> None:
    text = (DOCS / "api.md").read_text("utf-8")
    table = text[text.index("## Roles") :].split("\n\n")[1]
    header, _, *rows = table.splitlines()
    roles = [c.strip() for c in header.strip("|").split("|")][1:]
    assert roles == ["owner", "admin", "operator", "staff", "analyst"]
    documented: set[str] = set()
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        named = re.findall(r"`([a-z_]+:[a-z_]+)`", cells[0])
        assert named, row
        for permission in named:
            documented.add(permission)
            granted = [role for role, mark in zip(roles, cells[1:], strict=True) if mark == "✓"]
            holders = [role for role in roles if permission in ROLE_PERMISSIONS[role]]
            assert granted == holders, permission
    assert documented == set(PERMISSIONS) - {"workspace:read"}  # every role reads its workspace
