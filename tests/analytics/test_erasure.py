"""Erasing a member leaves no fact in the store that holds their id — in any column, in
any field of props (a friend's invitation names its inviter, an auction bid the bidder
it outbid, a closed auction its winner) — on DuckDB and on ClickHouse's engine (chdb),
while the facts of the friends stay theirs, another workspace is untouched, erasing
twice changes nothing and facts that arrive later come in stripped. The reports that
read the inviter (fission, the funnel's "referred a friend") count what their
definitions allow and never name the erased member."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.analytics.test_fission import WINDOW as FISSION_WINDOW
from tests.analytics.test_fission import ZERO, _got, plain_fission, referrals
from tests.analytics.test_funnel import WINDOW as FUNNEL_WINDOW
from tests.analytics.test_funnel import _figures, _plain, _walk
from tests.analytics.world import OTHER, WS, Fact, generated
from yutang.analytics import fission, store
from yutang.analytics.clickhouse import READ_SETTINGS, ClickHouseTarget
from yutang.analytics.engines import DuckReader, Reader
from yutang.analytics.facts import COLUMNS, MEMBER_PROPS
from yutang.analytics.funnel import AARRR, FRIEND_JOINED, ORDERS, Step, funnel, member_ids
from yutang.analytics.revenue import periods

BASE = datetime(2026, 10, 5, 15, 58, tzinfo=UTC)  # two minutes before Shanghai's midnight
#: The inviter erased: an id no other value of the world takes, so that a scan finds it
#: only where it was left behind.
GONE = 700_042


def pond() -> list[Fact]:
    """Many members of two workspaces. ``GONE`` took part in a referral campaign, was
    clicked, invited six friends (joined, held then joined, rejected, one without an
    invitee, a revoked invitation), bid in an auction and was outbid, and won one; other
    inviters and bidders did the same; the other workspace has inviters and friends of
    its own — and, to show that erasure stays in its workspace, facts naming the same id."""
    out: list[Fact] = []
    ids = iter(range(100_000, 10**9))
    invitations = iter(range(300_000, 10**9))

    def add(ws: int, type_: str, minutes: int, **kw: Any) -> None:
        out.append(Fact(next(ids), ws, type_, BASE + timedelta(minutes=minutes), **kw))

    for ws, first in ((WS, 700_001), (OTHER, 800_001)):
        members = list(range(first, first + 80))
        for n, m in enumerate(members):
            visitor = f"c{m}"
            add(ws, "link.clicked", n * 7 - 5, visitor_id=visitor, channel_id=11, link_id=41)
            add(ws, "member.joined", n * 7, member_id=m, visitor_id=visitor, channel_id=11, link_id=41)
            add(ws, "order.paid", n * 7 + 3, member_id=m, amount_cents=1_000 + n, channel_id=11)
        inviters = [GONE, *members[50:53]] if ws == WS else members[50:53]
        for k, inviter in enumerate(inviters):
            link = 9_000 + k + (100 if ws == OTHER else 0)
            add(
                ws,
                "referral.participant_joined",
                1,
                member_id=inviter,
                campaign_id=101,
                props={"share_link_id": link},
            )
            add(ws, "link.clicked", 2, visitor_id=f"s{k}", link_id=link)
            friends = members[60 + k * 6 : 66 + k * 6]
            for j, friend in enumerate(friends):
                inv = next(invitations)
                props = {"inviter_id": inviter, "invitation_id": inv, "reasons": []}
                at = 60 * (j + 1) + k
                if j == 1:  # held for review, then approved
                    add(
                        ws,
                        "invitation.held",
                        at,
                        member_id=friend,
                        campaign_id=101,
                        props={**props, "reasons": ["ip"]},
                    )
                    at += 600
                if j == 2:  # refused
                    add(ws, "invitation.rejected", at, member_id=friend, campaign_id=101, props=props)
                    continue
                if j == 3:  # refused before the friend had an id
                    add(ws, "invitation.rejected", at, campaign_id=101, props=props)
                    continue
                add(ws, "invitation.joined", at, member_id=friend, campaign_id=101, props=props)
                add(
                    ws,
                    "invitation.qualified",
                    at + 90,
                    member_id=inviter,
                    campaign_id=101,
                    props={"invitation_id": inv},
                )
            add(
                ws,
                "invitation.revoked",
                900,
                campaign_id=101,
                props={"inviter_id": inviter, "invitation_id": next(invitations), "reason": "fraud"},
            )
        bidders = (GONE, members[1], members[2]) if ws == WS else (members[1], members[2])
        for a, bidder in enumerate(bidders):
            rival = members[3 + a]
            add(
                ws,
                "auction.bid",
                20 + a,
                member_id=bidder,
                points=50,
                props={"auction_id": 77, "outbid_member_id": None},
            )
            add(
                ws,
                "auction.bid",
                21 + a,
                member_id=rival,
                points=60,
                props={"auction_id": 77, "outbid_member_id": bidder},
            )
        add(ws, "auction.closed", 99, props={"auction_id": 78, "winner_member_id": bidders[0], "amount": 90})
    # GONE's own facts besides: a click of theirs before joining, their join, an order
    add(WS, "link.clicked", -30, visitor_id="cGONE", channel_id=12, link_id=42)
    add(WS, "member.joined", 0, member_id=GONE, visitor_id="cGONE", channel_id=12, link_id=42)
    add(WS, "order.paid", 45, member_id=GONE, amount_cents=4_200, channel_id=12, props={"order_id": 5})
    # the same id in the other workspace (ids are the platform's; the store keeps them per workspace)
    add(
        OTHER,
        "invitation.joined",
        7,
        member_id=800_070,
        campaign_id=201,
        props={"inviter_id": GONE, "invitation_id": 1},
    )
    add(OTHER, "order.paid", 8, member_id=GONE, visitor_id="cGONE", amount_cents=10)
    return out


def erased(facts: list[Fact], ws: int, member: int) -> list[Fact]:
    """The plain meaning of erasing ``member`` of ``ws``: their facts lose the member and
    visitor ids (and so do the facts of their visitor cookies); every field of props that
    names them is taken out."""
    visitors = {
        f.visitor_id for f in facts if f.workspace_id == ws and f.member_id == member and f.visitor_id
    }
    out = []
    for f in facts:
        if f.workspace_id != ws:
            out.append(f)
            continue
        if f.member_id == member:
            f = replace(f, member_id=None, visitor_id=None)
        if f.visitor_id in visitors:
            f = replace(f, visitor_id=None)
        if f.props and any(f.props.get(k) == member for k in MEMBER_PROPS):
            kept = {k: v for k, v in f.props.items() if not (k in MEMBER_PROPS and v == member)}
            f = replace(f, props=kept or None)
        out.append(f)
    return out


# --- the two engines ----------------------------------------------------------------------


class Engine:
    """A store (the DuckDB file, or ClickHouse on chdb) written through the sync's target."""

    def __init__(self, kind: str, tmp_path: Path) -> None:
        self.kind = kind
        if kind == "duckdb":
            self.path = tmp_path / f"erasure-{uuid.uuid4().hex[:6]}.duckdb"
            self.target: store.DuckTarget | ClickHouseTarget = store.DuckTarget(self.path)
        else:
            self.target = ClickHouseTarget(f"chdb://memory/e_{uuid.uuid4().hex[:12]}")

    def append(self, facts: list[Fact]) -> None:
        with self.target.batch() as tx:
            tx.append([f.row() for f in facts])

    def erase(self, ws: int, member: int) -> None:
        with self.target.batch() as tx:
            tx.erase(ws, member)

    def rows(self) -> list[dict[str, Any]]:
        """Every fact, each once, props parsed, times in UTC."""
        sql = f"SELECT {', '.join(COLUMNS)} FROM facts ORDER BY source, source_id"
        if isinstance(self.target, ClickHouseTarget):
            found = self.target.client.query(sql, settings=READ_SETTINGS).result_rows
        else:
            with store.connect(self.path) as con:
                found = con.execute(sql).fetchall()
        out = []
        for r in found:
            row = dict(zip(COLUMNS, r, strict=True))
            at = row["occurred_at"]
            row["occurred_at"] = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
            row["props"] = json.loads(row["props"]) if row["props"] is not None else None
            row["is_bot"] = bool(row["is_bot"])
            out.append(row)
        return out

    def reader(self) -> Reader:
        if isinstance(self.target, ClickHouseTarget):
            return self.target.reader()
        return DuckReader(self.path)


