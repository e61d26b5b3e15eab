"""One row of the caller's workspace by id, or a ``NotFound`` with the domain's code.

Every domain looks its rows up the same way: scoped to the workspace (a row of another
workspace is answered exactly like a row that does not exist), optionally locked.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.kit import locks
from yutang.kit.context import Ctx
from yutang.kit.errors import ErrorCode, NotFound
from yutang.models.base import Base

M = TypeVar("M", bound=Base)


async def locked(session: AsyncSession, model: type[M], row_id: int, *, owner: Any = None) -> M | None:
    """The row by primary key, locked for this transaction and reloaded with what the
    lock saw (``populate_existing``: a copy already in the session would be stale).
    ``owner``: the key of the row whose lock this one is taken under (:data:`locks.UNDER`)."""
    table = cast(Any, model)
    stmt = select(model).where(table.id == row_id)
    stmt = locks.for_update(session, stmt, table.__tablename__, row_id, owner=owner)
    found: M | None = await session.scalar(stmt)
    return found


async def one(ctx: Ctx, model: type[M], row_id: int, *, code: ErrorCode, what: str, lock: bool = False) -> M:
    table = cast(Any, model)  # every model passed here has `workspace_id` and `id`
    stmt = select(model).where(table.workspace_id == ctx.workspace_id, table.id == row_id)
    if lock:
        stmt = locks.for_update(ctx.session, stmt, table.__tablename__, row_id)
    found = await ctx.session.scalar(stmt)
    if found is None:
        raise NotFound(f"No {what} {row_id}.", code=code)
    return found
