"""RFM written back as tags: after a refresh every scored member of every workspace
carries exactly the tag of their group in the group "RFM" (a plain computation over the
facts says which), nobody carries another workspace's, members who no longer score lose
theirs, other tag groups stay as they were; a second refresh changes nothing; a segment
on an RFM tag selects that group's members; the daily job, the CLI and the API run it."""

from __future__ import annotations

import asyncio
import random
import secrets
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from tests.analytics.test_rfm import TZ, plain, plain_group
from tests.analytics.world import Fact, duck
from tests.conftest import Tenant, add_key, make_tenant
from tests.factories import in_tx, member, order, refund
from yutang.analytics import rfm_tags, store, sync, tasks
from yutang.analytics.engines import DuckReader
from yutang.config import reset_settings
from yutang.kit import jobs
from yutang.kit.context import Ctx
from yutang.kit.db import dispose_engines, unit_of_work
from yutang.members import segments
from yutang.members import service as members
from yutang.models.members import Member, MemberTag, Tag, TagGroup
from yutang.models.platform import AuditEntry, OutboxEvent

MEMBERS = 200


async def _members(engine: AsyncEngine, ws: int, n: int) -> list[int]:
    async with unit_of_work(engine=engine) as s:
        rows = [Member(workspace_id=ws, anonymous_id=secrets.token_hex(8)) for _ in range(n)]
        s.add_all(rows)
        await s.flush()
        return [m.id for m in rows]


def _orders(rng: random.Random, ws: int, ids: list[int], now: datetime, n: int) -> list[Fact]:
    """Orders of most of the members over the last 300 days (some around Shanghai's
    midnight), refunds of a few, and members who never ordered; source ids from ``n``."""
    out: list[Fact] = []
    for m in ids:
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 5, 8])):
            at = now - timedelta(days=rng.randrange(0, 300), minutes=rng.choice([0, 1, 600]))
            amount = rng.randrange(1_000, 90_000)
            out.append(Fact(n, ws, "order.paid", at, member_id=m, amount_cents=amount))
            n += 1
            if rng.random() < 0.2:
                out.append(Fact(n, ws, "order.refunded", at, member_id=m, amount_cents=amount // 2))
                n += 1
    return out


async def _rfm_tags(engine: AsyncEngine, ws: int) -> dict[int, str]:
    async with unit_of_work(readonly=True, engine=engine) as s:
        rows = await s.execute(
            select(MemberTag.member_id, Tag.name, Member.workspace_id)
            .join(Tag, Tag.id == MemberTag.tag_id)
            .join(TagGroup, TagGroup.id == Tag.group_id)
            .join(Member, Member.id == MemberTag.member_id)
            .where(TagGroup.workspace_id == ws, TagGroup.name == "RFM")
        )
        out = {}
        for member_id, name, member_ws in rows.all():
            assert member_ws == ws, "a tag of one workspace on another's member"
            assert member_id not in out, "two RFM tags on one member"
            out[member_id] = name
        return out


async def _tagged_events(engine: AsyncEngine) -> int:
    async with unit_of_work(readonly=True, engine=engine) as s:
        found = await s.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.type == "member.tagged")
        )
        return int(found or 0)


def _expected(facts: list[Fact], ws: int, today: date, gone: set[int]) -> dict[int, str]:
    return {m: plain_group(r, f) for m, _, _, _, r, f, _ in plain(facts, ws, today) if m not in gone}


