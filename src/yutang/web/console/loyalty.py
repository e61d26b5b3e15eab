"""忠诚度 Loyalty: earn rules, tiers, paid membership plans, rewards, coupon templates,
lotteries, auctions, stored value and the points ledger."""

from __future__ import annotations
