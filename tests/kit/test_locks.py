"""One lock order, declared in kit/locks.py: a lock taken out of it is refused, rows of one
table go by ascending key, rows owned by another are locked under their owner, every
row lock in the code goes through the one helper — and the whole suite runs with the
check on, so every money and points test proves the order is kept."""

from __future__ import annotations

import ast
import pathlib
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from yutang.kit import locks
from yutang.kit.db import unit_of_work
from yutang.kit.locks import LockOrderError, for_update
from yutang.models.distribution import Commission, Distributor
from yutang.models.members import Member

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "yutang"


@pytest.fixture(autouse=True)
def _forget_refusals_of_this_module() -> Iterator[None]:
    """The refusals below are on purpose: the suite-wide check must not count them."""
    yield
    locks.violations.clear()


def test_the_suite_runs_with_the_check_on() -> None:
    assert locks.checking


async def test_a_lock_out_of_the_declared_order_is_refused(engine: AsyncEngine) -> None:
    async with unit_of_work(engine=engine) as s:
        for_update(s, select(Distributor), "distributors", 3)
        with pytest.raises(LockOrderError, match="lock on members 1 after distributors 3"):
            for_update(s, select(Member), "members", 1)
    assert locks.violations


async def test_rows_of_one_table_go_by_ascending_key(engine: AsyncEngine) -> None:
    async with unit_of_work(engine=engine) as s:
        for_update(s, select(Member), "members", 5)
        for_update(s, select(Member), "members", 9)
        for_update(s, select(Member), "members", 5)  # held already: waits for nothing
        with pytest.raises(LockOrderError, match="members 7 after members 9"):
            for_update(s, select(Member), "members", 7)


async def test_the_order_starts_afresh_with_each_transaction(engine: AsyncEngine) -> None:
    async with unit_of_work(engine=engine) as s:
        for_update(s, select(Distributor), "distributors", 3)
    async with unit_of_work(engine=engine) as s:
        for_update(s, select(Member), "members", 1)
    assert not locks.violations


async def test_an_owned_row_is_locked_under_its_owner(engine: AsyncEngine) -> None:
    async with unit_of_work(engine=engine) as s:
        with pytest.raises(LockOrderError, match="pass owner="):
            for_update(s, select(Commission), "commissions", 1)
        with pytest.raises(LockOrderError, match="without its distributors row 2"):
            for_update(s, select(Commission), "commissions", 1, owner=2)
    async with unit_of_work(engine=engine) as s:
        # A release job: distributor 1 and its commissions, then distributor 2 and its own.
        for_update(s, select(Distributor), "distributors", 1)
        for_update(s, select(Commission), "commissions", 9, owner=1)
        for_update(s, select(Distributor), "distributors", 2)
        for_update(s, select(Commission), "commissions", 4, owner=2)


async def test_an_undeclared_table_is_refused_even_without_the_check(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(locks, "checking", False)
    async with unit_of_work(engine=engine) as s:
        with pytest.raises(LockOrderError, match=r"not in kit\.locks\.RANKS"):
            for_update(s, select(Member), "tier_changes", 1)


def test_the_lock_renders_for_update_on_postgresql() -> None:
    from sqlalchemy.dialects import postgresql

    session = SimpleNamespace(info={})
    stmt = for_update(session, select(Member.id), "members", 1)  # type: ignore[arg-type]
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    assert "FOR UPDATE" in str(stmt.compile(dialect=dialect))


def test_every_row_lock_in_the_code_goes_through_kit_locks() -> None:
    direct = [
        f"{path.relative_to(SRC)}:{node.lineno}"
        for path in SRC.rglob("*.py")
        if path.relative_to(SRC).as_posix() != "kit/locks.py"
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.Attribute) and node.attr == "with_for_update"
    ]
    assert direct == [], "lock rows with kit.locks.for_update, which keeps the order"


def test_every_table_locked_by_name_is_declared() -> None:
    named = {
        node.args[2].value
        for path in SRC.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.Call)
        and getattr(node.func, "attr", getattr(node.func, "id", "")) == "for_update"
        and len(node.args) >= 3
        and isinstance(node.args[2], ast.Constant)
    }
    assert named, "the scan found no lock: it is broken"
    assert named <= set(locks.RANKS) | set(locks.UNDER), named - set(locks.RANKS) - set(locks.UNDER)
    assert set(locks.UNDER.values()) <= set(locks.RANKS)
