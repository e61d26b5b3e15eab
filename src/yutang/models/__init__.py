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
from yutang.models.members import (
    Form,
    FormSubmission,
    Member,
    MemberIdentity,
    MemberTag,
    Segment,
    SegmentMember,
    Tag,
    TagGroup,
)
from yutang.models.membership import MembershipPlan, Subscription, SubscriptionPayment
from yutang.models.platform import AuditEntry, EventReceipt, IdempotencyRecord, OutboxEvent
from yutang.models.referrals import (
    Invitation,
    ReferralCampaign,
    ReferralParticipant,
    ReferralStage,
    StageAward,
)
from yutang.models.rewards import (
    Auction,
    AuctionBid,
    Coupon,
    CouponTemplate,
    Lottery,
    LotteryDraw,
    LotteryPrize,
    Redemption,
    Reward,
)
from yutang.models.wallet import TopUpRule, Wallet, WalletEntry
from yutang.models.workspaces import ApiKey, User, Workspace, WorkspaceMember

__all__ = [
    "ApiKey",
    "Auction",
    "AuctionBid",
    "AuditEntry",
    "Base",
    "Channel",
    "Click",
    "Coupon",
    "CouponTemplate",
    "EarnRule",
    "EventReceipt",
    "Form",
    "FormSubmission",
    "IdempotencyRecord",
    "Invitation",
    "Link",
    "LinkDomain",
    "LiveCodeCounter",
    "LiveCodeTarget",
    "Lottery",
    "LotteryDraw",
    "LotteryPrize",
    "Member",
    "MemberIdentity",
    "MemberTag",
    "MembershipPlan",
    "Order",
    "OrderItem",
    "OutboxEvent",
    "PointsAllocation",
    "PointsEntry",
    "PointsLot",
    "Redemption",
    "ReferralCampaign",
    "ReferralParticipant",
    "ReferralStage",
    "Refund",
    "Reward",
    "Segment",
    "SegmentMember",
    "StageAward",
    "Subscription",
    "SubscriptionPayment",
    "Tag",
    "TagGroup",
    "Tier",
    "TierChange",
    "TierProgram",
    "TopUpRule",
    "User",
    "Wallet",
    "WalletEntry",
    "Workspace",
    "WorkspaceMember",
]
