"""Who is acting, in which workspace, inside which transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True, slots=True)
class Actor:
    type: str  # api_key | user | cli | system
    id: str | None
    role: str

    @property
    def label(self) -> str:
        return f"{self.type}:{self.id}" if self.id else self.type


SYSTEM = Actor("system", None, "owner")


@dataclass(slots=True)
class Ctx:
    """What every service call receives: the open session, the workspace, the actor."""

    session: AsyncSession
    workspace_id: int
    actor: Actor
