"""Every earn trigger pays EVERY member, each exactly once.

The ledger's dedupe key is unique per workspace. A key that names only the occasion
("signup", a check-in's "2026-12-03", "birthday:2026") pays the first member and
silently refuses everyone after them. So for each trigger: many members, the same day,
the same rule — each is paid once, and a redelivery of every event (receipts lost,
events dispatched again) or a second run of the birthday job pays nobody twice.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, run_events
from tests.factories import in_tx
from tests.loyalty.conftest import state
from tests.referrals.conftest import campaign_data, device
from yutang.kit.db import unit_of_work
from yutang.loyalty import earning
from yutang.models.loyalty import PointsEntry
from yutang.models.platform import EventReceipt, OutboxEvent

N = 6
PHONES = [f"1390000{n:04d}" for n in range(N)]


async def rule(client: httpx.AsyncClient, tenant: Tenant, **body: Any) -> int:
    r = await client.post("/api/v1/earn-rules", json={"name": "rule", **body}, headers=tenant.headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def members(client: httpx.AsyncClient, tenant: Tenant, **extra: Any) -> list[int]:
    ids = []
    for phone in PHONES:
        r = await client.post("/api/v1/members", json={"phone": phone, **extra}, headers=tenant.headers)
        assert r.status_code == 201, r.text
        ids.append(int(r.json()["id"]))
    return ids


async def redeliver(engine: AsyncEngine) -> None:
    """Every event again, as if every receipt had been lost."""
    async with unit_of_work(engine=engine) as s:
        await s.execute(delete(EventReceipt))
        await s.execute(update(OutboxEvent).values(dispatched_at=None))
    await run_events(engine)


async def earned(
    engine: AsyncEngine, member_ids: list[int], rule_id: int | None = None
) -> dict[int, list[int]]:
    """Each member's earn entries (of one rule, if given): member id → amounts."""
    async with unit_of_work(readonly=True, engine=engine) as s:
        stmt = select(PointsEntry.member_id, PointsEntry.amount + PointsEntry.pending_delta).where(
            PointsEntry.member_id.in_(member_ids), PointsEntry.kind == "earn"
        )
        if rule_id is not None:
            stmt = stmt.where(PointsEntry.rule_id == rule_id)
        rows = (await s.execute(stmt.order_by(PointsEntry.id))).all()
    got: dict[int, list[int]] = {m: [] for m in member_ids}
    for member_id, amount in rows:
        got[member_id].append(int(amount))
    return got


async def assert_consistent(engine: AsyncEngine, member_ids: list[int]) -> None:
    for m in member_ids:
        assert (await state(engine, m))[2] == []


async def test_signup_pays_every_member_who_joins(client, tenant: Tenant, engine: AsyncEngine):
    rid = await rule(client, tenant, trigger="signup", points=50)
    ids = await members(client, tenant)
    await run_events(engine)
    assert await earned(engine, ids, rid) == {m: [50] for m in ids}
    await redeliver(engine)
    assert await earned(engine, ids, rid) == {m: [50] for m in ids}
    await assert_consistent(engine, ids)


async def test_order_paid_pays_every_buyer_of_the_day(client, tenant: Tenant, engine: AsyncEngine):
    rid = await rule(client, tenant, trigger="order_paid", amount_type="per_unit", points=1, unit_cents=100)
    ids = await members(client, tenant)
    paid_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    for n, phone in enumerate(PHONES):
        body = {
            "external_id": f"T{n}",
            "customer": {"phone": phone},
            "paid_at": paid_at,
            "items": [{"product_id": "SKU-1", "name": "精华液", "quantity": 1, "price_cents": 19900}],
        }
        for _ in range(2):  # the shop sends each order twice
            r = await client.post("/api/v1/orders", json=body, headers=tenant.headers)
            assert r.status_code in (200, 201), r.text
    await run_events(engine)
    assert await earned(engine, ids, rid) == {m: [199] for m in ids}
    await redeliver(engine)
    assert await earned(engine, ids, rid) == {m: [199] for m in ids}
    await assert_consistent(engine, ids)


@pytest.mark.parametrize("trigger", ["checkin", "post", "share", "custom"])
async def test_an_activity_with_the_same_external_id_pays_every_member(
    client, tenant: Tenant, engine: AsyncEngine, trigger: str
):
    """The documented check-in id is the day ("2026-12-03"): every member uses it."""
    extra = {"event_name": "review_written"} if trigger == "custom" else {}
    rid = await rule(client, tenant, trigger=trigger, points=5, **extra)
    ids = await members(client, tenant)
    await run_events(engine)
    body: dict[str, Any] = {"type": trigger, "external_id": "2026-12-03"}
    if trigger == "custom":
        body["name"] = "review_written"
    for m in ids:
        for _ in range(2):  # reported twice: earns once
            r = await client.post(f"/api/v1/members/{m}/activities", json=body, headers=tenant.headers)
            assert r.status_code == 202, r.text
    await run_events(engine)
    assert await earned(engine, ids, rid) == {m: [5] for m in ids}
    await redeliver(engine)
    assert await earned(engine, ids, rid) == {m: [5] for m in ids}
    await assert_consistent(engine, ids)


