"""whole numbers 64-bit: money, points, counts and their sums

Revision ID: 5f0b1c2d3e4a
Revises: c218c17c30e4
Create Date: 2026-12-03 09:15:00

Every plain integer column was a 32-bit INTEGER on PostgreSQL: an amount over
¥21,474,836.47, or a sum of amounts (a member's total spend, a balance) growing past it,
failed the request. SQLite's INTEGER is 64-bit already, so only PostgreSQL changes.
(``live_code_counters.count`` stays 32-bit: a daily count under a cap of at most 10⁹.)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5f0b1c2d3e4a"
down_revision: str | None = "c218c17c30e4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS: dict[str, tuple[str, ...]] = {
    "channels": ("exposures",),
    "coupon_templates": (
        "value",
        "min_spend_cents",
        "valid_days",
        "total_limit",
        "issued_count",
        "per_member_limit",
    ),
    "distribution_settings": ("refund_window_days", "min_withdrawal_cents"),
    "distributor_levels": ("rank", "min_team_size", "min_team_sales_cents", "bonus_bp"),
    "earn_rules": ("points", "unit_cents", "expiry_months", "pending_days"),
    "idempotency_keys": ("status_code",),
    "lotteries": ("points_per_draw", "daily_limit"),
    "membership_plans": ("price_cents", "gift_points", "remind_days"),
    "outbox_events": ("attempts",),
    "segments": ("frozen_count",),
    "tier_programs": ("window_days", "grace_days"),
    "tiers": ("rank", "threshold"),
    "top_up_rules": ("min_amount_cents", "bonus_cents"),
    "links": ("max_clicks", "click_count"),
    "lottery_prizes": ("points", "probability_bp", "stock", "awarded_count", "position"),
    "referral_campaigns": ("goal_days", "max_per_inviter", "revoke_days", "point_cost_centi"),
    "rewards": ("points_cost", "stock", "per_member_limit"),
    "live_code_targets": ("weight", "daily_cap"),
    "members": ("points_balance", "points_pending", "total_spent_cents", "order_count"),
    "referral_stages": ("threshold",),
    "auctions": ("min_bid", "increment", "leading_bid"),
    "distributors": ("pending_cents", "available_cents", "frozen_cents", "withdrawn_cents"),
    "orders": ("total_cents", "refunded_cents"),
    "points_entries": ("amount", "pending_delta", "balance_after"),
    "referral_participants": ("counted",),
    "stage_awards": ("round",),
    "subscriptions": ("renewals",),
    "tier_changes": ("metric_value",),
    "wallet_entries": ("principal_delta", "bonus_delta", "principal_after", "bonus_after"),
    "wallets": ("principal_cents", "bonus_cents"),
    "auction_bids": ("amount",),
    "commissions": ("level", "base_cents", "amount_cents", "reversed_cents"),
    "invitations": ("ordinal",),
    "lottery_draws": ("roll",),
    "order_items": ("quantity", "price_cents"),
    "points_lots": ("amount", "remaining"),
    "redemptions": ("quantity", "points"),
    "refunds": ("amount_cents",),
    "subscription_payments": ("amount_cents",),
    "withdrawals": ("amount_cents",),
    "commission_entries": ("pending_delta", "available_delta", "frozen_delta", "withdrawn_delta"),
    "points_allocations": ("amount",),
}


def _alter(to: sa.types.TypeEngine[int], was: sa.types.TypeEngine[int]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(column, type_=to, existing_type=was)


def upgrade() -> None:
    _alter(sa.BigInteger(), sa.Integer())


def downgrade() -> None:
    _alter(sa.Integer(), sa.BigInteger())
