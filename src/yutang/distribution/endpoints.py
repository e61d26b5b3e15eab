"""HTTP API of distribution (分销): settings, levels, commission plans, distributors and
their teams, customer bindings, commissions, withdrawals, figures."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query, Response

from yutang.auth.dependencies import idempotent, require
from yutang.distribution import commissions, figures, repository, service
from yutang.distribution.schemas import (
    AppointIn,
    BindIn,
    BindingOut,
    CommissionOut,
    DecisionIn,
    DistributorFigures,
    DistributorOut,
    LevelIn,
    LevelOut,
    LevelPatch,
    PlanIn,
    PlanOut,
    PlanPatch,
    SettingsIn,
    SettingsOut,
    TeamOut,
    WithdrawalOut,
    WithdrawIn,
)
from yutang.kit.context import Ctx
from yutang.kit.http import CSV_RESPONSE, api_router, csv_file
from yutang.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, page_of
from yutang.kit.schemas import ParamId

router = api_router(prefix="/api/v1/distribution", tags=["distribution"])


@router.get("/settings", response_model=SettingsOut)
async def get_settings(ctx: Ctx = Depends(require("members:read"))) -> SettingsOut:
    """The workspace's distribution rules: self-purchase commission, refund window, minimum
    withdrawal, task and gift-pack entry, binding of referral invitees (defaults until set)."""
    return SettingsOut.model_validate(await service.settings(ctx))


@router.patch("/settings", response_model=SettingsOut)
async def patch_settings(body: SettingsIn, ctx: Ctx = Depends(require("distribution:manage"))) -> SettingsOut:
    """Change the settings given; a null leaves that setting as it is. `task_entry` takes
    `orders` and `checkin_streak` (1-365 each), anything else is refused with 422."""
    return SettingsOut.model_validate(await service.configure(ctx, body.model_dump(exclude_unset=True)))


@router.post("/levels", status_code=201, response_model=LevelOut)
async def create_level(body: LevelIn, ctx: Ctx = Depends(require("distribution:manage"))) -> LevelOut:
    """Add a distributor level: the team size and team sales that reach it, and its extra level-1
    commission in basis points. `level_taken` if a level has that rank."""
    return LevelOut.model_validate(await service.create_level(ctx, body.model_dump()))


@router.get("/levels", response_model=Page[LevelOut])
async def list_levels(
    ctx: Ctx = Depends(require("members:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[LevelOut]:
    """Distributor levels by rank, with what it takes to reach each and its bonus."""
    return Page[LevelOut].of(await service.levels(ctx), cursor, limit, LevelOut.model_validate)


@router.patch("/levels/{level_id}", response_model=LevelOut)
async def update_level(
    level_id: ParamId, body: LevelPatch, ctx: Ctx = Depends(require("distribution:manage"))
) -> LevelOut:
    """Rename a level, move its rank or thresholds, change its bonus; `null` fields are ignored.
    Nobody moves now and commission already earned stays: a changed bonus pays on orders
    paid from now on. `level_taken` if another level has that rank; `unknown_distributor_level`."""
    return LevelOut.model_validate(
        await service.update_level(ctx, level_id, body.model_dump(exclude_unset=True))
    )


@router.post("/plans", status_code=201, response_model=PlanOut)
async def create_plan(body: PlanIn, ctx: Ctx = Depends(require("distribution:manage"))) -> PlanOut:
    """A plan with a third rate is refused (`third_level_forbidden`)."""
    return PlanOut.model_validate(await service.create_plan(ctx, body.model_dump()))


@router.patch("/plans/{plan_id}", response_model=PlanOut)
async def update_plan(
    plan_id: ParamId, body: PlanPatch, ctx: Ctx = Depends(require("distribution:manage"))
) -> PlanOut:
    """Rename a plan, change its rates, kind or what it covers, switch it off or on; `null`
    fields are ignored. The rates are checked with the kind as it will be (`invalid_rate`,
    `third_level_forbidden`). Commission already earned stays as it was: the plan pays on
    orders paid from now on. `unknown_commission_plan`."""
    return PlanOut.model_validate(
        await service.update_plan(ctx, plan_id, body.model_dump(exclude_unset=True))
    )


@router.get("/plans", response_model=Page[PlanOut])
async def list_plans(
    ctx: Ctx = Depends(require("members:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[PlanOut]:
    """Commission plans: rates by level, and the products or categories they cover."""
    return Page[PlanOut].of(await service.plans(ctx), cursor, limit, PlanOut.model_validate)


@router.post("/distributors", status_code=201, response_model=DistributorOut)
async def appoint(
    response: Response, body: AppointIn, ctx: Ctx = Depends(idempotent("distribution:manage"))
) -> DistributorOut:
    """Make a member a distributor (``apply_only``: record an application for review)."""
    parent = await service.by_code(ctx, body.parent_code) if body.parent_code else None
    dist, created = await service.become(
        ctx, body.member_id, "approved", parent=parent, pending=body.apply_only
    )
    response.status_code = 201 if created else 200
    return DistributorOut.model_validate(dist)


@router.get("/distributors", response_model=Page[DistributorOut])
async def list_distributors(
    status: Annotated[str | None, Query(max_length=32)] = None,
    ctx: Ctx = Depends(require("members:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[DistributorOut]:
    """Distributors, newest first (``status=pending``: the applications to review)."""
    rows = await repository.distributors(
        ctx.session, ctx.workspace_id, status=status, cursor=cursor, limit=limit
    )
    items, nxt = page_of(rows, limit, lambda d: d.id)
    return Page[DistributorOut](data=[DistributorOut.model_validate(d) for d in items], next_cursor=nxt)


@router.get("/distributors/{distributor_id}", response_model=DistributorOut)
async def get_distributor(
    distributor_id: ParamId, ctx: Ctx = Depends(require("members:read"))
) -> DistributorOut:
    """One distributor with their code, recruiter, level and commission balances in cents
    (`not_a_distributor` if there is no such distributor in the workspace)."""
    return DistributorOut.model_validate(await service.get_distributor(ctx, distributor_id))


@router.post("/distributors/{distributor_id}/decision", response_model=DistributorOut)
async def decide(
    distributor_id: ParamId, body: DecisionIn, ctx: Ctx = Depends(require("distribution:manage"))
) -> DistributorOut:
    """Approve an application (the member becomes an active distributor) or reject it (they may
    apply again). `not_an_application` unless the distributor is pending; `not_a_distributor`."""
    return DistributorOut.model_validate(await service.decide(ctx, distributor_id, body.decision, body.note))


@router.post("/distributors/{distributor_id}/suspend", response_model=DistributorOut)
async def suspend(
    distributor_id: ParamId, ctx: Ctx = Depends(require("distribution:manage"))
) -> DistributorOut:
    """Suspend an active distributor: they earn no new commission and cannot withdraw until
    resumed. A pending or rejected one is refused with `not_an_application`."""
    return DistributorOut.model_validate(await service.set_status(ctx, distributor_id, "suspended"))


@router.post("/distributors/{distributor_id}/resume", response_model=DistributorOut)
async def resume(
    distributor_id: ParamId, ctx: Ctx = Depends(require("distribution:manage"))
) -> DistributorOut:
    """Make a suspended distributor active again (an active one stays active). A pending or
    rejected one is refused with `not_an_application`."""
    return DistributorOut.model_validate(await service.set_status(ctx, distributor_id, "active"))


@router.get("/distributors/{distributor_id}/team", response_model=TeamOut)
async def team(distributor_id: ParamId, ctx: Ctx = Depends(require("members:read"))) -> TeamOut:
    """Who they recruited (level 1) and who those recruited (level 2). Never deeper."""
    dist = await service.get_distributor(ctx, distributor_id)
    level1, level2 = await service.team(ctx, dist)
    return TeamOut(
        distributor_id=dist.id,
        level1=level1,
        level2=level2,
        team_size=len(level1) + len(level2),
        team_sales_cents=await service.team_sales(ctx, dist),
    )


@router.post("/bindings", response_model=BindingOut)
async def bind(body: BindIn, ctx: Ctx = Depends(idempotent("members:write"))) -> BindingOut:
    """Bind a customer to the distributor whose code they came with (the first binding stays)."""
    dist = await service.by_code(ctx, body.code)
    binding = await service.bind(ctx, body.member_id, dist, "code")
    return BindingOut.model_validate(binding)


@router.get("/commissions", response_model=Page[CommissionOut])
async def list_commissions(
    distributor_id: ParamId | None = None,
    order_id: ParamId | None = None,
    status: Annotated[str | None, Query(max_length=32)] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
    ctx: Ctx = Depends(require("orders:read")),
) -> Page[CommissionOut]:
    """Commissions, newest first, filtered by distributor, order or `status` (`pending` inside
    the refund window, `available`, `reversed`); `level` 1 is the buyer's distributor, 2 their recruiter."""
    rows = await repository.commissions(
        ctx.session,
        ctx.workspace_id,
        distributor_id=distributor_id,
        order_id=order_id,
        status=status,
        cursor=cursor,
        limit=limit,
    )
    items, nxt = page_of(rows, limit, lambda r: r.id)
    return Page[CommissionOut](data=[CommissionOut.model_validate(c) for c in items], next_cursor=nxt)


