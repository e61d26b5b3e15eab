"""The console in a real browser: Playwright drives Debian's chromium (no browser is
downloaded) against ``yutang serve`` on loopback, as an operator would — in 简体中文 and in
English. Every page visited is written as a screenshot to ``YUTANG_SCREENSHOTS``
(default ``var/test-artifacts/screenshots/<lang>/``); `make console-shots` writes the ones
docs/console.md shows.

Each page is also checked for what a keyboard and a screen reader need: every visible
form control has a label, the page has one <h1>, and the skip link comes first.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import struct
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import in_thread, migrate
from tests.servers import Server, free_port
from tests.web.browser import PASSWORD
from yutang.analytics import sync as analytics_sync
from yutang.auth import service as auth_service
from yutang.distribution import tasks as commission_tasks
from yutang.kit.context import SYSTEM, Ctx
from yutang.kit.db import create_engine, unit_of_work
from yutang.models.base import utcnow
from yutang.workspaces import service as ws_service

pytestmark = [pytest.mark.server, pytest.mark.browser]
# The machine runs two test workers, a server and chromium on two cores: a page's
# assertions wait up to 15 s (the default 5 s is for idle machines).
expect.set_options(timeout=15_000)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("YUTANG_SCREENSHOTS", ROOT / "var" / "test-artifacts" / "screenshots"))
OWNER = "owner@acme.example"
#: What chromium needs on a machine with a closed network (no background connections).
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


async def _seed(url: str, host: str) -> str:
    """A workspace with its owner; an API key to fill it through the server (personal
    data is sealed with the server's keys, so members are made through its API)."""
    engine = create_engine(url)
    try:
        async with unit_of_work(engine=engine) as s:
            ws = await ws_service.create_workspace(s, "鲜豆咖啡 FreshBean", "acme", link_domain=host)
            ws.timezone = "Asia/Shanghai"
            user = await ws_service.create_user(s, OWNER, PASSWORD, "Owner")
            ctx = Ctx(s, ws.id, SYSTEM)
            await ws_service.set_member_role(ctx, user, "owner")
            issued = await auth_service.create_api_key(ctx, "browser tests", "owner")
            return issued.secret
    finally:
        await engine.dispose()


def _fill(site: str, key: str) -> None:
    """40 members with spread points, and a referral campaign whose anti-fraud rule (one
    join per ten minutes per inviter) held four of five friends for review."""
    api = httpx.Client(base_url=f"{site}/api/v1", headers={"Authorization": f"Bearer {key}"}, timeout=30)
    ids = []
    for i in range(40):
        made = api.post("/members", json={"phone": f"1380013{i:04d}"})
        assert made.status_code == 201, made.text
        ids.append(made.json()["id"])
        if i:
            api.post(f"/members/{ids[-1]}/points/adjust", json={"delta": i * 100, "reason": "导入"})
    now = utcnow()
    campaign = api.post(
        "/referrals/campaigns",
        json={
            "name": "老带新 · 邀请好友",
            "starts_at": (now - timedelta(days=1)).isoformat(),
            "ends_at": (now + timedelta(days=14)).isoformat(),
            "stages": [{"threshold": 1, "rewards": [{"kind": "points", "amount": 100}]}],
            "fraud": {"burst_limit": 1, "burst_minutes": 10},
        },
    )
    assert campaign.status_code == 201, campaign.text
    cid = campaign.json()["id"]
    kit = api.post(f"/referrals/campaigns/{cid}/participants", json={"member_id": ids[0]}).json()
    friends = [api.post("/members", json={"phone": f"1390013{i:04d}"}).json()["id"] for i in range(5)]
    for friend in friends:
        claimed = api.post(
            f"/referrals/campaigns/{cid}/claims", json={"member_id": friend, "code": kit["code"]}
        )
        assert claimed.status_code == 200, claimed.text
    # A distributor whose customer's order of ¥500 paid 10 % a month ago.
    assert api.post("/distribution/plans", json={"name": "10 %", "rates": [1000]}).status_code == 201
    dist = api.post("/distribution/distributors", json={"member_id": ids[1]})
    assert dist.status_code == 201, dist.text
    bound = api.post("/distribution/bindings", json={"member_id": ids[2], "code": dist.json()["code"]})
    assert bound.status_code in (200, 201), bound.text
    paid = api.post(
        "/orders",
        json={
            "external_id": "SH-1",
            "member_id": ids[2],
            "total_cents": 50_000,
            "paid_at": (now - timedelta(days=30)).isoformat(),
        },
    )
    assert paid.status_code in (200, 201), paid.text
    api.close()


def _withdrawals(site: str, key: str, url: str) -> None:
    """The month-old commission (paid by the server's worker) released, and two
    withdrawals of it asked for."""
    api = httpx.Client(base_url=f"{site}/api/v1", headers={"Authorization": f"Bearer {key}"}, timeout=30)
    for _ in range(200):
        if api.get("/distribution/commissions").json()["data"]:
            break
        time.sleep(0.05)
    in_thread(lambda: asyncio.run(_release(url)))
    (dist,) = api.get("/distribution/distributors").json()["data"]
    for _ in range(2):
        asked = api.post(f"/distribution/distributors/{dist['id']}/withdrawals", json={"amount_cents": 2000})
        assert asked.status_code == 201, asked.text
    api.close()


async def _synced(url: str, store: Path) -> None:
    """The event store brought up to date (the server's worker would within a minute)."""
    engine = create_engine(url)
    try:
        await analytics_sync.sync(engine, store)
    finally:
        await engine.dispose()


async def _release(url: str) -> None:
    engine = create_engine(url)
    try:
        assert await commission_tasks.release(engine) == 1
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/chromium.sh installs it)")
    var = tmp_path_factory.mktemp("browser")
    url = f"sqlite+aiosqlite:///{var / 'console.db'}"
    migrate(url)
    port = free_port()
    keys: list[str] = []
    in_thread(lambda: keys.append(asyncio.run(_seed(url, f"127.0.0.1:{port}"))))
    # The worker pays the commission of the order _fill records (and syncs the store).
    server = Server(url, port, var, interval=0.25, worker=True)
    try:
        _fill(f"http://127.0.0.1:{port}", keys[0])
        _withdrawals(f"http://127.0.0.1:{port}", keys[0], url)
        in_thread(lambda: asyncio.run(_synced(url, var / "analytics.duckdb")))
        yield f"http://127.0.0.1:{port}"
    finally:
        server.kill()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Operator:
    """A signed-in browser tab that screenshots and checks every page it lands on."""

    def __init__(self, page: Page, site: str, lang: str) -> None:
        self.page, self.site, self.lang = page, site, lang
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: (
                self.errors.append(msg.text) if msg.type == "error" and "favicon" not in msg.text else None
            ),
        )

    def go(self, path: str) -> None:
        self.page.goto(self.site + path)
        self.page.wait_for_load_state("networkidle")

    def settled(self) -> None:
        """Wait until htmx has swapped and settled (its new controls answer only then)."""
        self.page.wait_for_function(
            "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
        )

    def shot(self, name: str) -> None:
        """Screenshot the page, and check what a keyboard and a screen reader need."""
        self.page.wait_for_load_state("networkidle")
        folder = SHOTS / self.lang
        folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
        unlabelled = self.page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea')]
                .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
                .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
                .map(el => el.outerHTML.slice(0, 120))"""
        )
        assert unlabelled == [], (name, unlabelled)
        assert self.page.locator("h1").count() == 1, name
        assert self.errors == [], (name, self.errors)


@pytest.fixture(params=["zh-CN", "en"])
def operator(request: pytest.FixtureRequest, site: str, chromium: Browser) -> Iterator[Operator]:
    lang = request.param
    context = chromium.new_context(
        viewport={"width": 1280, "height": 860}, locale=lang, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    op = Operator(page, site, lang)
    op.go(f"/console/login?lang={lang}")
    op.shot("login")
    page.get_by_label("邮箱" if lang == "zh-CN" else "Email").fill(OWNER)
    page.get_by_label("密码" if lang == "zh-CN" else "Password").fill(PASSWORD)
    page.get_by_role("button", name="登录" if lang == "zh-CN" else "Sign in").click()
    page.wait_for_url(f"{site}/console")
    yield op
    context.close()


WORDS = {
    "zh-CN": {
        "name": "渠道名称",
        "type": "类型",
        "exposures": "曝光",
        "create": "创建",
        "wecom": "企业微信",
        "new_link": "新建短链",
        "destination": "目标地址",
        "title": "标题",
        "slug": "短链后缀",
        "channel": "渠道",
        "tags": "标签",
        "save": "保存",
        "search": "搜索",
        "filter": "筛选",
        "edit": "编辑",
        "download": "下载",
        "size": "尺寸",
        "active": "生效中",
        "clicks": "点击",
    },
    "en": {
        "name": "Name",
        "type": "Type",
        "exposures": "Exposures",
        "create": "Create",
        "wecom": "WeCom",
        "new_link": "New link",
        "destination": "Destination",
        "title": "Title",
        "slug": "Slug",
        "channel": "Channel",
        "tags": "Tags",
        "save": "Save",
        "search": "Search",
        "filter": "Filter",
        "edit": "Edit",
        "download": "Download",
        "size": "Size",
        "active": "Active",
        "clicks": "Clicks",
    },
}


def test_an_operator_runs_links_and_channels_in_the_browser(operator: Operator) -> None:
    page, w, lang = operator.page, WORDS[operator.lang], operator.lang
    suffix = "zh" if lang == "zh-CN" else "en"
    operator.shot("overview")

    # A channel of a kind Chinese operators use.
    page.get_by_role("navigation", name=re.compile("功能模块|Modules")).get_by_role(
        "link",
        name=re.compile("^(渠道引流|Channels)$"),  # not the report, 渠道价值 / Channel value
    ).click()
    page.get_by_label(re.compile("^" + w["name"])).fill(f"企微社群-{suffix}")
    page.get_by_label(w["type"], exact=True).select_option(label=w["wecom"])
    page.get_by_label(w["exposures"]).fill("2,000")
    page.get_by_role("button", name=w["create"]).click()
    expect(page.get_by_role("link", name=f"企微社群-{suffix}")).to_be_visible()
    operator.shot("channels")

    # A link in that channel, found again by search, then edited.
    operator.go("/console/links")
    page.get_by_role("link", name=w["new_link"]).click()
    page.get_by_label(re.compile("^" + w["destination"])).fill("https://shop.example/winter")
    page.get_by_label(w["title"], exact=True).fill(f"冬季新品 {suffix}")
    page.get_by_label(w["slug"], exact=True).fill(f"winter-{suffix}")
    page.get_by_label(w["channel"], exact=True).select_option(label=f"企微社群-{suffix} · {w['wecom']}")
    page.get_by_label(w["tags"], exact=True).fill("冬季, 新品")
    operator.shot("link-new")
    page.get_by_role("button", name=w["save"]).click()
    expect(page.locator("h1")).to_contain_text(f"冬季新品 {suffix}")
    expect(page.locator("h1")).to_contain_text(w["active"])
    operator.shot("link")

    operator.go("/console/links")
    page.get_by_label(w["search"], exact=True).fill(f"winter-{suffix}")
    page.get_by_role("button", name=w["filter"]).click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    operator.shot("links")
    rows.get_by_role("link", name=f"冬季新品 {suffix}").click()
    page.get_by_role("link", name=w["edit"], exact=True).click()
    page.get_by_label(w["title"], exact=True).fill(f"冬季新品（改）{suffix}")
    operator.shot("link-edit")
    page.get_by_role("button", name=w["save"]).click()
    expect(page.locator("h1")).to_contain_text(f"冬季新品（改）{suffix}")

    # Its QR code, downloaded at the size chosen.
    page.get_by_label(w["size"]).select_option("1024")
    with page.expect_download() as download:
        page.get_by_role("button", name=w["download"]).click()
    png = Path(download.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (1024, 1024)
    assert download.value.suggested_filename == f"qr-winter-{suffix}-1024.png"

    # The chart is drawn by ECharts from the served package (an SVG inside the box).
    expect(page.locator("[data-chart] svg")).to_have_count(1)


def test_the_language_switch_changes_every_page_and_stays(operator: Operator) -> None:
    page = operator.page
    other = "en" if operator.lang == "zh-CN" else "zh-CN"
    page.get_by_role("navigation", name=re.compile("语言|Language")).get_by_role(
        "link", name="EN" if other == "en" else "中文"
    ).click()
    expect(page.locator("html")).to_have_attribute("lang", other)
    operator.go("/console/links")
    expect(page.locator("html")).to_have_attribute("lang", other)
    # The page's own words (headings, labels, buttons, column heads, the sidebar): what
    # the operators typed (channel and campaign names) stays as typed.
    chrome = page.evaluate(
        """() => [...document.querySelectorAll('h1, h2, label, button, th, nav.side a, summary, .hint')]
            .map(el => [...el.childNodes].filter(n => n.nodeType === Node.TEXT_NODE)
                .map(n => n.textContent.trim()).join(' ')).join('\\n')"""
    )
    if other == "en":
        assert not re.search(r"[\u4e00-\u9fff]", chrome), chrome
    else:
        assert "短链" in chrome and "筛选" in chrome


def test_the_revenue_and_funnel_reports_draw_their_charts(operator: Operator) -> None:
    page, zh = operator.page, operator.lang == "zh-CN"
    operator.go("/console/reports/revenue?days=90&by=channel")
    expect(page.locator("h1")).to_contain_text("收入" if zh else "Revenue")
    expect(page.locator("[data-chart] svg")).to_have_count(3)  # money and orders per period, the breakdown
    expect(page.locator(".cards")).to_contain_text("¥500.00")  # the month-old order
    operator.shot("revenue")
    page.get_by_role("link", name="漏斗" if zh else "Funnel").first.click()
    expect(page.locator("h1")).to_contain_text("漏斗" if zh else "Funnel")
    # the steps, the time to convert, the conversion trend
    expect(page.locator("[data-chart] svg")).to_have_count(3)
    expect(page.locator("table").first.locator("tbody tr")).to_have_count(5)  # the AARRR loop
    operator.shot("funnel")
    page.get_by_role("link", name="留存" if zh else "Retention").first.click()
    expect(page.locator("h1")).to_contain_text("留存" if zh else "Retention")
    expect(page.locator("[data-chart] svg")).to_have_count(2)  # the curves and the lifecycle
    expect(page.locator("table.matrix").first).to_contain_text("45")  # the members who joined this week
    operator.shot("retention")


def test_the_keyboard_reaches_the_content_first(operator: Operator) -> None:
    page = operator.page
    operator.go("/console/links")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.className")
    assert focused == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def test_a_segment_is_built_from_member_filters(operator: Operator) -> None:
    page, zh = operator.page, operator.lang == "zh-CN"
    operator.go("/console/members")
    operator.shot("members")
    page.get_by_label("积分不少于" if zh else "Points at least").fill("2,000")
    page.get_by_role("button", name="筛选" if zh else "Filter", exact=True).click()
    # Members 20…39 hold 2,000 points or more (and sign-up points if the programme gives
    # none: it has no rules here): 20 of them.
    expect(page.locator(".toolbar b").first).to_have_text("20")
    operator.shot("members-filtered")
    name = "高积分会员" if zh else "High points"
    page.get_by_label("保存为分组：" if zh else "Save as a segment:").fill(name)
    page.get_by_role("button", name="保存" if zh else "Save", exact=True).click()
    expect(page.locator("h1")).to_contain_text(name)
    expect(page.locator("main p b").first).to_have_text("20")
    operator.shot("segment")
    member_link = page.locator("tbody tr a").first
    member_link.click()
    expect(page.locator("h1")).to_be_visible()
    operator.shot("member")


def test_a_campaign_is_created_and_held_invitations_approved(operator: Operator) -> None:
    page, zh = operator.page, operator.lang == "zh-CN"
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations say what will happen
    operator.go("/console/fission")
    operator.shot("fission")
    page.get_by_role("link", name="新建任务宝活动" if zh else "New referral campaign").click()
    name = "邀请 2 位好友" if zh else "Invite two friends"
    page.get_by_label(re.compile("^" + ("活动名称" if zh else "Campaign name"))).fill(name)
    page.get_by_label(re.compile("^" + ("开始时间" if zh else "Starts at"))).fill("2030-01-01T09:00")
    page.get_by_label(re.compile("^" + ("结束时间" if zh else "Ends at"))).fill("2030-01-31T21:00")
    page.get_by_label(("邀请人数" if zh else "Friends") + " 1").fill("2")
    page.get_by_label(("奖励类型" if zh else "Reward") + " 1.1", exact=True).select_option("points")
    page.get_by_label(("数量 / 金额" if zh else "Amount") + " 1.1", exact=True).fill("200")
    operator.shot("campaign-new")
    page.get_by_role("button", name="创建" if zh else "Create", exact=True).click()
    expect(page.locator("h1")).to_contain_text(name)
    expect(page.locator("img.poster-preview")).to_be_visible()
    operator.shot("campaign")

    operator.go("/console/fission/review")
    rows = page.locator("tbody tr")
    held = rows.count()
    assert held >= 2
    operator.shot("review")
    rows.nth(0).get_by_role("checkbox").check()
    page.get_by_role("button", name="通过" if zh else "Approve", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("1")
    expect(page.locator("tbody tr")).to_have_count(held - 1)


def test_an_earn_rule_a_tier_and_a_reward_are_created(operator: Operator) -> None:
    page, zh = operator.page, operator.lang == "zh-CN"
    suffix = "zh" if zh else "en"
    create = "创建" if zh else "Create"
    operator.go("/console/loyalty/rule")
    page.locator("#f-name").fill(f"入会礼 {suffix}")
    page.locator("#f-points").fill("50")
    operator.shot("earn-rule-new")
    page.get_by_role("button", name=create, exact=True).click()
    expect(page.locator("main")).to_contain_text(f"入会礼 {suffix}")
    operator.shot("earn-rules")

    operator.go("/console/loyalty/tier")
    page.locator("#f-name").fill(f"金卡 {suffix}")
    page.locator("#f-rank").fill("1" if zh else "2")
    page.locator("#f-threshold").fill("5000" if zh else "9000")
    page.get_by_role("button", name=create, exact=True).click()
    expect(page.locator("main")).to_contain_text(f"金卡 {suffix}")
    operator.shot("tiers")

    operator.go("/console/loyalty/reward")
    page.locator("#f-name").fill(f"帆布袋 {suffix}")
    page.locator("#f-points_cost").fill("300")
    page.locator("#f-stock").fill("20")
    page.get_by_role("button", name=create, exact=True).click()
    expect(page.locator("main")).to_contain_text(f"帆布袋 {suffix}")
    operator.shot("rewards")


def test_a_segment_is_built_from_conditions(operator: Operator) -> None:
    """The builder redraws itself (htmx) as a field is chosen and a condition added, and
    counts before saving."""
    page, zh = operator.page, operator.lang == "zh-CN"
    operator.go("/console/segments")
    page.get_by_role("link", name="新建分组" if zh else "New segment").click()
    name = "三千积分以上" if zh else "3,000 points and more"
    page.get_by_label(re.compile("^" + ("分组名称" if zh else "Segment name"))).fill(name)
    page.locator("#c-field-0").select_option("points_balance")
    expect(page.locator("#c-value-0")).to_be_visible()  # drawn again with its value box
    operator.settled()
    page.locator("#c-value-0").fill("3000")
    page.get_by_role("button", name="添加条件" if zh else "Add a condition").click()
    expect(page.locator("#c-field-1")).to_be_visible()
    operator.settled()
    page.locator("#c-field-1").select_option("status")
    expect(page.locator("#c-value-1")).to_be_visible()
    operator.settled()
    page.locator("#c-value-1").select_option("active")
    page.get_by_role("button", name="预览人数" if zh else "Preview the count").click()
    # Members 30…39 hold 3,000 points or more.
    expect(page.locator("#preview")).to_have_text("10 位会员符合条件" if zh else "10 members match")
    operator.shot("segment-new")
    page.get_by_role("button", name="创建分组" if zh else "Create the segment").click()
    expect(page.locator("h1")).to_contain_text(name)
    expect(page.locator("main p b").first).to_have_text("10")


def test_a_withdrawal_is_marked_paid(operator: Operator) -> None:
    page, zh = operator.page, operator.lang == "zh-CN"
    page.on("dialog", lambda dialog: dialog.accept())  # "¥20.00 paid to distributor #1?"
    operator.go("/console/distribution/withdrawals")
    waiting = page.locator("table").first.locator("tbody tr")
    before = waiting.count()
    assert before >= 1
    operator.shot("withdrawals")
    waiting.first.get_by_role("button", name="已打款" if zh else "Mark paid").click()
    expect(page.locator(".flash")).to_contain_text("已打款" if zh else "recorded as paid")
    decided = page.locator("#decided + table tbody")
    expect(decided).to_contain_text("已打款" if zh else "Paid")
    expect(decided).to_contain_text("¥20.00")


def test_the_channels_report_draws_its_charts_from_costs_entered_on_a_channel(operator: Operator) -> None:
    page, zh = operator.page, operator.lang == "zh-CN"
    operator.go("/console/channels")
    edit = page.locator('a[href^="/console/channels/"][href$="/edit"]').first.get_attribute("href")
    operator.go(str(edit))
    # each language enters its own ten days (the site is shared), well inside the last 30
    today = utcnow().date() - timedelta(days=0 if zh else 10)
    page.get_by_label("开始日期" if zh else "First day").fill((today - timedelta(days=9)).isoformat())
    page.get_by_label("结束日期（含）" if zh else "Last day (included)").fill(today.isoformat())
    page.locator("#f-cost-exposures").fill("5000")
    page.get_by_label("投入（元）" if zh else "Spend (¥)").fill("250")
    page.get_by_role("button", name="录入" if zh else "Enter", exact=True).click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#costs table")).to_contain_text("¥250.00")
    operator.go("/console/reports/channels?days=30")
    expect(page.locator("h1")).to_contain_text("渠道价值" if zh else "Channel value")
    expect(page.locator("[data-chart] svg")).to_have_count(2)  # diversion rate; revenue and CPA
    operator.shot("channels-report")
    page.locator("th a", has_text="ROI").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator('th[aria-sort="descending"]')).to_contain_text("ROI")
