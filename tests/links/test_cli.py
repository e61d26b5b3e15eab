"""The links commands of the CLI: import, create, list, qr, stats — on the test database."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests.links.test_qr import png_modules, segno_modules
from yutang.analytics import sync
from yutang.cli import app
from yutang.config import get_settings, reset_settings
from yutang.kit.db import dispose_engines, unit_of_work
from yutang.links import service
from yutang.links.schemas import ChannelIn, LinkIn
from yutang.models.links import Click, Link


@pytest.fixture
def cli(engine, tmp_path, monkeypatch):
    """Run ``yutang …`` against the test database; returns the click Result."""
    monkeypatch.setenv("YUTANG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("YUTANG_SECRET_KEY", "test-secret")
    monkeypatch.setenv("YUTANG_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("YUTANG_WORKSPACE", raising=False)
    monkeypatch.delenv("YUTANG_REDIS_URL", raising=False)
    reset_settings()
    runner = CliRunner()

    async def invoke(*args: str):
        await dispose_engines()
        # The CLI runs its own event loop (asyncio.run): give it a thread.
        result = await asyncio.to_thread(runner.invoke, app, list(args))
        await dispose_engines()
        return result

    return invoke


async def _links(engine, workspace_id: int) -> list[Link]:
    async with unit_of_work(readonly=True, engine=engine) as s:
        rows = await s.scalars(select(Link).where(Link.workspace_id == workspace_id).order_by(Link.id))
        return list(rows.all())


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


HEADER = ["url", "slug", "title", "channel", "tags", "utm_source", "expires_at", "max_clicks"]


async def test_import_creates_good_rows_and_reports_bad_lines(cli, engine, tenant, tmp_path):
    async with unit_of_work(engine=engine) as s:
        ctx = tenant.ctx(s)
        card = await service.create_channel(ctx, ChannelIn(name="快递卡", type="package_card"))
        poster = await service.create_channel(ctx, ChannelIn(name="海报", type="poster"))
        await service.create_link(ctx, LinkIn(url="https://example.com/old", slug="taken"))
    source = _write_csv(
        tmp_path / "links.csv",
        [
            HEADER,
            ["https://example.com/1", "imp-1", "一号", "快递卡", "a;b", "wechat", "", ""],  # line 2
            ["javascript:alert(1)", "", "bad url", "", "", "", "", ""],  # line 3
            ["https://example.com/3", "imp-1", "dup in file", "", "", "", "", ""],  # line 4
            ["https://example.com/4", "", "", "不存在", "", "", "", ""],  # line 5
            ["https://example.com/5", "", "", "", "", "", "not-a-date", ""],  # line 6
            ["https://example.com/6", "taken", "", "", "", "", "", ""],  # line 7
            ["https://example.com/7", "", "", str(poster.id), "", "", "2030-01-01T08:00:00+08:00", "5"],
            ["https://example.com/8", "api", "", "", "", "", "", ""],  # line 9
            ["https://example.com/9", "", "九", "", "", "", "", ""],  # line 10
        ],
    )  # fmt: skip
    report = tmp_path / "refused.csv"
    result = await cli("links", "import", str(source), "--errors", str(report), "--batch", "3")
    assert result.exit_code == 2, result.output
    assert "imported 3 of 9 rows; 0 already there; 6 refused" in result.stdout

    with report.open(encoding="utf-8-sig", newline="") as fh:
        refused = list(csv.reader(fh))
    assert refused[0] == ["line", "code", "message", "url"]
    assert [(r[0], r[1], r[3]) for r in refused[1:]] == [
        ("3", "invalid_destination", "javascript:alert(1)"),
        ("4", "slug_taken", "https://example.com/3"),
        ("5", "unknown_channel", "https://example.com/4"),
        ("6", "validation_error", "https://example.com/5"),
        ("7", "slug_taken", "https://example.com/6"),
        ("9", "reserved_slug", "https://example.com/8"),
    ]

    links = await _links(engine, tenant.id)
    assert [lk.url for lk in links] == [
        "https://example.com/old",
        "https://example.com/1",
        "https://example.com/7",
        "https://example.com/9",
    ]
    one, seven, nine = links[1:]
    assert (one.slug, one.title, one.channel_id, one.tags) == ("imp-1", "一号", card.id, ["a", "b"])
    assert one.destination == "https://example.com/1?utm_source=wechat"
    assert (seven.channel_id, seven.max_clicks) == (poster.id, 5)
    assert seven.expires_at == datetime(2030, 1, 1, 0, 0, tzinfo=UTC)
    assert nine.title == "九"
    assert len(nine.slug) == 7


async def test_import_of_a_clean_file_exits_0_without_a_report(cli, engine, tenant, tmp_path):
    source = _write_csv(
        tmp_path / "clean.csv",
        [["url", "title"], *[[f"https://example.com/{i}", f"第{i}个"] for i in range(12)]],
    )
    result = await cli("links", "import", str(source), "--workspace", "acme")
    assert result.exit_code == 0, result.output
    assert "imported 12 of 12 rows; 0 already there; 0 refused" in result.stdout
    assert not (tmp_path / "clean.errors.csv").exists()
    links = await _links(engine, tenant.id)
    assert [lk.title for lk in links] == [f"第{i}个" for i in range(12)]


async def test_import_without_a_url_column_exits_1_and_writes_nothing(cli, engine, tenant, tmp_path):
    source = _write_csv(tmp_path / "bad.csv", [["link", "title"], ["https://example.com/", "x"]])
    result = await cli("links", "import", str(source))
    assert result.exit_code == 1
    assert "validation_error" in result.stderr
    assert await _links(engine, tenant.id) == []


async def test_links_create_prints_the_short_url(cli, engine, tenant):
    result = await cli(
        "links", "create", "https://example.com/p?id=1", "--slug", "cli-1", "--title", "命令行",
        "--tag", "双十一", "--tag", "vip", "--utm-source", "sms", "--permanent",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "http://go.acme.test/cli-1"
    (link,) = await _links(engine, tenant.id)
    assert (link.slug, link.title, link.tags, link.redirect_status) == (
        "cli-1",
        "命令行",
        ["双十一", "vip"],
        301,
    )
    assert link.destination == "https://example.com/p?id=1&utm_source=sms"


async def test_links_create_with_a_bad_url_exits_1_with_the_code(cli, engine, tenant):
    result = await cli("links", "create", "javascript:alert(1)")
    assert result.exit_code == 1
    assert "invalid_destination" in result.stderr
    assert await _links(engine, tenant.id) == []


async def test_links_create_needs_the_workspace_when_there_are_two(cli, engine, tenant, other_tenant):
    result = await cli("links", "create", "https://example.com/")
    assert result.exit_code == 1
    assert "not_found" in result.stderr
    result = await cli("links", "create", "https://example.com/", "--workspace", "globex", "--slug", "g")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "http://go.globex.test/g"
    assert await _links(engine, tenant.id) == []


async def test_links_list_json(cli, engine, tenant):
    async with unit_of_work(engine=engine) as s:
        ctx = tenant.ctx(s)
        a = await service.create_link(ctx, LinkIn(url="https://example.com/a", slug="a", tags=["双十一"]))
        b = await service.create_link(ctx, LinkIn(url="https://example.com/b", slug="b", title="乙"))
    result = await cli("links", "list", "--json")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert listed == [
        {
            "id": b.id, "slug": "b", "kind": "link", "short_url": "http://go.acme.test/b",
            "destination": "https://example.com/b", "title": "乙", "tags": [], "channel_id": None,
            "clicks": 0, "disabled": False,
        },
        {
            "id": a.id, "slug": "a", "kind": "link", "short_url": "http://go.acme.test/a",
            "destination": "https://example.com/a", "title": "", "tags": ["双十一"], "channel_id": None,
            "clicks": 0, "disabled": False,
        },
    ]  # fmt: skip
    result = await cli("links", "list", "--json", "--tag", "双十一")
    assert [row["slug"] for row in json.loads(result.stdout)] == ["a"]
    result = await cli("links", "list", "--json", "--limit", "1")
    assert [row["slug"] for row in json.loads(result.stdout)] == ["b"]
    assert "next page: --cursor" in result.stderr


async def test_qr_writes_a_png_of_the_short_url(cli, engine, tenant, tmp_path):
    async with unit_of_work(engine=engine) as s:
        link = await service.create_link(tenant.ctx(s), LinkIn(url="https://example.com/", slug="poster"))
    target = tmp_path / "poster.png"
    result = await cli("qr", "poster", "-o", str(target), "--size", "300", "--ecc", "H")
    assert result.exit_code == 0, result.output
    png = target.read_bytes()
    assert png.startswith(b"\x89PNG")
    assert png_modules(png) == segno_modules("http://go.acme.test/poster", "h")
    by_id = tmp_path / "by-id.svg"
    result = await cli("qr", str(link.id), "-o", str(by_id), "--format", "svg")
    assert result.exit_code == 0, result.output
    assert "<svg" in by_id.read_text()


async def test_qr_of_an_unknown_slug_exits_1(cli, engine, tenant, tmp_path):
    target = tmp_path / "none.png"
    result = await cli("qr", "nope", "-o", str(target))
    assert result.exit_code == 1
    assert "not_found" in result.stderr
    assert not target.exists()


async def test_stats_channels_csv(cli, engine, tenant, tmp_path):
    async with unit_of_work(engine=engine) as s:
        ctx = tenant.ctx(s)
        card = await service.create_channel(ctx, ChannelIn(name="快递卡", type="package_card", exposures=50))
        link = await service.create_link(ctx, LinkIn(url="https://example.com/", channel_id=card.id))
        s.add_all(
            Click(
                workspace_id=tenant.id,
                link_id=link.id,
                channel_id=card.id,
                # 15:00Z is 23:00 on 1 March in Shanghai; 17:30Z is 01:30 on 2 March.
                occurred_at=datetime(2026, 3, 1, 17 if i else 15, 30 if i else 0, tzinfo=UTC),
                visitor_id=f"v{i % 3}",
            )
            for i in range(4)
        )  # fmt: skip
    # `yutang stats` counts the event store's clicks: synced as the worker does.
    await sync.sync(engine, get_settings().resolved_analytics_path())
    out = tmp_path / "channels.csv"
    result = await cli("stats", "channels", "--start", "2026-03-02", "--end", "2026-03-02", "--csv", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows == [
        ["channel_id", "name", "type", "links", "clicks", "unique_visitors", "exposures", "diversion_rate"],
        [str(card.id), "快递卡", "package_card", "1", "3", "3", "50", "0.06"],
    ]  # fmt: skip
    shown = await cli("stats", "clicks", "--start", "2026-03-01", "--end", "2026-03-02")
    assert shown.exit_code == 0, shown.output
    assert "4 clicks, 3 unique visitors, 0 bot hits" in shown.stdout


async def test_an_import_run_twice_creates_nothing_new(cli, engine, tenant, tmp_path):
    """The links import run twice created every link again (301 duplicates of 301 rows)."""
    async with unit_of_work(engine=engine) as s:
        await service.create_channel(tenant.ctx(s), ChannelIn(name="快递卡", type="package_card"))
    rows = [["url", "slug", "title", "channel", "utm_source"]]
    rows += [[f"https://example.com/p/{i}", "", f"第{i}个", "快递卡", "card"] for i in range(40)]
    rows += [[f"https://example.com/s/{i}", f"imp-{i}", f"自定义{i}", "", ""] for i in range(10)]
    rows += [["https://example.com/p/0", "", "第0个", "快递卡", "card"]]  # the first row again
    source = _write_csv(tmp_path / "links.csv", rows)
    first = await cli("links", "import", str(source), "--batch", "7")
    assert first.exit_code == 0, first.output
    assert "imported 50 of 51 rows; 1 already there; 0 refused" in first.stdout
    before = [(lk.id, lk.slug, lk.destination) for lk in await _links(engine, tenant.id)]
    assert len(before) == 50

    again = await cli("links", "import", str(source), "--batch", "7")
    assert again.exit_code == 0, again.output
    assert "imported 0 of 51 rows; 51 already there; 0 refused" in again.stdout
    assert [(lk.id, lk.slug, lk.destination) for lk in await _links(engine, tenant.id)] == before

    # A changed row is a new link (no slug) or a reported conflict (its slug leads elsewhere).
    changed = _write_csv(
        tmp_path / "changed.csv",
        [
            ["url", "slug", "title", "channel", "utm_source"],
            ["https://example.com/p/0", "", "第0个", "快递卡", "sms"],  # another UTM source
            ["https://example.com/elsewhere", "imp-1", "自定义1", "", ""],
        ],
    )
    report = tmp_path / "changed.errors.csv"
    result = await cli("links", "import", str(changed), "--errors", str(report))
    assert result.exit_code == 2, result.output
    assert "imported 1 of 2 rows; 0 already there; 1 refused" in result.stdout
    with report.open(encoding="utf-8-sig", newline="") as fh:
        assert [(r[0], r[1]) for r in list(csv.reader(fh))[1:]] == [("3", "slug_taken")]
