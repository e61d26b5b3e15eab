"""Queries of the workspaces domain."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.kit.pagination import paginate
from yutang.models.platform import AuditEntry
from yutang.models.workspaces import User, Workspace, WorkspaceMember


async def by_slug(session: AsyncSession, slug: str) -> Workspace | None:
    return await session.scalar(select(Workspace).where(Workspace.slug == slug))


async def owners(session: AsyncSession, workspace_id: int) -> list[WorkspaceMember]:
    rows = await session.scalars(
        select(WorkspaceMember).where(
            WorkspaceMember.workspace_id == workspace_id, WorkspaceMember.role == "owner"
        )
    )
    return list(rows.all())


async def memberships_of(session: AsyncSession, user_id: int) -> list[tuple[Workspace, str]]:
    rows = await session.execute(
        select(Workspace, WorkspaceMember.role)
        .join(WorkspaceMember, WorkspaceMember.workspace_id == Workspace.id)
        .where(WorkspaceMember.user_id == user_id)
        .order_by(Workspace.id)
    )
    return [(ws, role) for ws, role in rows.all()]


async def members(session: AsyncSession, workspace_id: int) -> list[tuple[int, str, str, str]]:
    rows = await session.execute(
        select(User.id, User.email, User.name, WorkspaceMember.role)
        .join(WorkspaceMember, WorkspaceMember.user_id == User.id)
        .where(WorkspaceMember.workspace_id == workspace_id)
        .order_by(User.id)
    )
    return [(i, e, n, r) for i, e, n, r in rows.all()]


async def audit_entries(
    session: AsyncSession, workspace_id: int, action: str | None, cursor: str | None, limit: int
) -> list[AuditEntry]:
    """Newest first, one page (plus one row to tell whether another page follows)."""
    stmt = select(AuditEntry).where(AuditEntry.workspace_id == workspace_id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return list((await session.scalars(paginate(stmt, AuditEntry.id, cursor, limit))).all())


async def first_two(session: AsyncSession) -> list[Workspace]:
    """At most two workspaces: enough to tell whether there is exactly one."""
    return list((await session.scalars(select(Workspace).order_by(Workspace.id).limit(2))).all())
