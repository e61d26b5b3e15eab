"""忠诚度 Loyalty in the console: what an operator does there lands through the loyalty,
coupons, rewards, membership and stored-value services exactly as through the API; a
refused form keeps nothing and says why beside the field, in the operator's language;
analysts and staff read but change nothing; another workspace's ids are refused; every
value is shown in words in both languages."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.web import browser
from yutang.kit.db import unit_of_work
from yutang.models.loyalty import EarnRule
from yutang.web.i18n.errors import ERROR_WORDS

LANGS = ("zh-CN", "en")
ERROR_INVALID_AMOUNT = ERROR_WORDS["invalid_amount"]["zh-CN"]


async def _signed_in(
    client: httpx.AsyncClient, engine: AsyncEngine, tenant: Tenant, role: str = "operator"
) -> None:
    email = f"{role}@acme.example"
    await browser.make_user(engine, tenant.id, email, role)
    assert (await browser.login(client, email)).status_code == 303


async def _submit(client: httpx.AsyncClient, path: str, data: dict[str, Any], page: str) -> httpx.Response:
    return await browser.post(client, path, data, page=page)


def _saved(r: httpx.Response, location: str | None = None) -> None:
    """The form was taken (a redirect, to ``location`` when given); else what it said."""
    said = re.findall(r'class="(?:field-error|error)"[^>]*>([^<]+)<', r.text)
    assert r.status_code == 303, (r.status_code, said)
    if location is not None:
        assert r.headers["location"] == location


def _field_error(html: str, name: str) -> str:
    found = re.search(rf'id="e-{re.escape(name)}"[^>]*>([^<]+)<', html)
    assert found, f"no error beside {name}"
    return found.group(1)


async def _rows(engine: AsyncEngine, model: Any, workspace_id: int) -> list[Any]:
    async with unit_of_work(readonly=True, engine=engine) as s:
        stmt = select(model).where(model.workspace_id == workspace_id).order_by(model.id)
        return list((await s.scalars(stmt)).all())


async def _api(client: httpx.AsyncClient, tenant: Tenant, path: str) -> Any:
    r = await client.get(f"/api/v1/{path}", headers=tenant.headers)
    assert r.status_code == 200, r.text
    return r.json()


# --- earn rules ---------------------------------------------------------------------------

ORDER_RULE = {
    "name": "消费每满1元得1积分",
    "trigger": "order_paid",
    "amount_type": "per_unit",
    "points": "1",
    "unit_cents": "1.00",
    "tier_multiplier": "on",
    "conditions.min_amount_cents": "99",
    "conditions.categories": "护肤，彩妆",
    "caps.day": "5,000",
    "expiry_months": "12",
    "pending_days": "7",
}


async def test_an_operator_creates_earn_rules_and_sees_them_in_words(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _signed_in(client, engine, tenant)
    made = await _submit(client, "/console/loyalty/rule", ORDER_RULE, "/console/loyalty/rule")
    assert made.status_code == 303 and made.headers["location"] == "/console/loyalty?done=created"
    signup = {"name": "入会礼", "trigger": "signup", "points": "200", "paused": "on"}
    assert (
        await _submit(client, "/console/loyalty/rule", signup, "/console/loyalty/rule")
    ).status_code == 303
    custom = {
        "name": "直播间互动",
        "trigger": "custom",
        "event_name": "live_like",
        "points": "5",
        "starts_at": "2099-01-01T00:00",
    }
    assert (
        await _submit(client, "/console/loyalty/rule", custom, "/console/loyalty/rule")
    ).status_code == 303

    rules = (await _api(client, tenant, "earn-rules"))["data"]
    assert [(r["name"], r["trigger"], r["active"]) for r in rules] == [
        ("消费每满1元得1积分", "order_paid", True),
        ("入会礼", "signup", False),
        ("直播间互动", "custom", True),
    ]
    order = rules[0]
    assert (order["amount_type"], order["points"], order["unit_cents"], order["tier_multiplier"]) == (
        "per_unit",
        1,
        100,
        True,
    )
    assert order["conditions"] == {"min_amount_cents": 9900, "categories": ["护肤", "彩妆"]}
    assert order["caps"] == {"day": 5000} and order["expiry_months"] == 12 and order["pending_days"] == 7
    assert rules[2]["event_name"] == "live_like"
    assert rules[2]["starts_at"].startswith("2098-12-31T16:00")  # the workspace's zone, UTC+8

    zh = (await client.get("/console/loyalty?done=created&lang=zh-CN")).text
    for words in ("已创建", "订单支付", "注册入会", "自定义事件", "每消费 ¥1.00 得 1 积分", "订单满 ¥99.00"):
        assert words in zh, words
    for words in ("每人每天最多 5,000", "7 天后到账", "12 个月后过期", "生效中", "已暂停", "未开始"):
        assert words in zh, words
    en = (await client.get("/console/loyalty", params={"lang": "en"})).text
    for words in (
        "Order paid",
        "Sign-up",
        "Custom event",
        "1 points per ¥1.00 spent",
        "Paused",
        "Not started",
    ):
        assert words in en, words
    assert "order_paid" not in zh.replace('value="order_paid"', "")


async def test_an_operator_edits_pauses_and_resumes_a_rule(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _signed_in(client, engine, tenant)
    await _submit(client, "/console/loyalty/rule", ORDER_RULE, "/console/loyalty/rule")
    (rule,) = await _rows(engine, EarnRule, tenant.id)
    page = await client.get(f"/console/loyalty/rule?id={rule.id}")
    assert (
        page.status_code == 200 and 'value="消费每满1元得1积分"' in page.text and 'value="99.00"' in page.text
    )
    assert 'value="护肤, 彩妆"' in page.text
    edited = await _submit(
        client,
        "/console/loyalty/rule",
        {
            "id": str(rule.id),
            "name": "消费得积分（双倍）",
            "points": "2",
            "unit_cents": "1",
            "caps.month": "50000",
            "conditions.product_ids": "SKU-1, SKU-2",
            "ends_at": "2030-12-31T23:59",
            "pending_days": "0",
        },
        f"/console/loyalty/rule?id={rule.id}",
    )
    _saved(edited, "/console/loyalty?done=saved")
    api = await _api(client, tenant, f"earn-rules/{rule.id}")
    assert (api["name"], api["points"], api["trigger"], api["amount_type"]) == (
        "消费得积分（双倍）",
        2,
        "order_paid",
        "per_unit",
    )
    # conditions and caps are replaced whole; emptied fields are cleared
    assert api["conditions"] == {"product_ids": ["SKU-1", "SKU-2"]} and api["caps"] == {"month": 50000}
    assert api["expiry_months"] is None and api["tier_multiplier"] is True  # stays, as in the API
    assert api["ends_at"].startswith("2030-12-31T15:59")

    paused = await _submit(
        client, "/console/loyalty/rule/state", {"id": str(rule.id), "active": "0"}, "/console/loyalty"
    )
    assert paused.headers["location"] == "/console/loyalty?done=paused"
    assert (await _api(client, tenant, f"earn-rules/{rule.id}"))["active"] is False
    listed = await client.get("/console/loyalty?done=paused")
    assert "已暂停" in listed.text and ">恢复<" in listed.text
    await _submit(
        client, "/console/loyalty/rule/state", {"id": str(rule.id), "active": "1"}, "/console/loyalty"
    )
    assert (await _api(client, tenant, f"earn-rules/{rule.id}"))["active"] is True
    page = await client.get("/console/loyalty")
    assert 'data-confirm="暂停「消费得积分（双倍）」后' in page.text


async def test_a_refused_rule_keeps_nothing_and_says_why_beside_the_field(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _signed_in(client, engine, tenant)
    no_event = await _submit(
        client,
        "/console/loyalty/rule",
        {"name": "自定义", "trigger": "custom", "points": "5"},
        "/console/loyalty/rule",
    )
    assert no_event.status_code == 422
    assert _field_error(no_event.text, "event_name") == "自定义事件需要填写事件名"
    assert 'value="自定义"' in no_event.text  # what was typed stays
    per_unit = await _submit(
        client,
        "/console/loyalty/rule?lang=en",
        {"name": "x", "trigger": "signup", "amount_type": "per_unit", "points": "1"},
        "/console/loyalty/rule",
    )
    assert per_unit.status_code == 422
    assert _field_error(per_unit.text, "amount_type") == "Per amount spent applies to “Order paid” only"
    bad = await _submit(
        client,
        "/console/loyalty/rule?lang=zh-CN",
        {**ORDER_RULE, "conditions.min_amount_cents": "九十九", "caps.day": "0", "points": ""},
        "/console/loyalty/rule",
    )
    assert bad.status_code == 422
    assert _field_error(bad.text, "conditions.min_amount_cents") == "请输入金额（元），例如 19.90"
    assert _field_error(bad.text, "caps.day") == "不能小于 1"
    assert _field_error(bad.text, "points") == "此项必填"
    assert 'value="九十九"' in bad.text
    assert await _rows(engine, EarnRule, tenant.id) == []

    await _submit(client, "/console/loyalty/rule", ORDER_RULE, "/console/loyalty/rule")
    (rule,) = await _rows(engine, EarnRule, tenant.id)
    refused = await _submit(
        client,
        "/console/loyalty/rule",
        {"id": str(rule.id), "name": "", "points": "3", "ends_at": "2000-01-01T00:00"},
        f"/console/loyalty/rule?id={rule.id}",
    )
    assert refused.status_code == 422 and _field_error(refused.text, "name") == "此项不能为空"
    (after,) = await _rows(engine, EarnRule, tenant.id)
    assert (after.name, after.points) == ("消费每满1元得1积分", 1)


async def test_analysts_and_staff_read_rules_but_change_nothing(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    r = await client.post(
        "/api/v1/earn-rules",
        json={"name": "入会礼", "trigger": "signup", "points": 100},
        headers=tenant.headers,
    )
    rule_id = r.json()["id"]
    for role in ("analyst", "staff"):
        client.cookies.clear()
        await _signed_in(client, engine, tenant, role)
        page = await client.get("/console/loyalty")
        assert page.status_code == 200 and "入会礼" in page.text and "注册入会" in page.text
        assert "/console/loyalty/rule/state" not in page.text and "/console/loyalty/rule?" not in page.text
        assert (await client.get("/console/loyalty/rule")).status_code == 403
        assert (await client.get(f"/console/loyalty/rule?id={rule_id}")).status_code == 403
        for path, data in (
            ("/console/loyalty/rule", {"name": "x", "trigger": "signup", "points": "1"}),
            ("/console/loyalty/rule", {"id": str(rule_id), "name": "改名", "points": "1"}),
            ("/console/loyalty/rule/state", {"id": str(rule_id), "active": "0"}),
        ):
            refused = await _submit(client, path, data, "/console/loyalty")
            assert refused.status_code == 403 and "你的角色不允许" in refused.text, (role, path)
    (rule,) = await _rows(engine, EarnRule, tenant.id)
    assert (rule.name, rule.active) == ("入会礼", True)


async def test_another_workspaces_rule_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    r = await client.post(
        "/api/v1/earn-rules",
        json={"name": "别家的规则", "trigger": "signup", "points": 100},
        headers=other_tenant.headers,
    )
    theirs = r.json()["id"]
    await _signed_in(client, engine, tenant)
    assert (await client.get(f"/console/loyalty/rule?id={theirs}")).status_code == 404
    edit = await _submit(
        client,
        "/console/loyalty/rule",
        {"id": str(theirs), "name": "抢来的", "points": "1"},
        "/console/loyalty",
    )
    assert edit.status_code == 404
    pause = await _submit(
        client, "/console/loyalty/rule/state", {"id": str(theirs), "active": "0"}, "/console/loyalty"
    )
    assert pause.status_code == 404
    assert "别家的规则" not in (await client.get("/console/loyalty")).text
    (rule,) = await _rows(engine, EarnRule, other_tenant.id)
    assert (rule.name, rule.active) == ("别家的规则", True)
    assert await _rows(engine, EarnRule, tenant.id) == []


@pytest.mark.parametrize("lang", LANGS)
async def test_the_rule_form_renders_in_both_languages(
    lang: str, client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await client.post(
        "/api/v1/tiers", json={"name": "金卡", "rank": 1, "threshold": 100}, headers=tenant.headers
    )
    await _signed_in(client, engine, tenant)
    page = await client.get("/console/loyalty/rule", params={"lang": lang})
    assert page.status_code == 200 and "金卡" in page.text
    assert ("订单支付" if lang == "zh-CN" else "Order paid") in page.text
    assert page.text.count("<h1>") == 1
    for name in re.findall(r'<input id="f-([^"]+)"', page.text):
        assert f'<label for="f-{name}"' in page.text, name


# --- tiers and the tier programme -----------------------------------------------------------


async def _template(client: httpx.AsyncClient, tenant: Tenant, name: str = "满199减30") -> int:
    r = await client.post(
        "/api/v1/coupon-templates",
        json={"name": name, "kind": "amount_off", "value": 3000, "min_spend_cents": 19900, "valid_days": 30},
        headers=tenant.headers,
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def test_an_operator_sets_the_programme_and_builds_the_ladder(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    template = await _template(client, tenant)
    await _signed_in(client, engine, tenant)
    program = {"metric": "spend", "window_days": "180", "grace_days": "15", "downgrade_policy": "recompute"}
    _saved(
        await _submit(client, "/console/loyalty/tier-program", program, "/console/loyalty/tiers"),
        "/console/loyalty/tiers?done=saved",
    )
    assert await _api(client, tenant, "tier-program") == {
        "metric": "spend",
        "window_days": 180,
        "downgrade_policy": "recompute",
        "grace_days": 15,
    }
    silver = {"name": "银卡", "rank": "1", "threshold": "5,000"}
    _saved(await _submit(client, "/console/loyalty/tier", silver, "/console/loyalty/tier"))
    gold = {
        "name": "金卡",
        "rank": "2",
        "threshold": "10000.50",
        "benefits.points_multiplier": "1.5",
        "benefits.discount_percent": "5",
        "benefits.birthday_points": "500",
        "benefits.coupon_template_ids": str(template),
    }
    _saved(
        await _submit(client, "/console/loyalty/tier", gold, "/console/loyalty/tier"),
        "/console/loyalty/tiers?done=created",
    )
    ladder = (await _api(client, tenant, "tiers"))["data"]
    assert [(t["name"], t["rank"], t["threshold"]) for t in ladder] == [
        ("银卡", 1, 500000),
        ("金卡", 2, 1000050),
    ]
    assert ladder[1]["benefits"] == {
        "points_multiplier": 1.5,
        "discount_percent": 5,
        "birthday_points": 500,
        "coupon_template_ids": [template],
    }
    zh = (await client.get("/console/loyalty/tiers?lang=zh-CN")).text
    for words in ("¥5,000.00", "¥10,000.50", "积分 ×1.5", "购物优惠 5%", "生日礼 500 积分", "满199减30"):
        assert words in zh, words
    for words in ("累计消费", "按达标情况重新定级", "近 180 天", "15 天"):
        assert words in zh, words
    en = (await client.get("/console/loyalty/tiers?lang=en")).text
    for words in ("Points ×1.5", "5% off purchases", "Recalculate the tier", "Last 180 days", "Spend"):
        assert words in en, words


async def test_an_operator_edits_a_tier_and_its_other_benefits_are_kept(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    r = await client.post(
        "/api/v1/tiers",
        json={
            "name": "金卡",
            "rank": 2,
            "threshold": 500000,
            "benefits": {"distribution": True, "discount_percent": 5},
        },
        headers=tenant.headers,
    )
    tier_id = r.json()["id"]
    await _signed_in(client, engine, tenant)
    page = await client.get(f"/console/loyalty/tier?id={tier_id}")
    assert 'value="金卡"' in page.text and 'value="5000.00"' in page.text and 'value="5"' in page.text
    _saved(
        await _submit(
            client,
            "/console/loyalty/tier",
            {"id": str(tier_id), "name": "黄金卡", "threshold": "6000", "benefits.points_multiplier": "2"},
            f"/console/loyalty/tier?id={tier_id}",
        ),
        "/console/loyalty/tiers?done=saved",
    )
    (tier,) = (await _api(client, tenant, "tiers"))["data"]
    assert (tier["name"], tier["rank"], tier["threshold"]) == ("黄金卡", 2, 600000)
    assert tier["benefits"] == {"distribution": True, "points_multiplier": 2}
    assert "分销资格" in (await client.get("/console/loyalty/tiers")).text

    # measured by points, thresholds are typed and shown as points
    await _submit(
        client,
        "/console/loyalty/tier-program",
        {"metric": "points", "grace_days": "0"},
        "/console/loyalty/tiers",
    )
    assert (await _api(client, tenant, "tier-program"))["window_days"] is None  # empty: all time
    _saved(
        await _submit(
            client,
            "/console/loyalty/tier",
            {"id": str(tier_id), "name": "黄金卡", "threshold": "20,000"},
            f"/console/loyalty/tier?id={tier_id}",
        )
    )
    assert (await _api(client, tenant, "tiers"))["data"][0]["threshold"] == 20000
    listed = (await client.get("/console/loyalty/tiers")).text
    assert "20,000 积分" in listed and "全部历史" in listed and "累计积分" in listed


async def test_a_refused_tier_keeps_nothing_and_says_why_beside_the_field(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await client.post(
        "/api/v1/tiers", json={"name": "银卡", "rank": 1, "threshold": 500000}, headers=tenant.headers
    )
    await _signed_in(client, engine, tenant)
    low = await _submit(
        client,
        "/console/loyalty/tier",
        {"name": "金卡", "rank": "2", "threshold": "100"},
        "/console/loyalty/tier",
    )
    assert low.status_code == 400 and _field_error(low.text, "threshold") == "级别越高门槛须越高"
    taken = await _submit(
        client,
        "/console/loyalty/tier",
        {"name": "银卡", "rank": "3", "threshold": "9000"},
        "/console/loyalty/tier",
    )
    assert taken.status_code == 409 and _field_error(taken.text, "name") == "已有相同级别或名称的会员等级。"
    bad = await _submit(
        client,
        "/console/loyalty/tier?lang=en",
        {"name": "金卡", "rank": "2", "threshold": "9000", "benefits.points_multiplier": "双倍"},
        "/console/loyalty/tier",
    )
    assert bad.status_code == 400
    assert _field_error(bad.text, "benefits.points_multiplier") == "Enter a number above 0, up to 10"
    money = await _submit(
        client,
        "/console/loyalty/tier?lang=zh-CN",
        {"name": "金卡", "rank": "2", "threshold": "一万"},
        "/console/loyalty/tier",
    )
    assert (
        money.status_code == 422 and _field_error(money.text, "threshold") == "请输入金额（元），例如 19.90"
    )
    program = await _submit(
        client,
        "/console/loyalty/tier-program",
        {"metric": "spend", "grace_days": "-1"},
        "/console/loyalty/tiers",
    )
    assert program.status_code == 422 and _field_error(program.text, "grace_days") == "不能小于 0"
    assert [t["name"] for t in (await _api(client, tenant, "tiers"))["data"]] == ["银卡"]
    assert (await _api(client, tenant, "tier-program"))["grace_days"] == 30  # the default, untouched


async def test_evaluating_tiers_says_what_moved(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    from tests.factories import api_member

    await client.post(
        "/api/v1/tiers", json={"name": "银卡", "rank": 1, "threshold": 100}, headers=tenant.headers
    )
    for i in range(3):
        await api_member(client, tenant, phone=f"1380013800{i}")
    await _signed_in(client, engine, tenant)
    r = await _submit(client, "/console/loyalty/tiers/evaluate", {}, "/console/loyalty/tiers")
    assert r.status_code == 303 and "done=evaluated" in r.headers["location"]
    page = await client.get(r.headers["location"])
    assert "已评估 3 位会员：升级 0 位，降级 0 位，进入保级期 0 位。" in page.text
    assert "data-confirm=" in (await client.get("/console/loyalty/tiers")).text


async def test_analysts_and_staff_read_tiers_but_change_nothing(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    r = await client.post(
        "/api/v1/tiers", json={"name": "银卡", "rank": 1, "threshold": 100}, headers=tenant.headers
    )
    tier_id = r.json()["id"]
    for role in ("analyst", "staff"):
        client.cookies.clear()
        await _signed_in(client, engine, tenant, role)
        page = await client.get("/console/loyalty/tiers")
        assert page.status_code == 200 and "银卡" in page.text and "¥1.00" in page.text
        assert "/console/loyalty/tier-program" not in page.text and "/console/loyalty/tier?" not in page.text
        assert (await client.get(f"/console/loyalty/tier?id={tier_id}")).status_code == 403
        for path, data in (
            ("/console/loyalty/tier", {"name": "金卡", "rank": "2", "threshold": "9"}),
            ("/console/loyalty/tier", {"id": str(tier_id), "name": "改名", "threshold": "9"}),
            ("/console/loyalty/tier-program", {"metric": "points"}),
            ("/console/loyalty/tiers/evaluate", {}),
        ):
            refused = await _submit(client, path, data, "/console/loyalty/tiers")
            assert refused.status_code == 403, (role, path)
    assert [t["name"] for t in (await _api(client, tenant, "tiers"))["data"]] == ["银卡"]
    assert (await _api(client, tenant, "tier-program"))["metric"] == "spend"


async def test_another_workspaces_tier_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    r = await client.post(
        "/api/v1/tiers", json={"name": "别家金卡", "rank": 1, "threshold": 100}, headers=other_tenant.headers
    )
    theirs = r.json()["id"]
    theirs_template = await _template(client, other_tenant)
    await _signed_in(client, engine, tenant)
    assert (await client.get(f"/console/loyalty/tier?id={theirs}")).status_code == 404
    edit = await _submit(
        client,
        "/console/loyalty/tier",
        {"id": str(theirs), "name": "抢来的", "threshold": "1"},
        "/console/loyalty/tiers",
    )
    assert edit.status_code == 404
    borrowed = await _submit(
        client,
        "/console/loyalty/tier",
        {"name": "金卡", "rank": "1", "threshold": "1", "benefits.coupon_template_ids": str(theirs_template)},
        "/console/loyalty/tier",
    )
    assert borrowed.status_code == 404
    assert (await _api(client, other_tenant, "tiers"))["data"][0]["name"] == "别家金卡"
    assert (await _api(client, tenant, "tiers"))["data"] == []


# --- the rewards catalog ----------------------------------------------------------------------


async def _reward(client: httpx.AsyncClient, tenant: Tenant, **extra: Any) -> int:
    body = {"name": "品牌帆布袋", "kind": "gift", "points_cost": 1500, "stock": 200, **extra}
    r = await client.post("/api/v1/rewards", json=body, headers=tenant.headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def test_an_operator_fills_the_catalog_and_sees_it_in_words(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    template = await _template(client, tenant)
    await _signed_in(client, engine, tenant)
    gift = {
        "name": "品牌帆布袋",
        "kind": "gift",
        "points_cost": "1,500",
        "stock": "200",
        "per_member_limit": "1",
        "valid_until": "2030-12-31T23:59",
    }
    _saved(
        await _submit(client, "/console/loyalty/reward", gift, "/console/loyalty/reward"),
        "/console/loyalty/rewards?done=created",
    )
    coupon = {"name": "30 元券", "kind": "coupon", "coupon_template_id": str(template), "points_cost": "800"}
    _saved(await _submit(client, "/console/loyalty/reward", coupon, "/console/loyalty/reward"))
    catalog = (await _api(client, tenant, "rewards"))["data"]
    assert [(r["name"], r["kind"], r["points_cost"], r["stock"], r["per_member_limit"]) for r in catalog] == [
        ("品牌帆布袋", "gift", 1500, 200, 1),
        ("30 元券", "coupon", 800, None, None),
    ]
    assert (
        catalog[0]["valid_until"].startswith("2030-12-31T15:59")
        and catalog[1]["coupon_template_id"] == template
    )
    zh = (await client.get("/console/loyalty/rewards?done=created&lang=zh-CN")).text
    for words in (
        "已创建",
        "实物礼品",
        "优惠券 · 满199减30",
        "1,500",
        "不限",
        "兑换中",
        "2030-12-31 23:59 CST",
    ):
        assert words in zh, words
    en = (await client.get("/console/loyalty/rewards?lang=en")).text
    for words in ("Gift", "Coupon · 满199减30", "Unlimited", "On sale"):
        assert words in en, words


async def test_an_operator_edits_a_reward_and_takes_it_off_sale(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    reward_id = await _reward(client, tenant, per_member_limit=2, valid_until="2030-01-01T00:00:00+08:00")
    await _signed_in(client, engine, tenant)
    page = await client.get(f"/console/loyalty/reward?id={reward_id}")
    assert 'value="品牌帆布袋"' in page.text and 'value="2030-01-01T00:00"' in page.text
    _saved(
        await _submit(
            client,
            "/console/loyalty/reward",
            {"id": str(reward_id), "name": "限量帆布袋", "points_cost": "1200", "per_member_limit": "2"},
            f"/console/loyalty/reward?id={reward_id}",
        ),
        "/console/loyalty/rewards?done=saved",
    )
    (reward,) = (await _api(client, tenant, "rewards"))["data"]
    assert (reward["name"], reward["points_cost"], reward["stock"], reward["active"]) == (
        "限量帆布袋",
        1200,
        200,
        False,
    )
    assert reward["valid_until"] is None  # emptied: no end
    assert "已下架" in (await client.get("/console/loyalty/rewards")).text


async def test_restocking_says_how_many_and_asks_before_it_moves_stock(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    reward_id = await _reward(client, tenant)
    await _signed_in(client, engine, tenant)
    preview = await _submit(
        client,
        "/console/loyalty/reward/restock",
        {"id": str(reward_id), "delta": "50"},
        "/console/loyalty/rewards",
    )
    assert preview.status_code == 200
    assert "将为「品牌帆布袋」增加 50 件库存：200 → 250。确定吗？" in preview.text
    assert 'data-confirm="将为「品牌帆布袋」增加 50 件库存：200 → 250。确定吗？"' in preview.text
    assert (await _api(client, tenant, "rewards"))["data"][0]["stock"] == 200  # asked, nothing moved
    done = await _submit(
        client,
        "/console/loyalty/reward/restock",
        {"id": str(reward_id), "delta": "50", "confirm": "1"},
        "/console/loyalty/rewards",
    )
    _saved(done, "/console/loyalty/rewards?done=restocked")
    assert (await _api(client, tenant, "rewards"))["data"][0]["stock"] == 250
    less = await _submit(
        client,
        "/console/loyalty/reward/restock?lang=en",
        {"id": str(reward_id), "delta": "-30"},
        "/console/loyalty/rewards",
    )
    assert "Remove 30 units from “品牌帆布袋”: 250 → 220. Go ahead?" in less.text
    too_many = await _submit(
        client,
        "/console/loyalty/reward/restock?lang=zh-CN",
        {"id": str(reward_id), "delta": "-300", "confirm": "1"},
        "/console/loyalty/rewards",
    )
    assert too_many.status_code == 409 and "库存不足。" in too_many.text
    not_a_number = await _submit(
        client,
        "/console/loyalty/reward/restock",
        {"id": str(reward_id), "delta": "很多"},
        "/console/loyalty/rewards",
    )
    assert not_a_number.status_code == 422 and _field_error(not_a_number.text, "delta") == "请输入整数"
    assert (await _api(client, tenant, "rewards"))["data"][0]["stock"] == 250


async def test_a_refused_reward_keeps_nothing_and_says_why_beside_the_field(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _signed_in(client, engine, tenant)
    no_template = await _submit(
        client,
        "/console/loyalty/reward",
        {"name": "券", "kind": "coupon", "points_cost": "100"},
        "/console/loyalty/reward",
    )
    assert no_template.status_code == 400
    assert _field_error(no_template.text, "coupon_template_id") == "优惠券类礼品须关联一张已有的优惠券。"
    free = await _submit(
        client,
        "/console/loyalty/reward",
        {"name": "礼", "kind": "gift", "points_cost": "0"},
        "/console/loyalty/reward",
    )
    assert free.status_code == 400 and _field_error(free.text, "points_cost") == "须大于 0"
    bad = await _submit(
        client,
        "/console/loyalty/reward",
        {"name": "", "kind": "gift", "points_cost": "10", "stock": "-1", "valid_until": "明天"},
        "/console/loyalty/reward",
    )
    assert bad.status_code == 422 and _field_error(bad.text, "stock") == "不能小于 0"
    assert (
        _field_error(bad.text, "name") == "此项不能为空"
        and _field_error(bad.text, "valid_until") == "时间格式不正确"
    )
    assert (await _api(client, tenant, "rewards"))["data"] == []


async def test_analysts_and_staff_read_the_catalog_but_change_nothing(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    reward_id = await _reward(client, tenant)
    for role in ("analyst", "staff"):
        client.cookies.clear()
        await _signed_in(client, engine, tenant, role)
        page = await client.get("/console/loyalty/rewards")
        assert page.status_code == 200 and "品牌帆布袋" in page.text and "1,500" in page.text
        assert (
            "/console/loyalty/reward/restock" not in page.text and "/console/loyalty/reward?" not in page.text
        )
        assert (await client.get("/console/loyalty/reward")).status_code == 403
        for path, data in (
            ("/console/loyalty/reward", {"name": "x", "kind": "gift", "points_cost": "1"}),
            ("/console/loyalty/reward", {"id": str(reward_id), "name": "x", "points_cost": "1"}),
            ("/console/loyalty/reward/restock", {"id": str(reward_id), "delta": "5"}),
            ("/console/loyalty/reward/restock", {"id": str(reward_id), "delta": "5", "confirm": "1"}),
        ):
            assert (await _submit(client, path, data, "/console/loyalty/rewards")).status_code == 403, (
                role,
                path,
            )
    (reward,) = (await _api(client, tenant, "rewards"))["data"]
    assert (reward["name"], reward["stock"]) == ("品牌帆布袋", 200)


async def test_another_workspaces_reward_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    theirs = await _reward(client, other_tenant)
    their_template = await _template(client, other_tenant)
    await _signed_in(client, engine, tenant)
    assert (await client.get(f"/console/loyalty/reward?id={theirs}")).status_code == 404
    for data in (
        {"id": str(theirs), "name": "抢来的", "points_cost": "1"},
        {"name": "券", "kind": "coupon", "coupon_template_id": str(their_template), "points_cost": "1"},
    ):
        assert (
            await _submit(client, "/console/loyalty/reward", data, "/console/loyalty/rewards")
        ).status_code == 404
    for confirm in ("", "1"):
        r = await _submit(
            client,
            "/console/loyalty/reward/restock",
            {"id": str(theirs), "delta": "9", "confirm": confirm},
            "/console/loyalty/rewards",
        )
        assert r.status_code == 404
    (reward,) = (await _api(client, other_tenant, "rewards"))["data"]
    assert (reward["name"], reward["stock"]) == ("品牌帆布袋", 200)
    assert (await _api(client, tenant, "rewards"))["data"] == []


# --- coupon templates and codes ---------------------------------------------------------------


async def test_an_operator_creates_coupon_templates_and_sees_them_in_words(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _signed_in(client, engine, tenant)
    amount = {
        "name": "满199减30",
        "kind": "amount_off",
        "value_yuan": "30",
        "min_spend_cents": "199",
        "valid_days": "30",
        "total_limit": "10,000",
        "per_member_limit": "2",
    }
    _saved(
        await _submit(client, "/console/loyalty/coupon-template", amount, "/console/loyalty/coupon-template"),
        "/console/loyalty/coupons?done=created",
    )
    percent = {
        "name": "会员85折",
        "kind": "percent_off",
        "value_percent": "15",
        "value_yuan": "",
        "valid_days": "7",
    }
    _saved(
        await _submit(client, "/console/loyalty/coupon-template", percent, "/console/loyalty/coupon-template")
    )
    gift = {
        "name": "到店礼",
        "kind": "gift",
        "gift_name": "护手霜小样",
        "valid_days": "",
        "valid_until": "2030-06-30T23:59",
    }
    _saved(
        await _submit(client, "/console/loyalty/coupon-template", gift, "/console/loyalty/coupon-template")
    )
    made = (await _api(client, tenant, "coupon-templates"))["data"]
    assert [(c["name"], c["kind"], c["value"], c["min_spend_cents"], c["valid_days"]) for c in made] == [
        ("满199减30", "amount_off", 3000, 19900, 30),
        ("会员85折", "percent_off", 15, 0, 7),
        ("到店礼", "gift", 0, 0, None),
    ]
    assert (made[0]["total_limit"], made[0]["per_member_limit"]) == (10000, 2)
    assert made[2]["gift_name"] == "护手霜小样" and made[2]["valid_until"].startswith("2030-06-30T15:59")
    zh = (await client.get("/console/loyalty/coupons?lang=zh-CN")).text
    for words in (
        "代金券",
        "减 ¥30.00",
        "¥199.00",
        "领取后 30 天内有效",
        "0 / 10,000",
        "折扣券",
        "减 15%",
        "礼品券",
    ):
        assert words in zh, words
    assert "护手霜小样" in zh and "无门槛" in zh and "2030-06-30 23:59 CST" in zh
    en = (await client.get("/console/loyalty/coupons?lang=en")).text
    for words in ("Amount off", "¥30.00 off", "15% off", "30 days after it is received", "0 / Unlimited"):
        assert words in en, words


async def test_a_refused_coupon_template_keeps_nothing_and_says_why_beside_the_field(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _signed_in(client, engine, tenant)
    cases = [
        ({"kind": "amount_off", "value_yuan": "0", "valid_days": "30"}, "value_yuan", "须大于 0"),
        (
            {"kind": "amount_off", "value_yuan": "三十", "valid_days": "30"},
            "value_yuan",
            "请输入金额（元），例如 19.90",
        ),
        (
            {"kind": "percent_off", "value_percent": "120", "valid_days": "30"},
            "value_percent",
            "请输入 1 到 99 的整数",
        ),
        ({"kind": "gift", "valid_days": "30"}, "gift_name", "礼品券需要写明礼品"),
        ({"kind": "amount_off", "value_yuan": "30"}, "valid_days", "请填写有效天数或截止时间"),
        (
            {
                "kind": "amount_off",
                "value_yuan": "30",
                "valid_from": "2030-01-02T00:00",
                "valid_until": "2030-01-01T00:00",
            },
            "valid_until",
            "结束时间须晚于开始时间",
        ),
        ({"kind": "amount_off", "value_yuan": "30", "valid_days": "0"}, "valid_days", "不能小于 1"),
    ]
    for data, field, words in cases:
        r = await _submit(
            client,
            "/console/loyalty/coupon-template",
            {"name": "券", **data},
            "/console/loyalty/coupon-template",
        )
        assert r.status_code in (400, 422), data
        assert _field_error(r.text, field) == words, data
    assert (await _api(client, tenant, "coupon-templates"))["data"] == []


async def test_generating_codes_says_how_many_asks_first_and_the_codes_export_as_csv(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    from tests.factories import api_member

    r = await client.post(
        "/api/v1/coupon-templates",
        json={
            "name": "包裹卡券",
            "kind": "amount_off",
            "value": 1000,
            "valid_until": "2030-01-01T00:00:00+08:00",
            "total_limit": 600,
        },
        headers=tenant.headers,
    )
    template = r.json()["id"]
    other = await _template(client, tenant, "=HYPERLINK(1)")
    await _signed_in(client, engine, tenant)
    preview = await _submit(
        client,
        "/console/loyalty/coupon-template/generate",
        {"id": str(template), "count": "500"},
        "/console/loyalty/coupons",
    )
    says = "将为「包裹卡券」生成 500 个未领取的券码（发放后共 500 / 600）。确定吗？"
    assert preview.status_code == 200 and says in preview.text and f'data-confirm="{says}"' in preview.text
    assert (await _api(client, tenant, "coupon-templates"))["data"][0]["issued_count"] == 0
    done = await _submit(
        client,
        "/console/loyalty/coupon-template/generate",
        {"id": str(template), "count": "500", "confirm": "1"},
        "/console/loyalty/coupons",
    )
    _saved(done, "/console/loyalty/coupons?done=generated&n=500")
    assert "已生成 500 个券码" in (await client.get(done.headers["location"])).text
    assert (await _api(client, tenant, "coupon-templates"))["data"][0]["issued_count"] == 500

    too_many = await _submit(
        client,
        "/console/loyalty/coupon-template/generate",
        {"id": str(template), "count": "101", "confirm": "1"},
        "/console/loyalty/coupons",
    )
    assert too_many.status_code == 409 and "库存不足。" in too_many.text
    none = await _submit(
        client,
        "/console/loyalty/coupon-template/generate",
        {"id": str(template), "count": "0"},
        "/console/loyalty/coupons",
    )
    assert none.status_code == 422 and _field_error(none.text, "count") == "不能小于 1"
    await _submit(
        client,
        "/console/loyalty/coupon-template/generate",
        {"id": str(other), "count": "2", "confirm": "1"},
        "/console/loyalty/coupons",
    )

    export = await client.get(f"/console/loyalty/coupon-codes.csv?template_id={template}")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    text = export.content.decode("utf-8")
    assert text.startswith("\ufeff券码,优惠券名称,状态,生效时间,截止时间")
    lines = text.strip().splitlines()
    assert len(lines) == 501 and all(",包裹卡券,未领取,,2030-01-01 00:00" in line for line in lines[1:])
    code = lines[1].split(",")[0]
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}", code)
    member = await api_member(client, tenant)
    claimed = await client.post(
        f"/api/v1/coupons/{code}/claim", json={"member_id": member}, headers=tenant.headers
    )
    assert claimed.status_code == 200, claimed.text
    again = (
        await client.get(f"/console/loyalty/coupon-codes.csv?template_id={template}&lang=en")
    ).content.decode()
    assert f"{code},包裹卡券,Issued," in again and again.count(",Unassigned,") == 499
    everything = (await client.get("/console/loyalty/coupon-codes.csv")).content.decode()
    assert len(everything.strip().splitlines()) == 503 and ",'=HYPERLINK(1),未领取," in everything


async def test_analysts_and_staff_read_coupons_but_generate_and_export_nothing(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    template = await _template(client, tenant)
    for role in ("analyst", "staff"):
        client.cookies.clear()
        await _signed_in(client, engine, tenant, role)
        page = await client.get("/console/loyalty/coupons")
        assert page.status_code == 200 and "满199减30" in page.text and "减 ¥30.00" in page.text
        assert "/generate" not in page.text and "coupon-codes.csv" not in page.text
        for path in (
            "/console/loyalty/coupon-template",
            f"/console/loyalty/coupon-codes.csv?template_id={template}",
        ):
            assert (await client.get(path)).status_code == 403, (role, path)
        for path, data in (
            (
                "/console/loyalty/coupon-template",
                {"name": "x", "kind": "amount_off", "value_yuan": "1", "valid_days": "1"},
            ),
            (
                "/console/loyalty/coupon-template/generate",
                {"id": str(template), "count": "5", "confirm": "1"},
            ),
        ):
            assert (await _submit(client, path, data, "/console/loyalty/coupons")).status_code == 403, (
                role,
                path,
            )
    (made,) = (await _api(client, tenant, "coupon-templates"))["data"]
    assert made["issued_count"] == 0


async def test_another_workspaces_coupon_template_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    theirs = await _template(client, other_tenant, "别家的券")
    await client.post(
        f"/api/v1/coupon-templates/{theirs}/generate", json={"count": 3}, headers=other_tenant.headers
    )
    await _signed_in(client, engine, tenant)
    for confirm in ("", "1"):
        r = await _submit(
            client,
            "/console/loyalty/coupon-template/generate",
            {"id": str(theirs), "count": "5", "confirm": confirm},
            "/console/loyalty/coupons",
        )
        assert r.status_code == 404
    assert (await client.get(f"/console/loyalty/coupon-codes.csv?template_id={theirs}")).status_code == 404
    mine = (await client.get("/console/loyalty/coupon-codes.csv")).content.decode()
    assert "别家的券" not in mine and len(mine.strip().splitlines()) == 1
    assert "别家的券" not in (await client.get("/console/loyalty/coupons")).text
    assert (await _api(client, other_tenant, "coupon-templates"))["data"][0]["issued_count"] == 3


# --- paid membership plans ---------------------------------------------------------------------


async def test_an_operator_creates_a_paid_plan_and_sees_it_in_words(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    template = await _template(client, tenant)
    await _signed_in(client, engine, tenant)
    plan = {
        "name": "PLUS年卡会员",
        "price_cents": "199",
        "period": "year",
        "gift_points": "2,000",
        f"gift_coupons.{template}": "2",
        "benefits.points_multiplier": "2",
        "benefits.discount_percent": "10",
        "perks": "free_shipping, priority_support",
        "remind_days": "7",
    }
    _saved(
        await _submit(client, "/console/loyalty/plan", plan, "/console/loyalty/plan"),
        "/console/loyalty/plans?done=created",
    )
    monthly = {"name": "月卡", "price_cents": "19.9", "period": "month", "remind_days": "0"}
    _saved(await _submit(client, "/console/loyalty/plan", monthly, "/console/loyalty/plan"))
    plans = (await _api(client, tenant, "membership-plans"))["data"]
    assert [(p["name"], p["price_cents"], p["period"], p["gift_points"]) for p in plans] == [
        ("PLUS年卡会员", 19900, "year", 2000),
        ("月卡", 1990, "month", 0),
    ]
    assert plans[0]["gift_coupon_template_ids"] == [template, template]
    assert plans[0]["benefits"] == {
        "points_multiplier": 2,
        "discount_percent": 10,
        "free_shipping": True,
        "priority_support": True,
    }
    assert (plans[0]["remind_days"], plans[1]["remind_days"], plans[1]["benefits"]) == (7, 0, {})
    zh = (await client.get("/console/loyalty/plans?done=created&lang=zh-CN")).text
    for words in (
        "已创建",
        "年卡",
        "月卡",
        "¥199.00",
        "¥19.90",
        "2,000 积分",
        "满199减30 ×2",
        "积分 ×2",
        "购物优惠 10%",
    ):
        assert words in zh, words
    assert "free_shipping" in zh and "到期前 7 天" in zh and "不提醒" in zh and "在售" in zh
    en = (await client.get("/console/loyalty/plans?lang=en")).text
    for words in ("Yearly", "Monthly", "2,000 points", "Points ×2", "7 days before the end", "On sale"):
        assert words in en, words


async def test_a_refused_plan_keeps_nothing_and_says_why_beside_the_field(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    template = await _template(client, tenant)
    await _signed_in(client, engine, tenant)
    base = {"name": "年卡", "price_cents": "199", "period": "year"}
    cases = [
        ({"price_cents": "0"}, "price_cents", "须大于 0"),
        ({"price_cents": "一百"}, "price_cents", "请输入金额（元），例如 19.90"),
        ({"perks": "包邮"}, "perks", "权益名称只能用小写英文字母、数字和下划线，以字母开头"),
        ({f"gift_coupons.{template}": "两张"}, "gift_coupon_template_ids", "请输入整数"),
        ({f"gift_coupons.{template}": "21"}, "gift_coupon_template_ids", "条目过多（最多 20 项）"),
        ({"remind_days": "90"}, "remind_days", "不能大于 60"),
        ({"benefits.discount_percent": "100"}, "benefits.discount_percent", "请输入 0 到 99 的整数"),
    ]
    for data, field, words in cases:
        r = await _submit(client, "/console/loyalty/plan", {**base, **data}, "/console/loyalty/plan")
        assert r.status_code in (400, 422), data
        assert _field_error(r.text, field) == words, data
    assert (await _api(client, tenant, "membership-plans"))["data"] == []


async def test_analysts_and_staff_read_plans_but_create_none(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    await client.post(
        "/api/v1/membership-plans",
        json={"name": "别家年卡", "price_cents": 100, "period": "year"},
        headers=other_tenant.headers,
    )
    await client.post(
        "/api/v1/membership-plans",
        json={"name": "季卡", "price_cents": 5900, "period": "quarter"},
        headers=tenant.headers,
    )
    for role in ("analyst", "staff"):
        client.cookies.clear()
        await _signed_in(client, engine, tenant, role)
        page = await client.get("/console/loyalty/plans")
        assert page.status_code == 200 and "季卡" in page.text and "¥59.00" in page.text
        assert "别家年卡" not in page.text and '/console/loyalty/plan"' not in page.text
        assert (await client.get("/console/loyalty/plan")).status_code == 403
        r = await _submit(
            client,
            "/console/loyalty/plan",
            {"name": "x", "price_cents": "1", "period": "year"},
            "/console/loyalty/plans",
        )
        assert r.status_code == 403
    assert [p["name"] for p in (await _api(client, tenant, "membership-plans"))["data"]] == ["季卡"]


async def test_another_workspaces_coupons_cannot_be_a_welcome_gift(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    theirs = await _template(client, other_tenant, "别家的券")
    await _signed_in(client, engine, tenant)
    form = await client.get("/console/loyalty/plan")
    assert "别家的券" not in form.text
    r = await _submit(
        client,
        "/console/loyalty/plan",
        {"name": "年卡", "price_cents": "199", "period": "year", f"gift_coupons.{theirs}": "1"},
        "/console/loyalty/plan",
    )
    _saved(r)  # a field for a coupon not offered is no gift
    (plan,) = (await _api(client, tenant, "membership-plans"))["data"]
    assert plan["gift_coupon_template_ids"] == []


# --- lotteries and points auctions ---------------------------------------------------------------


async def test_an_operator_creates_a_lottery_and_sees_its_table_in_words(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    template = await _template(client, tenant)
    await _signed_in(client, engine, tenant)
    form = {
        "name": "618幸运大转盘",
        "points_per_draw": "50",
        "daily_limit": "3",
        "prize_rows": "5",
        "prizes.0.name": "100积分",
        "prizes.0.kind": "points",
        "prizes.0.points": "100",
        "prizes.0.probability_bp": "20",
        "prizes.2.name": "满199减30券",  # row 1 left empty: no prize
        "prizes.2.kind": "coupon",
        "prizes.2.coupon_template_id": str(template),
        "prizes.2.probability_bp": "5%",
        "prizes.2.stock": "1,000",
        "prizes.3.name": "品牌保温杯",
        "prizes.3.kind": "gift",
        "prizes.3.probability_bp": "0.1",
        "prizes.3.stock": "20",
    }
    _saved(
        await _submit(client, "/console/loyalty/lottery", form, "/console/loyalty/lottery"),
        "/console/loyalty/games?done=created",
    )
    later = {
        "name": "新年抽奖",
        "starts_at": "2099-01-01T00:00",
        "prizes.0.name": "10积分",
        "prizes.0.kind": "points",
        "prizes.0.points": "10",
        "prizes.0.probability_bp": "50",
    }
    _saved(await _submit(client, "/console/loyalty/lottery", later, "/console/loyalty/lottery"))
    async with unit_of_work(readonly=True, engine=engine) as s:
        from yutang.models.rewards import Lottery

        ids = (
            await s.scalars(select(Lottery.id).where(Lottery.workspace_id == tenant.id).order_by(Lottery.id))
        ).all()
    made = await _api(client, tenant, f"lotteries/{ids[0]}")
    assert (made["points_per_draw"], made["daily_limit"]) == (50, 3)
    assert [
        (p["name"], p["kind"], p["points"], p["coupon_template_id"], p["probability_bp"], p["stock"])
        for p in made["prizes"]
    ] == [
        ("100积分", "points", 100, None, 2000, None),
        ("满199减30券", "coupon", 0, template, 500, 1000),
        ("品牌保温杯", "gift", 0, None, 10, 20),
    ]
    zh = (await client.get("/console/loyalty/games?lang=zh-CN")).text
    for words in (
        "618幸运大转盘",
        "进行中",
        "未开始",
        "免费",
        "概率 20.00%",
        "概率 0.10%",
        "未中奖概率 74.90%",
        "实物礼品",
    ):
        assert words in zh, words
    assert "满199减30券 · 优惠券 满199减30" in zh and "已抽中 0" in zh
    en = (await client.get("/console/loyalty/games?lang=en")).text
    for words in ("Open", "Not started", "Free", "20.00% chance", "No prize: 74.90%", "Gift"):
        assert words in en, words


async def test_a_refused_lottery_keeps_nothing_and_says_why_beside_the_field(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    from yutang.models.rewards import Lottery

    await _signed_in(client, engine, tenant)
    prize = {
        "prizes.0.name": "大奖",
        "prizes.0.kind": "points",
        "prizes.0.points": "1",
        "prizes.0.probability_bp": "60",
    }
    over = await _submit(
        client,
        "/console/loyalty/lottery",
        {
            "name": "抽奖",
            **prize,
            "prizes.1.name": "二等奖",
            "prizes.1.kind": "gift",
            "prizes.1.probability_bp": "50",
        },
        "/console/loyalty/lottery",
    )
    assert over.status_code == 400 and _field_error(over.text, "prizes") == "各奖品的中奖概率合计超过了 100%"
    bad_row = await _submit(
        client,
        "/console/loyalty/lottery",
        {
            "name": "抽奖",
            **prize,
            "prizes.3.name": "三等奖",
            "prizes.3.kind": "gift",
            "prizes.3.probability_bp": "一成",
        },
        "/console/loyalty/lottery",
    )
    assert bad_row.status_code == 422
    assert re.search(
        r'name="prizes.3.probability_bp" value="一成"[^>]*><span class="field-error">请输入百分比',
        bad_row.text,
    )
    no_coupon = await _submit(
        client,
        "/console/loyalty/lottery",
        {"name": "抽奖", "prizes.0.name": "券", "prizes.0.kind": "coupon", "prizes.0.probability_bp": "1"},
        "/console/loyalty/lottery",
    )
    assert (
        no_coupon.status_code == 400
        and _field_error(no_coupon.text, "prizes") == "优惠券奖品须选择一张优惠券"
    )
    empty = await _submit(client, "/console/loyalty/lottery", {"name": "抽奖"}, "/console/loyalty/lottery")
    assert empty.status_code == 422 and _field_error(empty.text, "prizes") == "至少需要 1 项"
    window = await _submit(
        client,
        "/console/loyalty/lottery",
        {"name": "抽奖", **prize, "starts_at": "2030-01-02T00:00", "ends_at": "2030-01-01T00:00"},
        "/console/loyalty/lottery",
    )
    assert window.status_code == 422 and _field_error(window.text, "ends_at") == "结束时间须晚于开始时间"
    assert await _rows(engine, Lottery, tenant.id) == []


async def _bidder(client: httpx.AsyncClient, tenant: Tenant, points: int = 10_000) -> int:
    from tests.factories import api_member

    member = await api_member(client, tenant)
    r = await client.post(
        f"/api/v1/members/{member}/points/adjust",
        json={"delta": points, "reason": "测试"},
        headers=tenant.headers,
    )
    assert r.status_code == 201, r.text
    return member


async def test_an_operator_creates_an_auction_and_cancels_it_giving_the_points_back(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _signed_in(client, engine, tenant)
    form = {
        "name": "联名球鞋",
        "description": "尺码 42",
        "starts_at": "2020-01-01T10:00",
        "ends_at": "2099-01-01T22:00",
        "min_bid": "5,000",
        "increment": "500",
    }
    _saved(
        await _submit(client, "/console/loyalty/auction", form, "/console/loyalty/auction"),
        "/console/loyalty/games?done=created",
    )
    (auction,) = (await _api(client, tenant, "auctions"))["data"]
    assert (auction["name"], auction["min_bid"], auction["increment"], auction["status"]) == (
        "联名球鞋",
        5000,
        500,
        "open",
    )
    assert auction["starts_at"].startswith("2020-01-01T02:00")
    member = await _bidder(client, tenant)
    bid = await client.post(
        f"/api/v1/auctions/{auction['id']}/bids",
        json={"member_id": member, "amount": 6500},
        headers=tenant.headers,
    )
    assert bid.status_code == 201, bid.text
    page = (await client.get("/console/loyalty/games?lang=zh-CN")).text
    assert "竞拍中" in page and "6,500 积分 · " in page and f"会员 #{member}" in page
    says = f"取消「联名球鞋」：领先出价冻结的 6,500 积分将退还给会员 #{member}，竞拍不能再恢复。确定取消吗？"
    assert f'data-confirm="{says}"' in page and "/console/loyalty/auction/close" not in page  # not ended yet

    no_reason = await _submit(
        client, "/console/loyalty/auction/cancel", {"id": str(auction["id"])}, "/console/loyalty/games"
    )
    assert no_reason.status_code == 422 and _field_error(no_reason.text, "reason") == "此项不能为空"
    assert (await _api(client, tenant, "auctions"))["data"][0]["status"] == "open"
    assert (await _api(client, tenant, f"members/{member}/points"))["balance"] == 3500
    cancelled = await _submit(
        client,
        "/console/loyalty/auction/cancel",
        {"id": str(auction["id"]), "reason": "品牌方撤拍"},
        "/console/loyalty/games",
    )
    _saved(cancelled, "/console/loyalty/games?done=cancelled")
    assert (await _api(client, tenant, "auctions"))["data"][0]["status"] == "cancelled"
    assert (await _api(client, tenant, f"members/{member}/points"))["balance"] == 10000
    en = (await client.get("/console/loyalty/games?lang=en")).text
    assert "Cancelled" in en and "/console/loyalty/auction/cancel" not in en


async def test_an_ended_auction_is_closed_and_the_winner_pays(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    from datetime import timedelta

    from yutang.models.base import utcnow
    from yutang.models.rewards import Auction

    r = await client.post(
        "/api/v1/auctions",
        json={
            "name": "限量手办",
            "starts_at": "2020-01-01T00:00:00Z",
            "ends_at": "2099-01-01T00:00:00Z",
            "min_bid": 100,
            "increment": 10,
        },
        headers=tenant.headers,
    )
    auction_id = r.json()["id"]
    member = await _bidder(client, tenant, 1000)
    await client.post(
        f"/api/v1/auctions/{auction_id}/bids",
        json={"member_id": member, "amount": 300},
        headers=tenant.headers,
    )
    async with unit_of_work(engine=engine) as s:
        row = await s.get(Auction, auction_id)
        assert row is not None
        row.ends_at = utcnow() - timedelta(minutes=1)
    await _signed_in(client, engine, tenant)
    page = (await client.get("/console/loyalty/games")).text
    assert "已到期，待结拍" in page
    assert (
        f"结束「限量手办」：会员 #{member} 以 300 积分拍得，其冻结的 300 积分将被扣除。确定结拍吗？" in page
    )
    _saved(
        await _submit(
            client, "/console/loyalty/auction/close", {"id": str(auction_id)}, "/console/loyalty/games"
        ),
        "/console/loyalty/games?done=closed",
    )
    (closed,) = (await _api(client, tenant, "auctions"))["data"]
    assert (closed["status"], closed["leader_member_id"], closed["leading_bid"]) == ("closed", member, 300)
    assert (await _api(client, tenant, f"auctions/{auction_id}/bids"))["data"][0]["status"] == "won"
    assert (await _api(client, tenant, f"members/{member}/points"))["balance"] == 700
    assert "已结拍。" in (await client.get("/console/loyalty/games?done=closed")).text


async def test_analysts_and_staff_read_lotteries_and_auctions_but_change_nothing(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    r = await client.post(
        "/api/v1/auctions",
        json={
            "name": "球鞋",
            "starts_at": "2020-01-01T00:00:00Z",
            "ends_at": "2021-01-01T00:00:00Z",
            "min_bid": 1,
            "increment": 1,
        },
        headers=tenant.headers,
    )
    auction_id = r.json()["id"]
    for role in ("analyst", "staff"):
        client.cookies.clear()
        await _signed_in(client, engine, tenant, role)
        page = await client.get("/console/loyalty/games")
        assert page.status_code == 200 and "球鞋" in page.text and "已到期，待结拍" in page.text
        assert (
            "/console/loyalty/auction/" not in page.text
            and 'href="/console/loyalty/lottery"' not in page.text
        )
        for path in ("/console/loyalty/lottery", "/console/loyalty/auction"):
            assert (await client.get(path)).status_code == 403
        for path, data in (
            (
                "/console/loyalty/lottery",
                {"name": "x", "prizes.0.name": "x", "prizes.0.kind": "gift", "prizes.0.probability_bp": "1"},
            ),
            ("/console/loyalty/auction", {"name": "x"}),
            ("/console/loyalty/auction/close", {"id": str(auction_id)}),
            ("/console/loyalty/auction/cancel", {"id": str(auction_id), "reason": "x"}),
        ):
            assert (await _submit(client, path, data, "/console/loyalty/games")).status_code == 403, (
                role,
                path,
            )
    (auction,) = (await _api(client, tenant, "auctions"))["data"]
    assert auction["status"] == "open"


async def test_another_workspaces_auction_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    r = await client.post(
        "/api/v1/auctions",
        json={
            "name": "别家拍品",
            "starts_at": "2020-01-01T00:00:00Z",
            "ends_at": "2021-01-01T00:00:00Z",
            "min_bid": 1,
            "increment": 1,
        },
        headers=other_tenant.headers,
    )
    theirs = r.json()["id"]
    await client.post(
        "/api/v1/lotteries",
        json={"name": "别家抽奖", "prizes": [{"name": "x", "kind": "gift", "probability_bp": 1}]},
        headers=other_tenant.headers,
    )
    await _signed_in(client, engine, tenant)
    page = (await client.get("/console/loyalty/games")).text
    assert "别家拍品" not in page and "别家抽奖" not in page
    for path, data in (
        ("/console/loyalty/auction/close", {"id": str(theirs)}),
        ("/console/loyalty/auction/cancel", {"id": str(theirs), "reason": "抢"}),
    ):
        assert (await _submit(client, path, data, "/console/loyalty/games")).status_code == 404, path
    assert (await _api(client, other_tenant, "auctions"))["data"][0]["status"] == "open"


# --- stored value: top-up rules and wallets ------------------------------------------------------


async def _top_up(client: httpx.AsyncClient, tenant: Tenant, member: int, cents: int, ref: str) -> None:
    r = await client.post(
        f"/api/v1/members/{member}/wallet/top-ups",
        json={"amount_cents": cents, "payment_ref": ref},
        headers=tenant.headers,
    )
    assert r.status_code == 201, r.text


async def test_an_operator_adds_top_up_rules_and_they_pay_bonuses(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    from tests.factories import api_member

    await _signed_in(client, engine, tenant)
    for rule in (
        {"name": "充1000送100", "min_amount_cents": "1,000", "bonus_cents": "100"},
        {"name": "充500送30", "min_amount_cents": "500", "bonus_cents": "30.5"},
    ):
        _saved(
            await _submit(client, "/console/loyalty/top-up-rule", rule, "/console/loyalty/wallets"),
            "/console/loyalty/wallets?done=created",
        )
    rules = (await _api(client, tenant, "top-up-rules"))["data"]
    assert [(r["name"], r["min_amount_cents"], r["bonus_cents"], r["active"]) for r in rules] == [
        ("充500送30", 50000, 3050, True),
        ("充1000送100", 100000, 10000, True),
    ]
    member = await api_member(client, tenant)
    await _top_up(client, tenant, member, 120000, "PAY-1")
    zh = (await client.get("/console/loyalty/wallets?lang=zh-CN")).text
    for words in (
        "充1000送100",
        "¥1,000.00",
        "¥100.00",
        "¥30.50",
        f"会员 #{member}",
        "¥1,200.00",
        "¥1,300.00",
    ):
        assert words in zh, words
    assert "138****8000" in zh and "13800138000" not in zh  # an operator sees phones masked
    en = (await client.get("/console/loyalty/wallets?lang=en")).text
    assert "Top-up bonus rules" in en and "Principal" in en and f"Member #{member}" in en


async def test_a_refused_top_up_rule_keeps_nothing_and_says_why_beside_the_field(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _signed_in(client, engine, tenant)
    cases = [
        ({"name": "x", "min_amount_cents": "0", "bonus_cents": "1"}, "min_amount_cents", "须大于 0"),
        (
            {"name": "x", "min_amount_cents": "一千", "bonus_cents": "1"},
            "min_amount_cents",
            "请输入金额（元），例如 19.90",
        ),
        ({"name": "x", "min_amount_cents": "100", "bonus_cents": "-1"}, "bonus_cents", ERROR_INVALID_AMOUNT),
        ({"name": "", "min_amount_cents": "100", "bonus_cents": "1"}, "name", "此项不能为空"),
        ({"name": "x", "min_amount_cents": "100"}, "bonus_cents", "请输入整数"),
    ]
    for data, field, words in cases:
        r = await _submit(client, "/console/loyalty/top-up-rule", data, "/console/loyalty/wallets")
        assert r.status_code in (400, 422), data
        assert _field_error(r.text, field) == words, data
    assert (await _api(client, tenant, "top-up-rules"))["data"] == []


async def test_the_wallets_list_pages_through_many_members_of_this_workspace_only(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    from tests.factories import api_member

    ids = []
    for i in range(53):
        member = await api_member(client, tenant, phone=f"139{i:08d}")
        await _top_up(client, tenant, member, 1000 + i, f"PAY-{i}")
        ids.append(member)
    theirs = await api_member(client, other_tenant, phone="13700000000")
    await _top_up(client, other_tenant, theirs, 777777, "PAY-X")
    for role in ("analyst",):
        client.cookies.clear()
        await _signed_in(client, engine, tenant, role)
        first = await client.get("/console/loyalty/wallets")
        assert first.status_code == 200 and first.text.count('href="/console/members/') == 50
        assert f">会员 #{ids[-1]}<" in first.text and f">会员 #{ids[0]}<" not in first.text
        assert "¥7,777.77" not in first.text and "/console/loyalty/top-up-rule" not in first.text
        following = re.search(r'href="\?cursor=([^"]+)"', first.text)
        assert following
        second = await client.get(f"/console/loyalty/wallets?cursor={following.group(1)}")
        assert second.text.count('href="/console/members/') == 3 and f">会员 #{ids[0]}<" in second.text
        assert "¥10.00" in second.text and "¥7,777.77" not in second.text
        refused = await _submit(
            client,
            "/console/loyalty/top-up-rule",
            {"name": "x", "min_amount_cents": "1", "bonus_cents": "1"},
            "/console/loyalty/wallets",
        )
        assert refused.status_code == 403
    assert (await _api(client, tenant, "top-up-rules"))["data"] == []
    # Store staff see the wallets of the members they own, and no other.
    client.cookies.clear()
    staff = await browser.make_user(engine, tenant.id, "staff@acme.example", "staff")
    for member in ids[:2]:
        owned = await client.patch(
            f"/api/v1/members/{member}", json={"owner_user_id": staff}, headers=tenant.headers
        )
        assert owned.status_code == 200
    await _signed_in(client, engine, tenant, "staff")
    theirs_page = await client.get("/console/loyalty/wallets")
    assert theirs_page.status_code == 200 and theirs_page.text.count('href="/console/members/') == 2
    assert f">会员 #{ids[0]}<" in theirs_page.text and f">会员 #{ids[2]}<" not in theirs_page.text


# --- the points ledger -------------------------------------------------------------------------


async def _adjust(client: httpx.AsyncClient, tenant: Tenant, member: int, delta: int, reason: str) -> None:
    r = await client.post(
        f"/api/v1/members/{member}/points/adjust",
        json={"delta": delta, "reason": reason},
        headers=tenant.headers,
    )
    assert r.status_code == 201, r.text


async def test_the_ledger_is_searched_by_phone_and_kind_in_words_a_page_at_a_time(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    from tests.factories import api_member

    ann = await api_member(client, tenant, phone="13800138000")
    bob = await api_member(client, tenant, phone="13900139000")
    await _adjust(client, tenant, ann, 12_500, "客服补偿")
    spent = await client.post(
        f"/api/v1/members/{ann}/points/spend",
        json={"points": 200, "reason": "积分抵现", "ref_type": "order", "ref_id": "SH1"},
        headers=tenant.headers,
    )
    assert spent.status_code == 201, spent.text
    for i in range(55):
        await _adjust(client, tenant, bob, 10 + i, f"签到补发 {i}")
    await _signed_in(client, engine, tenant, "analyst")

    page = await client.get("/console/loyalty/ledger?phone=138 0013 8000&lang=zh-CN")
    assert page.status_code == 200
    rows = page.text.count('href="/console/loyalty/ledger?member_id=')
    assert rows == 2 and f">会员 #{bob}<" not in page.text
    for words in ("手动调整", "使用", "+12,500", "-200", "积分抵现", "订单 SH1", "12,300", "138****8000"):
        assert words in page.text, words
    assert "13800138000" not in page.text  # analysts see phones masked
    en = (await client.get("/console/loyalty/ledger?phone=13800138000&kind=spend&lang=en")).text
    assert "Spent" in en and "Order SH1" in en and "+12,500" not in en

    everyone = await client.get("/console/loyalty/ledger?kind=adjust")
    assert everyone.text.count('href="/console/loyalty/ledger?member_id=') == 50
    following = re.search(r'href="\?cursor=([^"&]+)&amp;kind=adjust"', everyone.text)
    assert following, "the next page keeps the filter"
    rest = await client.get(f"/console/loyalty/ledger?cursor={following.group(1)}&kind=adjust")
    assert rest.text.count('href="/console/loyalty/ledger?member_id=') == 6 and "+12,500" in rest.text
    assert "签到补发 54" in everyone.text and "签到补发 54" not in rest.text

    one = await client.get(f"/console/loyalty/ledger?member_id={bob}&kind=adjust")
    assert one.text.count('href="/console/loyalty/ledger?member_id=') == 50 and "+12,500" not in one.text
    assert re.search(rf'href="\?cursor=[^"&]+&amp;member_id={bob}&amp;kind=adjust"', one.text)


async def test_a_phone_that_finds_nobody_says_so_beside_the_field(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    from tests.factories import api_member

    mine = await api_member(client, tenant, phone="13800138000")
    await _adjust(client, tenant, mine, 100, "补偿")
    theirs = await api_member(client, other_tenant, phone="13700137000")
    await _adjust(client, other_tenant, theirs, 999, "别家的积分")
    await _signed_in(client, engine, tenant, "analyst")
    bad = await client.get("/console/loyalty/ledger?phone=12")
    assert bad.status_code == 200 and _field_error(bad.text, "phone") == "手机号格式不正确"
    assert "ledger?member_id=" not in bad.text
    nobody = await client.get("/console/loyalty/ledger?phone=13700137000&lang=en")
    assert (
        _field_error(nobody.text, "phone") == "No member has this phone number"
        and "别家的积分" not in nobody.text
    )
    assert (await client.get(f"/console/loyalty/ledger?member_id={theirs}")).status_code == 404
    everything = (await client.get("/console/loyalty/ledger")).text
    assert "补偿" in everything and "别家的积分" not in everything


# --- every page, with something on it, in both languages ------------------------------------------


async def _world(client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine) -> dict[str, int]:
    """A workspace with one of everything the loyalty pages show, in every state words
    are needed for."""
    from tests.factories import api_member

    h = tenant.headers
    template = await _template(client, tenant)
    await client.post(
        "/api/v1/coupon-templates",
        json={"name": "85折", "kind": "percent_off", "value": 15, "valid_days": 7},
        headers=h,
    )
    await client.post(
        "/api/v1/coupon-templates",
        json={"name": "礼品券", "kind": "gift", "gift_name": "小样", "valid_until": "2030-01-01T00:00:00Z"},
        headers=h,
    )
    await client.post(f"/api/v1/coupon-templates/{template}/generate", json={"count": 3}, headers=h)
    rules: list[int] = []
    for trigger in (
        "order_paid",
        "signup",
        "checkin",
        "post",
        "share",
        "referral",
        "birthday",
        "form_submitted",
        "custom",
    ):
        body: dict[str, Any] = {
            "name": f"规则 {len(rules) + 1}",
            "trigger": trigger,
            "points": 10,
            "caps": {"day": 5, "lifetime": 9},
        }
        if trigger == "custom":
            body |= {"event_name": "like", "active": False}
        if trigger == "order_paid":
            body |= {"amount_type": "per_unit", "unit_cents": 100, "tier_multiplier": True, "pending_days": 7}
        if trigger == "share":
            body |= {"starts_at": "2099-01-01T00:00:00Z"}
        if trigger == "post":
            body |= {"ends_at": "2020-01-01T00:00:00Z", "starts_at": "2019-01-01T00:00:00Z"}
        r = await client.post("/api/v1/earn-rules", json=body, headers=h)
        assert r.status_code == 201, r.text
        rules.append(r.json()["id"])
    tier = await client.post(
        "/api/v1/tiers",
        json={
            "name": "金卡",
            "rank": 1,
            "threshold": 100,
            "benefits": {"points_multiplier": 1.5, "coupon_template_ids": [template], "distribution": True},
        },
        headers=h,
    )
    reward = await _reward(client, tenant)
    await _reward(client, tenant, name="售罄", stock=0)
    await _reward(client, tenant, name="券", kind="coupon", coupon_template_id=template, stock=None)
    off = await _reward(client, tenant, name="下架")
    await client.patch(f"/api/v1/rewards/{off}", json={"active": False}, headers=h)
    plan = await client.post(
        "/api/v1/membership-plans",
        json={
            "name": "年卡",
            "price_cents": 19900,
            "period": "year",
            "gift_points": 100,
            "gift_coupon_template_ids": [template],
            "benefits": {"free_shipping": True},
        },
        headers=h,
    )
    lot = await client.post(
        "/api/v1/lotteries",
        json={
            "name": "大转盘",
            "points_per_draw": 5,
            "prizes": [
                {"name": "积分", "kind": "points", "points": 10, "probability_bp": 100},
                {
                    "name": "券",
                    "kind": "coupon",
                    "coupon_template_id": template,
                    "probability_bp": 100,
                    "stock": 3,
                },
                {"name": "杯", "kind": "gift", "probability_bp": 1},
            ],
        },
        headers=h,
    )
    for name, start, end in (
        ("将来", "2099-01-01", "2099-02-01"),
        ("现在", "2020-01-01", "2099-01-01"),
        ("过去", "2020-01-01", "2021-01-01"),
    ):
        await client.post(
            "/api/v1/auctions",
            json={
                "name": name,
                "starts_at": f"{start}T00:00:00Z",
                "ends_at": f"{end}T00:00:00Z",
                "min_bid": 10,
                "increment": 1,
            },
            headers=h,
        )
    member = await _bidder(client, tenant, 5000)
    auctions_ = (await _api(client, tenant, "auctions"))["data"]
    now_id = next(a["id"] for a in auctions_ if a["name"] == "现在")
    await client.post(f"/api/v1/auctions/{now_id}/bids", json={"member_id": member, "amount": 20}, headers=h)
    redeemed = await client.post(
        f"/api/v1/rewards/{reward}/redeem", json={"member_id": member, "quantity": 1}, headers=h
    )
    assert redeemed.status_code == 201, redeemed.text
    top_up_rule = await client.post(
        "/api/v1/top-up-rules",
        json={"name": "充100送10", "min_amount_cents": 10000, "bonus_cents": 1000},
        headers=h,
    )
    await _top_up(client, tenant, member, 20000, "PAY-W")
    await api_member(client, tenant, phone="13900139000")
    return {
        "rule": rules[0],
        "tier": tier.json()["id"],
        "reward": reward,
        "member": member,
        "template": template,
        "plan": plan.json()["id"],
        "lottery": lot.json()["id"],
        "top_up_rule": top_up_rule.json()["id"],
    }


@pytest.mark.parametrize("role", ["owner", "operator", "analyst"])
async def test_every_loyalty_page_renders_in_both_languages_with_every_value_in_words(
    role: str, client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    ids = await _world(client, tenant, engine)
    await _signed_in(client, engine, tenant, role)
    manager = role != "analyst"
    pages = [
        "/console/loyalty",
        "/console/loyalty/tiers",
        "/console/loyalty/rewards",
        "/console/loyalty/coupons",
        "/console/loyalty/plans",
        "/console/loyalty/games",
        "/console/loyalty/wallets",
        "/console/loyalty/ledger",
        f"/console/loyalty/ledger?member_id={ids['member']}",
        "/console/loyalty/redemptions",
        f"/console/loyalty/redemptions?member_id={ids['member']}&status=completed",
    ]
    forms = [
        "/console/loyalty/rule",
        f"/console/loyalty/rule?id={ids['rule']}",
        "/console/loyalty/tier",
        f"/console/loyalty/tier?id={ids['tier']}",
        "/console/loyalty/reward",
        f"/console/loyalty/reward?id={ids['reward']}",
        "/console/loyalty/coupon-template",
        f"/console/loyalty/coupon-template?id={ids['template']}",
        "/console/loyalty/plan",
        f"/console/loyalty/plan?id={ids['plan']}",
        "/console/loyalty/lottery",
        f"/console/loyalty/lottery?id={ids['lottery']}",
        "/console/loyalty/auction",
        "/console/loyalty/top-up-rule",
        f"/console/loyalty/top-up-rule?id={ids['top_up_rule']}",
    ]
    for path in pages + forms:
        for lang in LANGS:
            sep = "&" if "?" in path else "?"
            r = await client.get(f"{path}{sep}lang={lang}")
            if path in forms and not manager:
                assert r.status_code == 403, (role, path)
                continue
            assert r.status_code == 200, (role, path, lang)
            assert r.text.count("<h1>") == 1, path
            for name in re.findall(r'<input id="([^"]+)"', r.text) + re.findall(
                r'<select id="([^"]+)"', r.text
            ):
                assert f'<label for="{name}"' in r.text, (path, name)
            assert ('aria-current="page"' in r.text) or path in forms, path
            for code in (
                "order_paid",
                "form_submitted",
                "amount_off",
                "percent_off",
                "one_level",
                "per_unit",
            ):
                assert f">{code}<" not in r.text, (path, code)
    games = (await client.get("/console/loyalty/games?lang=zh-CN")).text
    for words in ("未开始", "竞拍中", "已到期，待结拍", "进行中", "积分 · 积分"):
        assert words in games, words
    rules = (await client.get("/console/loyalty?lang=en")).text
    for words in ("Paused", "Not started", "Ended", "Active", "Birthday", "Form submitted", "Check-in"):
        assert words in rules, words
    rewards_page = (await client.get("/console/loyalty/rewards?lang=en")).text
    for words in ("Sold out", "Off sale", "On sale"):
        assert words in rewards_page, words
    ledger = (await client.get("/console/loyalty/ledger?lang=zh-CN")).text
    for words in ("冻结", "使用", "手动调整", "积分兑换"):
        assert words in ledger, words


# --- changing what was made: plans, coupon templates, lotteries, top-up rules --------------------


async def _plan(client: httpx.AsyncClient, tenant: Tenant, template: int | None = None) -> int:
    body: dict[str, Any] = {
        "name": "年卡",
        "price_cents": 19900,
        "period": "year",
        "gift_points": 100,
        "benefits": {"discount_percent": 10, "free_shipping": True},
    }
    if template:
        body["gift_coupon_template_ids"] = [template, template]
    r = await client.post("/api/v1/membership-plans", json=body, headers=tenant.headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def _lottery(client: httpx.AsyncClient, tenant: Tenant) -> int:
    body = {
        "name": "转盘",
        "prizes": [{"name": "10积分", "kind": "points", "points": 10, "probability_bp": 5000}],
    }
    r = await client.post("/api/v1/lotteries", json=body, headers=tenant.headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def _rule(client: httpx.AsyncClient, tenant: Tenant) -> int:
    body = {"name": "充100送10", "min_amount_cents": 10000, "bonus_cents": 1000}
    r = await client.post("/api/v1/top-up-rules", json=body, headers=tenant.headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def test_an_operator_changes_a_plan_and_stops_selling_it(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    template = await _template(client, tenant)
    plan_id = await _plan(client, tenant, template)
    await _signed_in(client, engine, tenant)
    page = await client.get(f"/console/loyalty/plan?id={plan_id}&lang=en")
    assert page.status_code == 200 and "Edit · 年卡" in page.text
    for shown in (
        'value="199.00"',
        'value="free_shipping"',
        f'name="gift_coupons.{template}" type="text" value="2"',
    ):
        assert shown in page.text, shown
    edit = {
        "id": str(plan_id),
        "name": "PLUS年卡",
        "price_cents": "169",
        "period": "year",
        "perks": "free_shipping",
    }
    refused = await _submit(
        client, "/console/loyalty/plan", edit | {"price_cents": "0", "active": "on"}, "/console/loyalty/plans"
    )
    assert refused.status_code == 422 and _field_error(refused.text, "price_cents") == "Must be at least 1"
    (plan,) = (await _api(client, tenant, "membership-plans"))["data"]
    assert (plan["name"], plan["price_cents"], plan["active"]) == ("年卡", 19900, True)
    _saved(
        await _submit(client, "/console/loyalty/plan", edit | {"gift_points": "0"}, "/console/loyalty/plans"),
        "/console/loyalty/plans?done=saved",
    )
    (plan,) = (await _api(client, tenant, "membership-plans"))["data"]
    assert (plan["name"], plan["price_cents"], plan["active"], plan["gift_points"]) == (
        "PLUS年卡",
        16900,
        False,
        0,
    )
    assert plan["benefits"] == {"free_shipping": True} and plan["gift_coupon_template_ids"] == []
    assert "停售" in (await client.get("/console/loyalty/plans?lang=zh-CN")).text


async def test_an_operator_changes_a_coupon_template_and_its_value_only_before_codes_exist(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    template = await _template(client, tenant)
    await _signed_in(client, engine, tenant)
    form = {
        "id": str(template),
        "name": "满199减30",
        "kind": "amount_off",
        "value_yuan": "25",
        "min_spend_cents": "199",
        "valid_days": "30",
        "active": "on",
    }
    page = await client.get(f"/console/loyalty/coupon-template?id={template}")
    assert 'name="value_yuan"' in page.text and 'value="30.00"' in page.text
    _saved(await _submit(client, "/console/loyalty/coupon-template", form, "/console/loyalty/coupons"))
    assert (await _api(client, tenant, "coupon-templates"))["data"][0]["value"] == 2500
    generated = await client.post(
        f"/api/v1/coupon-templates/{template}/generate", json={"count": 3}, headers=tenant.headers
    )
    assert generated.status_code == 201

    page = await client.get(f"/console/loyalty/coupon-template?id={template}&lang=zh-CN")
    assert 'name="value_yuan"' not in page.text and "已发出 3 个券码" in page.text
    forged = await _submit(
        client, "/console/loyalty/coupon-template", form | {"value_yuan": "50"}, "/console/loyalty/coupons"
    )
    assert forged.status_code == 409
    assert ERROR_WORDS["coupon_template_issued"]["zh-CN"] in forged.text
    below = await _submit(
        client,
        "/console/loyalty/coupon-template?lang=en",
        {"id": str(template), "name": "x", "valid_days": "30", "total_limit": "2"},
        "/console/loyalty/coupons",
    )
    assert below.status_code == 400 and _field_error(below.text, "total_limit")
    (tpl,) = (await _api(client, tenant, "coupon-templates"))["data"]
    assert (tpl["name"], tpl["value"], tpl["total_limit"]) == ("满199减30", 2500, None)
    _saved(
        await _submit(
            client,
            "/console/loyalty/coupon-template",
            {"id": str(template), "name": "会员专享券", "valid_days": "7", "total_limit": "100"},
            "/console/loyalty/coupons",
        ),
        "/console/loyalty/coupons?done=saved",
    )
    (tpl,) = (await _api(client, tenant, "coupon-templates"))["data"]
    assert (tpl["name"], tpl["value"], tpl["valid_days"], tpl["total_limit"], tpl["active"]) == (
        "会员专享券",
        2500,
        7,
        100,
        False,
    )


async def test_an_operator_changes_a_lottery_and_its_prizes_until_the_first_draw(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    lottery_id = await _lottery(client, tenant)
    await _signed_in(client, engine, tenant)
    page = await client.get(f"/console/loyalty/lottery?id={lottery_id}")
    assert 'value="10积分"' in page.text and 'name="prizes.0.probability_bp" value="50"' in page.text
    form = {
        "id": str(lottery_id),
        "name": "大转盘",
        "points_per_draw": "0",
        "active": "on",
        "prize_rows": "5",
        "prizes.0.name": "20积分",
        "prizes.0.kind": "points",
        "prizes.0.points": "20",
        "prizes.0.probability_bp": "100",
    }
    over = await _submit(
        client,
        "/console/loyalty/lottery",
        form | {"prizes.0.probability_bp": "101"},
        "/console/loyalty/games",
    )
    assert over.status_code == 422
    assert re.search(r'name="prizes.0.probability_bp" value="101"[^>]*><span class="field-error">', over.text)
    _saved(await _submit(client, "/console/loyalty/lottery", form, "/console/loyalty/games"))
    got = await _api(client, tenant, f"lotteries/{lottery_id}")
    assert got["name"] == "大转盘" and [(p["name"], p["probability_bp"]) for p in got["prizes"]] == [
        ("20积分", 10000)
    ]

    member = await _bidder(client, tenant, 10)
    drawn = await client.post(
        f"/api/v1/lotteries/{lottery_id}/draws",
        json={"member_id": member},
        headers={**tenant.headers, "Idempotency-Key": "draw-1"},
    )
    assert drawn.status_code == 201
    page = await client.get(f"/console/loyalty/lottery?id={lottery_id}&lang=en")
    assert "Members have drawn: the prizes no longer change." in page.text
    assert 'name="prize_rows"' not in page.text
    late = await _submit(client, "/console/loyalty/lottery", form, "/console/loyalty/games")
    assert late.status_code == 409 and ERROR_WORDS["lottery_has_draws"]["en"] in late.text
    kept = {k: v for k, v in form.items() if not k.startswith("prize") and k != "active"}
    _saved(
        await _submit(
            client, "/console/loyalty/lottery", kept | {"daily_limit": "3"}, "/console/loyalty/games"
        )
    )
    got = await _api(client, tenant, f"lotteries/{lottery_id}")
    assert (got["active"], got["daily_limit"], got["prizes"][0]["awarded_count"]) == (False, 3, 1)
    assert "已停用" in (await client.get("/console/loyalty/games?lang=zh-CN")).text


async def test_an_operator_changes_a_top_up_rule_for_top_ups_from_now_on(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    rule_id = await _rule(client, tenant)
    await _signed_in(client, engine, tenant)
    wallets = await client.get("/console/loyalty/wallets")
    assert f"/console/loyalty/top-up-rule?id={rule_id}" in wallets.text
    page = await client.get(f"/console/loyalty/top-up-rule?id={rule_id}")
    assert 'value="100.00"' in page.text and 'value="10.00"' in page.text
    form = {"id": str(rule_id), "name": "充100送15", "min_amount_cents": "100", "bonus_cents": "15"}
    refused = await _submit(
        client, "/console/loyalty/top-up-rule", form | {"bonus_cents": "-1"}, "/console/loyalty/wallets"
    )
    assert refused.status_code == 400 and _field_error(refused.text, "bonus_cents")
    _saved(
        await _submit(
            client, "/console/loyalty/top-up-rule", form | {"active": "on"}, "/console/loyalty/wallets"
        ),
        "/console/loyalty/wallets?done=saved",
    )
    (rule,) = (await _api(client, tenant, "top-up-rules"))["data"]
    assert (rule["name"], rule["bonus_cents"], rule["active"]) == ("充100送15", 1500, True)
    _saved(await _submit(client, "/console/loyalty/top-up-rule", form, "/console/loyalty/wallets"))
    assert (await _api(client, tenant, "top-up-rules"))["data"][0]["active"] is False


async def test_redemptions_are_listed_in_words_and_cancelled_after_saying_what_comes_back(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    reward = await _reward(client, tenant)
    member = await _bidder(client, tenant, 5000)
    ids = []
    for key in ("r1", "r2"):
        r = await client.post(
            f"/api/v1/rewards/{reward}/redeem",
            json={"member_id": member},
            headers={**tenant.headers, "Idempotency-Key": key},
        )
        ids.append(r.json()["id"])
    await _signed_in(client, engine, tenant)
    zh = await client.get("/console/loyalty/redemptions?lang=zh-CN")
    assert zh.text.count("已兑换") >= 2 and "品牌帆布袋" in zh.text
    says = f"取消会员 #{member} 兑换的 1 件「品牌帆布袋」：1,500 积分退回会员，1 件退回库存。确定取消吗？"
    assert f'data-confirm="{says}"' in zh.text
    en = await client.get("/console/loyalty/redemptions?lang=en")
    assert "1,500 points go back to the member, 1 units go back into stock. Cancel it?" in en.text
    no_reason = await _submit(
        client, "/console/loyalty/redemption/cancel", {"id": str(ids[0])}, "/console/loyalty/redemptions"
    )
    assert no_reason.status_code == 422 and _field_error(no_reason.text, "reason")
    assert (await _api(client, tenant, "rewards"))["data"][0]["stock"] == 198
    _saved(
        await _submit(
            client,
            "/console/loyalty/redemption/cancel",
            {"id": str(ids[0]), "reason": "退货"},
            "/console/loyalty/redemptions",
        ),
        "/console/loyalty/redemptions?done=cancelled",
    )
    assert (await _api(client, tenant, "rewards"))["data"][0]["stock"] == 199
    points = await _api(client, tenant, f"members/{member}/points")
    assert points["balance"] == 3500
    again = await _submit(
        client,
        "/console/loyalty/redemption/cancel",
        {"id": str(ids[0]), "reason": "再来"},
        "/console/loyalty/redemptions",
    )
    assert again.status_code == 409 and ERROR_WORDS["already_cancelled"]["en"] in again.text
    cancelled = await client.get("/console/loyalty/redemptions?status=cancelled&lang=en")
    assert (
        "Cancelled" in cancelled.text
        and cancelled.text.count('action="/console/loyalty/redemption/cancel"') == 0
    )


async def test_analysts_and_staff_change_none_of_them(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    template, plan_id = await _template(client, tenant), await _plan(client, tenant)
    lottery_id, rule_id = await _lottery(client, tenant), await _rule(client, tenant)
    reward = await _reward(client, tenant)
    member = await _bidder(client, tenant, 5000)
    redeemed = await client.post(
        f"/api/v1/rewards/{reward}/redeem", json={"member_id": member}, headers=tenant.headers
    )
    for role in ("analyst", "staff"):
        client.cookies.clear()
        await _signed_in(client, engine, tenant, role)
        for path, row in (
            ("plan", plan_id),
            ("coupon-template", template),
            ("lottery", lottery_id),
            ("top-up-rule", rule_id),
        ):
            assert (await client.get(f"/console/loyalty/{path}?id={row}")).status_code == 403, path
            r = await _submit(
                client, f"/console/loyalty/{path}", {"id": str(row), "name": "x"}, "/console/loyalty"
            )
            assert r.status_code == 403, (role, path)
        page = await client.get("/console/loyalty/redemptions")
        assert page.status_code == 200 and "/console/loyalty/redemption/cancel" not in page.text
        r = await _submit(
            client,
            "/console/loyalty/redemption/cancel",
            {"id": str(redeemed.json()["id"]), "reason": "x"},
            "/console/loyalty/redemptions",
        )
        assert r.status_code == 403
    assert (await _api(client, tenant, "rewards"))["data"][0]["stock"] == 199
    assert (await _api(client, tenant, "membership-plans"))["data"][0]["name"] == "年卡"


async def test_another_workspaces_plans_templates_lotteries_rules_and_redemptions_are_refused(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    theirs = {
        "plan": await _plan(client, other_tenant),
        "coupon-template": await _template(client, other_tenant),
        "lottery": await _lottery(client, other_tenant),
        "top-up-rule": await _rule(client, other_tenant),
    }
    reward = await _reward(client, other_tenant)
    member = await _bidder(client, other_tenant, 5000)
    redeemed = await client.post(
        f"/api/v1/rewards/{reward}/redeem", json={"member_id": member}, headers=other_tenant.headers
    )
    await _signed_in(client, engine, tenant)
    for path, row in theirs.items():
        assert (await client.get(f"/console/loyalty/{path}?id={row}")).status_code == 404, path
        r = await _submit(
            client, f"/console/loyalty/{path}", {"id": str(row), "name": "抢来的"}, "/console/loyalty"
        )
        assert r.status_code == 404, path
    listed = await client.get(f"/console/loyalty/redemptions?reward_id={reward}")
    assert "品牌帆布袋" not in listed.text
    r = await _submit(
        client,
        "/console/loyalty/redemption/cancel",
        {"id": str(redeemed.json()["id"]), "reason": "x"},
        "/console/loyalty/redemptions",
    )
    assert r.status_code == 404
    assert (await _api(client, other_tenant, "membership-plans"))["data"][0]["name"] == "年卡"
    assert (await _api(client, other_tenant, "rewards"))["data"][0]["stock"] == 199