@router.post("/distributors/{distributor_id}/withdrawals", status_code=201, response_model=WithdrawalOut)
async def withdraw(
    distributor_id: ParamId, body: WithdrawIn, ctx: Ctx = Depends(idempotent("members:write"))
) -> WithdrawalOut:
    """Ask to withdraw available commission (`below_minimum_withdrawal`, `insufficient_commission`)."""
    w = await commissions.withdraw(ctx, distributor_id, body.amount_cents)
    return WithdrawalOut.model_validate(w)


@router.get("/withdrawals", response_model=Page[WithdrawalOut])
async def list_withdrawals(
    status: Annotated[str | None, Query(max_length=32)] = None,
    ctx: Ctx = Depends(require("orders:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[WithdrawalOut]:
    """Withdrawals, newest first (``status=requested``: the ones waiting for a decision)."""
    rows = await repository.withdrawals(
        ctx.session, ctx.workspace_id, status=status, cursor=cursor, limit=limit
    )
    items, nxt = page_of(rows, limit, lambda w: w.id)
    return Page[WithdrawalOut](data=[WithdrawalOut.model_validate(w) for w in items], next_cursor=nxt)


@router.post("/withdrawals/{withdrawal_id}/decision", response_model=WithdrawalOut)
async def decide_withdrawal(
    withdrawal_id: ParamId, body: DecisionIn, ctx: Ctx = Depends(idempotent("distribution:manage"))
) -> WithdrawalOut:
    """Approve (paid out) or reject (back to available)."""
    w = await commissions.decide_withdrawal(ctx, withdrawal_id, body.decision, body.note)
    return WithdrawalOut.model_validate(w)


@router.get("/figures", response_model=Page[DistributorFigures], responses=CSV_RESPONSE)
async def distribution_figures(
    format: Literal["json", "csv"] = "json",
    ctx: Ctx = Depends(require("stats:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Response | Page[DistributorFigures]:
    """Per distributor: orders, sales, commissions pending / available / reversed /
    withdrawn, team size (``format=csv`` for a file)."""
    rows = await figures.per_distributor(ctx)
    if format == "csv":
        return csv_file(figures.to_csv(rows), "distributors.csv")
    return Page[DistributorFigures].of(rows, cursor, limit, lambda r: r)


@router.get("/figures/overall", response_model=dict[str, int])
async def overall_figures(ctx: Ctx = Depends(require("stats:read"))) -> dict[str, int]:
    """The same figures summed over every distributor."""
    return figures.overall(await figures.per_distributor(ctx))
