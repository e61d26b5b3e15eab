"""Queries of the auth domain."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.models.workspaces import ApiKey, User, WorkspaceMember


async def api_key_by_hash(session: AsyncSession, key_hash: str) -> ApiKey | None:
    return await session.scalar(select(ApiKey).where(ApiKey.key_hash == key_hash))


async def api_key_in_workspace(session: AsyncSession, workspace_id: int, key_id: int) -> ApiKey | None:
    return await session.scalar(
        select(ApiKey).where(ApiKey.workspace_id == workspace_id, ApiKey.id == key_id)
    )


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email.strip().lower()))


async def membership(session: AsyncSession, workspace_id: int, user_id: int) -> WorkspaceMember | None:
    return await session.get(WorkspaceMember, (workspace_id, user_id))
