"""The event store on ClickHouse (``YUTANG_ANALYTICS_URL``), through clickhouse-connect
on ClickHouse's own engine (chdb, in-process: the reachable registries have no
clickhouse-server — docs/operations.md): every fact lands once — after two syncs, after
a sync killed between writing a batch and saving its position, after two at once —
erasures are carried, a rebuild gives the same store, and the reports through the API
answer what the DuckDB store answers."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.analytics.test_sync import _clicks, _expected, _pond
from tests.conftest import Tenant
from tests.factories import in_tx, order
from yutang.analytics import sync
from yutang.analytics.clickhouse import READ_SETTINGS, ClickHouseTarget
from yutang.kit.db import unit_of_work
from yutang.models.links import Channel, Link
from yutang.privacy import service as privacy


def _one_source_database_is_enough(engine: AsyncEngine) -> None:
    """What these tests check is ClickHouse's side: SQLite as the source does."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the ClickHouse side is the same whatever the source database")


def _target() -> ClickHouseTarget:
    return ClickHouseTarget(f"chdb://memory/s_{uuid.uuid4().hex[:12]}")


def _keys(target: ClickHouseTarget, final: bool = True) -> list[tuple[str, int]]:
    found = target.client.query(
        "SELECT source, source_id FROM facts ORDER BY source, source_id",
        settings=READ_SETTINGS if final else {},
    )
    return [(str(s), int(i)) for s, i in found.result_rows]


async def test_every_fact_lands_once_with_ids_only(
    engine: AsyncEngine, tenant: Tenant, other_tenant: Tenant
) -> None:
    ids = await _pond(engine, tenant, other_tenant)
    target = _target()
    first = await sync.sync(engine, target, batch=25)
    again = await sync.sync(engine, target, batch=25)
    keys = _keys(target)
    assert len(keys) == len(set(keys)) and set(keys) == await _expected(engine)
    assert first.total == len(keys) and again.total == 0
    rows = target.client.query("SELECT * FROM facts", settings=READ_SETTINGS).result_rows
    text = json.dumps(rows, default=str)
    assert "1380013" not in text and "deadbeef" not in text and "iPhone" not in text
    joined = target.client.query(
        "SELECT member_id FROM facts WHERE type = 'member.joined' AND workspace_id = %(ws)s",
        parameters={"ws": tenant.id},
        settings=READ_SETTINGS,
    ).result_rows
    assert sorted(m for (m,) in joined) == sorted(ids)
    held = target.counts()
    assert sum(held["facts"].values()) == len(keys) and set(held["positions"]) == {"outbox", "click"}


