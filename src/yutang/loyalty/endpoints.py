"""HTTP API of points: balances, ledger, spending, adjustments, activities, earn rules."""

from __future__ import annotations

from fastapi import Depends

from yutang.auth.dependencies import idempotent, require
from yutang.kit.context import Ctx
from yutang.kit.errors import BAD_REQUEST, BadRequest
from yutang.kit.http import api_router
from yutang.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, decode_cursor, encode_cursor
from yutang.kit.schemas import ParamId
from yutang.loyalty import earning, repository, tiers
from yutang.loyalty import service as points
from yutang.loyalty.schemas import (
    ActivityIn,
    AdjustIn,
    BalanceOut,
    EntryOut,
    LotOut,
    MovementOut,
    RuleIn,
    RuleOut,
    RulePatch,
    SetTierIn,
    SpendIn,
    TierChangeOut,
    TierIn,
    TierOut,
    TierPatch,
    TierProgramIn,
    TierProgramOut,
    Trigger,
)
from yutang.members import service as members
from yutang.models.members import Member

router = api_router(prefix="/api/v1")


def _movement(mv: points.Movement, member: Member) -> MovementOut:
    return MovementOut(
        entry=EntryOut.model_validate(mv.entry),
        balance=member.points_balance,
        pending=member.points_pending,
        replayed=mv.replayed,
    )


@router.get("/members/{member_id}/points", tags=["points"], response_model=BalanceOut)
async def balance(member_id: ParamId, ctx: Ctx = Depends(require("members:read"))) -> BalanceOut:
    """The member's points now: the spendable `balance`, the `pending` points not yet credited,
    and the open lots, soonest expiry first (the order spending takes them). `unknown_member`
    for an id outside this workspace."""
    member = await members.get_member(ctx, member_id)
    lots = await repository.lots_of(ctx, member_id)
    return BalanceOut(
        member_id=member.id,
        balance=member.points_balance,
        pending=member.points_pending,
        lots=[LotOut.model_validate(lot) for lot in lots],
    )


