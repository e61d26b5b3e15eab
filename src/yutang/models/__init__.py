"""All SQLAlchemy models, one module per domain. Importing this registers every table."""

from yutang.models.base import Base
from yutang.models.links import Channel, Click, Link, LinkDomain, LiveCodeCounter, LiveCodeTarget
from yutang.models.platform import AuditEntry, EventReceipt, IdempotencyRecord, OutboxEvent
from yutang.models.workspaces import ApiKey, User, Workspace, WorkspaceMember

__all__ = [
    "ApiKey",
    "AuditEntry",
    "Base",
    "Channel",
    "Click",
    "EventReceipt",
    "IdempotencyRecord",
    "Link",
    "LinkDomain",
    "LiveCodeCounter",
    "LiveCodeTarget",
    "OutboxEvent",
    "User",
    "Workspace",
    "WorkspaceMember",
]
