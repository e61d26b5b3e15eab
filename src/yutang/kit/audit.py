"""Audit log: written by services in the same transaction as the change."""

from __future__ import annotations

from typing import Any

from yutang.kit.context import Ctx
from yutang.models.platform import AuditEntry


def record(
    ctx: Ctx,
    action: str,
    target_type: str,
    target_id: int | str | None,
    changes: dict[str, Any] | None = None,
) -> None:
    ctx.session.add(
        AuditEntry(
            workspace_id=ctx.workspace_id,
            actor_type=ctx.actor.type,
            actor_id=ctx.actor.id,
            action=action,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id),
            changes=_jsonable(changes or {}),
        )
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
