"""数据 › 裂变与价值 in the console: K per campaign (named, its members a click away), the
value formula with its factors, undefined where K ≥ 1, and the what-if — both languages."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.factories import in_tx, member, order
from tests.referrals.conftest import make_campaign, take_part
from tests.web import browser
from yutang.analytics import sync
from yutang.kit.context import Ctx
from yutang.models.base import utcnow
from yutang.models.members import Member
from yutang.referrals import service


async def test_the_fission_page_shows_k_value_and_what_if(
    client: httpx.AsyncClient, app: object, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    path = app.app.state.settings.resolved_analytics_path()  # type: ignore[attr-defined]
    path.unlink(missing_ok=True)
    # a member of 200 days who spent 100.00 in their first days: the LTV at month 3 since
    # joining is 100.00 (their month 3 is over, whatever the day of the month today is)
    old = await member(engine, tenant, phone="13800000099")

    async def backdate(ctx: Ctx) -> None:
        await ctx.session.execute(
            update(Member).where(Member.id == old).values(joined_at=utcnow() - timedelta(days=200))
        )

    await in_tx(engine, tenant, backdate)
    await order(engine, tenant, old, 10_000, paid_at=utcnow() - timedelta(days=195))
    cid = await make_campaign(engine, tenant, name="春季邀请")
    seeds = [await member(engine, tenant, phone=f"1380000000{i}") for i in range(2)]
    _, code = await take_part(engine, tenant, cid, seeds[0])
    await take_part(engine, tenant, cid, seeds[1])
    for i in range(2):
        friend = await member(engine, tenant, phone=f"1390000000{i}")

        async def claim(ctx: Ctx, friend: int = friend) -> None:
            await service.claim_code(ctx, cid, friend, code)

        await in_tx(engine, tenant, claim)
    await make_campaign(engine, other_tenant, name="别家的活动")
    await sync.sync(engine, path)
    await browser.make_user(engine, tenant.id, "analyst@acme.example", "analyst")
    client.cookies.clear()
    assert (await browser.login(client, "analyst@acme.example")).status_code == 303

    page = await client.get("/console/reports/fission?ltv_months=3")
    text = page.text
    assert page.status_code == 200, text
    assert "春季邀请" in text and "别家的活动" not in text and "裂变系数 K" in text
    assert text.count("data-chart") == 3
    # 5 customers × 100.00 × (1 + K 1.0); K ≥ 1: the all-generations value is undefined
    assert "¥1,000.00" in text and "无定义（K ≥ 1）" in text
    # which LTV, in words: the customer-value page's, at month 3, over one member
    assert "「客户价值」页历史 LTV 第 3 月的加权平均" in text and " 1 名会员" in text
    half = await client.get("/console/reports/fission?ltv_months=3&k_change=-50&lang=en")
    assert half.status_code == 200 and "What if" in half.text and "Fission &amp; value" in half.text
    # K 0.5: 5 × 100.00 × 1.5 = 750.00, and 5 × 100.00 ÷ 0.5 = 1,000.00 for all generations
    assert "¥750.00" in half.text and "-25.0%" in half.text
    assert "historic LTV at month 3" in half.text
    odd = await client.get(
        "/console/reports/fission?k_change=lots&aov_change=99999&period=year&ltv_months=7&lang=zh-CN"
    )
    assert odd.status_code == 200
    # twelve months (7 is no choice): nobody is that old — not available, and why
    assert "生命周期价值暂不可用" in odd.text and "入会满 12 个整月" in odd.text and "不可用" in odd.text
    drill = f"/console/reports/fission/members?campaign_id={cid}&who=referred"
    assert 'href="/console/reports/fission/members?' in text and f"campaign_id={cid}" in text
    members_page = await client.get(drill)
    assert members_page.status_code == 200 and "13900000000" not in members_page.text  # masked
