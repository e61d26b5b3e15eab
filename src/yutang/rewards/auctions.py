"""Points auctions (seed 003): a bid holds the bidder's points, being outbid releases them,
the winner is charged at close.

A bid runs under a lock on the auction row, so bids on one auction are serialised: the
new bid must beat the leading one by the increment, its points are held (a ``hold``
entry, taken from the soonest-expiring lots), and the previous leader's hold is given
back into the lots it came from (an ``unhold`` entry). At any moment exactly one bid
holds points. Closing keeps the winner's hold as the charge.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from yutang.kit import audit, events, lookup
from yutang.kit.context import Ctx
from yutang.kit.errors import INVALID_AMOUNT, REASON_REQUIRED, BadRequest, Conflict
from yutang.loyalty import service as points
from yutang.members import service as members
from yutang.models.base import utcnow
from yutang.models.rewards import Auction, AuctionBid
from yutang.rewards.errors import (
    AUCTION_CLOSED,
    AUCTION_NOT_ENDED,
    BID_TOO_LOW,
    INVALID_AUCTION,
    UNKNOWN_AUCTION,
)
from yutang.rewards.events import AuctionBidPlaced, AuctionClosed


async def create_auction(ctx: Ctx, data: dict[str, Any]) -> Auction:
    if data["min_bid"] <= 0 or data["increment"] <= 0:
        raise BadRequest("The minimum bid and the increment are positive.", code=INVALID_AMOUNT)
    if data["ends_at"] <= data["starts_at"]:
        raise BadRequest("ends_at must be after starts_at.", code=INVALID_AUCTION)
    auction = Auction(workspace_id=ctx.workspace_id, **data)
    ctx.session.add(auction)
    await ctx.session.flush()
    audit.record(ctx, "auction.created", "auction", auction.id, {"name": auction.name})
    return auction


async def get_auction(ctx: Ctx, auction_id: int, *, lock: bool = False) -> Auction:
    return await lookup.one(ctx, Auction, auction_id, code=UNKNOWN_AUCTION, what="auction", lock=lock)


def next_minimum(auction: Auction) -> int:
    return auction.min_bid if auction.leading_bid is None else auction.leading_bid + auction.increment


async def bid(
    ctx: Ctx, auction_id: int, member_id: int, amount: int, *, now: datetime | None = None
) -> AuctionBid:
    now = now or utcnow()
    auction = await get_auction(ctx, auction_id, lock=True)
    if auction.status != "open" or now < auction.starts_at or now >= auction.ends_at:
        raise Conflict("This auction is not taking bids.", code=AUCTION_CLOSED)
    minimum = next_minimum(auction)
    if amount < minimum:
        raise Conflict(
            f"A bid must be at least {minimum} points.", code=BID_TOO_LOW, details={"minimum": minimum}
        )
    await members.active_member(ctx, member_id)
    previous = await ctx.session.get(AuctionBid, auction.leading_bid_id) if auction.leading_bid_id else None
    # Lock the bidder and the previous leader in id order: two bids on two auctions
    # with the same two members cannot then wait on each other.
    for mid in sorted({member_id, *([previous.member_id] if previous else [])}):
        await members.get_member(ctx, mid, lock=True)
    hold = await points.spend(
        ctx,
        member_id,
        amount,
        reason=f"bid on auction {auction.id}",
        ref=("auction", str(auction.id)),
        kind="hold",
        now=now,
    )
    if previous is not None:
        await points.reverse(
            ctx, previous.hold_entry_id, kind="unhold", reason=f"outbid on auction {auction.id}", now=now
        )
        previous.status = "outbid"
    new = AuctionBid(
        workspace_id=ctx.workspace_id,
        auction_id=auction.id,
        member_id=member_id,
        amount=amount,
        hold_entry_id=hold.entry.id,
        status="leading",
    )
    ctx.session.add(new)
    await ctx.session.flush()
    auction.leader_member_id = member_id
    auction.leading_bid = amount
    auction.leading_bid_id = new.id
    await ctx.session.flush()
    events.emit(
        ctx,
        AuctionBidPlaced(
            auction_id=auction.id,
            member_id=member_id,
            amount=amount,
            outbid_member_id=previous.member_id if previous else None,
        ),
    )
    return new


async def close(ctx: Ctx, auction_id: int, *, now: datetime | None = None, force: bool = False) -> Auction:
    """End the auction: the leading bid wins and its held points stay spent."""
    now = now or utcnow()
    auction = await get_auction(ctx, auction_id, lock=True)
    if auction.status != "open":
        return auction
    if now < auction.ends_at and not force:
        raise Conflict(
            "The auction has not ended yet.",
            code=AUCTION_NOT_ENDED,
            details={"ends_at": auction.ends_at.isoformat()},
        )
    auction.status = "closed"
    auction.closed_at = now
    if auction.leading_bid_id is not None:
        winner = await ctx.session.get(AuctionBid, auction.leading_bid_id)
        assert winner is not None
        winner.status = "won"
    await ctx.session.flush()
    events.emit(
        ctx,
        AuctionClosed(
            auction_id=auction.id, winner_member_id=auction.leader_member_id, amount=auction.leading_bid
        ),
    )
    return auction


async def cancel(ctx: Ctx, auction_id: int, reason: str) -> Auction:
    """Call the auction off: the leading hold is given back."""
    if not reason.strip():
        raise BadRequest("Cancelling an auction needs a reason.", code=REASON_REQUIRED)
    auction = await get_auction(ctx, auction_id, lock=True)
    if auction.status != "open":
        raise Conflict("Only an open auction can be cancelled.", code=AUCTION_CLOSED)
    if auction.leading_bid_id is not None:
        leader = await ctx.session.get(AuctionBid, auction.leading_bid_id)
        assert leader is not None
        await points.reverse(
            ctx, leader.hold_entry_id, kind="unhold", reason=f"auction {auction.id} cancelled"
        )
        leader.status = "cancelled"
    auction.status = "cancelled"
    auction.closed_at = utcnow()
    await ctx.session.flush()
    audit.record(ctx, "auction.cancelled", "auction", auction.id, {"reason": reason})
    return auction


async def close_ended(ctx: Ctx, *, now: datetime | None = None) -> int:
    """The periodic job: close every open auction whose end has passed."""
    now = now or utcnow()
    ids = (
        await ctx.session.scalars(
            select(Auction.id).where(
                Auction.workspace_id == ctx.workspace_id, Auction.status == "open", Auction.ends_at <= now
            )
        )
    ).all()
    for auction_id in ids:
        await close(ctx, auction_id, now=now)
    return len(ids)


async def bids_of(ctx: Ctx, auction_id: int) -> list[AuctionBid]:
    await get_auction(ctx, auction_id)
    rows = await ctx.session.scalars(
        select(AuctionBid).where(AuctionBid.auction_id == auction_id).order_by(AuctionBid.id)
    )
    return list(rows.all())
