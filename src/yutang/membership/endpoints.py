"""HTTP API of paid membership: plans, purchases, subscriptions and benefits.

A purchase takes an ``Idempotency-Key``: a retried request replays the first answer.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Response

from yutang.auth.dependencies import idempotent, require
from yutang.kit.context import Ctx
from yutang.kit.http import also_200, api_router
from yutang.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, Page
from yutang.kit.schemas import ParamId
from yutang.membership import repository
from yutang.membership import service as membership
from yutang.membership.schemas import PlanIn, PlanOut, PlanPatch, PurchaseIn, SubscriptionOut

router = api_router(prefix="/api/v1")


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
    rows = await repository.plans(ctx.session, ctx.workspace_id)
    return Page[PlanOut].of(rows, cursor, limit, PlanOut.model_validate)


@router.patch("/membership-plans/{plan_id}", tags=["membership"], response_model=PlanOut)
async def update_plan(
    plan_id: ParamId, body: PlanPatch, ctx: Ctx = Depends(require("loyalty:manage"))
) -> PlanOut:
    """Change a plan; only fields sent change (`null` leaves one as it is). A new price or period
    applies to purchases and renewals from now on and a new welcome gift to new terms: subscriptions
    keep the ends they have. Benefits apply to every active subscription, current ones included.
    `active: false` stops selling the plan (a purchase answers `plan_inactive`); `true` sells it
    again. `invalid_amount`, `invalid_plan`, `unknown_coupon_template`, `unknown_plan`."""
    return PlanOut.model_validate(await membership.update_plan(ctx, plan_id, body.changes()))


@router.post(
    "/members/{member_id}/subscriptions",
    tags=["membership"],
    status_code=201,
    response_model=SubscriptionOut,
    responses=also_200(SubscriptionOut, "A renewal: the term was extended, no second welcome gift"),
)
async def purchase(
    response: Response, member_id: ParamId, body: PurchaseIn, ctx: Ctx = Depends(idempotent("orders:write"))
) -> SubscriptionOut:
    """Record a paid plan purchase: a new term with its welcome gift, or a renewal."""
    sub, new_term = await membership.purchase(
        ctx, member_id, body.plan_id, payment_ref=body.payment_ref, amount_cents=body.amount_cents
    )
    response.status_code = 201 if new_term else 200
    return SubscriptionOut.model_validate(sub)


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
