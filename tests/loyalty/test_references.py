"""Every id a request body names must be a row of the caller's workspace.

Two workspaces: the caller's (acme) and another (globex) that owns a coupon template,
a tier, a segment, a reward, a lottery, a plan, a form, a channel, a tag, a member and
a wallet spend. Each request below names one of globex's rows — and then an id that
exists nowhere. Both are refused with the same status and the same stable code (never
500, never 201), and nothing at all is written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, make_tenant
from yutang.kit.db import unit_of_work
from yutang.models import Base

UNKNOWN = 9_000_000_000


async def _post(client: httpx.AsyncClient, t: Tenant, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post(path, json=body, headers=t.headers)
    assert r.status_code in (200, 201), (path, r.text)
    return dict(r.json())


async def _rows(client: httpx.AsyncClient, t: Tenant, phone: str) -> dict[str, Any]:
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


Case = tuple[str, str, Callable[[dict[str, Any], dict[str, Any]], tuple[str, dict[str, Any]]], str]

#: (name, what is named, (mine, theirs) → (path, body), expected code). ``theirs`` holds
#: the other workspace's ids — or, in the second pass, ids that exist nowhere.
CASES: list[Case] = [
    (
        "gift reward",
        "tpl",
        lambda m, o: (
            "/api/v1/rewards",
            {"name": "g", "kind": "gift", "points_cost": 5, "coupon_template_id": o["tpl"]},
        ),
        "unknown_coupon_template",
    ),
    (
        "coupon reward",
        "tpl",
        lambda m, o: (
            "/api/v1/rewards",
            {"name": "c", "kind": "coupon", "points_cost": 5, "coupon_template_id": o["tpl"]},
        ),
        "unknown_coupon_template",
    ),
    (
        "gift prize",
        "tpl",
        lambda m, o: (
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
        "tpl",
        lambda m, o: (
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
        "tpl",
        lambda m, o: (
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
        "tpl",
        lambda m, o: (
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
        "tpl",
        lambda m, o: (
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
        "tier benefit coupons",
        "tpl",
        lambda m, o: (
            "/api/v1/tiers",
            {"name": "金卡", "rank": 2, "threshold": 500, "benefits": {"coupon_template_ids": [o["tpl"]]}},
        ),
        "unknown_coupon_template",
    ),
    (
        "issue: template",
        "tpl",
        lambda m, o: ("/api/v1/coupons", {"template_id": o["tpl"], "member_id": m["member"]}),
        "unknown_coupon_template",
    ),
    (
        "issue: member",
        "member",
        lambda m, o: ("/api/v1/coupons", {"template_id": m["tpl"], "member_id": o["member"]}),
        "unknown_member",
    ),
    (
        "rule: tier",
        "tier",
        lambda m, o: (
            "/api/v1/earn-rules",
            {"name": "r", "trigger": "signup", "points": 1, "conditions": {"tier_ids": [o["tier"]]}},
        ),
        "unknown_tier",
    ),
    (
        "rule: segment",
        "segment",
        lambda m, o: (
            "/api/v1/earn-rules",
            {"name": "r", "trigger": "signup", "points": 1, "conditions": {"segment_id": o["segment"]}},
        ),
        "unknown_segment",
    ),
    (
        "set tier",
        "tier",
        lambda m, o: (f"/api/v1/members/{m['member']}/tier", {"tier_id": o["tier"], "reason": "x"}),
        "unknown_tier",
    ),
    (
        "subscribe: plan",
        "plan",
        lambda m, o: (
            f"/api/v1/members/{m['member']}/subscriptions",
            {"plan_id": o["plan"], "payment_ref": "X1"},
        ),
        "unknown_plan",
    ),
    (
        "redeem: member",
        "member",
        lambda m, o: (f"/api/v1/rewards/{m['reward']}/redeem", {"member_id": o["member"]}),
        "unknown_member",
    ),
    (
        "draw: member",
        "member",
        lambda m, o: (f"/api/v1/lotteries/{m['lottery']}/draws", {"member_id": o["member"]}),
        "unknown_member",
    ),
    (
        "campaign: coupon",
        "tpl",
        lambda m, o: (
            "/api/v1/referrals/campaigns",
            _campaign(invitee_rewards=[{"kind": "coupon", "template_id": o["tpl"]}]),
        ),
        "unknown_coupon_template",
    ),
    (
        "campaign: stray template",
        "tpl",
        lambda m, o: (
            "/api/v1/referrals/campaigns",
            _campaign(invitee_rewards=[{"kind": "points", "amount": 1, "template_id": o["tpl"]}]),
        ),
        "unknown_coupon_template",
    ),
    (
        "campaign: reward",
        "reward",
        lambda m, o: (
            "/api/v1/referrals/campaigns",
            _campaign(stages=[{"threshold": 1, "rewards": [{"kind": "reward", "reward_id": o["reward"]}]}]),
        ),
        "unknown_reward",
    ),
    (
        "campaign: lottery",
        "lottery",
        lambda m, o: (
            "/api/v1/referrals/campaigns",
            _campaign(invitee_rewards=[{"kind": "lottery", "lottery_id": o["lottery"]}]),
        ),
        "unknown_lottery",
    ),
    (
        "campaign: segment",
        "segment",
        lambda m, o: ("/api/v1/referrals/campaigns", _campaign(eligibility={"segment_id": o["segment"]})),
        "unknown_segment",
    ),
    (
        "campaign: tier",
        "tier",
        lambda m, o: ("/api/v1/referrals/campaigns", _campaign(eligibility={"tier_ids": [o["tier"]]})),
        "unknown_tier",
    ),
    (
        "campaign: form",
        "form",
        lambda m, o: ("/api/v1/referrals/campaigns", _campaign(goal={"kind": "form", "form_id": o["form"]})),
        "unknown_form",
    ),
    (
        "campaign: stray form",
        "form",
        lambda m, o: ("/api/v1/referrals/campaigns", _campaign(goal={"kind": "join", "form_id": o["form"]})),
        "unknown_form",
    ),
    (
        "campaign: channel",
        "channel",
        lambda m, o: ("/api/v1/referrals/campaigns", _campaign(channel_id=o["channel"])),
        "unknown_channel",
    ),
    (
        "take part: member",
        "member",
        lambda m, o: (
            f"/api/v1/referrals/campaigns/{m['campaign']}/participants",
            {"member_id": o["member"]},
        ),
        "unknown_member",
    ),
    (
        "order: member",
        "member",
        lambda m, o: (
            "/api/v1/orders",
            {
                "external_id": "T9",
                "member_id": o["member"],
                "paid_at": datetime.now(UTC).isoformat(),
                "items": [{"product_id": "S", "name": "n", "quantity": 1, "price_cents": 100}],
            },
        ),
        "unknown_member",
    ),
    (
        "order: channel",
        "channel",
        lambda m, o: (
            "/api/v1/orders",
            {
                "external_id": "T9",
                "channel_id": o["channel"],
                "paid_at": datetime.now(UTC).isoformat(),
                "items": [{"product_id": "S", "name": "n", "quantity": 1, "price_cents": 100}],
            },
        ),
        "unknown_channel",
    ),
    (
        "member: channel",
        "channel",
        lambda m, o: ("/api/v1/members", {"phone": "13911112222", "source_channel_id": o["channel"]}),
        "unknown_channel",
    ),
    (
        "member: tag",
        "tag",
        lambda m, o: (f"/api/v1/members/{m['member']}/tags", {"add": [o["tag"]]}),
        "unknown_tag",
    ),
    (
        "wallet refund: spend",
        "spend",
        lambda m, o: (
            f"/api/v1/members/{m['member']}/wallet/refunds",
            {"spend_entry_id": o["spend"], "amount_cents": 50, "refund_ref": "R9"},
        ),
        "unknown_wallet_entry",
    ),
    (
        "distributor: member",
        "member",
        lambda m, o: ("/api/v1/distribution/distributors", {"member_id": o["member"]}),
        "unknown_member",
    ),
    (
        "segment: tag",
        "tag",
        lambda m, o: (
            "/api/v1/segments",
            {"name": "t", "filter": {"field": "tag", "op": "has", "value": o["tag"]}},
        ),
        "unknown_tag",
    ),
    (
        "distributor: recruiter",
        "dist_code",
        lambda m, o: (
            "/api/v1/distribution/distributors",
            {"member_id": m["member"], "parent_code": str(o["dist_code"])},
        ),
        "unknown_distributor_code",
    ),
    (
        "binding: distributor",
        "dist_code",
        lambda m, o: (
            "/api/v1/distribution/bindings",
            {"member_id": m["member"], "code": str(o["dist_code"])},
        ),
        "unknown_distributor_code",
    ),
]


async def _counts(engine: AsyncEngine) -> dict[str, Any]:
    async with unit_of_work(readonly=True, engine=engine) as s:
        return {
            t.name: int(await s.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
        }


async def test_references_to_another_workspace_or_nowhere_are_refused_and_write_nothing(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
):
    other = await make_tenant(engine, "globex", "go.globex.test")
    mine = await _rows(client, tenant, "13800000001")
    theirs = await _rows(client, other, "13800000002")
    mine["campaign"] = (await _post(client, tenant, "/api/v1/referrals/campaigns", _campaign()))["id"]
    nowhere = {k: UNKNOWN for k in theirs}
    before = await _counts(engine)
    wrong: list[tuple[str, str, int, str]] = []
    for name, _what, build, code in CASES:
        answers = set()
        for label, ids in (("theirs", theirs), ("nowhere", nowhere)):
            path, body = build(mine, ids)
            r = await client.post(path, json=body, headers=tenant.headers)
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
