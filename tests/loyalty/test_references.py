"""Every id a request body names must be a row of the caller's workspace.

Two workspaces: the caller's (acme) and another (globex) that owns a coupon template,
a tier, a segment, a reward, a lottery, a plan, a form, a channel, a tag, a member and
a wallet spend. Each request below names one of globex's rows — and then an id that
exists nowhere. Both are refused with the same status and the same stable code (never
500, never 201), and nothing at all is written.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, make_tenant
from tests.referrals.conftest import device
from yutang.kit.context import SYSTEM, Ctx
from yutang.kit.db import unit_of_work
from yutang.models import Base
from yutang.workspaces import service as ws_service

UNKNOWN = 9_000_000_000


async def _post(client: httpx.AsyncClient, t: Tenant, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post(path, json=body, headers=t.headers)
    assert r.status_code in (200, 201), (path, r.text)
    return dict(r.json())


async def _rows(
    client: httpx.AsyncClient, app: Any, engine: AsyncEngine, t: Tenant, phone: str
) -> dict[str, Any]:
    """One row of each kind a body can name, in workspace ``t``."""
    tpl = await _post(
        client,
        t,
        "/api/v1/coupon-templates",
        {"name": "满100减10", "kind": "amount_off", "value": 1000, "valid_days": 30},
    )
    tier = await _post(client, t, "/api/v1/tiers", {"name": "银卡", "rank": 1, "threshold": 100})
    segment = await _post(
        client,
        t,
        "/api/v1/segments",
        {"name": "big", "filter": {"field": "points_balance", "op": "gte", "value": 1}},
    )
    reward = await _post(client, t, "/api/v1/rewards", {"name": "杯子", "kind": "gift", "points_cost": 10})
    lottery = await _post(
        client,
        t,
        "/api/v1/lotteries",
        {"name": "抽奖", "prizes": [{"name": "杯子", "kind": "gift", "probability_bp": 100}]},
    )
    plan = await _post(
        client, t, "/api/v1/membership-plans", {"name": "年卡", "price_cents": 100000, "period": "year"}
    )
    form = await _post(
        client,
        t,
        "/api/v1/forms",
        {
            "slug": "s",
            "title": "问卷",
            "fields": [{"key": "phone", "label": "手机", "type": "phone", "maps_to": "phone"}],
        },
    )
    channel = await _post(client, t, "/api/v1/channels", {"name": "包裹卡", "type": "other"})
    tag = await _post(client, t, "/api/v1/tags", {"group": "兴趣", "name": "美妆"})
    member = await _post(client, t, "/api/v1/members", {"phone": phone})
    await _post(
        client,
        t,
        f"/api/v1/members/{member['id']}/wallet/top-ups",
        {"amount_cents": 10000, "payment_ref": "P1"},
    )
    spend = await _post(
        client, t, f"/api/v1/members/{member['id']}/wallet/spends", {"amount_cents": 100, "order_ref": "O1"}
    )
    rule = await _post(client, t, "/api/v1/earn-rules", {"name": "签到", "trigger": "checkin", "points": 1})
    kol = await _post(client, t, "/api/v1/members", {"phone": phone[:-1] + "9"})
    dist = await _post(client, t, "/api/v1/distribution/distributors", {"member_id": kol["id"]})
    issued = await _post(client, t, "/api/v1/coupons", {"template_id": tpl["id"], "member_id": member["id"]})
    r = await client.post(
        f"/api/v1/coupon-templates/{tpl['id']}/generate", json={"count": 1}, headers=t.headers
    )
    assert r.status_code == 201, r.text
    now = datetime.now(UTC)
    auction = await _post(
        client,
        t,
        "/api/v1/auctions",
        {
            "name": "拍卖",
            "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(days=1)).isoformat(),
            "min_bid": 1,
            "increment": 1,
        },
    )
    campaign = await _post(client, t, "/api/v1/referrals/campaigns", _campaign())
    kit = await _post(
        client, t, f"/api/v1/referrals/campaigns/{campaign['id']}/participants", {"member_id": kol["id"]}
    )
    async with device(app, t.host, "198.51.100.77") as phone_client:  # a friend clicks: an invitation
        assert (await phone_client.get(f"/invite/{kit['code']}")).status_code == 200
    listed = (
        await client.get(f"/api/v1/referrals/campaigns/{campaign['id']}/invitations", headers=t.headers)
    ).json()
    invitations = listed["data"]
    async with unit_of_work(engine=engine) as s:
        user = await ws_service.create_user(s, f"op@{t.slug}.example", "correct-horse-battery", "Op")
        await ws_service.set_member_role(Ctx(s, t.id, SYSTEM), user, "operator")
        user_id = user.id
    return {
        "tpl": tpl["id"],
        "tier": tier["id"],
        "segment": segment["id"],
        "reward": reward["id"],
        "lottery": lottery["id"],
        "plan": plan["id"],
        "form": form["id"],
        "channel": channel["id"],
        "tag": tag["id"],
        "member": member["id"],
        "spend": spend["entry"]["id"],
        "rule": rule["id"],
        "dist_code": dist["code"],
        "coupon": issued["code"],
        "free_code": r.json()[0]["code"],
        "auction": auction["id"],
        "campaign": campaign["id"],
        "invite_code": kit["code"],
        "invitation": invitations[0]["id"],
        "user": user_id,
    }


def _campaign(**extra: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "name": "邀请有礼",
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=7)).isoformat(),
        "stages": [{"threshold": 1, "rewards": [{"kind": "points", "amount": 10}]}],
        **extra,
    }


def _order(**extra: Any) -> dict[str, Any]:
    item = {"product_id": "S", "name": "n", "quantity": 1, "price_cents": 100}
    return {"external_id": "T9", "paid_at": datetime.now(UTC).isoformat(), "items": [item], **extra}


Ids = dict[str, Any]
Case = tuple[str, str, Callable[[Ids, Ids], tuple[str, str, dict[str, Any]]], str]
POST, PATCH = "POST", "PATCH"

#: (name, the body field it names, (mine, theirs) → (method, path, body), expected code).
#: ``theirs`` holds the other workspace's rows — or, in the second pass, ids (and codes)
#: that exist nowhere.
CASES: list[Case] = [
    # coupon templates, from any kind of reward, prize, plan or tier
    (
        "gift reward",
        "rewards.RewardIn.coupon_template_id",
        lambda m, o: (
            POST,
            "/api/v1/rewards",
            {"name": "g", "kind": "gift", "points_cost": 5, "coupon_template_id": o["tpl"]},
        ),
        "unknown_coupon_template",
    ),
    (
        "coupon reward",
        "rewards.RewardIn.coupon_template_id",
        lambda m, o: (
            POST,
            "/api/v1/rewards",
            {"name": "c", "kind": "coupon", "points_cost": 5, "coupon_template_id": o["tpl"]},
        ),
        "unknown_coupon_template",
    ),
    (
        "gift prize",
        "rewards.PrizeIn.coupon_template_id",
        lambda m, o: (
            POST,
            "/api/v1/lotteries",
            {
                "name": "l",
                "prizes": [
                    {"name": "p", "kind": "gift", "probability_bp": 10, "coupon_template_id": o["tpl"]}
                ],
            },
        ),
        "unknown_coupon_template",
    ),
    (
        "points prize",
        "rewards.PrizeIn.coupon_template_id",
        lambda m, o: (
            POST,
            "/api/v1/lotteries",
            {
                "name": "l",
                "prizes": [
                    {
                        "name": "p",
                        "kind": "points",
                        "points": 5,
                        "probability_bp": 10,
                        "coupon_template_id": o["tpl"],
                    }
                ],
            },
        ),
        "unknown_coupon_template",
    ),
    (
        "coupon prize",
        "rewards.PrizeIn.coupon_template_id",
        lambda m, o: (
            POST,
            "/api/v1/lotteries",
            {
                "name": "l",
                "prizes": [
                    {"name": "p", "kind": "coupon", "probability_bp": 10, "coupon_template_id": o["tpl"]}
                ],
            },
        ),
        "unknown_coupon_template",
    ),
    (
        "plan gift coupons",
        "membership.PlanIn.gift_coupon_template_ids",
        lambda m, o: (
            POST,
            "/api/v1/membership-plans",
            {
                "name": "p",
                "price_cents": 100,
                "period": "month",
                "gift_coupon_template_ids": [m["tpl"], o["tpl"]],
            },
        ),
        "unknown_coupon_template",
    ),
    (
        "plan benefit coupons",
        "membership.PlanIn.benefits",
        lambda m, o: (
            POST,
            "/api/v1/membership-plans",
            {
                "name": "p",
                "price_cents": 100,
                "period": "month",
                "benefits": {"coupon_template_ids": [o["tpl"]]},
            },
        ),
        "unknown_coupon_template",
    ),
    (
        "plan gift coupons changed",
        "membership.PlanPatch.gift_coupon_template_ids",
        lambda m, o: (
            PATCH,
            f"/api/v1/membership-plans/{m['plan']}",
            {"gift_coupon_template_ids": [m["tpl"], o["tpl"]]},
        ),
        "unknown_coupon_template",
    ),
    (
        "plan benefit coupons changed",
        "membership.PlanPatch.benefits",
        lambda m, o: (
            PATCH,
            f"/api/v1/membership-plans/{m['plan']}",
            {"benefits": {"coupon_template_ids": [o["tpl"]]}},
        ),
        "unknown_coupon_template",
    ),
    (
        "tier benefit coupons",
        "loyalty.TierIn.benefits",
        lambda m, o: (
            POST,
            "/api/v1/tiers",
            {"name": "金卡", "rank": 2, "threshold": 500, "benefits": {"coupon_template_ids": [o["tpl"]]}},
        ),
        "unknown_coupon_template",
    ),
    (
        "tier patch coupons",
        "loyalty.TierPatch.benefits",
        lambda m, o: (PATCH, f"/api/v1/tiers/{m['tier']}", {"benefits": {"coupon_template_ids": [o["tpl"]]}}),
        "unknown_coupon_template",
    ),
    (
        "issue: template",
        "coupons.IssueIn.template_id",
        lambda m, o: (POST, "/api/v1/coupons", {"template_id": o["tpl"], "member_id": m["member"]}),
        "unknown_coupon_template",
    ),
    # members named by loyalty
    (
        "issue: member",
        "coupons.IssueIn.member_id",
        lambda m, o: (POST, "/api/v1/coupons", {"template_id": m["tpl"], "member_id": o["member"]}),
        "unknown_member",
    ),
    (
        "claim coupon: member",
        "coupons.ClaimIn.member_id",
        lambda m, o: (POST, f"/api/v1/coupons/{m['free_code']}/claim", {"member_id": o["member"]}),
        "unknown_member",
    ),
    (
        "redeem coupon: member",
        "coupons.RedeemCouponIn.member_id",
        lambda m, o: (POST, f"/api/v1/coupons/{m['coupon']}/redeem", {"member_id": o["member"]}),
        "unknown_member",
    ),
    (
        "redeem reward: member",
        "rewards.RedeemRewardIn.member_id",
        lambda m, o: (POST, f"/api/v1/rewards/{m['reward']}/redeem", {"member_id": o["member"]}),
        "unknown_member",
    ),
    (
        "draw: member",
        "rewards.DrawIn.member_id",
        lambda m, o: (POST, f"/api/v1/lotteries/{m['lottery']}/draws", {"member_id": o["member"]}),
        "unknown_member",
    ),
    (
        "bid: member",
        "rewards.BidIn.member_id",
        lambda m, o: (POST, f"/api/v1/auctions/{m['auction']}/bids", {"member_id": o["member"], "amount": 1}),
        "unknown_member",
    ),
    # tiers, segments, plans
    (
        "rule: tier",
        "loyalty.Conditions.tier_ids",
        lambda m, o: (
            POST,
            "/api/v1/earn-rules",
            {"name": "r", "trigger": "signup", "points": 1, "conditions": {"tier_ids": [o["tier"]]}},
        ),
        "unknown_tier",
    ),
    (
        "rule patch: tier",
        "loyalty.Conditions.tier_ids",
        lambda m, o: (PATCH, f"/api/v1/earn-rules/{m['rule']}", {"conditions": {"tier_ids": [o["tier"]]}}),
        "unknown_tier",
    ),
    (
        "rule: segment",
        "loyalty.Conditions.segment_id",
        lambda m, o: (
            POST,
            "/api/v1/earn-rules",
            {"name": "r", "trigger": "signup", "points": 1, "conditions": {"segment_id": o["segment"]}},
        ),
        "unknown_segment",
    ),
    (
        "set tier",
        "loyalty.SetTierIn.tier_id",
        lambda m, o: (POST, f"/api/v1/members/{m['member']}/tier", {"tier_id": o["tier"], "reason": "x"}),
        "unknown_tier",
    ),
    (
        "subscribe: plan",
        "membership.PurchaseIn.plan_id",
        lambda m, o: (
            POST,
            f"/api/v1/members/{m['member']}/subscriptions",
            {"plan_id": o["plan"], "payment_ref": "X1"},
        ),
        "unknown_plan",
    ),
    # referral campaigns
    (
        "campaign: coupon",
        "referrals.RewardSpec.template_id",
        lambda m, o: (
            POST,
            "/api/v1/referrals/campaigns",
            _campaign(invitee_rewards=[{"kind": "coupon", "template_id": o["tpl"]}]),
        ),
        "unknown_coupon_template",
    ),
    (
        "campaign: stray template",
        "referrals.RewardSpec.template_id",
        lambda m, o: (
            POST,
            "/api/v1/referrals/campaigns",
            _campaign(invitee_rewards=[{"kind": "points", "amount": 1, "template_id": o["tpl"]}]),
        ),
        "unknown_coupon_template",
    ),
    (
        "campaign: reward",
        "referrals.RewardSpec.reward_id",
        lambda m, o: (
            POST,
            "/api/v1/referrals/campaigns",
            _campaign(stages=[{"threshold": 1, "rewards": [{"kind": "reward", "reward_id": o["reward"]}]}]),
        ),
        "unknown_reward",
    ),
    (
        "campaign: lottery",
        "referrals.RewardSpec.lottery_id",
        lambda m, o: (
            POST,
            "/api/v1/referrals/campaigns",
            _campaign(invitee_rewards=[{"kind": "lottery", "lottery_id": o["lottery"]}]),
        ),
        "unknown_lottery",
    ),
    (
        "campaign: segment",
        "referrals.Eligibility.segment_id",
        lambda m, o: (
            POST,
            "/api/v1/referrals/campaigns",
            _campaign(eligibility={"segment_id": o["segment"]}),
        ),
        "unknown_segment",
    ),
    (
        "campaign: tier",
        "referrals.Eligibility.tier_ids",
        lambda m, o: (POST, "/api/v1/referrals/campaigns", _campaign(eligibility={"tier_ids": [o["tier"]]})),
        "unknown_tier",
    ),
    (
        "campaign: form",
        "referrals.Goal.form_id",
        lambda m, o: (
            POST,
            "/api/v1/referrals/campaigns",
            _campaign(goal={"kind": "form", "form_id": o["form"]}),
        ),
        "unknown_form",
    ),
    (
        "campaign: stray form",
        "referrals.Goal.form_id",
        lambda m, o: (
            POST,
            "/api/v1/referrals/campaigns",
            _campaign(goal={"kind": "join", "form_id": o["form"]}),
        ),
        "unknown_form",
    ),
    (
        "campaign: channel",
        "referrals.CampaignIn.channel_id",
        lambda m, o: (POST, "/api/v1/referrals/campaigns", _campaign(channel_id=o["channel"])),
        "unknown_channel",
    ),
    (
        "take part: member",
        "referrals.TakePartIn.member_id",
        lambda m, o: (
            POST,
            f"/api/v1/referrals/campaigns/{m['campaign']}/participants",
            {"member_id": o["member"]},
        ),
        "unknown_member",
    ),
    (
        "claim: code",
        "referrals.ClaimIn.code",
        lambda m, o: (
            POST,
            f"/api/v1/referrals/campaigns/{m['campaign']}/claims",
            {"member_id": m["member"], "code": str(o["invite_code"])},
        ),
        "unknown_invite_code",
    ),
    (
        "claim: member",
        "referrals.ClaimIn.member_id",
        lambda m, o: (
            POST,
            f"/api/v1/referrals/campaigns/{m['campaign']}/claims",
            {"member_id": o["member"], "code": m["invite_code"]},
        ),
        "unknown_member",
    ),
    (
        "claim invitation: member",
        "referrals.ClaimInvitationIn.member_id",
        lambda m, o: (
            POST,
            f"/api/v1/referrals/invitations/{m['invitation']}/claim",
            {"member_id": o["member"]},
        ),
        "unknown_member",
    ),
    # orders and stored value
    (
        "order: member",
        "commerce.OrderIn.member_id",
        lambda m, o: (POST, "/api/v1/orders", _order(member_id=o["member"])),
        "unknown_member",
    ),
    (
        "order: channel",
        "commerce.OrderIn.channel_id",
        lambda m, o: (POST, "/api/v1/orders", _order(channel_id=o["channel"])),
        "unknown_channel",
    ),
    (
        "wallet refund: spend",
        "commerce.WalletRefundIn.spend_entry_id",
        lambda m, o: (
            POST,
            f"/api/v1/members/{m['member']}/wallet/refunds",
            {"spend_entry_id": o["spend"], "amount_cents": 50, "refund_ref": "R9"},
        ),
        "unknown_wallet_entry",
    ),
    # members
    (
        "member: channel",
        "members.MemberIn.source_channel_id",
        lambda m, o: (POST, "/api/v1/members", {"phone": "13911112222", "source_channel_id": o["channel"]}),
        "unknown_channel",
    ),
    (
        "returning member: channel",
        "members.MemberIn.source_channel_id",
        lambda m, o: (
            POST,
            "/api/v1/members/join",
            {"phone": "13800000001", "source_channel_id": o["channel"]},
        ),
        "unknown_channel",
    ),
    (
        "member: owner",
        "members.MemberIn.owner_user_id",
        lambda m, o: (POST, "/api/v1/members", {"phone": "13911112222", "owner_user_id": o["user"]}),
        "unknown_user",
    ),
    (
        "returning member: owner",
        "members.MemberIn.owner_user_id",
        lambda m, o: (POST, "/api/v1/members/join", {"phone": "13800000001", "owner_user_id": o["user"]}),
        "unknown_user",
    ),
    (
        "member patch: owner",
        "members.MemberPatch.owner_user_id",
        lambda m, o: (PATCH, f"/api/v1/members/{m['member']}", {"owner_user_id": o["user"]}),
        "unknown_user",
    ),
    (
        "tag: add",
        "members.TaggingIn.add",
        lambda m, o: (POST, f"/api/v1/members/{m['member']}/tags", {"add": [o["tag"]]}),
        "unknown_tag",
    ),
    (
        "tag: remove",
        "members.TaggingIn.remove",
        lambda m, o: (POST, f"/api/v1/members/{m['member']}/tags", {"remove": [o["tag"]]}),
        "unknown_tag",
    ),
    (
        "segment: tag",
        "members.SegmentIn.filter",
        lambda m, o: (
            POST,
            "/api/v1/segments",
            {"name": "t", "filter": {"field": "tag", "op": "has", "value": o["tag"]}},
        ),
        "unknown_tag",
    ),
    (
        "segment edit: tag",
        "members.SegmentPatch.filter",
        lambda m, o: (
            PATCH,
            f"/api/v1/segments/{m['segment']}",
            {"filter": {"field": "tag", "op": "has", "value": o["tag"]}},
        ),
        "unknown_tag",
    ),
    (
        "segment preview: tag",
        "members.FilterIn.filter",
        lambda m, o: (
            POST,
            "/api/v1/segments/preview",
            {"filter": {"field": "tag", "op": "has", "value": o["tag"]}},
        ),
        "unknown_tag",
    ),
    # distribution
    (
        "distributor: member",
        "distribution.AppointIn.member_id",
        lambda m, o: (POST, "/api/v1/distribution/distributors", {"member_id": o["member"]}),
        "unknown_member",
    ),
    (
        "distributor: recruiter",
        "distribution.AppointIn.parent_code",
        lambda m, o: (
            POST,
            "/api/v1/distribution/distributors",
            {"member_id": m["member"], "parent_code": str(o["dist_code"])},
        ),
        "unknown_distributor_code",
    ),
    (
        "binding: distributor",
        "distribution.BindIn.code",
        lambda m, o: (
            POST,
            "/api/v1/distribution/bindings",
            {"member_id": m["member"], "code": str(o["dist_code"])},
        ),
        "unknown_distributor_code",
    ),
    (
        "binding: member",
        "distribution.BindIn.member_id",
        lambda m, o: (
            POST,
            "/api/v1/distribution/bindings",
            {"member_id": o["member"], "code": m["dist_code"]},
        ),
        "unknown_member",
    ),
]

#: Body fields that look like references but name no row of ours, and why.
NOT_REFERENCES = {
    "commerce.OrderIn.external_id": "the shop's order id: the natural key, not a row",
    "commerce.RefundIn.external_id": "the shop's refund id: the natural key",
    "commerce.OrderItemIn.product_id": "the shop's product id: text",
    "distribution.PlanIn.product_ids": "the shop's product ids: text",
    "distribution.PlanPatch.product_ids": "the shop's product ids: text",
    "distribution.SettingsIn.gift_pack_product_ids": "the shop's product ids: text",
    "loyalty.Conditions.product_ids": "the shop's product ids: text",
    "loyalty.ActivityIn.external_id": "the client's id of the activity (a dedupe key, per member)",
    "loyalty.SpendIn.ref_id": "free text stored with the ledger entry",
    "members.Identities.customer_id": "an identity of the member, not a row",
    "members.MemberIn.customer_id": "an identity of the member, not a row",
    "members.MemberIn.visitor_id": "the visitor cookie; its clicks are looked up in the workspace only",
    "members.SubmissionIn.visitor_id": "the visitor cookie; its clicks are looked up in the workspace only",
}

DOMAINS = ("loyalty", "coupons", "rewards", "membership", "referrals", "distribution", "commerce", "members")


async def _counts(engine: AsyncEngine) -> dict[str, Any]:
    async with unit_of_work(readonly=True, engine=engine) as s:
        return {
            t.name: int(await s.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
        }


async def test_references_to_another_workspace_or_nowhere_are_refused_and_write_nothing(
    client: httpx.AsyncClient, app: Any, tenant: Tenant, engine: AsyncEngine
):
    other = await make_tenant(engine, "globex", "go.globex.test")
    mine = await _rows(client, app, engine, tenant, "13800000001")
    theirs = await _rows(client, app, engine, other, "13800000002")
    nowhere = {k: UNKNOWN if isinstance(v, int) else "NOWHERE99" for k, v in theirs.items()}
    before = await _counts(engine)
    wrong: list[tuple[str, str, int, str]] = []
    for name, _what, build, code in CASES:
        answers = set()
        for label, ids in (("theirs", theirs), ("nowhere", nowhere)):
            method, path, body = build(mine, ids)
            r = await client.request(method, path, json=body, headers=tenant.headers)
            is_json = r.headers.get("content-type", "").startswith("application/json")
            got = (r.json().get("error") or {}).get("code") if is_json else None
            if r.status_code not in (400, 404) or got != code:
                wrong.append((name, label, r.status_code, r.text[:200]))
            answers.add((r.status_code, got))
        if len(answers) != 1:
            wrong.append(
                (name, "another workspace's row and no row are answered differently", 0, str(answers))
            )
    assert wrong == []
    assert await _counts(engine) == before


@pytest.mark.parametrize("field", ["coupon_template_ids", "birthday_points", "points_multiplier"])
async def test_tier_benefits_hold_values_of_their_kind(client: httpx.AsyncClient, tenant: Tenant, field: str):
    bad = {"coupon_template_ids": "1", "birthday_points": "many", "points_multiplier": True}[field]
    r = await client.post(
        "/api/v1/tiers",
        json={"name": "银卡", "rank": 1, "threshold": 0, "benefits": {field: bad}},
        headers=tenant.headers,
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_tier", r.text


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if hasattr(route, "original_router"):
            yield from _routes(route.original_router.routes)
        elif isinstance(route, APIRoute):
            yield route


def _fields(
    model: type[BaseModel], seen: frozenset[type[BaseModel]]
) -> Iterator[tuple[type[BaseModel], str]]:
    for name, field in model.model_fields.items():
        yield model, name
        for sub in _nested(field.annotation):
            if sub not in seen:
                yield from _fields(sub, seen | {sub})


def _nested(annotation: Any) -> Iterator[type[BaseModel]]:
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _nested(arg)


def _looks_like_a_reference(name: str) -> bool:
    return name.endswith(("_id", "_ids", "_code")) or name in ("code", "benefits", "add", "remove", "filter")


def test_every_reference_a_body_takes_is_tried_across_workspaces(app: Any) -> None:
    """Closes the class: a new body field that names a row (``…_id``, ``…_ids``, a
    code, benefits, tags, a filter) in these domains fails here until a case above
    tries it with another workspace's row and with none — or it is listed, with the
    reason, as naming no row."""
    covered = {field for _, field, _, _ in CASES}
    found: set[str] = set()
    for route in _routes(app.app.routes):
        for param in route.dependant.body_params:
            for top in _nested(param.field_info.annotation):
                for model, name in _fields(top, frozenset({top})):
                    domain = model.__module__.split(".")[1]
                    if domain in DOMAINS and _looks_like_a_reference(name):
                        found.add(f"{domain}.{model.__name__}.{name}")
    assert len(found) > 40
    assert sorted(found - covered - NOT_REFERENCES.keys()) == []
    assert sorted((covered | NOT_REFERENCES.keys()) - found) == []  # no stale entries
