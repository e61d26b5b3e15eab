"""HTTP API of the rewards catalog, lotteries and points auctions.

Every POST that moves value (redeem, draw, bid) takes an ``Idempotency-Key``: a
retried request replays the first answer.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Query

from yutang.auth.dependencies import idempotent, require
from yutang.kit.context import Ctx
from yutang.kit.http import api_router
from yutang.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, page_of
from yutang.kit.schemas import ParamId, ReasonIn
from yutang.members import service as members
from yutang.models.rewards import Lottery
from yutang.rewards import auctions, lottery, repository
from yutang.rewards import service as rewards
from yutang.rewards.schemas import (
    AuctionIn,
    AuctionOut,
    BidIn,
    BidOut,
    DrawIn,
    DrawOut,
    LotteryIn,
    LotteryOut,
    LotteryPatch,
    PrizeOut,
    RedeemRewardIn,
    RedemptionOut,
    RestockIn,
    RewardIn,
    RewardOut,
    RewardPatch,
)

router = api_router(prefix="/api/v1")


# --- rewards --------------------------------------------------------------------------------


@router.post("/rewards", tags=["rewards"], status_code=201, response_model=RewardOut)
async def create_reward(body: RewardIn, ctx: Ctx = Depends(require("loyalty:manage"))) -> RewardOut:
    """Add a reward to the catalog: a gift, or a coupon of `coupon_template_id`, for `points_cost`
    points each, with optional stock (`null`: unlimited), per-member limit and sale window.
    `invalid_amount` (cost under 1), `invalid_reward` (coupon without template),
    `unknown_coupon_template`."""
    return RewardOut.model_validate(await rewards.create_reward(ctx, body.model_dump()))


@router.get("/rewards", tags=["rewards"], response_model=Page[RewardOut])
async def list_rewards(
    ctx: Ctx = Depends(require("members:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[RewardOut]:
    """The rewards catalog, oldest first, with price in points and stock."""
    rows = await repository.rewards(ctx.session, ctx.workspace_id)
    return Page[RewardOut].of(rows, cursor, limit, RewardOut.model_validate)


@router.patch("/rewards/{reward_id}", tags=["rewards"], response_model=RewardOut)
async def update_reward(
    reward_id: ParamId, body: RewardPatch, ctx: Ctx = Depends(require("loyalty:manage"))
) -> RewardOut:
    """Rename or reprice a reward, change its per-member limit or end, or take it off sale
    (`active: false`). Only fields sent change; `valid_until: null` removes the end, other `null`s
    are ignored. Stock moves through `/restock`. `unknown_reward`."""
    values = {
        k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None or k == "valid_until"
    }
    return RewardOut.model_validate(await rewards.update_reward(ctx, reward_id, values))


@router.post("/rewards/{reward_id}/restock", tags=["rewards"], response_model=RewardOut)
async def restock(
    reward_id: ParamId, body: RestockIn, ctx: Ctx = Depends(idempotent("loyalty:manage"))
) -> RewardOut:
    """Add units to a reward's stock, or remove them with a negative `delta`; stock never goes below
    zero (`out_of_stock`). `unlimited_stock` for a reward without a stock count, `unknown_reward`."""
    return RewardOut.model_validate(await rewards.restock(ctx, reward_id, body.delta))


@router.post("/rewards/{reward_id}/redeem", tags=["rewards"], status_code=201, response_model=RedemptionOut)
async def redeem_reward(
    reward_id: ParamId, body: RedeemRewardIn, ctx: Ctx = Depends(idempotent("points:write"))
) -> RedemptionOut:
    """Buy the reward with points: stock and points move together or not at all."""
    done = await rewards.redeem(ctx, reward_id, body.member_id, body.quantity)
    return RedemptionOut.model_validate(done)


@router.get("/redemptions", tags=["rewards"], response_model=Page[RedemptionOut])
async def list_redemptions(
    ctx: Ctx = Depends(require("members:read")),
    reward_id: ParamId | None = None,
    member_id: ParamId | None = None,
    status: Annotated[Literal["completed", "cancelled"] | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[RedemptionOut]:
    """Redemptions of rewards, newest first: of one reward, of one member, `completed` or
    `cancelled` (points and stock given back). Store staff see their own members' only."""
    rows = await repository.redemptions(
        ctx.session,
        ctx.workspace_id,
        cursor,
        limit,
        reward_id=reward_id,
        member_id=member_id,
        status=status,
        members=members.visible(ctx),
    )
    items, nxt = page_of(rows, limit, lambda r: r.id)
    return Page[RedemptionOut](data=[RedemptionOut.model_validate(r) for r in items], next_cursor=nxt)


@router.post("/redemptions/{redemption_id}/cancel", tags=["rewards"], response_model=RedemptionOut)
async def cancel_redemption(
    redemption_id: ParamId, body: ReasonIn, ctx: Ctx = Depends(idempotent("loyalty:manage"))
) -> RedemptionOut:
    """Points back into their lots, stock back, coupons voided."""
    done = await rewards.cancel(ctx, redemption_id, body.reason)
    return RedemptionOut.model_validate(done)


# --- lotteries ------------------------------------------------------------------------------


async def _lottery_out(ctx: Ctx, lot: Lottery) -> LotteryOut:
    return LotteryOut(
        id=lot.id,
        name=lot.name,
        points_per_draw=lot.points_per_draw,
        daily_limit=lot.daily_limit,
        starts_at=lot.starts_at,
        ends_at=lot.ends_at,
        active=lot.active,
        prizes=[PrizeOut.model_validate(p) for p in await lottery.prizes_of(ctx, lot.id)],
    )


