"""Every enumerated value an operator can see has words in 简体中文 and English.

Each group of ``yutang.web.i18n.values.VALUES`` is checked against where its values are
defined: the tuple, ``Literal`` or set of constants itself where the code has one (so a
value added there without words fails here), else a set written below naming the places
that write the values."""

from __future__ import annotations

import re
import types
from typing import Any, Literal, Union, get_args, get_origin

import pytest
from pydantic import BaseModel

from yutang.analytics.facts import CLICK
from yutang.analytics.funnel import BUCKETS, FRIEND_JOINED, ORDERS
from yutang.analytics.revenue import SOURCES as JOIN_VIAS
from yutang.analytics.rfm import GROUPS as RFM_GROUPS
from yutang.analytics.value import LTV_MISSING
from yutang.auth.permissions import ROLE_ORDER, ROLE_PERMISSIONS, Permission
from yutang.coupons.schemas import CouponTemplateIn
from yutang.distribution.schemas import PlanIn as CommissionPlanIn
from yutang.kit import discovery, events
from yutang.links.schemas import ChannelType, Dimension, LinkIn, LinkPatch
from yutang.loyalty.schemas import ActivityType, RuleIn, TierProgramIn, Trigger
from yutang.loyalty.service import REVERSIBLE
from yutang.members.schemas import FormField, Gender, IdentityKind
from yutang.members.schemas import Status as MemberStatusIn
from yutang.membership.schemas import PlanIn as MembershipPlanIn
from yutang.models.commerce import ORDER_STATUSES
from yutang.models.distribution import ENTRY_PATHS
from yutang.models.links import CHANNEL_TYPES
from yutang.models.loyalty import ENTRY_KINDS, LOT_STATES, TRIGGERS
from yutang.models.members import GENDERS, IDENTITY_KINDS, MEMBER_STATUSES
from yutang.models.membership import PERIODS
from yutang.models.referrals import GOAL_KINDS, INVITATION_STATUSES, LIVE_STATUSES, REWARD_KINDS
from yutang.models.workspaces import ROLES
from yutang.referrals.fraud import HOLD_REASONS, REJECT_REASONS
from yutang.referrals.schemas import CampaignPatch, GoalKind, RewardKind
from yutang.rewards.schemas import PrizeIn, RewardIn
from yutang.web.i18n import LANGS
from yutang.web.i18n.values import VALUES, word
from yutang.workspaces import invitations
from yutang.workspaces.schemas import InvitationOut, Role

discovery.load()  # every domain's event types declared
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

#: Channel types the lead is adding to CHANNEL_TYPES and ChannelType in parallel.
NEW_CHANNEL_TYPES = {
    "wecom",
    "community",
    "mini_program",
    "channels",
    "douyin",
    "xiaohongshu",
    "offline_event",
}


def literal(tp: Any) -> set[str]:
    """The values of a ``Literal`` type (also inside ``X | None``), as text."""
    if get_origin(tp) is Literal:
        return {str(v) for v in get_args(tp)}
    if get_origin(tp) in (Union, types.UnionType):
        return set().union(*(literal(arg) for arg in get_args(tp)))
    return set()


def field(model: type[BaseModel], name: str) -> set[str]:
    values = literal(model.model_fields[name].annotation)
    assert values, f"{model.__name__}.{name} is not a Literal"
    return values


