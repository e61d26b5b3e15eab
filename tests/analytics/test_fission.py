"""Fission (and the value report through the API; the value formula's own tests are in
test_value.py), on DuckDB and on ClickHouse's engine, equal a plain computation
over generated facts: many campaigns and sharers, shares repeated, friends who join
twice (two campaigns, a repeated fact, held then approved) or were erased, erased
sharers, robots' clicks, days around Shanghai's midnight, another workspace."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.analytics.world import OTHER, WS, ZONE, Fact, generated, readers
from yutang.analytics import fission as fission_report
from yutang.analytics.revenue import periods
from yutang.analytics.window import Window

WINDOW = Window(date(2026, 10, 3), date(2026, 11, 5), ZONE)
BASE = datetime(2026, 10, 1, 16, 0, tzinfo=UTC)  # midnight in Shanghai
CAMPAIGNS = {WS: (101, 102, 103, 104), OTHER: (201, 202)}


def referrals(seed: int = 11) -> list[Fact]:
    """Sharers take part in campaigns (their own link), are clicked (by people and
    robots), bring friends; some friends were erased, some join through two campaigns
    or have their join recorded twice, some were held then approved or rejected, some
    qualify; some friends share in turn; some sharers were erased."""
    rng = random.Random(seed)
    out: list[Fact] = []
    ids = iter(range(10_000, 10**9))
    links = iter(range(5_000, 10**6))
    invitations = iter(range(70_000, 10**6))
    friends = iter(range(3_000, 10**6))

    def when() -> datetime:
        return BASE + timedelta(days=rng.randrange(-6, 44), minutes=rng.choice([-3, -1, 0, 1, 2, 600, 1300]))

    for ws, campaigns in CAMPAIGNS.items():
        sharers = list(range(1 if ws == WS else 400, 45 if ws == WS else 420))
        for member in sharers:
            for campaign in rng.sample(campaigns, rng.choice([1, 1, 2])):
                erased = rng.random() < 0.08
                link = next(links)
                took = when()
                out.append(
                    Fact(
                        next(ids),
                        ws,
                        "referral.participant_joined",
                        took,
                        member_id=None if erased else member,
                        campaign_id=campaign,
                        props={"participant_id": member * 10 + campaign % 10, "share_link_id": link},
                    )
                )
                for _ in range(rng.randrange(0, 6)):  # shares opened (several by one visitor)
                    out.append(
                        Fact(
                            next(ids),
                            ws,
                            "link.clicked",
                            took + timedelta(hours=rng.randrange(0, 400)),
                            visitor_id=f"v{rng.randrange(0, 30)}",
                            link_id=link,
                            is_bot=rng.random() < 0.15,
                        )
                    )
                for _ in range(rng.choice([0, 0, 1, 2, 3, 5])):
                    inv = next(invitations)
                    friend: int | None = next(friends) if rng.random() > 0.1 else None  # erased friend
                    if rng.random() < 0.1:  # a sharer of this workspace invited in turn
                        friend = rng.choice(sharers)
                    at = took + timedelta(hours=rng.randrange(1, 300), minutes=rng.choice([0, 1, -1]))
                    props = {"inviter_id": member, "invitation_id": inv, "reasons": []}
                    common: dict[str, Any] = {"member_id": friend, "campaign_id": campaign}
                    fate = rng.random()
                    if fate < 0.1:
                        out.append(Fact(next(ids), ws, "invitation.rejected", at, props=props, **common))
                        continue
                    if fate < 0.2:  # held, approved later
                        out.append(Fact(next(ids), ws, "invitation.held", at, props=props, **common))
                        at += timedelta(days=rng.randrange(1, 4))
                    out.append(Fact(next(ids), ws, "invitation.joined", at, props=props, **common))
                    if rng.random() < 0.1:  # the same join recorded twice
                        later = at + timedelta(days=rng.randrange(0, 3))
                        out.append(Fact(next(ids), ws, "invitation.joined", later, props=props, **common))
                    if friend is not None and rng.random() < 0.15:  # also through another campaign
                        other = rng.choice([c for c in campaigns if c != campaign])
                        again = at + timedelta(days=rng.randrange(-3, 5))
                        out.append(
                            Fact(
                                next(ids),
                                ws,
                                "invitation.joined",
                                again,
                                member_id=friend,
                                campaign_id=other,
                                props={
                                    "inviter_id": rng.choice(sharers),
                                    "invitation_id": next(invitations),
                                    "reasons": [],
                                },
                            )
                        )
                    if rng.random() < 0.5:
                        out.append(
                            Fact(
                                next(ids),
                                ws,
                                "invitation.qualified",
                                at + timedelta(days=rng.randrange(0, 6)),
                                member_id=member,
                                campaign_id=campaign,
                                props={"invitation_id": inv, "external_id": f"x{inv}"},
                            )
                        )
    return out


# --- the plain computation ---------------------------------------------------------------


def _period(at: datetime, period: str, window: Window = WINDOW) -> date:
    day = at.astimezone(ZoneInfo(ZONE)).date()
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return window.first if period == "total" else day


def _invitation(f: Fact) -> str:
    props = f.props or {}
    return str(props["invitation_id"]) if "invitation_id" in props else f"s:{f.source_id}"


def plain_fission(
    facts: list[Fact], period: str, by: str, window: Window = WINDOW
) -> dict[tuple[date, int | None], dict[str, int]]:
    start: datetime = window.bounds()["start"]
    end: datetime = window.bounds()["end"]
    mine = [f for f in facts if f.workspace_id == WS]

    def scope(campaign: int | None) -> int:
        return campaign if by == "campaign" and campaign is not None else 0

    link_campaign: dict[int, int] = {}
    link_sharer: dict[int, int] = {}
    for f in mine:
        if f.type == "referral.participant_joined" and f.campaign_id is not None:
            link = int((f.props or {})["share_link_id"])
            link_campaign[link] = min(link_campaign.get(link, f.campaign_id), f.campaign_id)
            if f.member_id is not None:
                link_sharer[link] = min(link_sharer.get(link, f.member_id), f.member_id)
    joins: dict[tuple[int, str], list[tuple[datetime, int | None]]] = defaultdict(list)
    first_friend: dict[tuple[int, str], datetime] = {}
    decided: dict[tuple[int, str], datetime] = {}
    qualified: dict[tuple[int, str], datetime] = {}
    referred_ever: set[tuple[int, str]] = set()
    for f in mine:
        if f.campaign_id is None:
            continue
        key = (scope(f.campaign_id), _invitation(f))
        if f.type == "invitation.joined":
            friend = str(f.member_id) if f.member_id is not None else f"i:{_invitation(f)}"
            joins[key].append((f.occurred_at, (f.props or {}).get("inviter_id")))
            fk = (scope(f.campaign_id), friend)
            first_friend[fk] = min(first_friend.get(fk, f.occurred_at), f.occurred_at)
            referred_ever.add(fk)
        if f.type in ("invitation.joined", "invitation.held", "invitation.rejected"):
            decided[key] = min(decided.get(key, f.occurred_at), f.occurred_at)
        if f.type == "invitation.qualified":
            qualified[key] = min(qualified.get(key, f.occurred_at), f.occurred_at)
    first_join = {
        key: (min(at for at, _ in seen), min((s for _, s in seen if s is not None), default=None))
        for key, seen in joins.items()
    }

    cells: dict[tuple[date, int], dict[str, Any]] = defaultdict(
        lambda: {
            "sharers": set(),
            "participants": set(),
            "inviting": set(),
            "clicks": 0,
            "invitations": 0,
            "joined": 0,
            "referred": 0,
            "qualified": 0,
        }
    )

    def inside(at: datetime) -> bool:
        return start <= at < end

    for f in mine:
        if not inside(f.occurred_at):
            continue
        if f.type == "referral.participant_joined" and f.campaign_id is not None and f.member_id is not None:
            cell = cells[(_period(f.occurred_at, period, window), scope(f.campaign_id))]
            cell["sharers"].add(f.member_id)
            cell["participants"].add(f.member_id)
        if f.type == "link.clicked" and not f.is_bot and f.link_id in link_campaign:
            cell = cells[(_period(f.occurred_at, period, window), scope(link_campaign[f.link_id]))]
            cell["clicks"] += 1
            if f.link_id in link_sharer:
                cell["sharers"].add(link_sharer[f.link_id])
    for (sc, _), (at, sharer) in first_join.items():
        if inside(at):
            cell = cells[(_period(at, period, window), sc)]
            cell["joined"] += 1
            if sharer is not None:
                cell["sharers"].add(sharer)
                cell["inviting"].add(sharer)
    for (sc, _), at in first_friend.items():
        if inside(at):
            cells[(_period(at, period, window), sc)]["referred"] += 1
    for (sc, _), at in decided.items():
        if inside(at):
            cells[(_period(at, period, window), sc)]["invitations"] += 1
    for (sc, _), at in qualified.items():
        if inside(at):
            cells[(_period(at, period, window), sc)]["qualified"] += 1
    out: dict[tuple[date, int | None], dict[str, int]] = {}
    for (p, sc), cell in cells.items():
        out[(p, sc if by == "campaign" else None)] = {
            "participants": len(cell["participants"]),
            "sharers": len(cell["sharers"]),
            "seed_sharers": sum(1 for s in cell["sharers"] if (sc, str(s)) not in referred_ever),
            "inviting_sharers": len(cell["inviting"]),
            "clicks": cell["clicks"],
            "invitations": cell["invitations"],
            "friends_joined": cell["joined"],
            "referred": cell["referred"],
            "qualified": cell["qualified"],
        }
    return out


def _got(rows: list[fission_report.FissionRow]) -> dict[tuple[date, int | None], dict[str, int]]:
    return {
        (r.period, r.campaign_id): {
            "participants": r.participants,
            "sharers": r.sharers,
            "seed_sharers": r.seed_sharers,
            "inviting_sharers": r.inviting_sharers,
            "clicks": r.clicks,
            "invitations": r.invitations,
            "friends_joined": r.friends_joined,
            "referred": r.referred,
            "qualified": r.qualified,
        }
        for r in rows
    }


ZERO = dict.fromkeys(
    (
        "participants",
        "sharers",
        "seed_sharers",
        "inviting_sharers",
        "clicks",
        "invitations",
        "friends_joined",
        "referred",
        "qualified",
    ),
    0,
)


@pytest.mark.parametrize(
    ("period", "by"), [("day", "none"), ("week", "campaign"), ("month", "none"), ("total", "campaign")]
)
def test_fission_is_what_the_facts_say_on_both_engines(tmp_path: Path, period: str, by: str) -> None:
    facts = referrals() + generated()
    want = plain_fission(facts, period, by)
    if by == "none":
        want = {(p, None): want.get((p, None), ZERO) for p in periods(WINDOW, period)}  # type: ignore[arg-type]
    totals = {k: sum(v[k] for v in want.values()) for k in ZERO}
    # the edges are there: friends counted once though joined twice, non-seed sharers, robots
    assert totals["friends_joined"] > 30 and totals["clicks"] > 30 and totals["qualified"] > 10
    assert any(v["seed_sharers"] < v["sharers"] for v in want.values())
    if by == "campaign":
        assert {k[1] for k in want} <= set(CAMPAIGNS[WS]) and len({k[1] for k in want}) == 4
    for reader in readers(tmp_path, facts):
        got = _got(fission_report.fission(reader, WS, WINDOW, period, by))  # type: ignore[arg-type]
        assert got == want, reader.dialect


def test_a_friend_through_two_campaigns_is_one_new_member_of_the_workspace(tmp_path: Path) -> None:
    at = BASE + timedelta(days=5)
    facts = [
        Fact(
            1, WS, "referral.participant_joined", at, member_id=1, campaign_id=101, props={"share_link_id": 9}
        ),
        Fact(
            2, WS, "referral.participant_joined", at, member_id=2, campaign_id=102, props={"share_link_id": 8}
        ),
        Fact(3, WS, "link.clicked", at, link_id=9, visitor_id="a"),
        Fact(4, WS, "link.clicked", at, link_id=9, visitor_id="b", is_bot=True),
        Fact(
            5,
            WS,
            "invitation.joined",
            at,
            member_id=50,
            campaign_id=101,
            props={"inviter_id": 1, "invitation_id": 1},
        ),
        Fact(
            6,
            WS,
            "invitation.joined",
            at,
            member_id=50,
            campaign_id=102,
            props={"inviter_id": 2, "invitation_id": 2},
        ),
        Fact(
            7,
            WS,
            "invitation.joined",
            at,
            member_id=51,
            campaign_id=101,
            props={"inviter_id": 1, "invitation_id": 3},
        ),
        Fact(
            8, WS, "invitation.joined", at, campaign_id=101, props={"inviter_id": 1, "invitation_id": 4}
        ),  # erased
        Fact(
            9,
            OTHER,
            "invitation.joined",
            at,
            member_id=60,
            campaign_id=201,
            props={"inviter_id": 7, "invitation_id": 5},
        ),
    ]
    window = Window(date(2026, 10, 1), date(2026, 10, 31), ZONE)
    for reader in readers(tmp_path, facts):
        (total,) = fission_report.fission(reader, WS, window, "total", "none")
        assert (total.sharers, total.friends_joined, total.referred, total.clicks) == (2, 4, 3, 1)
        assert total.k == 1.5 and total.friends_per_sharer == 2.0 and total.fission_rate == 1.5
        per = {r.campaign_id: r for r in fission_report.fission(reader, WS, window, "total", "campaign")}
        assert per[101].referred == 3 and per[102].referred == 1 and per[101].k == 3.0
        bounds = window.bounds()
        sharers = fission_report.members_of(reader, WS, 101, bounds["start"], bounds["end"], "sharers")
        referred = fission_report.members_of(reader, WS, None, bounds["start"], bounds["end"], "referred")
        assert sharers == [1] and referred == [50, 51]


# --- drill-down ---------------------------------------------------------------------------


@pytest.mark.parametrize("campaign", [101, 103, None])
def test_the_members_behind_a_campaigns_figures_on_both_engines(tmp_path: Path, campaign: int | None) -> None:
    facts = referrals() + generated()
    start, end = WINDOW.bounds()["start"], WINDOW.bounds()["end"]
    mine = [f for f in facts if f.workspace_id == WS and f.campaign_id is not None]
    ours = [f for f in mine if campaign is None or f.campaign_id == campaign]
    links = {
        int((f.props or {})["share_link_id"]): f.member_id
        for f in ours
        if f.type == "referral.participant_joined"
    }
    sharers: set[int] = set()
    first: dict[str, tuple[datetime, int | None]] = {}
    friends: dict[int, datetime] = {}
    for f in ours:
        if f.type == "referral.participant_joined" and f.member_id and start <= f.occurred_at < end:
            sharers.add(f.member_id)
        if f.type == "invitation.joined":
            key = _invitation(f)
            at = min(first[key][0], f.occurred_at) if key in first else f.occurred_at
            first[key] = (at, (f.props or {})["inviter_id"])  # one inviter an invitation
            if f.member_id is not None:
                friends[f.member_id] = min(friends.get(f.member_id, f.occurred_at), f.occurred_at)
    for f in facts:
        clicked = f.workspace_id == WS and f.type == "link.clicked" and not f.is_bot
        if clicked and f.link_id in links and start <= f.occurred_at < end:
            sharer = links[f.link_id]
            if sharer is not None:
                sharers.add(sharer)
    sharers |= {s for at, s in first.values() if start <= at < end and s is not None}
    referred = sorted(m for m, at in friends.items() if start <= at < end)
    assert sharers and referred
    for reader in readers(tmp_path, facts):
        assert fission_report.members_of(reader, WS, campaign, start, end, "sharers") == sorted(sharers)
        assert fission_report.members_of(reader, WS, campaign, start, end, "referred") == referred


# --- K per period, as the value formula reads it (tests/analytics/test_value.py) -----------


def _ks(facts: list[Fact], period: str, window: Window) -> dict[tuple[date, int | None], float | None]:
    cells = plain_fission(facts, period, "none", window)
    return {k: (v["referred"] / v["sharers"] if v["sharers"] else None) for k, v in cells.items()}


# --- through the API, from the referral service's own events ------------------------------


async def test_fission_and_value_through_the_api(
    client: Any, app: Any, engine: Any, tenant: Any, other_tenant: Any
) -> None:
    from tests.factories import in_tx, member
    from tests.referrals.conftest import make_campaign, take_part
    from yutang.analytics import sync
    from yutang.kit.context import Ctx
    from yutang.models.base import utcnow
    from yutang.models.links import Click
    from yutang.models.referrals import ReferralParticipant
    from yutang.referrals import service

    path = app.app.state.settings.resolved_analytics_path()
    path.unlink(missing_ok=True)
    counted = ("qualified", "rewarded")

    async def claim(t: Any, cid: int, member_id: int, code: str) -> str:
        async def go(ctx: Ctx) -> str:
            return (await service.claim_code(ctx, cid, member_id, code)).status

        return await in_tx(engine, t, go)

    async def clicks(t: Any, pid: int, bots: int, people: int) -> None:
        async def go(ctx: Ctx) -> None:
            link = (await ctx.session.get(ReferralParticipant, pid)).link_id  # type: ignore[union-attr]
            for n in range(bots + people):
                ctx.session.add(
                    Click(
                        workspace_id=ctx.workspace_id,
                        link_id=link,
                        occurred_at=utcnow(),
                        visitor_id=f"v{n}",
                        is_bot=n < bots,
                    )
                )

        await in_tx(engine, t, go)

    cid = await make_campaign(engine, tenant)
    seeds = [await member(engine, tenant, f"1380000000{i}") for i in range(3)]
    p1, code1 = await take_part(engine, tenant, cid, seeds[0])
    _, code2 = await take_part(engine, tenant, cid, seeds[1])
    await take_part(engine, tenant, cid, seeds[2])  # took part, brought nobody
    await clicks(tenant, p1, bots=1, people=2)
    friends = [await member(engine, tenant, f"1390000000{i}") for i in range(3)]
    assert await claim(tenant, cid, friends[0], code1) in counted
    assert await claim(tenant, cid, friends[1], code1) in counted
    assert await claim(tenant, cid, friends[2], code2) in counted
    elsewhere = await make_campaign(engine, other_tenant)
    them = await member(engine, other_tenant, "13700000000")
    pid, code = await take_part(engine, other_tenant, elsewhere, them)
    await clicks(other_tenant, pid, bots=0, people=5)
    await claim(other_tenant, elsewhere, await member(engine, other_tenant, "13700000001"), code)
    await sync.sync(engine, path)

    r = await client.get("/api/v1/reports/fission?period=day&by=campaign", headers=tenant.headers)
    assert r.status_code == 200, r.text
    total = r.json()["total"]
    assert (total["participants"], total["sharers"], total["seed_sharers"]) == (3, 3, 3)
    assert (total["clicks"], total["invitations"], total["friends_joined"], total["referred"]) == (2, 3, 3, 3)
    assert (total["qualified"], total["k"], total["friends_per_sharer"], total["fission_rate"]) == (
        3,
        1.0,
        1.5,
        1.0,
    )
    assert [c["campaign_id"] for c in r.json()["campaigns"]] == [cid]
    assert {row["campaign_id"] for row in r.json()["rows"]} == {cid}
    csv_text = await client.get("/api/v1/reports/fission?format=csv", headers=tenant.headers)
    assert csv_text.text.lstrip("\ufeff").startswith("period,campaign_id,participants,sharers")

    drill = await client.get(
        f"/api/v1/reports/fission/members?campaign_id={cid}&who=referred", headers=tenant.headers
    )
    assert drill.status_code == 200, drill.text
    assert drill.json()["count"] == 3 and sorted(m["id"] for m in drill.json()["data"]) == sorted(friends)
    shared = await client.get("/api/v1/reports/fission/members?who=sharers", headers=tenant.headers)
    assert sorted(m["id"] for m in shared.json()["data"]) == sorted(seeds)

    v = await client.get("/api/v1/reports/value?period=day&k_change=50&aov_change=10", headers=tenant.headers)
    assert v.status_code == 200, v.text
    last = v.json()["rows"][-1]
    assert last["customers"] == 6 and last["k"] == 1.0 and last["fission_coefficient"] == 2.0
    # nobody has been a member for a year: no LTV yet, so no value (not zero), and why
    assert last["ltv_cents"] is None and last["value_cents"] is None and last["steady_value_cents"] is None
    assert last["ltv_missing"] == "no_old_cohort" and last["ltv_members"] == 0
    assert v.json()["ltv_months"] == 12
    assert v.json()["what_if"]["changed"]["k"] == 1.5 and v.json()["what_if"]["value_change"] is None
    for bad in ("k_change=-101", "ltv_months=0", "ltv_months=37", "period=year"):
        assert (await client.get(f"/api/v1/reports/value?{bad}", headers=tenant.headers)).status_code == 422
    csv_value = await client.get("/api/v1/reports/value?format=csv", headers=tenant.headers)
    assert csv_value.text.lstrip("\ufeff").startswith("period,as_of,customers")


def test_the_command_line_takes_the_apis_parameters_and_bounds() -> None:
    import typer

    from yutang.analytics.report_cli import parse

    assert parse("value", ["k_change=10", "ltv_months=6", "period=week"]) == {
        "k_change": 10.0,
        "ltv_months": 6,
        "period": "week",
    }
    assert parse("fission", ["by=campaign"]) == {"by": "campaign"}
    for bad in (["k_change=-200"], ["ltv_months=0"], ["ltv_days=365"], ["by=planet"]):
        with pytest.raises(typer.BadParameter):
            parse("value" if "by" not in bad[0] else "fission", bad)
