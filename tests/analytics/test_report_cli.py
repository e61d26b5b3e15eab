"""``yutang report``: a report of the event store from the command line, as the API
answers it — tables, JSON or the CSV — with the route's own checks of its parameters."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import Tenant
from tests.factories import member, order
from yutang.analytics import sync
from yutang.cli import app
from yutang.config import get_settings, reset_settings
from yutang.kit.db import dispose_engines


@pytest.fixture
def cli(engine: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("YUTANG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("YUTANG_SECRET_KEY", "test-secret")
    monkeypatch.setenv("YUTANG_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("YUTANG_WORKSPACE", raising=False)
    monkeypatch.delenv("YUTANG_REDIS_URL", raising=False)
    reset_settings()
    runner = CliRunner()

    async def invoke(*args: str) -> Any:
        await dispose_engines()
        result = await asyncio.to_thread(runner.invoke, app, list(args))
        await dispose_engines()
        return result

    return invoke


async def test_reports_from_the_command_line(cli: Any, engine: Any, tenant: Tenant, tmp_path: Path) -> None:
    ids = [await member(engine, tenant, phone=f"1380013{i:04d}") for i in range(3)]
    await order(engine, tenant, ids[0], 12_300)
    await order(engine, tenant, ids[0], 4_500)
    await order(engine, tenant, ids[1], 3_200)
    await sync.sync(engine, get_settings().resolved_analytics_path())
    ws = ["--workspace", tenant.slug]

    shown = await cli("report", "revenue", "-p", "period=month", "--json", *ws)
    assert shown.exit_code == 0, shown.output
    total = json.loads(shown.output)["total"]
    assert (total["gmv_cents"], total["orders"], total["buyers"]) == (20_000, 3, 2)

    table = await cli("report", "revenue", "-p", "period=month", *ws)
    assert table.exit_code == 0 and "rows" in table.output and "20000" in table.output

    out = tmp_path / "revenue.csv"
    written = await cli("report", "revenue", "-p", "by=channel", "--csv", str(out), *ws)
    assert written.exit_code == 0, written.output
    assert out.read_text(encoding="utf-8-sig").startswith("period,key,gmv_cents")

    per_campaign = await cli(
        "report", "revenue", "-p", "breakdown=campaign", "-p", "period=total", "--json", *ws
    )
    assert per_campaign.exit_code == 0, per_campaign.output
    found = json.loads(per_campaign.output)
    assert found["by"] == "campaign" and [r["key"] for r in found["rows"] if r["orders"]] == [None]
    joined = await cli("report", "revenue", "-p", "by=source", "-p", "period=total", *ws)
    assert joined.exit_code == 0 and "api" in joined.output and "20000" in joined.output
    odd = await cli("report", "revenue", "-p", "by=planet", *ws)
    assert odd.exit_code == 2 and "campaign" in odd.output

    funnel = await cli("report", "funnel", "-p", "order=strict", "--json", *ws)
    assert funnel.exit_code == 0, funnel.output
    assert [s["people"] for s in json.loads(funnel.output)["steps"]][:1] == [0]  # nobody clicked a link

    channels = await cli("report", "channels", "-p", "by=link", "--json", *ws)
    assert channels.exit_code == 0, channels.output
    assert json.loads(channels.output)["total"]["joins"] == 3  # members of no link

    stages = await cli("report", "lifecycle", "-p", "unit=month", "--json", *ws)
    assert json.loads(stages.output)["rows"][-1]["new"] == 3

    bad = await cli("report", "lifecycle", "-p", "unit=planet", *ws)
    assert bad.exit_code == 2 and "unit" in bad.output
    unknown = await cli("report", "lifecycle", "-p", "colour=red", *ws)
    assert unknown.exit_code == 2 and "takes" in unknown.output
    nope = await cli("report", "weather", *ws)
    assert nope.exit_code == 2
    no_csv = await cli("report", "retention", "--csv", str(tmp_path / "r.csv"), *ws)
    assert no_csv.exit_code == 2 and not (tmp_path / "r.csv").exists()