async def test_every_member_of_every_workspace_gets_the_tag_of_their_group(
    engine: AsyncEngine, tenant: Tenant, other_tenant: Tenant, tmp_path: Path
) -> None:
    third = await make_tenant(engine, "initech", "go.initech.test")
    rng = random.Random(12)
    now = datetime.now(UTC)
    today = now.astimezone(TZ).date()
    spaces = [tenant.id, other_tenant.id, third.id]
    ids = {ws: await _members(engine, ws, MEMBERS) for ws in spaces}
    facts: list[Fact] = []
    for ws in spaces:
        facts += _orders(rng, ws, ids[ws], now, 1 + 100_000 * ws)
    # A fact of the first workspace naming another's member (never tagged there), and
    # one from tomorrow (not yet as of today).
    facts.append(Fact(900_001, tenant.id, "order.paid", now, member_id=ids[third.id][0], amount_cents=5))
    facts.append(Fact(900_002, tenant.id, "order.paid", now + timedelta(days=2), member_id=ids[tenant.id][1]))
    path = tmp_path / "analytics.duckdb"
    duck(tmp_path, facts)

    # Before: a hand-made tag group on a few members, a stale RFM tag on a member who
    # never bought, and a member erased since the store last saw them.
    never = next(m for m in ids[tenant.id] if m not in {f.member_id for f in facts})
    erased = next(m for m in ids[tenant.id] if m in {f.member_id for f in facts})

    async def before(ctx: Ctx) -> None:
        for m in ids[tenant.id][:20]:
            await members.tag_member(ctx, m, ["兴趣/护肤"], [])
        await members.tag_member(ctx, never, ["RFM/champions"], [])
        row = await ctx.session.get(Member, erased)
        assert row is not None
        row.status = "erased"

    await in_tx(engine, tenant, before)
    events_before = await _tagged_events(engine)

    done = await rfm_tags.refresh_all(engine, DuckReader(path))
    assert [d.workspace_id for d in done] == spaces
    changed = 0
    for d, ws in zip(done, spaces, strict=True):
        want = _expected(facts, ws, today, {erased})
        # The member of the third workspace named by the first's fact is not scored there.
        if ws == tenant.id:
            assert ids[third.id][0] in {m for m, *_ in plain(facts, ws, today)}
            want.pop(ids[third.id][0])
        assert len(want) > MEMBERS // 2 and len(set(want.values())) >= 8
        assert await _rfm_tags(engine, ws) == want, ws
        assert d.tagged == len(want) and d.held == {g: list(want.values()).count(g) for g in d.held}
        changed += d.changed
    assert never not in await _rfm_tags(engine, tenant.id)
    assert await _tagged_events(engine) - events_before == changed
    async with unit_of_work(readonly=True, engine=engine) as s:
        hand = await s.scalar(
            select(func.count())
            .select_from(MemberTag)
            .join(Tag, Tag.id == MemberTag.tag_id)
            .join(TagGroup, TagGroup.id == Tag.group_id)
            .where(TagGroup.name == "兴趣")
        )
        assert hand == 20
        group = await s.scalar(
            select(TagGroup).where(TagGroup.workspace_id == tenant.id, TagGroup.name == "RFM")
        )
        assert group is not None and group.exclusive
        audits = await s.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "rfm.refreshed")
        )
        assert audits == 3

    # Again, on the same facts: nothing changes, nothing is emitted.
    events_after = await _tagged_events(engine)
    again = await rfm_tags.refresh_all(engine, DuckReader(path))
    assert [(d.added, d.removed, d.changed) for d in again] == [(0, 0, 0)] * 3
    assert await _tagged_events(engine) == events_after

    # The pond moves: a member erased in the store loses the tag; a member who never
    # bought buys today and becomes "new" or "promising"; the others are re-ranked.
    leaving = ids[other_tenant.id][3]
    first = ids[other_tenant.id][0]
    fresh = Fact(900_003, other_tenant.id, "order.paid", now, member_id=first, amount_cents=9)
    with store.connect(path, write=True) as con:
        store.erase(con, other_tenant.id, leaving)  # a member who never clicked: no visitor id
        store.append(con, [fresh.row()])
    facts = [_erased(f) if (f.member_id, f.workspace_id) == (leaving, other_tenant.id) else f for f in facts]
    facts.append(fresh)
    await rfm_tags.refresh_all(engine, DuckReader(path), [other_tenant.id])
    want = _expected(facts, other_tenant.id, today, set())
    assert leaving not in want and ids[other_tenant.id][0] in want
    assert await _rfm_tags(engine, other_tenant.id) == want

    # A segment on an RFM tag selects exactly that group's members.
    champions = sorted(m for m, g in want.items() if g == "champions")
    assert champions

    async def segment(ctx: Ctx) -> list[int]:
        made = await segments.create_segment(
            ctx, "RFM champions", {"field": "tag", "op": "has", "value": "RFM/champions"}
        )
        where = await segments.members_clause(ctx, made)
        return sorted((await ctx.session.scalars(select(Member.id).where(where))).all())

    assert await in_tx(engine, other_tenant, segment) == champions