async def test_a_sync_killed_after_writing_a_batch_counts_it_once(
    engine: AsyncEngine, tenant: Tenant, other_tenant: Tenant, tmp_path: Path
) -> None:
    """A batch written, its position not: the next sync writes it again; reports read
    each fact once (``final``), and the copies are there underneath until a merge."""
    _one_source_database_is_enough(engine)
    await _pond(engine, tenant, other_tenant, n=10)
    url = engine.url.render_as_string(hide_password=False)
    store_url = f"chdb://{tmp_path / 'ch'}"
    script = textwrap.dedent(
        f"""
        import asyncio, json, os, sys
        from yutang.analytics import sync
        from yutang.analytics.clickhouse import READ_SETTINGS, ClickHouseBatch, ClickHouseTarget
        from yutang.kit.db import create_engine
        target = ClickHouseTarget({store_url!r})
        if sys.argv[1] == "die":
            saves = 0
            save = ClickHouseBatch.save_state
            def dying(self, *args):
                global saves
                saves += 1
                if saves == 3:
                    os._exit(9)  # the third batch is in the table, its position is not
                save(self, *args)
            ClickHouseBatch.save_state = dying
        q = "SELECT source, source_id FROM facts ORDER BY source, source_id"
        held = len(target.client.query(q, settings=READ_SETTINGS).result_rows)
        done = asyncio.run(sync.sync(create_engine({url!r}), target, batch=8))
        print(json.dumps({{
            "held": held,
            "written": done.total,
            "final": target.client.query(q, settings=READ_SETTINGS).result_rows,
        }}))
        """
    )
    killed = subprocess.run(
        [sys.executable, "-c", script, "die"], capture_output=True, text=True, timeout=180
    )
    assert killed.returncode == 9, killed.stderr[-2000:]
    resumed = subprocess.run(
        [sys.executable, "-c", script, "go"], capture_output=True, text=True, timeout=180
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    seen = json.loads(resumed.stdout.strip().splitlines()[-1])
    keys = [(s, i) for s, i in seen["final"]]
    assert len(keys) == len(set(keys)) and set(keys) == await _expected(engine)
    # The resumed sync wrote more than was missing: the dead sync's last batch, again.
    assert seen["held"] > 0 and seen["written"] > len(keys) - seen["held"]


async def test_two_syncs_at_once_and_in_a_row_count_each_fact_once(
    engine: AsyncEngine, tenant: Tenant, other_tenant: Tenant
) -> None:
    _one_source_database_is_enough(engine)
    await _pond(engine, tenant, other_tenant, n=12)
    target = _target()
    done = await asyncio.gather(*(sync.sync(engine, target, batch=10) for _ in range(3)))
    keys = _keys(target)
    assert len(keys) == len(set(keys)) == sum(d.total for d in done)
    assert set(keys) == await _expected(engine)


async def test_an_erased_member_is_untied_from_their_facts_then_and_later(
    engine: AsyncEngine, tenant: Tenant, other_tenant: Tenant
) -> None:
    _one_source_database_is_enough(engine)
    ids = await _pond(engine, tenant, other_tenant, n=6)
    target = _target()
    await sync.sync(engine, target)
    gone = ids[2]
    await in_tx(engine, tenant, lambda ctx: privacy.erase_member(ctx, gone))
    async with unit_of_work(readonly=True, engine=engine) as s:
        link_id = await s.scalar(select(Link.id).where(Link.workspace_id == tenant.id))
        channel_id = await s.scalar(select(Channel.id).where(Channel.workspace_id == tenant.id))
    await _clicks(engine, tenant, link_id or 0, channel_id or 0, ["v002"])  # their cookie clicks again
    assert (await sync.sync(engine, target)).erased == 1

    def one(sql: str, **params: Any) -> Any:
        return target.client.query(sql, parameters=params, settings=READ_SETTINGS).result_rows[0][0]

    assert one("SELECT count() FROM facts WHERE member_id = %(m)s OR visitor_id = 'v002'", m=gone) == 0
    assert one("SELECT count() FROM facts WHERE type = 'order.paid'") == 3  # still revenue
    assert one("SELECT count(DISTINCT member_id) FROM facts WHERE workspace_id = %(ws)s", ws=tenant.id) == 5


async def test_a_rebuild_gives_the_same_facts(
    engine: AsyncEngine, tenant: Tenant, other_tenant: Tenant
) -> None:
    _one_source_database_is_enough(engine)
    await _pond(engine, tenant, other_tenant, n=10)
    target = _target()
    await sync.sync(engine, target, batch=10)
    await sync.sync(engine, target, batch=10)
    before = _keys(target)
    seen: list[int] = []
    await sync.rebuild(engine, target, progress=lambda source, n: seen.append(n))
    assert _keys(target) == before and sum(seen) == len(before)
    assert _keys(target, final=False) == before  # the new tables hold each fact once
    tables = {t for (t,) in target.client.query("SHOW TABLES").result_rows}
    assert tables == {"facts", "sync_state", "erased", "visitors"}  # no table of the rebuild left
    assert (await sync.sync(engine, target)).total == 0  # the position came with them


async def test_the_reports_answer_the_same_from_clickhouse(
    client: Any,
    app: Any,
    engine: AsyncEngine,
    tenant: Tenant,
    other_tenant: Tenant,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _one_source_database_is_enough(engine)
    ids = await _pond(engine, tenant, other_tenant, n=8)
    await order(engine, tenant, ids[1], 7_700)
    settings = app.app.state.settings
    path = settings.resolved_analytics_path()
    path.unlink(missing_ok=True)
    await sync.sync(engine, path)
    reports = ["revenue?period=month&by=channel", "retention?unit=week", "lifecycle", "funnel"]
    from_duckdb = [await client.get(f"/api/v1/reports/{r}", headers=tenant.headers) for r in reports]
    assert all(r.status_code == 200 for r in from_duckdb), [r.text for r in from_duckdb]
    assert from_duckdb[0].json()["total"]["orders"] == 5
    url = f"chdb://memory/r_{uuid.uuid4().hex[:12]}"
    await sync.sync(engine, ClickHouseTarget(url))
    monkeypatch.setattr(settings, "analytics_url", url)
    for report, duck in zip(reports, from_duckdb, strict=True):
        from_clickhouse = await client.get(f"/api/v1/reports/{report}", headers=tenant.headers)
        assert from_clickhouse.status_code == 200, from_clickhouse.text
        assert from_clickhouse.json() == duck.json(), report