@router.post("/lotteries", tags=["lotteries"], status_code=201, response_model=LotteryOut)
async def create_lottery(body: LotteryIn, ctx: Ctx = Depends(require("loyalty:manage"))) -> LotteryOut:
    """Create a lottery and its prize table: each prize's chance in 1/10,000 (together at most
    10,000; the rest draws no prize), its stock and award (points, a coupon, a gift).
    `invalid_lottery`, `invalid_amount` (negative `points_per_draw`), `unknown_coupon_template`."""
    data: dict[str, Any] = body.model_dump(exclude={"prizes"})
    made = await lottery.create_lottery(ctx, data, [p.model_dump() for p in body.prizes])
    return await _lottery_out(ctx, made)


@router.get("/lotteries/{lottery_id}", tags=["lotteries"], response_model=LotteryOut)
async def get_lottery(lottery_id: ParamId, ctx: Ctx = Depends(require("members:read"))) -> LotteryOut:
    """One lottery with its prizes in table order, each with its stock and how many were awarded.
    `unknown_lottery`."""
    return await _lottery_out(ctx, await lottery.get_lottery(ctx, lottery_id))


@router.patch("/lotteries/{lottery_id}", tags=["lotteries"], response_model=LotteryOut)
async def update_lottery(
    lottery_id: ParamId, body: LotteryPatch, ctx: Ctx = Depends(require("loyalty:manage"))
) -> LotteryOut:
    """Change a lottery; only fields sent change. `null` removes the daily limit, the start or
    the end and leaves any other field as it is. Name, points per draw, daily limit and dates apply
    to draws from now on; `active: false` stops drawing (`lottery_closed`) until it is `true` again,
    and an `ends_at` in the past ends it. `prizes` replaces the whole prize table, only while nobody
    has drawn: after the first draw it answers 409 `lottery_has_draws` (a draw keeps the table it
    was read against). `invalid_lottery`, `invalid_amount`, `unknown_coupon_template`,
    `unknown_lottery`."""
    made = await lottery.update_lottery(ctx, lottery_id, body.changes(), body.prize_table())
    return await _lottery_out(ctx, made)


@router.post("/lotteries/{lottery_id}/draws", tags=["lotteries"], status_code=201, response_model=DrawOut)
async def draw(lottery_id: ParamId, body: DrawIn, ctx: Ctx = Depends(idempotent("points:write"))) -> DrawOut:
    """One draw for the member: the roll and the prize table it was read against are kept."""
    done = await lottery.draw(ctx, lottery_id, body.member_id)
    return DrawOut.model_validate(done)


# --- auctions -------------------------------------------------------------------------------


@router.post("/auctions", tags=["auctions"], status_code=201, response_model=AuctionOut)
async def create_auction(body: AuctionIn, ctx: Ctx = Depends(require("loyalty:manage"))) -> AuctionOut:
    """Create a points auction open from `starts_at` to `ends_at`: the first bid is at least
    `min_bid`, each later one beats the leader by `increment`. `invalid_amount` (minimum or
    increment under 1), `invalid_auction` (ends before it starts)."""
    return AuctionOut.model_validate(await auctions.create_auction(ctx, body.model_dump()))


@router.get("/auctions", tags=["auctions"], response_model=Page[AuctionOut])
async def list_auctions(
    ctx: Ctx = Depends(require("members:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[AuctionOut]:
    """Points auctions, newest first."""
    rows = await repository.auctions(ctx.session, ctx.workspace_id, cursor, limit)
    items, nxt = page_of(rows, limit, lambda a: a.id)
    return Page[AuctionOut](data=[AuctionOut.model_validate(a) for a in items], next_cursor=nxt)


@router.get("/auctions/{auction_id}/bids", tags=["auctions"], response_model=Page[BidOut])
async def list_bids(
    auction_id: ParamId,
    ctx: Ctx = Depends(require("members:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[BidOut]:
    """The auction's bids in the order they were placed, with their state."""
    return Page[BidOut].of(await auctions.bids_of(ctx, auction_id), cursor, limit, BidOut.model_validate)


@router.post("/auctions/{auction_id}/bids", tags=["auctions"], status_code=201, response_model=BidOut)
async def place_bid(
    auction_id: ParamId, body: BidIn, ctx: Ctx = Depends(idempotent("points:write"))
) -> BidOut:
    """Hold the bid's points; the previous leader's hold is released."""
    placed = await auctions.bid(ctx, auction_id, body.member_id, body.amount)
    return BidOut.model_validate(placed)


@router.post("/auctions/{auction_id}/close", tags=["auctions"], response_model=AuctionOut)
async def close_auction(auction_id: ParamId, ctx: Ctx = Depends(idempotent("loyalty:manage"))) -> AuctionOut:
    """Close an auction whose end has passed (the hourly job does it too)."""
    return AuctionOut.model_validate(await auctions.close(ctx, auction_id))


@router.post("/auctions/{auction_id}/cancel", tags=["auctions"], response_model=AuctionOut)
async def cancel_auction(
    auction_id: ParamId, body: ReasonIn, ctx: Ctx = Depends(idempotent("loyalty:manage"))
) -> AuctionOut:
    """Call the auction off: the leading hold is given back."""
    return AuctionOut.model_validate(await auctions.cancel(ctx, auction_id, body.reason))
