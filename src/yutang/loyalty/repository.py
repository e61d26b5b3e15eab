"""Reads of the points ledger: a member's entries (newest first, by cursor) and lots, and
the workspace's ledger searched by member and kind."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from yutang.kit.context import Ctx
from yutang.models.loyalty import PointsEntry, PointsLot
from yutang.models.members import Member


async def entries_of(ctx: Ctx, member_id: int, *, cursor_id: int | None, limit: int) -> list[PointsEntry]:
    stmt = select(PointsEntry).where(
        PointsEntry.workspace_id == ctx.workspace_id, PointsEntry.member_id == member_id
    )
    if cursor_id is not None:
        stmt = stmt.where(PointsEntry.id < cursor_id)
    rows = await ctx.session.scalars(stmt.order_by(PointsEntry.id.desc()).limit(limit + 1))
    return list(rows.all())


async def entries(
    ctx: Ctx,
    *,
    member_id: int | None = None,
    kind: str | None = None,
    cursor_id: int | None = None,
    limit: int,
    members: Any = None,
) -> list[PointsEntry]:
    """The workspace's ledger, newest entry first, of one member and of one kind when
    given (one row more than ``limit``: see whether a next page follows); ``members``
    narrows it to the members a clause on ``Member`` selects (those the caller may see)."""
    stmt = select(PointsEntry).where(PointsEntry.workspace_id == ctx.workspace_id)
    if members is not None:
        stmt = stmt.where(
            PointsEntry.member_id.in_(
                select(Member.id).where(Member.workspace_id == ctx.workspace_id, members)
            )
        )
    if member_id is not None:
        stmt = stmt.where(PointsEntry.member_id == member_id)
    if kind is not None:
        stmt = stmt.where(PointsEntry.kind == kind)
    if cursor_id is not None:
        stmt = stmt.where(PointsEntry.id < cursor_id)
    rows = await ctx.session.scalars(stmt.order_by(PointsEntry.id.desc()).limit(limit + 1))
    return list(rows.all())


async def lots_of(ctx: Ctx, member_id: int, *, open_only: bool = True) -> list[PointsLot]:
    stmt = select(PointsLot).where(
        PointsLot.workspace_id == ctx.workspace_id, PointsLot.member_id == member_id
    )
    if open_only:
        stmt = stmt.where(PointsLot.state != "closed")
    return list(
        (
            await ctx.session.scalars(
                stmt.order_by(PointsLot.expires_at.is_(None), PointsLot.expires_at, PointsLot.id)
            )
        ).all()
    )
