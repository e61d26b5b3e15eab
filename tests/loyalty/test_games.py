"""Lotteries and points auctions: stock never negative, limits, what decided a draw,
exactly one holder among simultaneous bids, the winner charged at close."""

from __future__ import annotations

import asyncio
import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.factories import in_tx, new_member
from tests.loyalty.conftest import entries, give, state
from yutang.coupons import service as coupons
from yutang.kit.db import unit_of_work
from yutang.kit.errors import YutangError
from yutang.loyalty import service as points
from yutang.models.rewards import AuctionBid, LotteryDraw, LotteryPrize
from yutang.rewards import auctions, lottery

NOW = datetime.now(UTC)


async def make_lottery(
    engine: AsyncEngine, tenant: Tenant, *, stock: int | None = 2, daily: int | None = None
) -> int:
    async def make(c):
        tpl = await coupons.create_template(
            c, {"name": "9折", "kind": "percent_off", "value": 10, "valid_days": 7}
        )
        lot = await lottery.create_lottery(
            c,
            {"name": "幸运大转盘", "points_per_draw": 10, "daily_limit": daily},
            [
                {"name": "100 points", "kind": "points", "points": 100, "probability_bp": 1000},
                {"name": "coupon", "kind": "coupon", "coupon_template_id": tpl.id, "probability_bp": 2000},
                {"name": "AirPods", "kind": "gift", "probability_bp": 500, "stock": stock},
            ],
        )
        return lot.id

    return await in_tx(engine, tenant, make)


async def test_draws_record_what_decided_them(engine: AsyncEngine, tenant: Tenant):
    lid = await make_lottery(engine, tenant)
    mid = await new_member(engine, tenant)
    await in_tx(engine, tenant, lambda c: points.earn(c, mid, 100))
    rolls = iter([500, 2500, 3200, 9999])  # points, coupon, gift, nothing

    results = []
    for _ in range(4):
        results.append(
            await in_tx(engine, tenant, lambda c: lottery.draw(c, lid, mid, roll=lambda: next(rolls)))
        )
    assert [d.outcome for d in results] == ["won", "won", "won", "no_prize"]
    assert [d.roll for d in results] == [500, 2500, 3200, 9999]
    assert results[0].award_ref.startswith("points_entry:")  # type: ignore[union-attr]
    assert results[1].award_ref.startswith("coupon:")  # type: ignore[union-attr]
    assert results[2].award_ref == "gift:AirPods"
    assert [(r["from"], r["to"]) for r in results[0].table] == [(0, 1000), (1000, 3000), (3000, 3500)]
    assert results[3].table[2]["stock_left"] == 1
    assert (await state(engine, mid)) == (100 - 40 + 100, 0, [])


async def test_prize_stock_never_goes_negative(engine: AsyncEngine, tenant: Tenant):
    lid = await make_lottery(engine, tenant, stock=2)
    ids = [await new_member(engine, tenant, f"C{i}") for i in range(8)]
    for mid in ids:
        await give(engine, tenant, mid, 10)

    async def one(mid: int) -> str:
        d = await in_tx(
            engine, tenant, lambda c: lottery.draw(c, lid, mid, roll=lambda: 3100)
        )  # always AirPods
        return d.outcome

    outcomes = await asyncio.gather(*(one(m) for m in ids))
    assert sorted(outcomes) == ["out_of_stock"] * 6 + ["won"] * 2
    async with unit_of_work(readonly=True, engine=engine) as s:
        prize = await s.scalar(select(LotteryPrize).where(LotteryPrize.name == "AirPods"))
        assert prize is not None and (prize.awarded_count, prize.stock) == (2, 2)


async def test_daily_limit_and_points_per_draw(engine: AsyncEngine, tenant: Tenant):
    lid = await make_lottery(engine, tenant, daily=2)
    mid = await new_member(engine, tenant)
    await in_tx(engine, tenant, lambda c: points.earn(c, mid, 25))
    day = datetime(2026, 7, 1, 2, tzinfo=UTC)  # 10:00 in Shanghai
    for _ in range(2):
        await in_tx(engine, tenant, lambda c: lottery.draw(c, lid, mid, roll=lambda: 9999, now=day))
    with pytest.raises(YutangError) as err:
        await in_tx(engine, tenant, lambda c: lottery.draw(c, lid, mid, roll=lambda: 9999, now=day))
    assert err.value.code == "draw_limit_reached"
    # The next local day (00:30 in Shanghai) the member may draw again — but has 5 points left.
    with pytest.raises(YutangError) as err:
        await in_tx(
            engine,
            tenant,
            lambda c: lottery.draw(c, lid, mid, roll=lambda: 9999, now=day + timedelta(hours=14, minutes=30)),
        )
    assert err.value.code == "insufficient_points"
    async with unit_of_work(readonly=True, engine=engine) as s:
        assert len((await s.scalars(select(LotteryDraw))).all()) == 2


async def test_draw_frequencies_follow_the_probabilities(engine: AsyncEngine, tenant: Tenant):
    lid = await make_lottery(engine, tenant, stock=None)
    mid = await new_member(engine, tenant)
    await in_tx(engine, tenant, lambda c: points.earn(c, mid, 10 * 250))
    rng = random.Random(7)
    outcomes = []
    for _ in range(250):
        d = await in_tx(
            engine, tenant, lambda c: lottery.draw(c, lid, mid, roll=lambda: rng.randrange(10_000))
        )
        outcomes.append(d.prize_id)
    won = sum(1 for o in outcomes if o is not None)
    assert 55 <= won <= 120  # 35 % of 250 ≈ 88; ± 4 standard deviations


