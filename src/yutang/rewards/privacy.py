"""Rewards' part of a data-subject export: the member's redemptions, lottery draws and
auction bids. Erasure keeps them (stock and points moved on them), tied to the anonymous
id. :mod:`yutang.privacy` composes it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from yutang.kit.context import Ctx
from yutang.kit.records import plain
from yutang.models.rewards import AuctionBid, LotteryDraw, Redemption


async def export(ctx: Ctx, member_id: int) -> dict[str, Any]:
    """Sections ``redemptions``, ``lottery_draws`` and ``auction_bids``, oldest first."""
    found: dict[str, Any] = {}
    for section, model in (
        ("redemptions", Redemption),
        ("lottery_draws", LotteryDraw),
        ("auction_bids", AuctionBid),
    ):
        rows = await ctx.session.scalars(
            select(model)
            .where(model.workspace_id == ctx.workspace_id, model.member_id == member_id)
            .order_by(model.id)
        )
        found[section] = [plain(r, omit=("member_id",)) for r in rows.all()]
    return found