@pytest.fixture(params=["duckdb", "clickhouse"])
def engine_kind(request: pytest.FixtureRequest) -> Iterator[str]:
    yield request.param


def _as_rows(facts: list[Fact]) -> list[dict[str, Any]]:
    out = []
    for f in sorted(facts, key=lambda f: ("click" if f.type == "link.clicked" else "outbox", f.source_id)):
        row = dict(zip(COLUMNS, f.row(), strict=True))
        row["props"] = f.props or None
        out.append(row)
    return out


def _holding(rows: list[dict[str, Any]], member: int) -> list[dict[str, Any]]:
    """The rows that still hold ``member``'s id: in a column, or anywhere in props."""

    def held(value: Any) -> bool:
        if isinstance(value, dict):
            return any(held(v) for v in value.values()) or str(member) in value
        if isinstance(value, list):
            return any(held(v) for v in value)
        return value is not None and not isinstance(value, bool) and str(value) == str(member)

    return [r for r in rows if any(held(v) for v in r.values()) or str(member) in json.dumps(r["props"])]


# --- the store ----------------------------------------------------------------------------


def test_the_world_has_the_id_where_erasure_must_find_it() -> None:
    """The facts named in the module's docstring are there before erasure."""
    rows = _as_rows(pond())
    mine = _holding([r for r in rows if r["workspace_id"] == WS], GONE)
    where = Counter(
        (
            r["type"],
            "member_id"
            if r["member_id"] == GONE
            else next(k for k in MEMBER_PROPS if k in (r["props"] or {})),
        )
        for r in mine
    )
    assert where[("invitation.joined", "inviter_id")] == 4  # four friends joined (one after review)
    assert where[("invitation.rejected", "inviter_id")] == 2
    assert where[("invitation.held", "inviter_id")] == 1
    assert where[("invitation.revoked", "inviter_id")] == 1
    assert where[("auction.bid", "outbid_member_id")] == 1
    assert where[("auction.closed", "winner_member_id")] == 1
    assert where[("invitation.qualified", "member_id")] == 4


