"""Commission plans and distributor levels change through PATCH: the new rates and bonus
pay on orders paid from then on, and the commissions already recorded — rows and ledger —
stay exactly as they were earned. A refused change writes nothing; another workspace's
plan or level is not found; only roles that may create one may change it."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, add_key
from tests.distribution.conftest import appoint, bind, commissions_of, dist, plan
from tests.factories import in_tx, member, order
from yutang.distribution import service
from yutang.kit.context import Ctx
from yutang.kit.db import unit_of_work
from yutang.models.distribution import Commission, CommissionEntry
from yutang.models.platform import AuditEntry

API = "/api/v1/distribution"


async def _team(engine: AsyncEngine, tenant: Tenant) -> tuple[int, int, int]:
    """A recruiter, the distributor they recruited, and a customer bound to the latter."""
    top = (await appoint(engine, tenant, await member(engine, tenant, "13800000001"))).id
    below = (await appoint(engine, tenant, await member(engine, tenant, "13800000002"), top)).id
    buyer = await member(engine, tenant, "13900000001")
    await bind(engine, tenant, buyer, below)
    return top, below, buyer


async def _recorded(engine: AsyncEngine) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every commission and every ledger entry, as plain values."""
    async with unit_of_work(readonly=True, engine=engine) as s:
        rows = (await s.scalars(select(Commission).order_by(Commission.id))).all()
        entries = (await s.scalars(select(CommissionEntry).order_by(CommissionEntry.id))).all()
        return (
            [
                (
                    c.id,
                    c.order_id,
                    c.distributor_id,
                    c.level,
                    c.base_cents,
                    c.amount_cents,
                    c.status,
                    c.detail,
                )
                for c in rows
            ],
            [
                (e.id, e.distributor_id, e.kind, e.pending_delta, e.available_delta, e.commission_id)
                for e in entries
            ],
        )


async def _audited(engine: AsyncEngine, action: str) -> list[dict[str, Any]]:
    async with unit_of_work(readonly=True, engine=engine) as s:
        rows = await s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
        return [dict(a.changes) for a in rows.all()]


async def test_a_plan_change_pays_orders_from_then_on_and_leaves_recorded_commissions(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    made = await plan(engine, tenant, [1000, 500])  # 10 % and 5 %
    top, below, buyer = await _team(engine, tenant)
    before = await order(engine, tenant, buyer, 20_000)
    assert [c.amount_cents for c in await commissions_of(engine, before)] == [2000, 1000]
    recorded = await _recorded(engine)

    r = await client.patch(
        f"{API}/plans/{made}", json={"name": "全店 2.0", "rates": [1500, 200]}, headers=tenant.headers
    )
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["rates"], r.json()["kind"], r.json()["active"]) == (
        "全店 2.0",
        [1500, 200],
        "percent",
        True,
    )
    assert await _recorded(engine) == recorded  # the change itself writes no commission
    after = await order(engine, tenant, buyer, 20_000)
    assert [c.amount_cents for c in await commissions_of(engine, after)] == [3000, 400]
    commissions, entries = await _recorded(engine)
    # What was recorded before the change is untouched, rows and ledger alike.
    assert commissions[: len(recorded[0])] == recorded[0]
    assert entries[: len(recorded[1])] == recorded[1]
    assert [c.amount_cents for c in await commissions_of(engine, before)] == [2000, 1000]
    assert ((await dist(engine, below)).pending_cents, (await dist(engine, top)).pending_cents) == (
        5000,
        1400,
    )

    # Switched off, the plan pays nothing more; the commissions it paid stay.
    off = await client.patch(
        f"{API}/plans/{made}", json={"active": False, "name": None}, headers=tenant.headers
    )
    assert off.status_code == 200 and off.json()["active"] is False and off.json()["name"] == "全店 2.0"
    assert await commissions_of(engine, await order(engine, tenant, buyer, 20_000)) == []
    assert (await dist(engine, below)).pending_cents == 5000
    # A change of kind alone is checked with the rates the plan has: 15 yuan a unit is fine.
    fixed = await client.patch(f"{API}/plans/{made}", json={"kind": "fixed"}, headers=tenant.headers)
    assert fixed.status_code == 200 and fixed.json()["rates"] == [1500, 200]
    assert await _audited(engine, "commission_plan.updated") == [
        {
            "name": "全店 2.0",
            "rates": [1500, 200],
            "kind": "percent",
            "before": {"name": "默认", "rates": [1000, 500], "kind": "percent"},
        },
        {"active": False, "before": {"active": True}},
        {"kind": "fixed", "rates": [1500, 200], "before": {"kind": "percent", "rates": [1500, 200]}},
    ]


