"""The one order in which row locks are taken, declared, and the one way to take them.

Two transactions that lock the same rows in different orders can deadlock; PostgreSQL
then kills one of them. Every transaction here locks rows in the order of :data:`RANKS`
(a table further down the list only after those above it), and rows of one table in
ascending key order. The order follows the data: the outbox event a handler runs for,
then the campaign or auction a request acts on, then the member, then the member's
order, then what pays on it (distributors).

Some rows are only ever locked under their owner's lock (:data:`UNDER`): a wallet under
its member's, a commission or a withdrawal under its distributor's. The owner's lock
serialises them, so they need no place of their own among the owner's table — a job may
lock distributor 1, its commissions, then distributor 2 and its commissions — but they
must be locked with their owner held, and the check refuses one that is not.

:func:`for_update` is how every row lock is written (``SELECT … FOR UPDATE``, and the
row reloaded with what the lock saw — a copy already in the session would be stale).
With :data:`checking` on — the test suite turns it on, ``YUTANG_CHECK_LOCK_ORDER=1``
does elsewhere — it also records the locks of the transaction and raises
:class:`LockOrderError` on a lock taken out of order, so the whole suite proves the
code keeps the order. On SQLite ``FOR UPDATE`` renders as nothing (its writers are
serialised by ``BEGIN IMMEDIATE``), but the order is checked all the same.
"""

from __future__ import annotations

import os
from typing import Any, TypeVar

from sqlalchemy import Select, event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

T = TypeVar("T")

#: Tables whose rows are locked, in the order a transaction may lock them.
RANKS: tuple[str, ...] = (
    "outbox_events",  # the dispatcher takes its event first, then the handlers run
    "workspaces",  # changes of a workspace's memberships (roles, owners)
    "channels",  # a channel's cost entries are checked for overlaps under its lock
    "referral_campaigns",
    "referral_participants",
    "invitations",
    "auctions",
    "redemptions",
    "coupon_templates",
    "members",  # every ledger of a member is serialised on the member's row
    "orders",
    "distributors",
)
#: Tables whose rows are locked only under their owner's row lock: table → owner's table.
UNDER: dict[str, str] = {"wallets": "members", "commissions": "distributors", "withdrawals": "distributors"}
_RANK = {table: rank for rank, table in enumerate(RANKS)}

#: Check the order of every lock taken (tests; ``YUTANG_CHECK_LOCK_ORDER=1``).
checking: bool = os.environ.get("YUTANG_CHECK_LOCK_ORDER") == "1"

_HELD = "yutang_locks_held"


class LockOrderError(AssertionError):
    """A row lock taken out of the declared order: two such transactions can deadlock."""


#: Every violation seen while :data:`checking` (an outbox handler's error is caught and
#: retried, so the test suite looks here after each test rather than at what was raised).
violations: list[str] = []


def _refuse(message: str) -> LockOrderError:
    violations.append(message)
    return LockOrderError(message)


def for_update(
    session: AsyncSession,
    stmt: Select[T],
    table: str,
    key: Any,
    *,
    owner: Any = None,
    skip_locked: bool = False,
) -> Select[T]:
    """``stmt`` (which selects the row ``key`` of ``table``) locking that row for this
    transaction and reloading it with what the lock saw. A table of :data:`UNDER` names
    its ``owner``'s key. Refuses a table not declared here; with :data:`checking`,
    refuses a lock out of order or a row locked without its owner."""
    if table in UNDER:
        if owner is None:
            raise LockOrderError(f"{table} rows are locked under their {UNDER[table]} row: pass owner=")
        if checking:
            _check_owner(session, table, key, owner)
    else:
        rank = _RANK.get(table)
        if rank is None:
            raise LockOrderError(
                f"{table} is not in kit.locks.RANKS: declare where its locks come in the order"
            )
        if checking:
            _check(session, rank, table, key)
    return stmt.with_for_update(skip_locked=skip_locked).execution_options(populate_existing=True)


def _check(session: AsyncSession, rank: int, table: str, key: Any) -> None:
    held: dict[tuple[int, Any], None] = session.info.setdefault(_HELD, {})
    if (rank, key) in held:
        return  # locked already in this transaction: locking it again waits for nothing
    if held:
        top_rank, top_key = max(held, key=lambda lock: (lock[0], _sortable(lock[1])))
        if rank < top_rank or (rank == top_rank and _sortable(key) < _sortable(top_key)):
            raise _refuse(
                f"lock on {table} {key!r} after {RANKS[top_rank]} {top_key!r}: "
                f"the declared order is {' → '.join(RANKS)} (rows of one table by ascending key)"
            )
    held[(rank, key)] = None


def _check_owner(session: AsyncSession, table: str, key: Any, owner: Any) -> None:
    held: dict[tuple[int, Any], None] = session.info.setdefault(_HELD, {})
    if (_RANK[UNDER[table]], owner) not in held:
        raise _refuse(f"lock on {table} {key!r} without its {UNDER[table]} row {owner!r} locked first")


def _sortable(key: Any) -> tuple[int, Any]:
    return (0, key) if isinstance(key, int) else (1, str(key))


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _released(session: Session) -> None:
    """The transaction ended: its locks are released."""
    session.info.pop(_HELD, None)
