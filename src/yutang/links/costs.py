"""Exposures and spend of a channel, entered by an operator per period.

How many people saw a touchpoint (package cards shipped, messages sent, readers of an
article) and what it cost are not measured by Yutang: the operator enters them, for a
period of days of the workspace's calendar (both ends included, at most
:data:`~yutang.links.schemas.MAX_COST_DAYS`), for the channel as a whole or for one of
its links. The channels report (``analytics/channels.py``) spreads each period evenly
over its days and takes the days of its range.

Periods of the same channel — or of the same link — never overlap, so a day's
exposures are never counted twice; a channel's figures are its own entries plus those
of its links (enter each card once: for the channel, or for the link it carries).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select

from yutang.kit import audit
from yutang.kit.context import Ctx
from yutang.kit.errors import INVALID_RANGE, VALIDATION_ERROR, BadRequest, Conflict, NotFound
from yutang.kit.locks import for_update
from yutang.links import repository
from yutang.links.errors import COST_PERIOD_OVERLAPS, UNKNOWN_CHANNEL
from yutang.links.schemas import MAX_COST_DAYS, CostIn, CostOut, CostPatch
from yutang.models.links import Channel, ChannelCost

_FIGURES = ("starts_on", "ends_on", "link_id", "exposures", "spend_cents", "note")


def out(cost: ChannelCost) -> CostOut:
    return CostOut(
        id=cost.id,
        channel_id=cost.channel_id,
        link_id=cost.link_id,
        starts_on=cost.starts_on,
        ends_on=cost.ends_on,
        days=(cost.ends_on - cost.starts_on).days + 1,
        exposures=cost.exposures,
        spend_cents=cost.spend_cents,
        note=cost.note,
        created_at=cost.created_at,
        updated_at=cost.updated_at,
    )


async def _locked_channel(ctx: Ctx, channel_id: int) -> Channel:
    """The channel, locked until the transaction ends (PostgreSQL): two entries written
    at once for the same days cannot both pass the overlap check."""
    stmt = select(Channel).where(Channel.workspace_id == ctx.workspace_id, Channel.id == channel_id)
    channel = await ctx.session.scalar(for_update(ctx.session, stmt, "channels", channel_id))
    if channel is None:
        raise NotFound("No such channel.", code=UNKNOWN_CHANNEL)
    return channel


async def _check(ctx: Ctx, channel_id: int, values: dict[str, Any], own_id: int | None = None) -> None:
    first: date = values["starts_on"]
    last: date = values["ends_on"]
    if last < first:
        raise BadRequest(
            "The period ends before it starts.", code=INVALID_RANGE, details={"field": "ends_on"}
        )
    if (last - first).days >= MAX_COST_DAYS:
        raise BadRequest(
            f"One entry covers at most {MAX_COST_DAYS} days; enter a longer time as several.",
            code=INVALID_RANGE,
            details={"field": "ends_on"},
        )
    if values["exposures"] is None and values["spend_cents"] is None:
        raise BadRequest(
            "Give exposures, spend or both.", code=VALIDATION_ERROR, details={"field": "exposures"}
        )
    link_id = values["link_id"]
    if link_id is not None:
        link = await repository.link(ctx.session, ctx.workspace_id, link_id)
        if link is None or link.channel_id != channel_id:
            raise BadRequest(
                "That link is not one of this channel's.", code=VALIDATION_ERROR, details={"field": "link_id"}
            )
    same_scope = ChannelCost.link_id.is_(None) if link_id is None else ChannelCost.link_id == link_id
    stmt = select(ChannelCost.id, ChannelCost.starts_on, ChannelCost.ends_on).where(
        ChannelCost.workspace_id == ctx.workspace_id,
        ChannelCost.channel_id == channel_id,
        same_scope,
        ChannelCost.starts_on <= last,
        ChannelCost.ends_on >= first,
    )
    if own_id is not None:
        stmt = stmt.where(ChannelCost.id != own_id)
    clash = (await ctx.session.execute(stmt.limit(1))).first()
    if clash is not None:
        raise Conflict(
            f"Exposures and spend are entered for {clash.starts_on} → {clash.ends_on} already.",
            code=COST_PERIOD_OVERLAPS,
            details={"field": "starts_on", "cost_id": clash.id},
        )


async def list_costs(ctx: Ctx, channel_id: int) -> list[ChannelCost]:
    """The channel's entries, the latest period first."""
    if await repository.channel(ctx.session, ctx.workspace_id, channel_id) is None:
        raise NotFound("No such channel.", code=UNKNOWN_CHANNEL)
    rows = await ctx.session.scalars(
        select(ChannelCost)
        .where(ChannelCost.workspace_id == ctx.workspace_id, ChannelCost.channel_id == channel_id)
        .order_by(ChannelCost.starts_on.desc(), ChannelCost.id.desc())
    )
    return list(rows.all())


async def get_cost(ctx: Ctx, channel_id: int, cost_id: int) -> ChannelCost:
    cost = await ctx.session.scalar(
        select(ChannelCost).where(
            ChannelCost.workspace_id == ctx.workspace_id,
            ChannelCost.channel_id == channel_id,
            ChannelCost.id == cost_id,
        )
    )
    if cost is None:
        raise NotFound("No such entry of exposures and spend.")
    return cost


async def add_cost(ctx: Ctx, channel_id: int, data: CostIn) -> ChannelCost:
    await _locked_channel(ctx, channel_id)
    values = data.model_dump(include=set(_FIGURES))
    values["note"] = values["note"].strip()
    await _check(ctx, channel_id, values)
    cost = ChannelCost(workspace_id=ctx.workspace_id, channel_id=channel_id, **values)
    ctx.session.add(cost)
    await ctx.session.flush()
    audit.record(ctx, "channel_cost.added", "channel", channel_id, {"cost_id": cost.id, **values})
    return cost


async def update_cost(ctx: Ctx, channel_id: int, cost_id: int, data: CostPatch) -> ChannelCost:
    await _locked_channel(ctx, channel_id)
    cost = await get_cost(ctx, channel_id, cost_id)
    changes = data.model_dump(exclude_unset=True)
    for key in ("starts_on", "ends_on"):  # the days cannot be unset, only moved
        if changes.get(key, 0) is None:
            del changes[key]
    if changes.get("note") is None:
        changes.pop("note", None)
    else:
        changes["note"] = changes["note"].strip()
    values = {k: changes.get(k, getattr(cost, k)) for k in _FIGURES}
    await _check(ctx, channel_id, values, own_id=cost.id)
    before = {k: getattr(cost, k) for k in changes}
    for key, value in changes.items():
        setattr(cost, key, value)
    await ctx.session.flush()
    audit.record(
        ctx, "channel_cost.updated", "channel", channel_id, {"cost_id": cost.id, "before": before, **changes}
    )
    return cost


async def delete_cost(ctx: Ctx, channel_id: int, cost_id: int) -> None:
    cost = await get_cost(ctx, channel_id, cost_id)
    gone = {k: getattr(cost, k) for k in _FIGURES}
    await ctx.session.delete(cost)
    await ctx.session.flush()
    audit.record(ctx, "channel_cost.deleted", "channel", channel_id, {"cost_id": cost_id, **gone})


async def costs_between(ctx: Ctx, first: date, last: date) -> Sequence[ChannelCost]:
    """Every entry of the workspace whose period touches ``first`` … ``last``."""
    rows = await ctx.session.scalars(
        select(ChannelCost).where(
            ChannelCost.workspace_id == ctx.workspace_id,
            ChannelCost.starts_on <= last,
            ChannelCost.ends_on >= first,
        )
    )
    return rows.all()