async def test_an_activity_without_external_id_pays_each_report(client, tenant: Tenant, engine: AsyncEngine):
    rid = await rule(client, tenant, trigger="share", points=2)
    ids = await members(client, tenant)
    for m in ids:
        for _ in range(2):
            await client.post(
                f"/api/v1/members/{m}/activities", json={"type": "share"}, headers=tenant.headers
            )
    await run_events(engine)
    await redeliver(engine)
    assert await earned(engine, ids, rid) == {m: [2, 2] for m in ids}


async def test_form_submitted_pays_every_member_once(client, tenant: Tenant, engine: AsyncEngine):
    form = await client.post(
        "/api/v1/forms",
        json={
            "slug": "survey",
            "title": "问卷",
            "fields": [
                {"key": "phone", "label": "手机", "type": "phone", "required": True, "maps_to": "phone"}
            ],
        },
        headers=tenant.headers,
    )
    assert form.status_code == 201, form.text
    rid = await rule(client, tenant, trigger="form_submitted", points=30)
    ids = await members(client, tenant)
    for phone in PHONES:
        for _ in range(2):  # submitted twice: paid once
            r = await client.post(
                f"/api/v1/forms/{form.json()['id']}/submissions",
                json={"answers": {"phone": phone}},
                headers=tenant.headers,
            )
            assert r.status_code == 201, r.text
    await run_events(engine)
    assert await earned(engine, ids, rid) == {m: [30] for m in ids}
    await redeliver(engine)
    assert await earned(engine, ids, rid) == {m: [30] for m in ids}


async def test_referral_pays_every_inviter_once(client, app: Any, tenant: Tenant, engine: AsyncEngine):
    h = tenant.headers
    made = await client.post("/api/v1/referrals/campaigns", json=campaign_data(stages=[]), headers=h)
    if made.status_code == 422:  # a campaign may need a stage
        made = await client.post("/api/v1/referrals/campaigns", json=campaign_data(), headers=h)
    assert made.status_code == 201, made.text
    campaign = made.json()["id"]
    rid = await rule(client, tenant, trigger="referral", points=40)
    inviters = await members(client, tenant)
    for n, inviter in enumerate(inviters):
        kit = await client.post(
            f"/api/v1/referrals/campaigns/{campaign}/participants", json={"member_id": inviter}, headers=h
        )
        assert kit.status_code == 201, kit.text
        landing = f"/invite/{kit.json()['code']}"
        async with device(app, tenant.host, f"198.51.100.{10 + n}") as phone:
            page = await phone.get(landing)
            assert page.status_code == 200
            form = {**_hidden_inputs(page.text), "phone": f"1370000{n:04d}", "name": "好友", "consent": "yes"}
            done = await phone.post(landing, data=form, headers={"Origin": f"http://{tenant.host}"})
            assert done.status_code == 200, done.text
    await run_events(engine)
    assert await earned(engine, inviters, rid) == {m: [40] for m in inviters}
    await redeliver(engine)
    assert await earned(engine, inviters, rid) == {m: [40] for m in inviters}
    await assert_consistent(engine, inviters)


def _birthday_today() -> tuple[date, datetime]:
    day = date(2026, 6, 15)
    return day, datetime(2026, 6, 15, 8, tzinfo=UTC)


async def test_birthday_rule_pays_every_member_born_today(client, tenant: Tenant, engine: AsyncEngine):
    rid = await rule(client, tenant, trigger="birthday", points=88)
    ids = await members(client, tenant, birthday="1990-06-15")
    day, now = _birthday_today()
    first = await in_tx(engine, tenant, lambda c: earning.birthday_points(c, today=day, now=now))
    again = await in_tx(engine, tenant, lambda c: earning.birthday_points(c, today=day, now=now))
    assert (first, again) == (N, 0)
    assert await earned(engine, ids, rid) == {m: [88] for m in ids}
    # Next year, once more each.
    later = datetime(2027, 6, 15, 8, tzinfo=UTC)
    assert (
        await in_tx(engine, tenant, lambda c: earning.birthday_points(c, today=later.date(), now=later)) == N
    )
    assert await earned(engine, ids, rid) == {m: [88, 88] for m in ids}
    await assert_consistent(engine, ids)


