"""数据 › 渠道 in the console: an operator enters a channel's exposures and spend on its
page, the report shows diversion rate, joins, revenue, CPA and ROI per channel — sorted
by any figure, charted, in both languages — and a channel's new members open from it."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.factories import in_tx, member, order
from tests.web import browser
from yutang.analytics import sync
from yutang.links import service as links
from yutang.links.schemas import ChannelIn


async def test_costs_entered_on_the_channel_page_give_the_channels_report(
    client: httpx.AsyncClient, app: object, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    path = app.app.state.settings.resolved_analytics_path()  # type: ignore[attr-defined]
    path.unlink(missing_ok=True)
    card = await in_tx(
        engine, tenant, lambda ctx: links.create_channel(ctx, ChannelIn(name="包裹卡", type="package_card"))
    )
    shop = await in_tx(
        engine, tenant, lambda ctx: links.create_channel(ctx, ChannelIn(name="门店", type="store"))
    )
    brought = [
        await member(engine, tenant, phone=f"1380013{i:04d}", source_channel_id=card.id) for i in range(4)
    ]
    await member(engine, tenant, phone="13800139999", source_channel_id=shop.id)
    await order(engine, tenant, brought[0], 30_000)
    await order(engine, other_tenant, await member(engine, other_tenant, phone="13900000000"), 777_700)
    await sync.sync(engine, path)
    for role in ("operator", "analyst"):
        await browser.make_user(engine, tenant.id, f"{role}@acme.example", role)

    client.cookies.clear()
    assert (await browser.login(client, "operator@acme.example")).status_code == 303
    page = f"/console/channels/{card.id}/edit"
    shown = await client.get(page)
    assert shown.status_code == 200 and "曝光与投入" in shown.text and "还没有录入" in shown.text
    end = datetime.now(UTC).date()  # inside the last 30 days of any zone's calendar
    days = {"starts_on": (end - timedelta(days=4)).isoformat(), "ends_on": end.isoformat()}
    added = await browser.post(
        client,
        f"/console/channels/{card.id}/costs",
        {**days, "exposures": "2,000", "spend_cents": "¥100", "note": "首批"},
        page=page,
    )
    assert added.status_code == 303 and "cost_added" in added.headers["location"]
    again = await browser.post(
        client, f"/console/channels/{card.id}/costs", {**days, "exposures": "5"}, page=page
    )
    assert again.status_code == 409 and "这些日期已录入过" in again.text
    typo = await browser.post(
        client,
        f"/console/channels/{card.id}/costs",
        {"starts_on": "2026-01-01", "ends_on": "x", "exposures": "5"},
    )
    assert typo.status_code == 422 and "f-cost-ends_on" in typo.text
    listed = await client.get(page)
    assert "首批" in listed.text and "¥100.00" in listed.text and "2,000" in listed.text

    report = await client.get("/console/reports/channels?days=30")
    assert report.status_code == 200, report.text
    text = report.text
    assert "包裹卡" in text and "门店" in text and "data-chart" in text and "引流率" in text
    assert "¥7,777" not in text  # the other workspace's order
    # the whole entry is in the range: ¥100 over 4 new members, ROI (300 − 100) ÷ 100
    assert "¥25.00" in text and "200.00%" in text
    table = text[text.index("<tbody>") :]
    assert table.index("包裹卡") < table.index("门店")  # most joins first
    ascending = await client.get("/console/reports/channels?days=30&sort=joins&order=asc")
    table = ascending.text[ascending.text.index("<tbody>") :]
    assert table.index("门店") < table.index("包裹卡")
    assert 'aria-sort="ascending"' in ascending.text
    english = await client.get("/console/reports/channels?lang=en&by=link")
    assert (
        english.status_code == 200
        and "Diversion rate" in english.text
        and "Cost per new member" in english.text
    )

    client.cookies.clear()
    assert (await browser.login(client, "analyst@acme.example")).status_code == 303
    report = await client.get("/console/reports/channels")
    drills = [
        html.unescape(h)
        for h in re.findall(r'href="(/console/reports/channels/members\?[^"]+)"', report.text)
    ]
    joins = next(h for h in drills if f"key={card.id}" in h and "figure=joins" in h)
    opened = await client.get(joins)
    assert opened.status_code == 200 and "该渠道带来的新会员" in opened.text
    assert set(map(int, re.findall(r'href="/console/members/(\d+)"', opened.text))) == set(brought)
    refused = await browser.post(client, f"/console/channels/{card.id}/costs", {**days, "exposures": "1"})
    assert refused.status_code == 403