@router.get("/members/{member_id}/points/entries", tags=["points"], response_model=Page[EntryOut])
async def ledger(
    member_id: ParamId,
    ctx: Ctx = Depends(require("members:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[EntryOut]:
    """The member's points ledger, newest entry first: every earn, release of pending points, spend,
    hold and unhold, expiry, claw-back, adjustment and reversal, with the balance after it.
    `unknown_member`."""
    await members.get_member(ctx, member_id)
    rows = await repository.entries_of(
        ctx, member_id, cursor_id=decode_cursor(cursor) if cursor else None, limit=limit
    )
    nxt = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return Page(data=[EntryOut.model_validate(e) for e in rows[:limit]], next_cursor=nxt)


@router.post(
    "/members/{member_id}/points/spend", tags=["points"], status_code=201, response_model=MovementOut
)
async def spend(
    member_id: ParamId, body: SpendIn, ctx: Ctx = Depends(idempotent("points:write"))
) -> MovementOut:
    """Spend points (soonest-expiring lots first). `insufficient_points` leaves everything as it was."""
    if (body.ref_type is None) != (body.ref_id is None):
        raise BadRequest("Give both ref_type and ref_id, or neither.", code=BAD_REQUEST)
    ref = (body.ref_type, body.ref_id) if body.ref_type and body.ref_id else None
    mv = await points.spend(ctx, member_id, body.points, reason=body.reason, ref=ref)
    member = await members.get_member(ctx, member_id)
    return _movement(mv, member)


@router.post(
    "/members/{member_id}/points/adjust", tags=["points"], status_code=201, response_model=MovementOut
)
async def adjust(
    member_id: ParamId, body: AdjustIn, ctx: Ctx = Depends(idempotent("points:write"))
) -> MovementOut:
    """A manual correction with a reason (audited). Removing more than the balance is refused."""
    mv = await points.adjust(ctx, member_id, body.delta, reason=body.reason, expires_at=body.expires_at)
    member = await members.get_member(ctx, member_id)
    return _movement(mv, member)


@router.post("/members/{member_id}/activities", tags=["points"], status_code=202)
async def activity(
    member_id: ParamId, body: ActivityIn, ctx: Ctx = Depends(idempotent("members:write"))
) -> dict[str, str]:
    """Report a check-in, post, share or custom event; earn rules pay through the outbox.
    The same `external_id` reported twice earns once."""
    await earning.record_activity(ctx, member_id, body.type, body.name, body.external_id)
    return {"status": "accepted"}


@router.get("/earn-rules", tags=["points"], response_model=Page[RuleOut])
async def list_rules(
    ctx: Ctx = Depends(require("members:read")),
    trigger: Trigger | None = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[RuleOut]:
    """The workspace's earn rules, optionally of one trigger."""
    return Page[RuleOut].of(await earning.list_rules(ctx, trigger), cursor, limit, RuleOut.model_validate)


@router.post("/earn-rules", tags=["points"], status_code=201, response_model=RuleOut)
async def create_rule(body: RuleIn, ctx: Ctx = Depends(idempotent("loyalty:manage"))) -> RuleOut:
    """Create an earn rule: the trigger it listens to, its conditions, a fixed or per-`unit_cents`
    amount, and its caps per day/week/month (workspace time) and lifetime. 422 for an incoherent rule
    (`custom` without `event_name`, `per_unit` off `order_paid`, `ends_at` before `starts_at`);
    `unknown_tier` / `unknown_segment` for conditions naming rows outside the workspace."""
    rule = await earning.create_rule(ctx, body)
    return RuleOut.model_validate(rule)


@router.get("/earn-rules/{rule_id}", tags=["points"], response_model=RuleOut)
async def get_rule(rule_id: ParamId, ctx: Ctx = Depends(require("members:read"))) -> RuleOut:
    """One earn rule with its conditions and caps. `unknown_rule` for an id outside this workspace."""
    return RuleOut.model_validate(await earning.get_rule(ctx, rule_id))


@router.patch("/earn-rules/{rule_id}", tags=["points"], response_model=RuleOut)
async def update_rule(
    rule_id: ParamId, body: RulePatch, ctx: Ctx = Depends(require("loyalty:manage"))
) -> RuleOut:
    """Change an earn rule; only the fields sent change. `conditions` and `caps` are replaced whole
    (`null` clears them), `null` clears `expiry_months` and `ends_at`; the trigger, amount type and
    `starts_at` stay. Applies to events handled from now on. `unknown_rule`, `unknown_tier`,
    `unknown_segment`."""
    return RuleOut.model_validate(await earning.update_rule(ctx, rule_id, body))


# --- tiers ----------------------------------------------------------------------------------


@router.get("/tier-program", tags=["tiers"], response_model=TierProgramOut)
async def get_program(ctx: Ctx = Depends(require("members:read"))) -> TierProgramOut:
    """The tier programme: the metric (spend in cents, or points earned) over a rolling window,
    the downgrade policy and the grace days. Until configured: spend, 365 days, `one_level`, 30."""
    return TierProgramOut.model_validate(await tiers.program(ctx))


@router.put("/tier-program", tags=["tiers"], response_model=TierProgramOut)
async def put_program(body: TierProgramIn, ctx: Ctx = Depends(require("loyalty:manage"))) -> TierProgramOut:
    """Replace the tier programme whole (fields left out take their defaults; `window_days: null`
    counts all time). Nobody moves now: upgrades follow the next order or earning, downgrades
    the next evaluation after `grace_days`."""
    return TierProgramOut.model_validate(await tiers.configure(ctx, body.model_dump()))


@router.get("/tiers", tags=["tiers"], response_model=Page[TierOut])
async def list_tiers(
    ctx: Ctx = Depends(require("members:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[TierOut]:
    """The tiers by rank, lowest first, with thresholds and benefits."""
    rows = await tiers.tiers(ctx.session, ctx.workspace_id)
    return Page[TierOut].of(rows, cursor, limit, TierOut.model_validate)


@router.post("/tiers", tags=["tiers"], status_code=201, response_model=TierOut)
async def create_tier(body: TierIn, ctx: Ctx = Depends(require("loyalty:manage"))) -> TierOut:
    """Add a tier. Thresholds must rise with rank (`invalid_tier`); a rank or name in use is
    `tier_taken`; unknown benefit keys or values out of range are `invalid_tier`, a coupon template
    outside the workspace `unknown_coupon_template`. Nobody moves now: members reach it on their next
    order or earning (by the programme's metric) or at the next evaluation."""
    tier = await tiers.create_tier(ctx, body.name, body.rank, body.threshold, dict(body.benefits))
    return TierOut.model_validate(tier)


@router.patch("/tiers/{tier_id}", tags=["tiers"], response_model=TierOut)
async def update_tier(
    tier_id: ParamId, body: TierPatch, ctx: Ctx = Depends(require("loyalty:manage"))
) -> TierOut:
    """Rename a tier, move its threshold or replace its benefits (the rank stays); `null` fields are
    ignored. Thresholds must still rise with rank (`invalid_tier`); `unknown_tier`,
    `unknown_coupon_template`. Nobody moves now: only on their next order, earning or evaluation."""
    values = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    return TierOut.model_validate(await tiers.update_tier(ctx, tier_id, values))


@router.post("/tiers/evaluate", tags=["tiers"])
async def evaluate_tiers(ctx: Ctx = Depends(require("loyalty:manage"))) -> dict[str, int]:
    """Run the evaluation now for this workspace (it also runs daily)."""
    return await tiers.evaluate(ctx)


@router.post("/members/{member_id}/tier", tags=["tiers"], response_model=TierChangeOut)
async def set_member_tier(
    member_id: ParamId, body: SetTierIn, ctx: Ctx = Depends(idempotent("loyalty:manage"))
) -> TierChangeOut:
    """Put a member on a tier by hand (`tier_id: null`: no tier); the history records `manual`, the
    audit log the reason, and `tier.changed` is announced; no welcome coupons. `unknown_member`,
    `member_inactive`, `unknown_tier`, `reason_required`. The daily evaluation may move them again."""
    await tiers.set_tier(ctx, member_id, body.tier_id, body.reason)
    change = (await tiers.history(ctx, member_id))[-1]
    return TierChangeOut.model_validate(change)


@router.get("/members/{member_id}/tier-history", tags=["tiers"], response_model=Page[TierChangeOut])
async def tier_history(
    member_id: ParamId,
    ctx: Ctx = Depends(require("members:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[TierChangeOut]:
    """The member's tier history, oldest first: `upgrade`, `downgrade`, `manual`, and `grace_started` /
    `grace_cleared` rows, which record a grace period and leave the tier as it was. `unknown_member`."""
    changes = await tiers.history(ctx, member_id)
    return Page[TierChangeOut].of(changes, cursor, limit, TierChangeOut.model_validate)
