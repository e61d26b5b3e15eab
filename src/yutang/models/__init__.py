"""All SQLAlchemy models, one module per domain. Importing this registers every table."""

from yutang.models.base import Base
from yutang.models.commerce import Order, OrderItem, Refund
from yutang.models.links import Channel, Click, Link, LinkDomain, LiveCodeCounter, LiveCodeTarget
from yutang.models.loyalty import (
    EarnRule,
    PointsAllocation,
    PointsEntry,
    PointsLot,
    Tier,
    TierChange,
    TierProgram,
)
from yutang.models.members import Member, MemberIdentity, MemberTag, Segment, SegmentMember, Tag, TagGroup
from yutang.models.platform import AuditEntry, EventReceipt, IdempotencyRecord, OutboxEvent
from yutang.models.workspaces import ApiKey, User, Workspace, WorkspaceMember

__all__ = [
    "ApiKey",
    "AuditEntry",
    "Base",
    "Channel",
    "Click",
    "EarnRule",
    "EventReceipt",
    "IdempotencyRecord",
    "Link",
    "LinkDomain",
    "LiveCodeCounter",
    "LiveCodeTarget",
    "Member",
    "MemberIdentity",
    "MemberTag",
    "Order",
    "OrderItem",
    "OutboxEvent",
    "PointsAllocation",
    "PointsEntry",
    "PointsLot",
    "Refund",
    "Segment",
    "SegmentMember",
    "Tag",
    "TagGroup",
    "Tier",
    "TierChange",
    "TierProgram",
    "User",
    "Workspace",
    "WorkspaceMember",
]