def test_erasure_leaves_the_id_nowhere_and_the_rest_as_it_was(engine_kind: str, tmp_path: Path) -> None:
    facts = pond()
    engine = Engine(engine_kind, tmp_path)
    engine.append(facts)
    assert _holding([r for r in engine.rows() if r["workspace_id"] == WS], GONE)
    engine.erase(WS, GONE)
    after = engine.rows()
    assert _holding([r for r in after if r["workspace_id"] == WS], GONE) == []
    # exactly the plain erasure: the friends' facts stay theirs (their member ids, the
    # invitation and its reasons), other inviters keep theirs, the other workspace is untouched
    assert after == _as_rows(erased(facts, WS, GONE))
    friends = {r["member_id"] for r in after if r["type"] == "invitation.joined" and r["workspace_id"] == WS}
    assert {700_061, 700_062, 700_065, 700_066} <= friends
    assert [r for r in after if r["workspace_id"] == OTHER] == [
        r for r in _as_rows(facts) if r["workspace_id"] == OTHER
    ]
    assert len(_holding([r for r in after if r["workspace_id"] == OTHER], GONE)) == 2
    # erasing again changes nothing
    engine.erase(WS, GONE)
    assert engine.rows() == after


def test_facts_that_arrive_after_the_erasure_come_in_stripped(engine_kind: str, tmp_path: Path) -> None:
    """A friend who joins through the erased member's old invitation, a late revocation,
    an auction's late facts — and, in a later batch, those of a member erased meanwhile."""
    facts = pond()
    engine = Engine(engine_kind, tmp_path)
    engine.append(facts)
    engine.erase(WS, GONE)
    late = [
        Fact(
            900_001,
            WS,
            "invitation.joined",
            BASE,
            member_id=700_079,
            campaign_id=101,
            props={"inviter_id": GONE, "invitation_id": 5},
        ),
        Fact(
            900_002,
            WS,
            "invitation.revoked",
            BASE,
            campaign_id=101,
            props={"inviter_id": str(GONE), "reason": "fraud"},
        ),
        Fact(
            900_003,
            WS,
            "auction.bid",
            BASE,
            member_id=700_003,
            props={"outbid_member_id": GONE, "auction_id": 9},
        ),
        Fact(900_004, WS, "auction.closed", BASE, props={"winner_member_id": GONE}),
        Fact(
            900_005,
            WS,
            "invitation.joined",
            BASE,
            member_id=700_078,
            campaign_id=101,
            props={"inviter_id": 700_051, "invitation_id": 6},
        ),
        Fact(
            900_006,
            OTHER,
            "invitation.joined",
            BASE,
            member_id=800_071,
            campaign_id=201,
            props={"inviter_id": GONE, "invitation_id": 7},
        ),
        Fact(900_007, WS, "order.paid", BASE, member_id=GONE, amount_cents=99),
    ]
    engine.append(late)
    got = {r["source_id"]: r for r in engine.rows() if r["source_id"] >= 900_000}
    assert got[900_001]["member_id"] == 700_079 and got[900_001]["props"] == {"invitation_id": 5}
    assert got[900_002]["props"] == {"reason": "fraud"}
    assert got[900_003]["member_id"] == 700_003 and got[900_003]["props"] == {"auction_id": 9}
    assert got[900_004]["props"] is None
    assert got[900_005]["props"] == {"inviter_id": 700_051, "invitation_id": 6}  # another inviter
    assert got[900_006]["props"]["inviter_id"] == GONE  # another workspace
    assert got[900_007]["member_id"] is None
    assert _holding([r for r in engine.rows() if r["workspace_id"] == WS], GONE) == []