#: group -> the values the code defines, for the groups whose words must match exactly.
SOURCES: dict[str, set[str]] = {
    # --- workspaces and auth
    "workspace_role": set(ROLES),
    "role_permission": set(get_args(Permission)),
    "workspace_invitation_status": field(InvitationOut, "status"),
    # Actor(...) in auth/service.py (api_key), web/console/frame.py and workspaces/invitations.py
    # (user), kit/cli.py (cli), kit/context.py SYSTEM (system), web/public.py PUBLIC (public),
    # commerce/endpoints.py WEBHOOK_ACTOR (webhook)
    "audit_actor_type": {"api_key", "user", "cli", "system", "public", "webhook"},
    # --- links
    # Link.archived, Link.disabled, Link.expires_at passed, Link.max_clicks reached, else active
    "link_status": {"active", "expired", "exhausted", "disabled", "archived"},
    # models/links.py Link.kind; links/service.py create ("link" / "live")
    "link_kind": {"link", "live"},
    "link_redirect_status": field(LinkIn, "redirect_status"),
    # links/clicks.py classify() (mobile, tablet, desktop, bot, other) and record() ("bot")
    "device_type": {"mobile", "tablet", "desktop", "bot", "other"},
    "stats_dimension": set(get_args(Dimension)),
    # --- members
    "member_status": set(MEMBER_STATUSES),
    "member_gender": set(GENDERS),
    "identity_kind": set(IDENTITY_KINDS),
    "form_field_type": field(FormField, "type"),
    # models/members.py FormSubmission.via; members/forms.py submit (api), web/public.py (page)
    "form_submission_via": {"api", "page"},
    # models/members.py Segment.kind; members/segments.py create / freeze / create_list
    "segment_kind": {"dynamic", "static", "list"},
    # members/importer.py (consent_marketing → "marketing"), templates/public join page
    "consent_purpose": {"marketing"},
    # --- commerce
    "order_status": set(ORDER_STATUSES),
    # commerce/wallet.py: the kinds given to _append (topup, spend, grant, ungrant, refund)
    "wallet_entry_kind": {"topup", "spend", "refund", "grant", "ungrant"},
    # --- loyalty
    # rewards/auctions.py writes "hold" (spend) and "unhold" (reverse) entries besides ENTRY_KINDS
    "points_entry_kind": set(ENTRY_KINDS) | {"hold", "unhold"},
    "points_lot_state": set(LOT_STATES),
    "earn_rule_trigger": set(TRIGGERS),
    "earn_rule_amount_type": field(RuleIn, "amount_type"),
    "tier_metric": field(TierProgramIn, "metric"),
    "tier_downgrade_policy": field(TierProgramIn, "downgrade_policy"),
    # loyalty/tiers.py: the reasons given to _change()
    "tier_change_reason": {"upgrade", "downgrade", "manual", "grace_started", "grace_cleared"},
    # --- coupons
    "coupon_template_kind": field(CouponTemplateIn, "kind"),
    # coupons/service.py: generate (available), issue and claim (issued), redeem, void
    "coupon_status": {"available", "issued", "redeemed", "voided"},
    # the source prefixes: coupons/service.py ("api", "generated"), rewards/service.py (reward),
    # rewards/lottery.py (lottery), membership/service.py (plan), loyalty/tiers.py (tier),
    # referrals/payouts.py (referral), web/console/members.py (console)
    "coupon_source": {"api", "console", "generated", "reward", "lottery", "plan", "tier", "referral"},
    # --- rewards
    "reward_kind": field(RewardIn, "kind"),
    # models/rewards.py Redemption.status default (completed); rewards/service.py cancel
    "redemption_status": {"completed", "cancelled"},
    "lottery_prize_kind": field(PrizeIn, "kind"),
    # rewards/lottery.py draw
    "lottery_draw_outcome": {"won", "no_prize", "out_of_stock"},
    # models/rewards.py Auction.status default (open); rewards/auctions.py close, cancel
    "auction_status": {"open", "closed", "cancelled"},
    # rewards/auctions.py bid (leading, outbid), close (won), cancel (cancelled)
    "auction_bid_status": {"leading", "outbid", "won", "cancelled"},
    # --- paid membership
    "membership_plan_period": set(PERIODS),
    # membership/service.py subscribe (active), cancel (cancelled), expire (expired)
    "subscription_status": {"active", "expired", "cancelled"},
    # --- referrals
    "referral_campaign_status": field(CampaignPatch, "status"),
    "referral_goal_kind": set(GOAL_KINDS),
    "referral_reward_kind": set(REWARD_KINDS),
    "referral_invitation_status": set(INVITATION_STATUSES),
    # besides the fraud reasons: referrals/service.py qualify (cap_reached) and review
    # (rejected_by_review), referrals/handlers.py (invitee_blocked, invitee_erased)
    "referral_invitation_reason": set(REJECT_REASONS)
    | set(HOLD_REASONS)
    | {"cap_reached", "rejected_by_review", "invitee_blocked", "invitee_erased"},
    # referrals/service.py: the landing page (cookie) and an explicit invite code (code)
    "referral_invitation_via": {"cookie", "code"},
    # referrals/service.py: a stage pays (paid) and is clawed back (clawed_back)
    "stage_award_status": {"paid", "clawed_back"},
    # --- distribution
    # distribution/service.py apply / decide / set_status, distribution/endpoints.py
    "distributor_status": {"pending", "active", "suspended", "rejected"},
    "distributor_entry": set(ENTRY_PATHS),
    # distribution/endpoints.py bind (code), distribution/handlers.py (referral)
    "distribution_binding_via": {"code", "referral"},
    "commission_plan_kind": field(CommissionPlanIn, "kind"),
    # distribution/commissions.py: model default (pending), release (available), reverse
    "commission_status": {"pending", "available", "reversed"},
    # distribution/commissions.py: the kinds given to _append
    "commission_entry_kind": {"earn", "release", "reverse", "withdraw", "paid", "returned"},
    # distribution/commissions.py: model default (requested), decide (paid, rejected)
    "withdrawal_status": {"requested", "paid", "rejected"},
    # every event type declared in Yutang, and the two facts the event store adds
    "fact_type": {t for t, cls in events.CATALOGUE.items() if cls.__module__.startswith("yutang.")}
    | {CLICK, FRIEND_JOINED},
    "funnel_order": set(ORDERS),
    "funnel_bucket": {name for name, _, _ in BUCKETS},
    "rfm_group": set(RFM_GROUPS),
    "member_join_via": set(JOIN_VIAS),
    "value_ltv_missing": set(LTV_MISSING),
}