def _erased(f: Fact) -> Fact:
    return Fact(**{**f.__dict__, "member_id": None})


async def test_the_group_and_its_tags_are_made_when_missing_and_names_checked(
    engine: AsyncEngine, tenant: Tenant
) -> None:
    [a, b] = await _members(engine, tenant.id, 2)

    async def assign(ctx: Ctx) -> members.GroupTagging:
        wanted = {a: "young", b: "old", 10**9: "old"}  # the last: nobody's
        return await members.assign_group_tags(ctx, "Life", ["young", "old"], wanted)

    done = await in_tx(engine, tenant, assign)
    assert (done.added, done.removed, done.changed, done.held) == (2, 0, 2, {"young": 1, "old": 1})
    with pytest.raises(Exception, match="No tags"):
        await in_tx(
            engine, tenant, lambda ctx: members.assign_group_tags(ctx, "Life", ["young"], {a: "middle"})
        )
    # A member tagged by hand in the group loses the other tag (the group is exclusive).
    moved = await in_tx(engine, tenant, lambda ctx: members.tag_member(ctx, a, ["Life/old"], []))
    assert moved.id == a
    back = await in_tx(engine, tenant, assign)
    assert (back.added, back.removed, back.changed) == (1, 1, 1)


async def test_the_daily_job_syncs_then_refreshes_and_the_cli_runs_it_now(
    engine: AsyncEngine, tenant: Tenant, other_tenant: Tenant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yutang.cli import app as cli

    assert jobs._PERIODIC["rfm_tags"][0] == {"hour": "20", "minute": "5"}
    monkeypatch.setenv("YUTANG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("YUTANG_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("YUTANG_SECRET_KEY", "cli-test")
    monkeypatch.delenv("YUTANG_WORKSPACE", raising=False)
    reset_settings()
    try:
        buyer = await member(engine, tenant, phone="13800130001")
        await order(engine, tenant, buyer, 10_000)
        other = await member(engine, other_tenant, phone="13800130002")
        await order(engine, other_tenant, other, 20_000)
        done = await tasks.refresh_rfm_tags(engine)  # syncs first: the orders are in
        assert [(d.workspace_id, d.tagged) for d in done] == [(tenant.id, 1), (other_tenant.id, 1)]
        assert await _rfm_tags(engine, tenant.id) == {buyer: "champions"}

        # A full refund leaves the buyer with no net spend but still a buyer; a second
        # buyer arrives. The CLI syncs and refreshes one workspace.
        later = await member(engine, tenant, phone="13800130003")
        paid = await order(engine, tenant, later, 5_000, paid_at=datetime.now(UTC) - timedelta(days=40))
        await refund(engine, tenant, paid, 5_000)
        result = await asyncio.to_thread(CliRunner().invoke, cli, ["analytics", "rfm", "--workspace", "acme"])
        await dispose_engines()
        assert result.exit_code == 0, result.output
        assert f"workspace {tenant.id}: 2 members scored" in result.output
        assert result.output.count("members scored") == 1
        tags = await _rfm_tags(engine, tenant.id)
        assert tags[buyer] == "champions" and set(tags) == {buyer, later}
    finally:
        reset_settings()


async def test_the_rfm_report_its_members_and_refresh_through_the_api(
    client: Any, app: Any, engine: AsyncEngine, tenant: Tenant, other_tenant: Tenant
) -> None:
    path = app.app.state.settings.resolved_analytics_path()
    path.unlink(missing_ok=True)
    ids = [await member(engine, tenant, phone=f"1380013{i:04d}") for i in range(6)]
    now = datetime.now(UTC)
    for i, m in enumerate(ids[:5]):  # five buyers: i orders, the last i days ago
        for k in range(i + 1):
            await order(engine, tenant, m, 1_000 * (i + 1), paid_at=now - timedelta(days=10 * (5 - i) + k))
    stranger = await member(engine, other_tenant, phone="13900000000")
    await order(engine, other_tenant, stranger, 99_999)
    await sync.sync(engine, path)
    h = tenant.headers

    r = await client.get("/api/v1/reports/rfm", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["scored"] == 5 and body["timezone"] == "Asia/Shanghai" and body["last_refresh"] is None
    assert sum(map(sum, body["grid"])) == 5 and body["grid"][4][4] == 1  # the best one: r 5, f 5
    champions = next(g for g in body["groups"] if g["group"] == "champions")
    assert champions["tag"] == "RFM/champions" and champions["members"] == 2 and champions["share"] == 0.4
    assert sum(g["members"] for g in body["groups"]) == 5 and len(body["groups"]) == 11
    csv_text = (await client.get("/api/v1/reports/rfm?format=csv", headers=h)).text
    assert csv_text.lstrip("\ufeff").startswith("group,tag,members,share,net_cents,orders")
    assert "champions,RFM/champions,2" in csv_text

    scores = (await client.get("/api/v1/reports/rfm/scores?limit=2", headers=h)).json()
    assert scores["count"] == 5 and [s["member_id"] for s in scores["data"]] == ids[:2]
    rest = (await client.get(f"/api/v1/reports/rfm/scores?cursor={scores['next_cursor']}", headers=h)).json()
    assert [s["member_id"] for s in rest["data"]] == ids[2:5] and rest["next_cursor"] is None
    best = rest["data"][-1]
    assert (best["orders"], best["net_cents"], best["r"], best["f"], best["m"]) == (5, 25_000, 5, 5, 5)
    assert best["group"] == "champions" and best["recency_days"] in (10, 11)
    one = (await client.get("/api/v1/reports/rfm/scores?group=champions", headers=h)).json()
    assert [s["member_id"] for s in one["data"]] == ids[3:5]
    assert (await client.get("/api/v1/reports/rfm/scores?r=6", headers=h)).status_code == 422
    assert (await client.get("/api/v1/reports/rfm/scores?group=vip", headers=h)).status_code == 422
    all_csv = (await client.get("/api/v1/reports/rfm/scores?format=csv", headers=h)).text
    assert all_csv.count("\n") == 6

    drilled = (await client.get("/api/v1/reports/rfm/members?group=champions", headers=h)).json()
    assert drilled["count"] == 2 and [m["id"] for m in drilled["data"]] == ids[3:5]
    cell = (await client.get("/api/v1/reports/rfm/members?r=5&f=5", headers=h)).json()
    assert [m["id"] for m in cell["data"]] == [ids[4]]

    analyst = await add_key(engine, tenant, "analyst")
    assert (await client.get("/api/v1/reports/rfm", headers=analyst)).status_code == 200
    refused = await client.post("/api/v1/reports/rfm/refresh", headers=analyst)
    assert refused.status_code == 403
    done = await client.post("/api/v1/reports/rfm/refresh", headers=h)
    assert done.status_code == 200, done.text
    said = done.json()
    assert (said["scored"], said["tagged"], said["added"], said["changed"]) == (5, 5, 5, 5)
    assert said["held"]["champions"] == 2
    again = (await client.post("/api/v1/reports/rfm/refresh", headers=h)).json()
    assert (again["added"], again["removed"], again["changed"]) == (0, 0, 0)
    segment = await client.post(
        "/api/v1/segments/preview",
        json={"filter": {"field": "tag", "op": "has", "value": "RFM/champions"}},
        headers=h,
    )
    assert segment.status_code == 200, segment.text
    assert segment.json()["count"] == 2
    last = (await client.get("/api/v1/reports/rfm", headers=h)).json()["last_refresh"]
    assert last["actor_type"] == "api_key" and last["changes"]["changed"] == 0
    theirs = (await client.get("/api/v1/reports/rfm", headers=other_tenant.headers)).json()
    assert theirs["scored"] == 1 and theirs["last_refresh"] is None