async def test_bad_lotteries(engine: AsyncEngine, tenant: Tenant):
    with pytest.raises(YutangError) as err:
        await in_tx(
            engine,
            tenant,
            lambda c: lottery.create_lottery(
                c,
                {"name": "x"},
                [
                    {"name": "a", "kind": "gift", "probability_bp": 6000},
                    {"name": "b", "kind": "gift", "probability_bp": 5000},
                ],
            ),
        )
    assert err.value.code == "invalid_lottery"


# --- auctions -------------------------------------------------------------------------------


async def make_auction(engine: AsyncEngine, tenant: Tenant, minutes: int = 60) -> int:
    async def make(c):
        a = await auctions.create_auction(
            c,
            {
                "name": "限量香水",
                "starts_at": NOW - timedelta(minutes=1),
                "ends_at": NOW + timedelta(minutes=minutes),
                "min_bid": 100,
                "increment": 10,
            },
        )
        return a.id

    return await in_tx(engine, tenant, make)


async def test_outbid_releases_points_winner_charged_at_close(engine: AsyncEngine, tenant: Tenant):
    aid = await make_auction(engine, tenant)
    a, b = await new_member(engine, tenant, "A"), await new_member(engine, tenant, "B")
    for m in (a, b):
        await give(engine, tenant, m, 500, expires_at=NOW + timedelta(days=30))
    with pytest.raises(YutangError) as err:
        await in_tx(engine, tenant, lambda c: auctions.bid(c, aid, a, 99))
    assert err.value.code == "bid_too_low"
    await in_tx(engine, tenant, lambda c: auctions.bid(c, aid, a, 100))
    assert (await state(engine, a))[0] == 400
    with pytest.raises(YutangError) as err:
        await in_tx(engine, tenant, lambda c: auctions.bid(c, aid, b, 105))
    assert err.value.details == {"minimum": 110}
    await in_tx(engine, tenant, lambda c: auctions.bid(c, aid, b, 150))
    assert (await state(engine, a)) == (500, 0, [])  # released, into its lot
    assert (await state(engine, b))[0] == 350
    with pytest.raises(YutangError) as err:
        await in_tx(engine, tenant, lambda c: auctions.close(c, aid))
    assert err.value.code == "auction_not_ended"
    closed = await in_tx(engine, tenant, lambda c: auctions.close(c, aid, now=NOW + timedelta(hours=2)))
    assert (closed.status, closed.leader_member_id, closed.leading_bid) == ("closed", b, 150)
    with pytest.raises(YutangError) as err:
        await in_tx(engine, tenant, lambda c: auctions.bid(c, aid, a, 500))
    assert err.value.code == "auction_closed"
    assert (await state(engine, b)) == (350, 0, [])
    assert [e.kind for e in await entries(engine, a)] == ["earn", "hold", "unhold"]


async def test_simultaneous_bids_leave_exactly_one_holder(engine: AsyncEngine, tenant: Tenant):
    aid = await make_auction(engine, tenant)
    ids = [await new_member(engine, tenant, f"M{i}") for i in range(10)]
    for m in ids:
        await give(engine, tenant, m, 1000)
    amounts = itertools.count(100, 10)

    async def one(mid: int, amount: int) -> str:
        try:
            await in_tx(engine, tenant, lambda c: auctions.bid(c, aid, mid, amount))
            return "ok"
        except YutangError as exc:
            return exc.code

    results = await asyncio.gather(*(one(m, next(amounts)) for m in ids))
    assert "ok" in results and set(results) <= {"ok", "bid_too_low"}
    async with unit_of_work(readonly=True, engine=engine) as s:
        bids = (await s.scalars(select(AuctionBid).order_by(AuctionBid.id))).all()
    assert [b.status for b in bids].count("leading") == 1
    holders = [m for m in ids if (await state(engine, m))[0] < 1000]
    assert len(holders) == 1
    leader = next(b for b in bids if b.status == "leading")
    assert holders == [leader.member_id]
    assert (await state(engine, leader.member_id))[0] == 1000 - leader.amount
    assert [(await state(engine, m))[2] for m in ids] == [[]] * len(ids)


async def test_a_bid_without_enough_points_changes_nothing(engine: AsyncEngine, tenant: Tenant):
    aid = await make_auction(engine, tenant)
    a, b = await new_member(engine, tenant, "A"), await new_member(engine, tenant, "B")
    await in_tx(engine, tenant, lambda c: points.earn(c, a, 300))
    await in_tx(engine, tenant, lambda c: points.earn(c, b, 50))
    await in_tx(engine, tenant, lambda c: auctions.bid(c, aid, a, 100))
    with pytest.raises(YutangError) as err:
        await in_tx(engine, tenant, lambda c: auctions.bid(c, aid, b, 120))
    assert err.value.code == "insufficient_points"
    assert (await state(engine, a))[0] == 200  # still the holder
    cancelled = await in_tx(engine, tenant, lambda c: auctions.cancel(c, aid, "supplier fell through"))
    assert cancelled.status == "cancelled"
    assert (await state(engine, a)) == (300, 0, [])


async def test_a_lottery_that_ends_before_it_starts_is_refused(client, tenant: Tenant):
    """It was accepted and could never be drawn."""
    body = {
        "name": "双十一转盘",
        "starts_at": "2026-11-11T00:00:00+08:00",
        "ends_at": "2026-11-10T00:00:00+08:00",
        "prizes": [{"name": "10 points", "kind": "points", "points": 10, "probability_bp": 5000}],
    }
    r = await client.post("/api/v1/lotteries", json=body, headers=tenant.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "validation_error")