def test_every_group_is_checked() -> None:
    assert set(VALUES) == set(SOURCES) | {"channel_type"}


@pytest.mark.parametrize("group", sorted(SOURCES))
def test_the_words_cover_exactly_the_values_of_the_code(group: str) -> None:
    missing = SOURCES[group] - set(VALUES[group])
    stray = set(VALUES[group]) - SOURCES[group]
    assert not missing, f"{group}: no words for {sorted(missing)}"
    assert not stray, f"{group}: words for values the code does not have: {sorted(stray)}"


def test_channel_types() -> None:
    assert set(CHANNEL_TYPES) == literal(ChannelType) == set(VALUES["channel_type"])
    assert set(CHANNEL_TYPES) >= NEW_CHANNEL_TYPES  # the touchpoints Chinese operators use


def test_the_other_definitions_agree_with_the_sources() -> None:
    """Where the code defines a group twice, the second definition has no value the first lacks."""
    assert set(ROLES) == set(literal(Role)) == set(ROLE_PERMISSIONS) == set(ROLE_ORDER)
    assert set(TRIGGERS) == literal(Trigger) and literal(ActivityType) <= set(TRIGGERS)
    assert literal(MemberStatusIn) <= set(MEMBER_STATUSES)
    assert literal(Gender) == set(GENDERS)
    assert literal(IdentityKind) == set(IDENTITY_KINDS)
    assert field(MembershipPlanIn, "period") == set(PERIODS)
    assert literal(GoalKind) == set(GOAL_KINDS)
    assert literal(RewardKind) == set(REWARD_KINDS)
    assert set(LIVE_STATUSES) <= set(INVITATION_STATUSES)
    assert set(REVERSIBLE) <= SOURCES["points_entry_kind"]
    assert field(LinkPatch, "redirect_status") == SOURCES["link_redirect_status"]
    constants = {
        invitations.PENDING,
        invitations.ACCEPTED,
        invitations.DECLINED,
        invitations.REVOKED,
        invitations.EXPIRED,
    }
    assert constants == SOURCES["workspace_invitation_status"]


@pytest.mark.parametrize("group", sorted(VALUES))
def test_every_value_has_words_in_both_languages(group: str) -> None:
    assert VALUES[group], f"{group} is empty"
    for value, words in VALUES[group].items():
        assert set(words) == set(LANGS), f"{group}.{value}: {sorted(words)}"
        zh, en = words["zh-CN"].strip(), words["en"].strip()
        assert zh and CJK.search(zh), f"{group}.{value}: no Chinese words: {zh!r}"
        assert en and not CJK.search(en), f"{group}.{value}: English words with Chinese in them: {en!r}"
        assert en[0] == en[0].upper(), f"{group}.{value}: English in sentence case: {en!r}"


def test_group_names_are_snake_case() -> None:
    for group in VALUES:
        assert re.fullmatch(r"[a-z]+(_[a-z]+)+", group), group


def test_word() -> None:
    assert word("member_status", "active", "zh-CN") == "正常"
    assert word("points_entry_kind", "earn", "en") == "Earned"
    assert word("referral_invitation_reason", "known_member", "zh-CN") == "已是老会员"
    assert word("member_status", "no_such_status", "zh-CN") == "no_such_status"
    assert word("member_status", "active", "fr") == "正常"
    with pytest.raises(KeyError):
        word("no_such_group", "active", "zh-CN")