# --- the reports that read the inviter ------------------------------------------------------


def _top_inviters(facts: list[Fact], n: int) -> list[int]:
    counted = Counter(
        f.props["inviter_id"]
        for f in facts
        if f.workspace_id == WS and f.type == "invitation.joined" and f.props
    )
    return [m for m, _ in counted.most_common(n)]


def _plain_fission(facts: list[Fact], period: str, by: str) -> dict[tuple[date, int | None], dict[str, int]]:
    want = plain_fission(facts, period, by, FISSION_WINDOW)
    if by == "campaign":
        return want
    return {(p, None): want.get((p, None), ZERO) for p in periods(FISSION_WINDOW, period)}  # type: ignore[arg-type]


def test_fission_counts_what_it_may_and_names_no_erased_sharer(engine_kind: str, tmp_path: Path) -> None:
    """The sharers with the most friends are erased: their friends still count — joined,
    referred, invitations — but the sharers are no longer among the sharers (no id left
    to count them by), in the figures or in the drill-down."""
    facts = referrals() + generated()
    gone = _top_inviters(facts, 3)
    expected = facts
    for member in gone:
        expected = erased(expected, WS, member)
    engine = Engine(engine_kind, tmp_path)
    engine.append(facts)
    for member in gone:
        engine.erase(WS, member)
    reader = engine.reader()
    for period, by in (("week", "campaign"), ("total", "none")):
        want = _plain_fission(expected, period, by)
        assert want != _plain_fission(facts, period, by)  # the erasure shows in the figures
        got = _got(fission.fission(reader, WS, FISSION_WINDOW, period, by))  # type: ignore[arg-type]
        assert got == want, (engine_kind, period, by)
    bounds = FISSION_WINDOW.bounds()
    for who in ("sharers", "referred"):
        listed = fission.members_of(reader, WS, None, bounds["start"], bounds["end"], who)
        assert listed and not set(listed) & set(gone), who


def test_the_funnels_referred_a_friend_step_knows_no_erased_inviter(engine_kind: str, tmp_path: Path) -> None:
    facts = generated()
    gone = _top_inviters(facts, 4)
    expected = facts
    for member in gone:
        expected = erased(expected, WS, member)
    engine = Engine(engine_kind, tmp_path)
    engine.append(facts)
    for member in gone:
        engine.erase(WS, member)
    reader = engine.reader()
    for order in ORDERS:
        want = _plain(_walk(expected, AARRR, (), 14, order), len(AARRR))
        assert _figures(funnel(reader, WS, FUNNEL_WINDOW, AARRR, (), 14, order)) == want, order
    referred = member_ids(reader, WS, FUNNEL_WINDOW, len(AARRR))
    assert referred and not set(referred) & set(gone)
    anyone = member_ids(reader, WS, FUNNEL_WINDOW, 1)
    assert not set(anyone) & set(gone)
    # a funnel that starts with a friend joining: the inviters behind it, none erased
    inviters = member_ids(reader, WS, FUNNEL_WINDOW, 1, steps=(Step(FRIEND_JOINED), Step("order.paid")))
    assert inviters and not set(inviters) & set(gone)


# --- every field that names a member is known ------------------------------------------------


def test_every_event_field_that_names_a_member_is_a_column_or_cleared_by_erasure() -> None:
    """A declared event's field that names a member is the fact's member (a column), or
    one of MEMBER_PROPS, which erasure clears: a new field such as ``referrer_id`` must
    be added there (or be shown to name no member)."""
    import dataclasses

    from yutang.analytics import facts as facts_module
    from yutang.kit import discovery, events

    discovery.load()
    people = {"member", "inviter", "invitee", "referrer", "parent", "winner", "bidder", "sharer", "friend"}
    not_members = {"distributor_id"}  # a distributor's own id (distribution's row), not a member's
    for type_name, cls in events.CATALOGUE.items():
        if not cls.__module__.startswith("yutang."):
            continue
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name in not_members or not people & set(f.name.split("_")):
                continue
            assert f.name in facts_module._MEMBER or f.name in MEMBER_PROPS, (type_name, f.name)


# --- through the sync, and a rebuild from the database ---------------------------------------


