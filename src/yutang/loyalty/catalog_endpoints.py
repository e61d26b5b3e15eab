"""HTTP API of what members get: coupons, rewards, lotteries, points auctions, paid plans.

Every POST that moves value (issue, redeem, draw, bid, purchase) takes an
``Idempotency-Key``: a retried request replays the first answer.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Response
from sqlalchemy import select

from yutang.kit.context import Ctx
from yutang.kit.http import also_200, api_router, idempotent, require
from yutang.kit.idempotency import Idempotency
from yutang.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, page_of, paginate
from yutang.kit.schemas import ParamId
from yutang.loyalty import auctions, coupons, lottery, membership, rewards
from yutang.loyalty.schemas import (
    AuctionIn,
    AuctionOut,
    BidIn,
    BidOut,
    ClaimIn,
    CouponOut,
    CouponTemplateIn,
    CouponTemplateOut,
    DrawIn,
    DrawOut,
    GenerateIn,
    IssueIn,
    LotteryIn,
    LotteryOut,
    PlanIn,
    PlanOut,
    PrizeOut,
    PurchaseIn,
    ReasonIn,
    RedeemCouponIn,
    RedeemRewardIn,
    RedemptionOut,
    RestockIn,
    RewardIn,
    RewardOut,
    RewardPatch,
    SubscriptionOut,
)
from yutang.models.membership import MembershipPlan
from yutang.models.rewards import Auction, CouponTemplate, Lottery, Reward

router = api_router(prefix="/api/v1")


# --- coupons --------------------------------------------------------------------------------


@router.post("/coupon-templates", tags=["coupons"], status_code=201, response_model=CouponTemplateOut)
async def create_template(
    body: CouponTemplateIn, ctx: Ctx = Depends(require("loyalty:manage"))
) -> CouponTemplateOut:
    """Create a coupon template: `amount_off` (`value` in cents), `percent_off` (`value` 1-99) or
    a `gift`, valid `valid_days` after issue or in a fixed window, with optional stock and per-member
    limit. `invalid_amount`; `invalid_coupon_template` for a gift without `gift_name`, neither
    `valid_days` nor `valid_until`, or `valid_until` before `valid_from`."""
    return CouponTemplateOut.model_validate(await coupons.create_template(ctx, body.model_dump()))


@router.get("/coupon-templates", tags=["coupons"], response_model=Page[CouponTemplateOut])
async def list_templates(
    ctx: Ctx = Depends(require("members:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[CouponTemplateOut]:
    """The workspace's coupon templates, oldest first."""
    rows = await ctx.session.scalars(
        select(CouponTemplate)
        .where(CouponTemplate.workspace_id == ctx.workspace_id)
        .order_by(CouponTemplate.id)
    )
    return Page[CouponTemplateOut].of(rows.all(), cursor, limit, CouponTemplateOut.model_validate)


@router.post(
    "/coupon-templates/{template_id}/generate",
    tags=["coupons"],
    status_code=201,
    response_model=list[CouponOut],
)
async def generate(
    template_id: ParamId, body: GenerateIn, idem: Idempotency = Depends(idempotent("loyalty:manage"))
) -> Response:
    """Unassigned codes (for package cards, posters …); members claim them later."""
    if (replay := await idem.replay()) is not None:
        return replay
    made = await coupons.generate(idem.ctx, template_id, body.count)
    return await idem.respond(201, [CouponOut.model_validate(c) for c in made])


@router.post("/coupons", tags=["coupons"], status_code=201, response_model=CouponOut)
async def issue(body: IssueIn, idem: Idempotency = Depends(idempotent("points:write"))) -> Response:
    """Issue a coupon to a member (within the template's stock and per-member limit)."""
    if (replay := await idem.replay()) is not None:
        return replay
    coupon = await coupons.issue(idem.ctx, body.template_id, body.member_id)
    return await idem.respond(201, CouponOut.model_validate(coupon))


@router.get("/coupons/{code}", tags=["coupons"], response_model=CouponOut)
async def get_coupon(
    code: Annotated[str, Path(max_length=64)], ctx: Ctx = Depends(require("members:read"))
) -> CouponOut:
    """One coupon by code (case and spaces ignored): its holder and status `available` (generated,
    unclaimed), `issued`, `redeemed` or `voided`. An expired coupon stays `issued`: compare
    `valid_until`. `unknown_coupon`."""
    return CouponOut.model_validate(await coupons.by_code(ctx, code))


