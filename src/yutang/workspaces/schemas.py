"""Request and response models of workspaces, users, API keys and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from yutang.kit.schemas import In

Role = Literal["owner", "admin", "operator", "staff", "analyst"]


class WorkspaceOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 1,
                    "name": "山茶花护肤",
                    "slug": "camellia",
                    "timezone": "Asia/Shanghai",
                    "created_at": "2026-11-24T02:00:00Z",
                }
            ]
        },
    )
    id: int
    name: str
    slug: str
    timezone: str
    created_at: datetime


class WorkspacePatch(In):
    """Rename the workspace or change the time zone its days are counted in (reports,
    daily caps, the console's times). Fields left out keep their value."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "山茶花护肤", "timezone": "Asia/Shanghai"}]}
    )
    name: str | None = Field(default=None, min_length=1, max_length=120)
    timezone: str | None = Field(
        default=None, min_length=1, max_length=64, description="An IANA time zone, e.g. Asia/Shanghai"
    )

    @field_validator("name")
    @classmethod
    def _trimmed(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("The name is empty.")
        return value.strip() if value is not None else None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone.") from None
        return value


class ApiKeyIn(In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "有赞商城同步", "role": "operator"}]})
    name: str = Field(min_length=1, max_length=120)
    role: Role = "operator"


_KEY_EXAMPLE: dict[str, Any] = {
    "id": 3,
    "name": "有赞商城同步",
    "prefix": "yt_Hc8kQ2x",
    "role": "operator",
    "created_by": "user:1",
    "created_at": "2026-12-01T09:30:00Z",
    "last_used_at": "2026-12-03T07:59:00Z",
    "revoked_at": None,
}


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_KEY_EXAMPLE]})
    id: int
    name: str
    prefix: str
    role: str
    created_by: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [_KEY_EXAMPLE | {"key": "yt_Hc8kQ2xVn3p0LrT9-shown-once", "last_used_at": None}]
        }
    )
    key: str = Field(description="The secret. Shown once; store it now.")


class InvitationIn(In):
    """Invite a person by e-mail address. Nothing is attached until they accept."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "li.lei@brand.cn", "name": "李雷", "role": "operator"}]}
    )
    email: str = Field(min_length=3, max_length=254)
    name: str = Field(default="", max_length=120, description="How to greet them, until they choose")
    role: Role = "operator"


_INVITATION_EXAMPLE: dict[str, Any] = {
    "id": 7,
    "email": "li.lei@brand.cn",
    "name": "李雷",
    "role": "operator",
    "status": "pending",
    "invited_by": "api_key:3",
    "created_at": "2026-12-03T08:00:00Z",
    "expires_at": "2026-12-10T08:00:00Z",
    "decided_at": None,
}


class InvitationOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_INVITATION_EXAMPLE]})

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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _INVITATION_EXAMPLE
                | {"accept_url": "https://console.brand.cn/console/invitations/Q2xhc3NpYy10b2tlbi1leGFtcGxl"}
            ]
        }
    )

    accept_url: str = Field(
        description="Give this to the person (Yutang sends no mail). Shown once; not stored."
    )


class RolePatch(In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"role": "admin"}]})
    role: Role


class UserOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"id": 2, "email": "li.lei@brand.cn", "name": "李雷", "role": "operator"}]
        }
    )
    id: int
    email: str
    name: str
    role: str


class AuditOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 412,
                    "actor_type": "user",
                    "actor_id": "2",
                    "action": "link.updated",
                    "target_type": "link",
                    "target_id": "57",
                    "changes": {"fields": ["url", "expires_at"]},
                    "created_at": "2026-12-03T08:12:45Z",
                }
            ]
        },
    )
    id: int
    actor_type: str
    actor_id: str | None
    action: str
    target_type: str
    target_id: str | None
    changes: dict[str, Any]
    created_at: datetime