async def _invited(engine: Any, tenant: Any, n: int) -> tuple[int, list[int]]:
    """An inviter and ``n`` friends, members made through the service, with the referral
    and auction events that name the inviter, as the domains emit them."""
    from tests.factories import in_tx, member
    from yutang.kit import events
    from yutang.referrals.events import InvitationJoined, InvitationRejected
    from yutang.rewards.events import AuctionBidPlaced, AuctionClosed

    inviter = await member(engine, tenant, phone="13900000000")
    friends = [await member(engine, tenant, phone=f"139000001{i:02d}") for i in range(n)]

    async def emit(ctx: Any) -> None:
        for i, friend in enumerate(friends):
            kind = InvitationRejected if i == 0 else InvitationJoined
            events.emit(
                ctx,
                kind(
                    invitation_id=50_000 + i,
                    campaign_id=60_000,
                    inviter_id=inviter,
                    invitee_id=friend,
                    reasons=[],
                ),
            )
        events.emit(
            ctx,
            AuctionBidPlaced(auction_id=70_000, member_id=friends[1], amount=10, outbid_member_id=inviter),
        )
        events.emit(ctx, AuctionClosed(auction_id=70_000, winner_member_id=inviter, amount=10))

    await in_tx(engine, tenant, emit)
    return inviter, friends


def _named(rows: list[dict[str, Any]], member: int) -> list[dict[str, Any]]:
    """The facts that name ``member``: as theirs, or in any field of props."""

    def held(value: Any) -> bool:
        if isinstance(value, dict):
            return any(held(v) for v in value.values())
        if isinstance(value, list):
            return any(held(v) for v in value)
        return not isinstance(value, bool) and value is not None and str(value) == str(member)

    return [r for r in rows if r["member_id"] == member or held(r["props"])]


async def _through_the_sync(
    engine: Any, tenant: Any, other_tenant: Any, target: store.Target, rows: Any
) -> None:
    from sqlalchemy import select

    from tests.factories import in_tx, member
    from yutang.analytics import sync
    from yutang.kit import events
    from yutang.kit.db import unit_of_work
    from yutang.models.platform import OutboxEvent
    from yutang.privacy import service as privacy
    from yutang.referrals.events import InvitationRevoked

    inviter, friends = await _invited(engine, tenant, 5)
    await member(engine, other_tenant, phone="13900000999")
    await sync.sync(engine, target)
    assert len(_named(rows(), inviter)) == 1 + 5 + 2  # their join; the friends' invitations; the auction's
    await in_tx(engine, tenant, lambda ctx: privacy.erase_member(ctx, inviter))
    assert (await sync.sync(engine, target)).erased == 1
    after = rows()
    assert _named(after, inviter) == []
    joined = [r for r in after if r["type"] == "invitation.joined"]
    assert sorted(r["member_id"] for r in joined) == sorted(friends[1:])  # the friends' facts stay theirs
    assert all(r["props"] == {"invitation_id": r["props"]["invitation_id"], "reasons": []} for r in joined)

    async def late(ctx: Any) -> None:  # a revocation of the erased inviter's, synced later
        events.emit(
            ctx, InvitationRevoked(invitation_id=50_009, campaign_id=60_000, inviter_id=inviter, reason="x")
        )

    await in_tx(engine, tenant, late)
    assert (await sync.sync(engine, target)).total == 1
    assert _named(rows(), inviter) == []
    # the outbox still says who invited whom (erasure leaves ids in the database); a
    # rebuild, which reads it again from the start, does not bring the inviter back
    async with unit_of_work(readonly=True, engine=engine) as s:
        payloads = (await s.scalars(select(OutboxEvent.payload))).all()
    assert sum(1 for p in payloads if (p or {}).get("inviter_id") == inviter) == 5 + 1
    before = rows()
    await sync.rebuild(engine, target)
    again = rows()
    assert _named(again, inviter) == []
    assert again == before


async def test_an_erased_inviter_stays_out_of_the_store_through_syncs_and_a_rebuild(
    engine: Any, tenant: Any, other_tenant: Any, tmp_path: Path
) -> None:
    target = store.DuckTarget(tmp_path / "analytics.duckdb")
    holder = Engine("duckdb", tmp_path)
    holder.path, holder.target = target.path, target
    await _through_the_sync(engine, tenant, other_tenant, target, holder.rows)


async def test_an_erased_inviter_stays_out_of_clickhouse_through_syncs_and_a_rebuild(
    engine: Any, tenant: Any, other_tenant: Any, tmp_path: Path
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the ClickHouse side is the same whatever the source database")
    holder = Engine("clickhouse", tmp_path)
    await _through_the_sync(engine, tenant, other_tenant, holder.target, holder.rows)
