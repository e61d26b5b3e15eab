"""Request and response models of workspaces, users, API keys and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from yutang.kit.schemas import In

Role = Literal["owner", "admin", "operator", "staff", "analyst"]


class WorkspaceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    slug: str
    timezone: str
    created_at: datetime


class ApiKeyIn(In):
    name: str = Field(min_length=1, max_length=120)
    role: Role = "operator"


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    prefix: str
    role: str
    created_by: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The secret. Shown once; store it now.")


class InvitationIn(In):
    """Invite a person by e-mail address. Nothing is attached until they accept."""

    email: str = Field(min_length=3, max_length=254)
    name: str = Field(default="", max_length=120, description="How to greet them, until they choose")
    role: Role = "operator"


class InvitationOut(BaseModel):
    id: int
    email: str
    name: str
    role: str
    status: Literal["pending", "accepted", "declined", "revoked", "expired"]
    invited_by: str
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None


class InvitationCreated(InvitationOut):
    accept_url: str = Field(
        description="Give this to the person (Yutang sends no mail). Shown once; not stored."
    )


class RolePatch(In):
    role: Role


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    role: str


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    actor_type: str
    actor_id: str | None
    action: str
    target_type: str
    target_id: str | None
    changes: dict[str, Any]
    created_at: datetime