async def test_a_level_change_pays_its_bonus_from_then_on_and_keeps_its_rank_free(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    async def ladder(ctx: Ctx) -> tuple[int, int]:
        first = await service.create_level(ctx, {"name": "铜牌", "rank": 1, "bonus_bp": 100})
        second = await service.create_level(ctx, {"name": "金牌", "rank": 5, "min_team_size": 50})
        return first.id, second.id

    bronze, gold = await in_tx(engine, tenant, ladder)
    await plan(engine, tenant, [1000])
    _, below, buyer = await _team(engine, tenant)
    assert (await dist(engine, below)).level_id == bronze
    before = await order(engine, tenant, buyer, 10_000)
    assert [c.amount_cents for c in await commissions_of(engine, before)] == [1100]  # 10 % + 1 %
    recorded = await _recorded(engine)

    r = await client.patch(
        f"{API}/levels/{bronze}",
        json={"name": "铜牌推广员", "bonus_bp": 300, "min_team_sales_cents": 100},
        headers=tenant.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "id": bronze,
        "name": "铜牌推广员",
        "rank": 1,
        "min_team_size": 0,
        "min_team_sales_cents": 100,
        "bonus_bp": 300,
    }
    after = await order(engine, tenant, buyer, 10_000)
    assert [c.amount_cents for c in await commissions_of(engine, after)] == [1300]  # 10 % + 3 %
    commissions, entries = await _recorded(engine)
    assert commissions[: len(recorded[0])] == recorded[0] and entries[: len(recorded[1])] == recorded[1]
    assert (await dist(engine, below)).level_id == bronze  # nobody moved

    taken = await client.patch(
        f"{API}/levels/{bronze}", json={"rank": 5, "name": "x"}, headers=tenant.headers
    )
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "level_taken"
    moved = await client.patch(f"{API}/levels/{gold}", json={"rank": 2}, headers=tenant.headers)
    assert moved.status_code == 200 and moved.json()["rank"] == 2
    levels = (await client.get(f"{API}/levels", headers=tenant.headers)).json()["data"]
    assert [(lv["name"], lv["rank"]) for lv in levels] == [("铜牌推广员", 1), ("金牌", 2)]
    assert await _audited(engine, "distributor_level.updated") == [
        {
            "name": "铜牌推广员",
            "bonus_bp": 300,
            "min_team_sales_cents": 100,
            "before": {"name": "铜牌", "bonus_bp": 100, "min_team_sales_cents": 0},
        },
        {"rank": 2, "before": {"rank": 5}},
    ]


#: Changes refused, each with its answer: the create's checks, the bounds, unknown fields.
REFUSED: list[tuple[str, dict[str, Any], int, str]] = [
    ("plans", {"rates": [1000, 500, 200]}, 400, "third_level_forbidden"),
    ("plans", {"rates": [3000, 3000]}, 400, "invalid_rate"),
    ("plans", {"rates": [0]}, 400, "invalid_rate"),
    ("plans", {"kind": "fixed", "rates": [200_000_000]}, 400, "invalid_rate"),
    ("plans", {"rates": []}, 422, "validation_error"),
    ("plans", {"rates": ["1000"]}, 422, "validation_error"),
    ("plans", {"name": ""}, 422, "validation_error"),
    ("plans", {"active": "no"}, 422, "validation_error"),
    ("plans", {"default": True}, 422, "validation_error"),
    ("levels", {"bonus_bp": 5001}, 422, "validation_error"),
    ("levels", {"rank": 0}, 422, "validation_error"),
    ("levels", {"min_team_size": "5"}, 422, "validation_error"),
    ("levels", {"min_team_sales_cents": 10**13}, 422, "validation_error"),
    ("levels", {"workspace_id": 2}, 422, "validation_error"),
]


async def test_a_refused_change_writes_nothing(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    fixed = await plan(engine, tenant, [150_000], kind="fixed")  # ¥1,500 a unit
    made = await plan(engine, tenant, [1000, 500])

    async def level(ctx: Ctx) -> int:
        return (await service.create_level(ctx, {"name": "铜牌", "rank": 1, "bonus_bp": 100})).id

    ids = {"plans": made, "levels": await in_tx(engine, tenant, level)}
    plans = (await client.get(f"{API}/plans", headers=tenant.headers)).json()
    levels = (await client.get(f"{API}/levels", headers=tenant.headers)).json()
    for what, body, status, code in [
        *REFUSED,
        # A plan's rates are checked with the kind it would have: 1,500 yuan is no percentage.
        ("plans", {"kind": "percent", "name": "改"}, 400, "invalid_rate"),
    ]:
        target = fixed if body.get("name") == "改" else ids[what]
        r = await client.patch(f"{API}/{what}/{target}", json=body, headers=tenant.headers)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), (what, body)
    assert (await client.get(f"{API}/plans", headers=tenant.headers)).json() == plans
    assert (await client.get(f"{API}/levels", headers=tenant.headers)).json() == levels
    assert await _audited(engine, "commission_plan.updated") == []
    assert await _audited(engine, "distributor_level.updated") == []


async def test_another_workspaces_plan_or_level_is_not_found_and_readers_may_not_change_one(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    theirs = await plan(engine, other_tenant, [500])

    async def level(ctx: Ctx) -> int:
        return (await service.create_level(ctx, {"name": "银牌", "rank": 1})).id

    their_level = await in_tx(engine, other_tenant, level)
    r = await client.patch(f"{API}/plans/{theirs}", json={"rates": [4000]}, headers=tenant.headers)
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_commission_plan"
    r = await client.patch(f"{API}/levels/{their_level}", json={"bonus_bp": 900}, headers=tenant.headers)
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_distributor_level"
    r = await client.patch(f"{API}/levels/999999", json={"bonus_bp": 900}, headers=tenant.headers)
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_distributor_level"
    mine = await plan(engine, tenant, [1000])
    my_level = await in_tx(engine, tenant, level)
    for role in ("analyst", "staff"):
        headers = await add_key(engine, tenant, role)
        assert (
            await client.patch(f"{API}/plans/{mine}", json={"rates": [4000]}, headers=headers)
        ).status_code == 403
        r = await client.patch(f"{API}/levels/{my_level}", json={"bonus_bp": 900}, headers=headers)
        assert r.status_code == 403, role
    assert [
        p["rates"] for p in (await client.get(f"{API}/plans", headers=other_tenant.headers)).json()["data"]
    ] == [[500]]
    assert [
        p["rates"] for p in (await client.get(f"{API}/plans", headers=tenant.headers)).json()["data"]
    ] == [[1000]]
    levels = (await client.get(f"{API}/levels", headers=other_tenant.headers)).json()["data"]
    assert [lv["bonus_bp"] for lv in levels] == [0]
    assert await _audited(engine, "commission_plan.updated") == []
    assert await _audited(engine, "distributor_level.updated") == []
