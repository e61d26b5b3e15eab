"""Error codes of the reward catalog, lotteries and auctions.

Each is declared once, with what it means; see :mod:`yutang.kit.errors`.
"""

from yutang.kit.errors import declare

UNKNOWN_REWARD = declare("unknown_reward", "No such reward in this workspace.")
INVALID_REWARD = declare("invalid_reward", "A coupon reward names an existing coupon template.")
REWARD_UNAVAILABLE = declare("reward_unavailable", "The reward is inactive or outside its validity.")
UNLIMITED_STOCK = declare("unlimited_stock", "The reward has unlimited stock.")
UNKNOWN_REDEMPTION = declare("unknown_redemption", "No such redemption in this workspace.")
ALREADY_CANCELLED = declare("already_cancelled", "It was already cancelled.")
INVALID_LOTTERY = declare("invalid_lottery", "A lottery needs prizes whose chances add up to at most 100 %.")
UNKNOWN_LOTTERY = declare("unknown_lottery", "No such lottery in this workspace.")
LOTTERY_HAS_DRAWS = declare(
    "lottery_has_draws", "Members have drawn in the lottery: its prize table no longer changes."
)
LOTTERY_CLOSED = declare("lottery_closed", "The lottery is inactive or outside its dates.")
DRAW_LIMIT_REACHED = declare("draw_limit_reached", "The member has no draws left today.")
INVALID_AUCTION = declare("invalid_auction", "The auction's end must be after its start.")
UNKNOWN_AUCTION = declare("unknown_auction", "No such auction in this workspace.")
AUCTION_CLOSED = declare(
    "auction_closed",
    "The auction is not taking bids (not started, ended, closed or cancelled).",
)
AUCTION_NOT_ENDED = declare("auction_not_ended", "The auction has not reached its end time.")
BID_TOO_LOW = declare("bid_too_low", "The bid is below the minimum or the leading bid plus the increment.")
