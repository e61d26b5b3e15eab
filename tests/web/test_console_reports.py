"""数据 Reports in the console: the revenue page shows what the event store holds for
the workspace — figures, charts, a breakdown with names — in both languages, for the
roles that read figures."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.factories import in_tx, member, order, refund
from tests.web import browser
from yutang.analytics import sync
from yutang.links import service as links
from yutang.links.schemas import ChannelIn


async def test_the_revenue_page_shows_the_store_by_channel_in_both_languages(
    client: httpx.AsyncClient, app: object, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    path = app.app.state.settings.resolved_analytics_path()  # type: ignore[attr-defined]
    path.unlink(missing_ok=True)
    shop = await in_tx(
        engine, tenant, lambda ctx: links.create_channel(ctx, ChannelIn(name="门店", type="store"))
    )
    buyers = [
        await member(engine, tenant, phone=f"1380013{i:04d}", source_channel_id=shop.id) for i in range(3)
    ]
    first = await order(engine, tenant, buyers[0], 12_300)
    await order(engine, tenant, buyers[0], 4_500)
    await order(engine, tenant, buyers[1], 3_200)
    await refund(engine, tenant, first, 300)
    await order(engine, other_tenant, await member(engine, other_tenant, phone="13900000000"), 777_700)
    await sync.sync(engine, path)
    for role in ("analyst", "staff"):
        await browser.make_user(engine, tenant.id, f"{role}@acme.example", role)
    client.cookies.clear()
    assert (await browser.login(client, "analyst@acme.example")).status_code == 303
    page = await client.get("/console/reports/revenue?by=channel&period=week")
    assert page.status_code == 200
    text = page.text
    assert "¥200.00" in text and "¥197.00" in text  # GMV, net
    assert "门店" in text and "data-chart" in text and "复购率" in text
    assert "¥7,777" not in text  # the other workspace's order
    english = await client.get("/console/reports/revenue?lang=en&days=7")
    assert english.status_code == 200 and "Net revenue" in english.text and "Repurchase rate" in english.text
    bad = await client.get("/console/reports/revenue?start=2026-12-01&end=2026-01-01")
    assert bad.status_code == 400


async def test_the_revenue_page_by_campaign_and_by_source_names_them_and_drills_down(
    client: httpx.AsyncClient, app: object, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    import html
    import re

    from tests.referrals.conftest import make_campaign, take_part

    path = app.app.state.settings.resolved_analytics_path()  # type: ignore[attr-defined]
    path.unlink(missing_ok=True)
    cid = await make_campaign(engine, tenant, name="双十一老带新")
    buyers = [await member(engine, tenant, phone=f"1380013{i:04d}") for i in range(2)]
    await order(engine, tenant, buyers[0], 12_300)  # no campaign
    await take_part(engine, tenant, cid, buyers[1])
    await order(engine, tenant, buyers[1], 4_500)  # the campaign's
    elsewhere = await make_campaign(engine, other_tenant, name="别家的活动")
    them = await member(engine, other_tenant, phone="13900000000")
    await take_part(engine, other_tenant, elsewhere, them)
    await order(engine, other_tenant, them, 777_700)
    # a fact of no member: in the window, but no money nor member comes with it
    await in_tx(engine, tenant, lambda ctx: links.create_channel(ctx, ChannelIn(name="门店", type="store")))
    await sync.sync(engine, path)
    await browser.make_user(engine, tenant.id, "analyst@acme.example", "analyst")
    client.cookies.clear()
    assert (await browser.login(client, "analyst@acme.example")).status_code == 303

    page = await client.get("/console/reports/revenue?by=campaign&period=month")
    assert page.status_code == 200
    text = page.text
    assert "双十一老带新" in text and "无活动" in text and "首次触达活动" in text
    assert f"#{cid}" not in text and "别家的活动" not in text and "¥7,777" not in text
    assert text.count("data-chart") == 3  # money, orders, and the breakdown's bars
    drills = [
        html.unescape(h)
        for h in re.findall(r'href="(/console/reports/revenue/members\?[^"]+by=campaign[^"]+)"', text)
    ]
    mine = [h for h in drills if f"key={cid}" in h]
    assert len(mine) == 1 and len(drills) == 2
    shown = await client.get(mine[0])
    assert shown.status_code == 200
    assert set(map(int, re.findall(r'href="/console/members/(\d+)"', shown.text))) == {buyers[1]}
    nobody = await client.get(next(h for h in drills if "key=" not in h))
    assert set(map(int, re.findall(r'href="/console/members/(\d+)"', nobody.text))) == {buyers[0]}
    english = await client.get("/console/reports/revenue?by=campaign&period=month&lang=en")
    assert (
        english.status_code == 200
        and "No campaign" in english.text
        and "First-touch campaign" in english.text
    )

    page = await client.get("/console/reports/revenue?by=source&period=month&lang=zh-CN")
    assert page.status_code == 200 and "API 接口" in page.text and "入会方式" in page.text
    assert ">api<" not in page.text
    assert "<td>入会方式不明</td>" not in page.text  # only the channel's own fact had no member: no row
    link = html.unescape(
        re.findall(r'href="(/console/reports/revenue/members\?[^"]+key=api[^"]*)"', page.text)[0]
    )
    shown = await client.get(link)
    assert set(map(int, re.findall(r'href="/console/members/(\d+)"', shown.text))) == set(buyers)
    english = await client.get("/console/reports/revenue?by=source&period=month&lang=en")
    assert english.status_code == 200 and "How they joined" in english.text and ">API<" in english.text
    bad = await client.get(link.replace("key=api", "key=moon"))
    assert bad.status_code == 422


async def test_the_funnel_page_shows_the_aarrr_loop_and_the_steps_chosen(
    client: httpx.AsyncClient, app: object, tenant: Tenant, engine: AsyncEngine
) -> None:
    import html
    import re

    path = app.app.state.settings.resolved_analytics_path()  # type: ignore[attr-defined]
    path.unlink(missing_ok=True)
    buyers = [await member(engine, tenant, phone=f"1380013{i:04d}") for i in range(4)]
    await order(engine, tenant, buyers[0], 12_300)
    await sync.sync(engine, path)
    await browser.make_user(engine, tenant.id, "analyst@acme.example", "analyst")
    client.cookies.clear()
    assert (await browser.login(client, "analyst@acme.example")).status_code == 303
    page = await client.get("/console/reports/funnel")
    assert page.status_code == 200 and "点击短链" in page.text and "邀请的好友已加入" in page.text
    chosen = await client.get("/console/reports/funnel?step=member.joined&step=order.paid&lang=en&window=7")
    text = chosen.text
    assert chosen.status_code == 200 and "Paid an order" in text and "25.0%" in text  # 1 of 4
    assert "data-chart" in text
    # the orders, the time to convert, the trend and a breakdown, in both languages
    for lang, words in (
        ("en", ("Strictly in a row", "Time to convert", "1–10 min", "Conversion trend")),
        ("zh-CN", ("严格连续", "转化用时分布", "1–10 分钟", "转化趋势")),
    ):
        more = await client.get(
            f"/console/reports/funnel?step=member.joined&step=order.paid&order=strict&trend=day&by=tier&lang={lang}"
        )
        assert more.status_code == 200 and all(w in more.text for w in words), lang
        assert more.text.count("data-chart") == 3
    odd = await client.get("/console/reports/funnel?order=loose&trend=year&by=phone")
    assert odd.status_code == 200 and "依次" in odd.text
    # each step and each drop-off link to their members, who can be saved as a segment
    page = await client.get("/console/reports/funnel?step=member.joined&step=order.paid&window=7")
    links = [
        html.unescape(h) for h in re.findall(r'href="(/console/reports/funnel/members\?[^"]+)"', page.text)
    ]
    assert len(links) == 3 and links[-1].endswith("at=1&dropped=true")
    ordered = await client.get(links[1])
    assert ordered.status_code == 200 and "漏斗第 2 步的会员" in ordered.text
    assert set(map(int, re.findall(r'href="/console/members/(\d+)"', ordered.text))) == {buyers[0]}
    dropped = await client.get(links[2] + "&lang=en")
    assert "dropped off after step 1" in dropped.text
    assert set(map(int, re.findall(r'href="/console/members/(\d+)"', dropped.text))) == set(buyers[1:])
    await browser.make_user(engine, tenant.id, "operator@acme.example", "operator")
    client.cookies.clear()
    assert (await browser.login(client, "operator@acme.example")).status_code == 303
    drill = await client.get(links[2])
    save_to = html.unescape(re.search(r'action="([^"]+/segment\?[^"]+)"', drill.text).group(1))  # type: ignore[union-attr]
    saved = await browser.post(client, save_to, {"name": "入会未下单"})
    assert saved.status_code == 303 and saved.headers["location"].startswith("/console/segments/")
    segment = await client.get(saved.headers["location"])
    assert segment.status_code == 200 and "入会未下单" in segment.text


async def test_the_retention_page_shades_the_cohorts(
    client: httpx.AsyncClient, app: object, tenant: Tenant, engine: AsyncEngine
) -> None:
    from dataclasses import replace

    from tests.analytics.world import WS, generated
    from yutang.analytics import store

    path = app.app.state.settings.resolved_analytics_path()  # type: ignore[attr-defined]
    path.unlink(missing_ok=True)
    mine = [replace(f, workspace_id=tenant.id) for f in generated(members=60) if f.workspace_id == WS]
    with store.connect(path, write=True) as con:
        store.append(con, [f.row() for f in mine])
    await browser.make_user(engine, tenant.id, "staff@acme.example", "staff")
    client.cookies.clear()
    assert (await browser.login(client, "staff@acme.example")).status_code == 303
    page = await client.get("/console/reports/retention?start=2026-10-01&end=2026-10-31&unit=week")
    assert page.status_code == 200 and "加权平均" in page.text and "heat-" in page.text
    english = await client.get(
        "/console/reports/retention?start=2026-10-01&end=2026-10-31&unit=month&lang=en"
    )
    assert (
        english.status_code == 200 and "Net revenue per member" in english.text and "Month 1" in english.text
    )


async def test_a_figure_opens_its_members_and_an_operator_saves_them_as_a_segment(
    client: httpx.AsyncClient, app: object, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    import html
    import re

    path = app.app.state.settings.resolved_analytics_path()  # type: ignore[attr-defined]
    path.unlink(missing_ok=True)
    buyers = [await member(engine, tenant, phone=f"1380013{i:04d}", name=f"买家{i}") for i in range(3)]
    await member(engine, tenant, phone="13800139999", name="只看不买")
    await order(engine, tenant, buyers[0], 12_300)
    await order(engine, tenant, buyers[2], 4_500)
    await order(engine, other_tenant, await member(engine, other_tenant, phone="13900000000"), 777_700)
    await sync.sync(engine, path)
    for role in ("analyst", "operator"):
        await browser.make_user(engine, tenant.id, f"{role}@acme.example", role)

    client.cookies.clear()
    assert (await browser.login(client, "analyst@acme.example")).status_code == 303
    page = await client.get("/console/reports/revenue?period=month")
    links = [
        html.unescape(h) for h in re.findall(r'href="(/console/reports/revenue/members\?[^"]+)"', page.text)
    ]
    assert links and all("figure=buyers" in h for h in links)
    drill = await client.get(links[-1])
    assert drill.status_code == 200
    shown = set(map(int, re.findall(r'href="/console/members/(\d+)"', drill.text)))
    assert shown == {buyers[0], buyers[2]}  # names are masked for an analyst; the ids are there
    assert "保存为分群" not in drill.text  # an analyst reads figures, does not write segments
    english = await client.get(links[-1] + "&lang=en")
    assert english.status_code == 200 and "members make up this figure" in english.text
    odd = await client.get("/console/reports/revenue/members?figure=everyone&at=2026-01-01")
    assert odd.status_code == 422
    refused = await browser.post(client, links[-1].replace("/members?", "/members/segment?"), {"name": "x"})
    assert refused.status_code == 403

    client.cookies.clear()
    assert (await browser.login(client, "operator@acme.example")).status_code == 303
    drill = await client.get(links[-1])
    assert "保存为分群" in drill.text
    save_to = html.unescape(re.search(r'action="([^"]+/segment\?[^"]+)"', drill.text).group(1))  # type: ignore[union-attr]
    blank = await browser.post(client, save_to, {"name": " "})
    assert blank.status_code == 422 and f'href="/console/members/{buyers[2]}"' in blank.text
    saved = await browser.post(client, save_to, {"name": "本月买家"})
    assert saved.status_code == 303 and saved.headers["location"].startswith("/console/segments/")
    segment = await client.get(saved.headers["location"])
    assert segment.status_code == 200 and "名单分群" in segment.text and "本月买家" in segment.text
    assert "/freeze" not in segment.text  # nothing to freeze from: the page offers a rename only
    segment_id = saved.headers["location"].split("/")[-1].split("?")[0]
    renamed = await browser.post(
        client, f"/console/segments/{segment_id}/edit", {"name": "十二月买家", "editor": "list"}
    )
    assert renamed.status_code == 303, renamed.text
    listed = await client.get(
        f"/console/members?segment={saved.headers['location'].split('/')[-1].split('?')[0]}"
    )
    assert set(map(int, re.findall(r'href="/console/members/(\d+)"', listed.text))) == {buyers[0], buyers[2]}
    again = await browser.post(client, save_to, {"name": "十二月买家"})
    assert again.status_code == 409 and "十二月买家" in again.text


async def test_the_rfm_page_shows_the_grid_the_groups_and_refreshes_the_tags(
    client: httpx.AsyncClient, app: object, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    from datetime import UTC, datetime, timedelta

    path = app.app.state.settings.resolved_analytics_path()  # type: ignore[attr-defined]
    path.unlink(missing_ok=True)
    ids = [await member(engine, tenant, phone=f"1380013{i:04d}") for i in range(3)]
    now = datetime.now(UTC)
    for i, m in enumerate(ids):  # i + 1 orders, the last 30 × (3 − i) days ago
        for k in range(i + 1):
            await order(engine, tenant, m, 10_000, paid_at=now - timedelta(days=30 * (3 - i) + k))
    await order(engine, other_tenant, await member(engine, other_tenant, phone="13900000000"), 777_700)
    await sync.sync(engine, path)
    for role in ("analyst", "operator"):
        await browser.make_user(engine, tenant.id, f"{role}@acme.example", role)
    client.cookies.clear()
    assert (await browser.login(client, "analyst@acme.example")).status_code == 303
    page = await client.get("/console/reports/rfm")
    assert page.status_code == 200
    text = page.text
    assert "核心客户" in text and "不能流失" in text and "已流失" in text and "data-chart" in text
    assert '"type": "heatmap"' in text and "标签尚未生成" in text
    assert "/console/reports/rfm/members?group=champions" in text
    assert "/console/reports/rfm/members?r=5&amp;f=5" in text
    assert "¥7,777" not in text and "立即更新标签" not in text  # an analyst does not write tags
    english = await client.get("/console/reports/rfm?lang=en")
    assert "Champions" in english.text and "Can&#39;t lose them" in english.text
    drilled = await client.get("/console/reports/rfm/members?group=champions&lang=en")
    assert drilled.status_code == 200 and "RFM: Champions" in drilled.text
    assert (await browser.post(client, "/console/reports/rfm/refresh")).status_code == 403

    client.cookies.clear()
    assert (await browser.login(client, "operator@acme.example")).status_code == 303
    assert "立即更新标签" in (await client.get("/console/reports/rfm")).text
    done = await browser.post(client, "/console/reports/rfm/refresh")
    assert done.status_code == 303 and done.headers["location"] == "/console/reports/rfm?done=refreshed"
    after = (await client.get(done.headers["location"])).text
    assert "标签已更新：3 位会员有 RFM 标签，3 位有变化。" in after and "后台用户" in after
    assert "/console/members?tag=" in after
    tagged = await client.get(f"/api/v1/members?tag_id={_tag_in(after)}", headers=tenant.headers)
    assert [m["id"] for m in tagged.json()["data"]] == [ids[2], ids[1]]  # r 5 f 5, r 4 f 4: newest first


def _tag_in(html: str) -> str:
    """The tag id of the first group's link to the members list (champions)."""
    import re

    found = re.search(r"/console/members\?tag=(\d+)", html)
    assert found
    return found.group(1)


async def test_the_sidebar_and_the_tabs_reach_every_report_page(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    import re

    await browser.make_user(engine, tenant.id, "analyst@acme.example", "analyst")
    assert (await browser.login(client, "analyst@acme.example")).status_code == 303
    pages = ["revenue", "funnel", "retention", "channels", "ltv", "rfm", "fission"]
    for name in pages:
        page = await client.get(f"/console/reports/{name}")
        assert page.status_code == 200, name
        side = page.text.split('class="side"', 1)[1].split("</nav>", 1)[0]
        tabs = page.text.split('class="tabs"', 1)[1].split("</nav>", 1)[0]
        for where in (side, tabs):
            assert re.findall(r'href="/console/reports/(\w+)"', where) == pages
            current = re.findall(r'href="/console/reports/(\w+)" ?aria-current="page"', where)
            assert current == [name], (name, current)
