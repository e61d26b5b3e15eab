"""Events of the reward catalogue, lotteries and auctions. Declared once here; see
:mod:`yutang.kit.events`."""

from __future__ import annotations

from yutang.kit.events import Event


class RewardRedeemed(Event, type_name="reward.redeemed"):
    """A member redeemed a reward for points."""

    redemption_id: int
    member_id: int
    reward_id: int
    quantity: int
    points: int


class LotteryDrawn(Event, type_name="lottery.drawn"):
    """A member drew a lottery (``outcome``: won, no_prize, out_of_stock)."""

    draw_id: int
    member_id: int
    lottery_id: int
    outcome: str
    prize_id: int | None


class AuctionBidPlaced(Event, type_name="auction.bid"):
    """A member bid; ``outbid_member_id`` lost the lead."""

    auction_id: int
    member_id: int
    amount: int
    outbid_member_id: int | None


class AuctionClosed(Event, type_name="auction.closed"):
    """An auction ended (no winner when nobody bid)."""

    auction_id: int
    winner_member_id: int | None
    amount: int | None