@router.post("/coupons/{code}/claim", tags=["coupons"], response_model=CouponOut)
async def claim(
    code: Annotated[str, Path(max_length=64)],
    body: ClaimIn,
    idem: Idempotency = Depends(idempotent("points:write")),
) -> Response:
    """A member claims a generated code (from a package card, a poster); with `valid_days` the
    validity starts now. `coupon_taken` when the code is no longer available (claimed by anyone, or
    voided), `limit_reached`, `unknown_coupon`, `unknown_member`, `member_inactive`."""
    if (replay := await idem.replay()) is not None:
        return replay
    return await idem.respond(
        200, CouponOut.model_validate(await coupons.claim(idem.ctx, code, body.member_id))
    )


@router.post("/coupons/{code}/redeem", tags=["coupons"], response_model=CouponOut)
async def redeem_coupon(
    code: Annotated[str, Path(max_length=64)],
    body: RedeemCouponIn,
    idem: Idempotency = Depends(idempotent("points:write")),
) -> Response:
    """Use the coupon once; `coupon_redeemed`, `coupon_expired`, `coupon_voided` … otherwise."""
    if (replay := await idem.replay()) is not None:
        return replay
    used = await coupons.redeem(idem.ctx, code, member_id=body.member_id, order_ref=body.order_ref)
    return await idem.respond(200, CouponOut.model_validate(used))


@router.post("/coupons/{code}/void", tags=["coupons"], response_model=CouponOut)
async def void(
    code: Annotated[str, Path(max_length=64)],
    body: ReasonIn,
    idem: Idempotency = Depends(idempotent("loyalty:manage")),
) -> Response:
    """Void an unused coupon (`available` or `issued`) with a reason; it can no longer be claimed or
    redeemed and its unit is not returned to the template's stock. `reason_required`,
    `unknown_coupon`; a redeemed or already voided coupon answers `coupon_redeemed`."""
    if (replay := await idem.replay()) is not None:
        return replay
    return await idem.respond(200, CouponOut.model_validate(await coupons.void(idem.ctx, code, body.reason)))