async def test_tier_birthday_gift_reaches_every_member_of_the_tier(
    client, tenant: Tenant, engine: AsyncEngine
):
    h = tenant.headers
    t = await client.post(
        "/api/v1/tiers",
        json={"name": "银卡", "rank": 1, "threshold": 0, "benefits": {"birthday_points": 300}},
        headers=h,
    )
    assert t.status_code == 201, t.text
    ids = await members(client, tenant, birthday="1990-06-15")
    for m in ids:
        r = await client.post(
            f"/api/v1/members/{m}/tier", json={"tier_id": t.json()["id"], "reason": "VIP"}, headers=h
        )
        assert r.status_code == 200, r.text
    await run_events(engine)
    day, now = _birthday_today()
    first = await in_tx(engine, tenant, lambda c: earning.birthday_points(c, today=day, now=now))
    again = await in_tx(engine, tenant, lambda c: earning.birthday_points(c, today=day, now=now))
    assert (first, again) == (N, 0)
    gifts = await earned(engine, ids)
    assert {m: [a for a in amounts if a == 300] for m, amounts in gifts.items()} == {m: [300] for m in ids}
    await assert_consistent(engine, ids)


def _hidden_inputs(html: str) -> dict[str, str]:
    """The form's hidden fields (a CSRF token, if the page has one)."""
    found: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        if 'type="hidden"' in tag:
            name = re.search(r'name="([^"]*)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name:
                found[name.group(1)] = value.group(1) if value else ""
    return found


async def test_everyone_who_joins_on_the_h5_page_gets_the_welcome_points(
    app: Any, client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
):
    """The join page promises welcome points: each new member receives them, once."""
    rid = await rule(client, tenant, trigger="signup", points=100)
    ids = []
    for n, phone in enumerate(PHONES):
        async with device(app, tenant.host, f"198.51.100.{50 + n}") as browser:
            page = await browser.get("/join")
            assert page.status_code == 200, page.text
            form = {**_hidden_inputs(page.text), "phone": phone, "name": f"会员{n}", "consent": "yes"}
            same_site = {"Origin": f"http://{tenant.host}"}
            done = await browser.post("/join", data=form, headers=same_site)
            assert done.status_code == 200, done.text
            # The same person submits the page again: welcomed back, no second gift.
            again = await browser.post("/join", data=form, headers=same_site)
            assert again.status_code == 200, again.text
        found = await client.get(
            "/api/v1/members/lookup", params={"kind": "phone", "value": phone}, headers=tenant.headers
        )
        assert found.status_code == 200, found.text
        ids.append(int(found.json()["id"]))
    assert len(set(ids)) == N
    await run_events(engine)
    assert await earned(engine, ids, rid) == {m: [100] for m in ids}
    await redeliver(engine)
    assert await earned(engine, ids, rid) == {m: [100] for m in ids}
    for m in ids:
        balance = await client.get(f"/api/v1/members/{m}/points", headers=tenant.headers)
        assert balance.json()["balance"] == 100
    await assert_consistent(engine, ids)


def test_the_dedupe_key_names_rule_member_and_occasion_and_fits_its_column():
    assert earning.dedupe_key(3, 41, "signup") == "rule:3:m41:signup"
    assert earning.dedupe_key(3, 42, "signup") != earning.dedupe_key(3, 41, "signup")
    big = 2**63 - 1
    long_key = earning.dedupe_key(big, big, "form_submitted:" + "x" * 200)
    assert len(long_key) <= earning.DEDUPE_KEY_MAX and long_key.startswith(f"rule:{big}:m{big}:sha256:")
    assert long_key != earning.dedupe_key(big, big, "form_submitted:" + "x" * 199)


async def test_a_dedupe_key_of_another_member_is_refused_loudly(client, tenant: Tenant, engine: AsyncEngine):
    """A key built without its member would silently pay only the first member: the
    ledger refuses it for the second (``dedupe_conflict``) so such a bug cannot hide."""
    from yutang.kit.errors import YutangError
    from yutang.loyalty import service as points

    a, b = (await members(client, tenant))[:2]
    await in_tx(engine, tenant, lambda c: points.earn(c, a, 10, dedupe_key="welcome"))
    again = await in_tx(engine, tenant, lambda c: points.earn(c, a, 10, dedupe_key="welcome"))
    assert again.replayed
    with pytest.raises(YutangError) as refused:
        await in_tx(engine, tenant, lambda c: points.earn(c, b, 10, dedupe_key="welcome"))
    assert refused.value.code == "dedupe_conflict"
    assert await earned(engine, [a, b]) == {a: [10], b: []}


async def test_a_member_paid_under_the_old_key_is_not_paid_again(client, tenant: Tenant, engine: AsyncEngine):
    """Across the upgrade: the one member the old key (``rule:<id>:<occasion>``) paid
    reports the same check-in again — nothing more; everyone else is paid once."""
    from yutang.loyalty import service as points

    rid = await rule(client, tenant, trigger="checkin", points=5)
    ids = await members(client, tenant)
    await run_events(engine)
    old_key = f"rule:{rid}:checkin:2026-12-03"
    await in_tx(engine, tenant, lambda c: points.earn(c, ids[0], 5, rule_id=rid, dedupe_key=old_key))
    for m in ids:
        await client.post(
            f"/api/v1/members/{m}/activities",
            json={"type": "checkin", "external_id": "2026-12-03"},
            headers=tenant.headers,
        )
    await run_events(engine)
    await redeliver(engine)
    assert await earned(engine, ids, rid) == {m: [5] for m in ids}
