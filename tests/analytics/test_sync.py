"""The event store is kept in step with the transactional database exactly once: every
outbox event of a workspace and every click lands once — after a sync killed in the
middle of a batch, after two syncs in a row or at once, after a transaction that
committed a lower id late — with ids only (no personal data), its member's attribution
and staff, and an erased member's facts untied from them."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.factories import in_tx, member, order
from yutang.analytics import store, sync
from yutang.kit.db import unit_of_work
from yutang.links import service as links
from yutang.links.schemas import LinkIn
from yutang.models.links import Channel, Click, Link
from yutang.models.members import Member
from yutang.models.platform import OutboxEvent
from yutang.privacy import service as privacy


async def _link(engine: AsyncEngine, tenant: Tenant) -> tuple[int, int]:
    """A package card's channel and its link, made as the API makes them."""

    async def make(ctx: Any) -> tuple[int, int]:
        ch = Channel(workspace_id=tenant.id, name="包裹卡", type="package_card")
        ctx.session.add(ch)
        await ctx.session.flush()
        made = await links.create_link(
            ctx, LinkIn(url="https://shop.example/", slug=f"card{tenant.id}", channel_id=ch.id)
        )
        return ch.id, made.id

    return await in_tx(engine, tenant, make)


async def _clicks(
    engine: AsyncEngine, tenant: Tenant, link_id: int, channel_id: int, visitors: list[str]
) -> None:
    at = datetime(2026, 11, 30, 15, 59, tzinfo=UTC)
    async with unit_of_work(engine=engine) as s:
        await s.execute(
            insert(Click),
            [
                {
                    "workspace_id": tenant.id,
                    "link_id": link_id,
                    "channel_id": channel_id,
                    "occurred_at": at + timedelta(minutes=i),
                    "visitor_id": v,
                    "ip_hash": "deadbeef",
                    "user_agent": "Mozilla/5.0 (iPhone)",
                    "device_type": "mobile",
                    "referrer_host": "mp.weixin.qq.com",
                    "is_bot": i % 10 == 9,
                }
                for i, v in enumerate(visitors)
            ],
        )