@router.get("/members/{member_id}/coupons", tags=["coupons"], response_model=Page[CouponOut])
async def member_coupons(
    member_id: ParamId,
    ctx: Ctx = Depends(require("members:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[CouponOut]:
    """The member's coupons, newest first, with their status: `issued`, `redeemed` or `voided` (an
    expired coupon stays `issued`: compare `valid_until`). `unknown_member`."""
    return Page[CouponOut].of(
        await coupons.of_member(ctx, member_id), cursor, limit, CouponOut.model_validate
    )


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
    rows = await ctx.session.scalars(
        select(Reward).where(Reward.workspace_id == ctx.workspace_id).order_by(Reward.id)
    )
    return Page[RewardOut].of(rows.all(), cursor, limit, RewardOut.model_validate)


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
    reward_id: ParamId, body: RestockIn, idem: Idempotency = Depends(idempotent("loyalty:manage"))
) -> Response:
    """Add units to a reward's stock, or remove them with a negative `delta`; stock never goes below
    zero (`out_of_stock`). `unlimited_stock` for a reward without a stock count, `unknown_reward`."""
    if (replay := await idem.replay()) is not None:
        return replay
    return await idem.respond(
        200, RewardOut.model_validate(await rewards.restock(idem.ctx, reward_id, body.delta))
    )


@router.post("/rewards/{reward_id}/redeem", tags=["rewards"], status_code=201, response_model=RedemptionOut)
async def redeem_reward(
    reward_id: ParamId, body: RedeemRewardIn, idem: Idempotency = Depends(idempotent("points:write"))
) -> Response:
    """Buy the reward with points: stock and points move together or not at all."""
    if (replay := await idem.replay()) is not None:
        return replay
    done = await rewards.redeem(idem.ctx, reward_id, body.member_id, body.quantity)
    return await idem.respond(201, RedemptionOut.model_validate(done))


@router.post("/redemptions/{redemption_id}/cancel", tags=["rewards"], response_model=RedemptionOut)
async def cancel_redemption(
    redemption_id: ParamId, body: ReasonIn, idem: Idempotency = Depends(idempotent("loyalty:manage"))
) -> Response:
    """Points back into their lots, stock back, coupons voided."""
    if (replay := await idem.replay()) is not None:
        return replay
    done = await rewards.cancel(idem.ctx, redemption_id, body.reason)
    return await idem.respond(200, RedemptionOut.model_validate(done))


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


@router.post("/lotteries/{lottery_id}/draws", tags=["lotteries"], status_code=201, response_model=DrawOut)
async def draw(
    lottery_id: ParamId, body: DrawIn, idem: Idempotency = Depends(idempotent("points:write"))
) -> Response:
    """One draw for the member: the roll and the prize table it was read against are kept."""
    if (replay := await idem.replay()) is not None:
        return replay
    done = await lottery.draw(idem.ctx, lottery_id, body.member_id)
    return await idem.respond(201, DrawOut.model_validate(done))


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
    stmt = paginate(
        select(Auction).where(Auction.workspace_id == ctx.workspace_id), Auction.id, cursor, limit
    )
    items, nxt = page_of((await ctx.session.scalars(stmt)).all(), limit, lambda a: a.id)
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
    auction_id: ParamId, body: BidIn, idem: Idempotency = Depends(idempotent("points:write"))
) -> Response:
    """Hold the bid's points; the previous leader's hold is released."""
    if (replay := await idem.replay()) is not None:
        return replay
    placed = await auctions.bid(idem.ctx, auction_id, body.member_id, body.amount)
    return await idem.respond(201, BidOut.model_validate(placed))


@router.post("/auctions/{auction_id}/close", tags=["auctions"], response_model=AuctionOut)
async def close_auction(
    auction_id: ParamId, idem: Idempotency = Depends(idempotent("loyalty:manage"))
) -> Response:
    """Close an auction whose end has passed (the hourly job does it too)."""
    if (replay := await idem.replay()) is not None:
        return replay
    return await idem.respond(200, AuctionOut.model_validate(await auctions.close(idem.ctx, auction_id)))


@router.post("/auctions/{auction_id}/cancel", tags=["auctions"], response_model=AuctionOut)
async def cancel_auction(
    auction_id: ParamId, body: ReasonIn, idem: Idempotency = Depends(idempotent("loyalty:manage"))
) -> Response:
    """Call the auction off: the leading hold is given back."""
    if (replay := await idem.replay()) is not None:
        return replay
    return await idem.respond(
        200, AuctionOut.model_validate(await auctions.cancel(idem.ctx, auction_id, body.reason))
    )


# --- paid membership ------------------------------------------------------------------------


@router.post("/membership-plans", tags=["membership"], status_code=201, response_model=PlanOut)
async def create_plan(body: PlanIn, ctx: Ctx = Depends(require("loyalty:manage"))) -> PlanOut:
    """Create a paid membership plan: price in cents per `period` (month, quarter, year), the welcome
    gift of a new term (points, coupons), the benefits while active, a reminder `remind_days`
    before the end. `invalid_amount`, `invalid_plan`, `unknown_coupon_template`."""
    return PlanOut.model_validate(await membership.create_plan(ctx, body.model_dump()))


@router.get("/membership-plans", tags=["membership"], response_model=Page[PlanOut])
async def list_plans(
    ctx: Ctx = Depends(require("members:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[PlanOut]:
    """Paid membership plans, oldest first."""
    rows = await ctx.session.scalars(
        select(MembershipPlan)
        .where(MembershipPlan.workspace_id == ctx.workspace_id)
        .order_by(MembershipPlan.id)
    )
    return Page[PlanOut].of(rows.all(), cursor, limit, PlanOut.model_validate)


@router.post(
    "/members/{member_id}/subscriptions",
    tags=["membership"],
    status_code=201,
    response_model=SubscriptionOut,
    responses=also_200(SubscriptionOut, "A renewal: the term was extended, no second welcome gift"),
)
async def purchase(
    member_id: ParamId, body: PurchaseIn, idem: Idempotency = Depends(idempotent("orders:write"))
) -> Response:
    """Record a paid plan purchase: a new term with its welcome gift, or a renewal."""
    if (replay := await idem.replay()) is not None:
        return replay
    sub, new_term = await membership.purchase(
        idem.ctx, member_id, body.plan_id, payment_ref=body.payment_ref, amount_cents=body.amount_cents
    )
    return await idem.respond(201 if new_term else 200, SubscriptionOut.model_validate(sub))


@router.get("/members/{member_id}/subscriptions", tags=["membership"], response_model=Page[SubscriptionOut])
async def member_subscriptions(
    member_id: ParamId,
    ctx: Ctx = Depends(require("members:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[SubscriptionOut]:
    """The member's active paid memberships."""
    from yutang.members import service as members

    await members.get_member(ctx, member_id)
    active = await membership.active_subscriptions(ctx, member_id)
    return Page[SubscriptionOut].of(active, cursor, limit, SubscriptionOut.model_validate)


@router.get("/members/{member_id}/benefits", tags=["membership"])
async def member_benefits(member_id: ParamId, ctx: Ctx = Depends(require("members:read"))) -> dict[str, Any]:
    """The benefits the member enjoys now: their tier's, and their active plans'."""
    return await membership.benefits(ctx, member_id)
