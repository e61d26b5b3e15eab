"""数据 › 客户价值 in the console: the historic cohorts (curves, matrix, a cohort's members)
and the predicted value (the models' parameters, cohorts, P(alive), the most valuable
buyers) in both languages; too few buyers say so in words instead of failing."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.analytics.test_ltv import shop
from tests.analytics.world import WS
from tests.conftest import Tenant
from tests.factories import member, order, refund
from tests.web import browser
from yutang.analytics import store, sync
from yutang.web.i18n.errors import ERROR_WORDS


async def test_the_customer_value_page_in_both_languages(
    client: httpx.AsyncClient, app: Any, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    path = app.app.state.settings.resolved_analytics_path()
    path.unlink(missing_ok=True)
    ids = [await member(engine, tenant, phone=f"1380015{i:04d}") for i in range(4)]
    paid = await order(engine, tenant, ids[0], 12_300)
    await order(engine, tenant, ids[1], 4_500)
    await refund(engine, tenant, paid, 300)
    await order(engine, other_tenant, await member(engine, other_tenant, phone="13900000002"), 777_700)
    await sync.sync(engine, path)
    await browser.make_user(engine, tenant.id, "analyst@acme.example", "analyst")
    client.cookies.clear()
    assert (await browser.login(client, "analyst@acme.example")).status_code == 303

    page = await client.get("/console/reports/ltv")
    assert page.status_code == 200, page.text
    text = page.text
    assert "客户价值" in text and "data-chart" in text and "第 0 月" in text and "入会后月数" in text
    assert "¥41.25" in text  # (12,300 − 300 + 4,500) cents ÷ 4 members, month 0
    assert "¥7,777" not in text  # the other workspace's order
    assert ERROR_WORDS["not_enough_data"]["zh-CN"] in text  # two buyers: no model
    assert "/console/reports/ltv/members?" in text
    english = await client.get("/console/reports/ltv?lang=en&span=6&unit=day&horizon=6&discount=10")
    assert english.status_code == 200 and "Months since joining" in english.text
    assert ERROR_WORDS["not_enough_data"]["en"] in english.text

    month = text.split("/console/reports/ltv/members?", 1)[1].split('"', 1)[0].replace("&amp;", "&")
    cohort = await client.get(f"/console/reports/ltv/members?{month}")
    assert cohort.status_code == 200 and "4" in cohort.text

    # a pond with enough buyers (generated facts; their members are not in the database)
    path.unlink(missing_ok=True)
    facts = [replace(f, workspace_id=tenant.id) for f in shop() if f.workspace_id == WS]
    with store.connect(path, write=True) as con:
        store.append(con, [f.row() for f in facts])
    for lang, words in (
        ("zh-CN", ("模型参数", "BG/NBD", "P(活跃) 分布", "预测价值最高的会员", "按入会月份")),
        (
            "en",
            (
                "The models&#39; parameters",
                "Gamma–Gamma",
                "P(alive) distribution",
                "The most valuable buyers",
            ),
        ),
    ):
        predicted = await client.get(f"/console/reports/ltv?lang={lang}&unit=month&horizon=24&discount=5")
        assert predicted.status_code == 200, predicted.text
        assert all(w in predicted.text for w in words), lang
        assert predicted.text.count("data-chart") == 2 and 'role="alert"' not in predicted.text
    band = predicted.text.split("/console/reports/ltv/predicted/members?", 1)[1].split('"', 1)[0]
    shown = await client.get("/console/reports/ltv/predicted/members?" + band.replace("&amp;", "&"))
    assert shown.status_code == 200 and "P(alive)" in shown.text