async def _pond(engine: AsyncEngine, tenant: Tenant, other: Tenant, n: int = 30) -> list[int]:
    """n members who came by a package card's link (clicks first), with staff and
    orders; and a few of another workspace."""
    channel_id, link_id = await _link(engine, tenant)
    await _clicks(engine, tenant, link_id, channel_id, [f"v{i:03d}" for i in range(n)])
    ids = [
        await member(
            engine, tenant, phone=f"1380013{i:04d}", visitor_id=f"v{i:03d}", source_channel_id=channel_id
        )
        for i in range(n)
    ]
    for i, mid in enumerate(ids[: n // 2]):
        await order(engine, tenant, mid, 10_000 + i)
    for i in range(3):
        await member(engine, other, phone=f"1390013{i:04d}")
    return ids


def _facts(path: Path) -> list[tuple[Any, ...]]:
    with store.connect(path) as con:
        return con.execute("SELECT * FROM facts ORDER BY source, source_id").fetchall()


async def _expected(engine: AsyncEngine) -> set[tuple[str, int]]:
    async with unit_of_work(readonly=True, engine=engine) as s:
        events = (await s.scalars(select(OutboxEvent.id).where(OutboxEvent.workspace_id.is_not(None)))).all()
        clicks = (await s.scalars(select(Click.id))).all()
    return {("outbox", i) for i in events} | {("click", i) for i in clicks}


async def test_every_fact_lands_once_with_ids_only_and_its_attribution(
    engine: AsyncEngine, tenant: Tenant, other_tenant: Tenant, tmp_path: Path
) -> None:
    ids = await _pond(engine, tenant, other_tenant)
    path = tmp_path / "analytics.duckdb"
    first = await sync.sync(engine, path, batch=7)  # many small batches
    again = await sync.sync(engine, path, batch=7)
    rows = _facts(path)
    keys = [(r[0], r[1]) for r in rows]
    assert len(keys) == len(set(keys)) and set(keys) == await _expected(engine)
    assert first.total == len(rows) and again.total == 0
    # ids only: no phone number, IP hash or user agent anywhere in the store
    with store.connect(path) as con:
        text = json.dumps(con.execute("SELECT * FROM facts").fetchall(), default=str)
    assert "1380013" not in text and "deadbeef" not in text and "iPhone" not in text
    columns = [c for c, *_ in duckdb.connect(str(path), read_only=True).execute("DESCRIBE facts").fetchall()]
    joined = [
        dict(zip(columns, r, strict=True)) for r in rows if r[3] == "member.joined" and r[2] == tenant.id
    ]
    assert sorted(j["member_id"] for j in joined) == sorted(ids)
    assert all(j["channel_id"] is not None and j["visitor_id"] for j in joined)
    paid = [dict(zip(columns, r, strict=True)) for r in rows if r[3] == "order.paid"]
    assert sorted(p["amount_cents"] for p in paid) == [10_000 + i for i in range(len(ids) // 2)]
    clicks = [dict(zip(columns, r, strict=True)) for r in rows if r[0] == "click"]
    assert len(clicks) == len(ids) and sum(c["is_bot"] for c in clicks) == 3
    assert {c["workspace_id"] for c in clicks} == {tenant.id}


async def test_a_sync_killed_mid_batch_loses_and_doubles_nothing(
    engine: AsyncEngine, tenant: Tenant, other_tenant: Tenant, tmp_path: Path
) -> None:
    await _pond(engine, tenant, other_tenant, n=20)
    path = tmp_path / "analytics.duckdb"
    url = engine.url.render_as_string(hide_password=False)
    # A sync in its own process that dies (no cleanup, no commit) after writing part of
    # its third batch into the store.
    script = textwrap.dedent(
        f"""
        import asyncio, os
        from pathlib import Path
        from yutang.analytics import store, sync
        from yutang.kit.db import create_engine
        calls = 0
        append = store.append
        def dying(con, rows):
            global calls
            calls += 1
            written = append(con, rows)
            if calls == 3:
                os._exit(9)
            return written
        store.append = dying
        asyncio.run(sync.sync(create_engine({url!r}), Path({str(path)!r}), batch=5))
        """
    )
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert killed.returncode == 9, killed.stderr
    with store.connect(path) as con:
        assert con.execute("SELECT count(*) FROM facts").fetchall()[0] == (10,)  # two whole batches
    await sync.sync(engine, path, batch=5)
    keys = [(r[0], r[1]) for r in _facts(path)]
    assert len(keys) == len(set(keys)) and set(keys) == await _expected(engine)


async def test_a_lower_id_committed_late_is_found_and_one_never_committed_is_given_up(
    engine: AsyncEngine, tenant: Tenant, tmp_path: Path
) -> None:
    path = tmp_path / "analytics.duckdb"

    async def event(event_id: int) -> None:
        async with unit_of_work(engine=engine) as s:
            await s.execute(
                insert(OutboxEvent).values(
                    id=event_id,
                    workspace_id=tenant.id,
                    type="member.activity",
                    payload={"member_id": 1, "type": "x"},
                )
            )

    for i in (1001, 1002, 1004, 1006):
        await event(i)
    clock = [1_000_000.0]
    with store.connect(path, write=True) as con:  # the store starts just below them
        store.save_state(con, "outbox", 1000, {})
    done = await sync.sync(engine, path, now=lambda: clock[0])
    assert done.added["outbox"] == 4
    with store.connect(path) as con:
        assert store.state(con, "outbox") == (1006, {1003: clock[0], 1005: clock[0]})
    await event(1003)  # the transaction that held 1003 commits now
    clock[0] += 60
    done = await sync.sync(engine, path, now=lambda: clock[0])
    assert done.added["outbox"] == 1 and done.filled == 1
    clock[0] += sync.GAP_SECONDS + 1  # 1005 rolled back: never comes
    done = await sync.sync(engine, path, now=lambda: clock[0])
    assert done.given_up == 1
    with store.connect(path) as con:
        assert store.state(con, "outbox") == (1006, {})
        ids = sorted(
            i for (i,) in con.execute("SELECT source_id FROM facts WHERE source = 'outbox'").fetchall()
        )
    assert ids == [1001, 1002, 1003, 1004, 1006]


async def test_on_postgresql_a_transaction_committing_after_a_later_one_is_not_lost(
    engine: AsyncEngine, tenant: Tenant, tmp_path: Path
) -> None:
    if engine.dialect.name != "postgresql":
        return  # SQLite has one writer at a time: ids commit in their order
    path = tmp_path / "analytics.duckdb"
    slow = await engine.connect()
    tx = await slow.begin()
    await slow.execute(insert(OutboxEvent).values(workspace_id=tenant.id, type="member.activity", payload={}))
    async with unit_of_work(engine=engine) as s:  # a later transaction commits first
        await s.execute(
            insert(OutboxEvent).values(workspace_id=tenant.id, type="member.activity", payload={})
        )
    assert (await sync.sync(engine, path)).added["outbox"] == 1
    await tx.commit()
    await slow.close()
    assert (await sync.sync(engine, path)).added["outbox"] == 1
    keys = [(r[0], r[1]) for r in _facts(path)]
    assert len(keys) == 2 and set(keys) == await _expected(engine)


async def test_two_syncs_at_once_take_turns(
    engine: AsyncEngine, tenant: Tenant, other_tenant: Tenant, tmp_path: Path
) -> None:
    await _pond(engine, tenant, other_tenant, n=12)
    path = tmp_path / "analytics.duckdb"
    done = await asyncio.gather(*(sync.sync(engine, path, batch=4) for _ in range(3)))
    keys = [(r[0], r[1]) for r in _facts(path)]
    assert len(keys) == len(set(keys)) == sum(d.total for d in done)
    assert set(keys) == await _expected(engine)


async def test_an_erased_member_is_untied_from_their_facts_then_and_later(
    engine: AsyncEngine, tenant: Tenant, other_tenant: Tenant, tmp_path: Path
) -> None:
    ids = await _pond(engine, tenant, other_tenant, n=6)
    path = tmp_path / "analytics.duckdb"
    await sync.sync(engine, path)
    gone = ids[2]
    await in_tx(engine, tenant, lambda ctx: privacy.erase_member(ctx, gone))
    async with unit_of_work(readonly=True, engine=engine) as s:
        link_id = await s.scalar(select(Link.id).where(Link.workspace_id == tenant.id))
        channel_id = await s.scalar(select(Channel.id).where(Channel.workspace_id == tenant.id))
    await _clicks(engine, tenant, link_id or 0, channel_id or 0, ["v002"])  # their cookie clicks again
    done = await sync.sync(engine, path)
    assert done.erased == 1
    with store.connect(path) as con:
        theirs = con.execute(
            "SELECT count(*) FROM facts WHERE member_id = ? OR visitor_id = 'v002'", [gone]
        ).fetchall()[0]
        kept = con.execute("SELECT count(*) FROM facts WHERE type = 'order.paid'").fetchall()[0]
        others = con.execute(
            "SELECT count(DISTINCT member_id) FROM facts WHERE workspace_id = ?", [tenant.id]
        ).fetchall()[0]
    assert theirs == (0,)
    assert kept == (3,)  # their order is still revenue, no longer theirs
    assert others == (len(ids) - 1,)


async def test_a_rebuild_gives_the_same_store_and_syncs_wait_for_it(
    engine: AsyncEngine, tenant: Tenant, other_tenant: Tenant, tmp_path: Path
) -> None:
    await _pond(engine, tenant, other_tenant, n=10)
    path = tmp_path / "analytics.duckdb"
    await sync.sync(engine, path, batch=3)
    before = _facts(path)
    seen: list[int] = []
    await sync.rebuild(engine, path, progress=lambda source, n: seen.append(n))
    assert _facts(path) == before and sum(seen) == len(before)
    assert not path.with_name(path.name + ".new").exists()
    path.with_name(path.name + ".rebuilding").touch()  # a rebuild under way elsewhere
    await member(engine, tenant, phone="13700000000")
    assert (await sync.sync(engine, path)).total == 0
    path.with_name(path.name + ".rebuilding").unlink()
    assert (await sync.sync(engine, path)).total >= 1


async def test_attribution_is_the_members_when_the_fact_is_synced(
    engine: AsyncEngine, tenant: Tenant, tmp_path: Path
) -> None:
    from tests.web import browser

    staff = await browser.make_user(engine, tenant.id, "staff@acme.example", "staff")
    mid = await member(engine, tenant, phone="13800000000")
    long_ago = datetime(2025, 3, 8, 2, 0, tzinfo=UTC)  # imported: joined before it was recorded
    async with unit_of_work(engine=engine) as s:
        await s.execute(
            update(Member).where(Member.id == mid).values(owner_user_id=staff, joined_at=long_ago)
        )
    await order(engine, tenant, mid, 5_000)
    path = tmp_path / "analytics.duckdb"
    await sync.sync(engine, path)
    with store.connect(path) as con:
        assert con.execute("SELECT staff_id FROM facts WHERE type = 'order.paid'").fetchall()[0] == (staff,)
        joined = con.execute("SELECT occurred_at FROM facts WHERE type = 'member.joined'").fetchall()[0][0]
    assert joined == long_ago


def test_no_event_type_carries_personal_data_into_the_store() -> None:
    """The outbox's payloads become facts as they are: each field of each declared event
    type is an id, an amount, a time or a word — none names a person or their device."""
    import dataclasses

    from yutang.kit import discovery, events

    discovery.load()
    personal = {
        "phone",
        "mobile",
        "email",
        "address",
        "ip",
        "agent",
        "birthday",
        "openid",
        "unionid",
        "number",
    }
    named = {"channel.created", "member.activity"}  # a channel's name; an activity's name
    for type_name, cls in events.CATALOGUE.items():
        if not cls.__module__.startswith("yutang."):
            continue  # a type a test declared for itself
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            assert not personal & set(f.name.split("_")), (type_name, f.name)
            assert f.name != "name" or type_name in named, (type_name, f.name)


def test_a_report_and_a_sync_in_one_process_wait_for_each_other(tmp_path: Path) -> None:
    """`yutang serve --worker` reads reports and syncs the store in one process: DuckDB
    refuses a read-only connection while the same process has the file open to write
    (and the other way round). Each side waits for the other, as between processes —
    this was a 500 on a report page now and then while the worker synced."""
    import threading
    import time

    path = tmp_path / "analytics.duckdb"
    with store.connect(path, write=True):
        pass
    opened = threading.Event()
    release = threading.Event()

    def hold(write: bool) -> None:
        with store.connect(path, write=write):
            opened.set()
            release.wait(10)

    for first_writes in (True, False):
        opened.clear()
        release.clear()
        holder = threading.Thread(target=hold, args=(first_writes,))
        holder.start()
        assert opened.wait(10)
        threading.Timer(0.3, release.set).start()
        started = time.monotonic()
        with store.connect(path, write=not first_writes, wait=10) as con:
            assert con.execute("SELECT count(*) FROM facts").fetchall() == [(0,)]
        assert time.monotonic() - started >= 0.25  # it waited for the other side
        holder.join(10)
