"""分销 Distribution: distributors (appoint, suspend, decide applications), commission
plans, withdrawal requests to approve or reject, a distributor's page with its team tree
and ledger.

Every write calls the service the API's endpoint calls (:mod:`yutang.distribution.service`,
:mod:`yutang.distribution.commissions`), under its permission, in the request's
transaction; a refused form raises :class:`FormRefused`, so nothing of it is kept. Ticked
distributors are changed all or none.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from yutang.auth.permissions import allowed
from yutang.distribution import commissions, figures, repository, service
from yutang.distribution.schemas import (
    AppointIn,
    CommissionOut,
    DecisionIn,
    DistributorOut,
    LevelIn,
    LevelOut,
    LevelPatch,
    PlanIn,
    PlanOut,
    PlanPatch,
    SettingsIn,
    SettingsOut,
    WithdrawalOut,
)
from yutang.kit.context import Ctx
from yutang.kit.errors import BadRequest, YutangError
from yutang.kit.pagination import page_of
from yutang.members import service as members
from yutang.members.service import MemberView
from yutang.models.distribution import Distributor
from yutang.models.members import Member
from yutang.web.console.frame import (
    FormRefused,
    Submitted,
    can,
    field_errors,
    header,
    may,
    money,
    refusal_status,
    render,
    router,
    submitted,
)
from yutang.web.i18n import error_words, pick_language, translator, validation_words
from yutang.workspaces import repository as ws_repo

PAGE = 50
#: The statuses of yutang.models.distribution.Distributor (pending and rejected: applications).
STATUSES = ("pending", "active", "suspended", "rejected")
Action = Literal["approve", "reject", "suspend", "resume"]
ACTIONS: tuple[Action, ...] = ("approve", "reject", "suspend", "resume")
#: The form field a domain error is about, where the error itself names none.
FIELD_OF_CODE = {
    "unknown_member": "phone",
    "member_inactive": "phone",
    "unknown_distributor_code": "parent_code",
    "self_binding": "parent_code",
    "invalid_rate": "rates.0",
    "third_level_forbidden": "rates.0",
    "level_taken": "rank",
}


def basis_points(value: int | None) -> str:
    """Basis points as a percentage (1000 → 10%, 250 → 2.5%, 5 → 0.05%)."""
    if value is None:
        return "–"
    whole, part = divmod(abs(value), 100)
    sign = "-" if value < 0 else ""
    return f"{sign}{whole:,}%" if not part else f"{sign}{whole:,}.{part:02d}".rstrip("0") + "%"


def signed(cents: int | None) -> str:
    """A movement of money: +¥12.00, -¥3.50, – for none."""
    if not cents:
        return "–"
    return ("+" if cents > 0 else "") + money(cents)


async def _page(request: Request, ctx: Ctx, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page of the module: the frame, the caller's role and the module's formatters."""
    return render(
        request,
        template,
        status,
        pct=basis_points,
        signed=signed,
        may=may(ctx),
        **await header(ctx),
        **context,
    )


async def _refused(
    request: Request, ctx: Ctx, template: str, errors: dict[str, str], status: int, **context: Any
) -> FormRefused:
    """The page again, with ``errors`` (form field → words) beside their fields."""
    return FormRefused(await _page(request, ctx, template, status, errors=errors, **context))


def _errors(
    exc: Exception, lang: str, money_fields: Iterable[str] = (), percent_fields: Iterable[str] = ()
) -> dict[str, str]:
    """The errors of ``exc`` by form field, in words; the limits of a field typed in yuan
    or as a percentage are told in yuan or as a percentage (not in cents or basis points)."""
    if not isinstance(exc, ValidationError):
        return field_errors(exc, lang)
    as_money, as_percent = set(money_fields), set(percent_fields)
    found: dict[str, str] = {}
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"]) or "_"
        limits = dict(error.get("ctx") or {})
        shown = money if name in as_money else basis_points if name in as_percent else None
        if shown is not None:
            limits = {k: shown(v) if isinstance(v, int) else v for k, v in limits.items()}
        found.setdefault(name, validation_words(error["type"], lang, limits))
    return found


async def _refuse(
    request: Request,
    ctx: Ctx,
    template: str,
    exc: Exception,
    money_fields: Iterable[str] = (),
    percent_fields: Iterable[str] = (),
    **context: Any,
) -> FormRefused:
    """The page again, with the errors of ``exc`` beside their fields."""
    errors = _errors(exc, pick_language(request), money_fields, percent_fields)
    if isinstance(exc, YutangError) and "_" in errors and str(exc.code) in FIELD_OF_CODE:
        errors[FIELD_OF_CODE[str(exc.code)]] = errors.pop("_")
    status = refusal_status(exc)
    return await _refused(request, ctx, template, errors, status, **context)


def _failed_id(exc: Exception) -> int | None:
    """The distributor a refusal names, if it names one."""
    details = exc.details if isinstance(exc, YutangError) and isinstance(exc.details, dict) else {}
    found = details.get("distributor_id")
    return found if isinstance(found, int) else None


async def people(ctx: Ctx, member_ids: Iterable[int | None]) -> dict[int, MemberView]:
    """The members behind distributors and buyers, as the caller may see them: masked
    unless their role reads personal data; store staff see the members they own only."""
    ids = sorted({i for i in member_ids if i is not None})
    if not ids:
        return {}
    rows, _, _ = await members.matching(ctx, Member.id.in_(ids), None, len(ids))
    views = await members.views(ctx, rows, pii=allowed(ctx.actor.role, "members:pii"))
    return {v.member.id: v for v in views}


async def act_many(ctx: Ctx, distributor_ids: list[int], action: Action, note: str = "") -> list[Distributor]:
    """Decide applications, or suspend / resume distributors — the API's calls, for one
    or several at once (all or none)."""
    if action in ("approve", "reject"):
        body = DecisionIn.model_validate({"decision": action, "note": note})
        return await service.decide_many(ctx, distributor_ids, body.decision, body.note)
    return await service.set_status_many(
        ctx, distributor_ids, "suspended" if action == "suspend" else "active"
    )


# --- distributors ----------------------------------------------------------------------


def _filters(status: str | None) -> dict[str, str]:
    return {"status": status} if status in STATUSES else {}


async def _list_context(ctx: Ctx, status: str | None, cursor: str | None) -> dict[str, Any]:
    """What the distributors page shows, as plain values (kept as they were when a bulk
    action is refused and rolled back)."""
    chosen = _filters(status)
    rows = await repository.distributors(
        ctx.session, ctx.workspace_id, status=chosen.get("status"), cursor=cursor, limit=PAGE
    )
    items, nxt = page_of(rows, PAGE, lambda d: d.id)
    shown = [DistributorOut.model_validate(d) for d in items]
    return {
        "distributors": shown,
        "who": await people(ctx, [d.member_id for d in shown]),
        "level_names": {lv.id: lv.name for lv in await service.levels(ctx)},
        "next_cursor": nxt,
        "cursor": cursor or "",
        "chosen": chosen,
        "query": urlencode(chosen),
        "statuses": STATUSES,
        "tab": "applications" if chosen.get("status") == "pending" else "distributors",
    }


@router.get("/console/distribution", response_class=HTMLResponse)
async def distributors_page(
    request: Request,
    ctx: Ctx = Depends(can("members:read")),
    status: str | None = None,
    cursor: str | None = None,
    done: str | None = None,
) -> HTMLResponse:
    return await _page(
        request,
        ctx,
        "console/distribution/distributors.html",
        **await _list_context(ctx, status, cursor),
        values={},
        errors={},
        done=done,
    )


@router.post("/console/distribution/appoint")
async def appoint(request: Request, ctx: Ctx = Depends(can("distribution:manage"))) -> Response:
    """Make the member with this phone number a distributor, or record their application
    (``apply_only``) — what ``POST /distribution/distributors`` does."""
    form = await submitted(request)
    lang = pick_language(request)
    values = {
        "phone": form.text("phone") or "",
        "parent_code": form.text("parent_code") or "",
        "apply_only": form.flag("apply_only"),
    }
    template = "console/distribution/distributors.html"

    async def again(errors: dict[str, str], status: int = 422) -> FormRefused:
        return await _refused(
            request, ctx, template, errors, status, **await _list_context(ctx, None, None), values=values
        )

    if not values["phone"]:
        raise await again({"phone": validation_words("missing", lang)})
    try:
        member = await members.find_by_identity(ctx, "phone", str(values["phone"]))
    except BadRequest:
        raise await again({"phone": translator(lang)("invalid_phone")}) from None
    if member is None:
        raise await again({"phone": error_words("unknown_member", lang, "")}, 404)
    try:
        body = AppointIn.model_validate(
            {
                "member_id": member.id,
                "parent_code": values["parent_code"] or None,
                "apply_only": values["apply_only"],
            }
        )
        parent = await service.by_code(ctx, body.parent_code) if body.parent_code else None
        _, created = await service.become(
            ctx, body.member_id, "approved", parent=parent, pending=body.apply_only
        )
    except (ValidationError, YutangError) as exc:
        raise await _refuse(
            request, ctx, template, exc, **await _list_context(ctx, None, None), values=values
        ) from None
    if not created:
        return RedirectResponse("/console/distribution?done=already", status_code=303)
    if body.apply_only:
        return RedirectResponse("/console/distribution?status=pending&done=applied", status_code=303)
    return RedirectResponse("/console/distribution?done=appointed", status_code=303)


@router.post("/console/distribution/bulk")
async def distributors_bulk(request: Request, ctx: Ctx = Depends(can("distribution:manage"))) -> Response:
    """Approve or reject the ticked applications, or suspend or resume the ticked
    distributors — all or none: one that cannot be changed refuses the whole action."""
    form = await submitted(request)
    action = form.text("action")
    ids = form.ids("distributor_id")
    status, cursor = form.text("status"), form.text("cursor")
    back = urlencode(_filters(status) | ({"cursor": cursor} if cursor else {}))
    if action not in ACTIONS or not ids:
        return RedirectResponse(f"/console/distribution?done=none&{back}".rstrip("&"), status_code=303)
    note = form.text("note") or ""
    # What the page shows if the action is refused: the rows as they were.
    before = await _list_context(ctx, status, cursor)
    try:
        await act_many(ctx, ids, action, note)
    except (ValidationError, YutangError) as exc:
        errors = field_errors(exc, pick_language(request))
        if "_" in errors:
            errors["bulk"] = errors.pop("_")
        raise await _refused(
            request,
            ctx,
            "console/distribution/distributors.html",
            errors,
            refusal_status(exc),
            **before,
            values={"note": note},
            failed=_failed_id(exc),
        ) from None
    return RedirectResponse(
        f"/console/distribution?done={action}:{len(ids)}&{back}".rstrip("&"), status_code=303
    )


# --- a distributor's page --------------------------------------------------------------


async def _distributor_context(
    ctx: Ctx, distributor_id: int, cursor: str | None, entries_cursor: str | None
) -> dict[str, Any]:
    """One distributor: their facts and figures, their team two levels deep, their
    commissions and ledger (each paged) — what the API's reads of them answer."""
    dist = await service.get_distributor(ctx, distributor_id)
    level1, level2 = await service.team(ctx, dist)
    team = await repository.distributors_by_id(
        ctx.session, ctx.workspace_id, [*level1, *level2, *([dist.parent_id] if dist.parent_id else [])]
    )
    under: dict[int, list[int]] = {}
    for did in level2:
        parent_id = team[did].parent_id if did in team else None
        if parent_id is not None:
            under.setdefault(parent_id, []).append(did)
    reads_figures = allowed(ctx.actor.role, "stats:read")
    numbers = (
        {f.distributor_id: f for f in await figures.per_distributor(ctx, [dist.id, *level1, *level2])}
        if reads_figures
        else {}
    )
    context: dict[str, Any] = {
        "d": DistributorOut.model_validate(dist),
        "figures": numbers.get(dist.id),
        "team_figures": numbers,
        "level1": [team[i] for i in level1 if i in team],
        "under": {k: [team[i] for i in v] for k, v in under.items()},
        "team_size": len(level1) + len(level2),
        "team_sales": await service.team_sales(ctx, dist),
        "parent": team.get(dist.parent_id) if dist.parent_id else None,
        "level_names": {lv.id: lv.name for lv in await service.levels(ctx)},
        "commissions": [],
        "entries": [],
        "next_cursor": None,
        "next_entries": None,
        "tab": "distributors",
    }
    buyers: list[int | None] = []
    if allowed(ctx.actor.role, "orders:read"):
        rows = await repository.commissions(
            ctx.session,
            ctx.workspace_id,
            distributor_id=dist.id,
            order_id=None,
            status=None,
            cursor=cursor,
            limit=PAGE,
        )
        items, context["next_cursor"] = page_of(rows, PAGE, lambda c: c.id)
        context["commissions"] = [CommissionOut.model_validate(c) for c in items]
        buyers = [c.buyer_id for c in items]
        ledger = await repository.entries(
            ctx.session, ctx.workspace_id, distributor_id=dist.id, cursor=entries_cursor, limit=PAGE
        )
        context["entries"], context["next_entries"] = page_of(ledger, PAGE, lambda e: e.id)
    context["who"] = await people(ctx, [dist.member_id, *(t.member_id for t in team.values()), *buyers])
    return context


@router.get("/console/distribution/distributors/{distributor_id}", response_class=HTMLResponse)
async def distributor_page(
    request: Request,
    distributor_id: int,
    ctx: Ctx = Depends(can("members:read")),
    cursor: str | None = None,
    entries_cursor: str | None = None,
    done: str | None = None,
) -> HTMLResponse:
    return await _page(
        request,
        ctx,
        "console/distribution/distributor.html",
        **await _distributor_context(ctx, distributor_id, cursor, entries_cursor),
        values={},
        errors={},
        done=done,
    )


@router.post("/console/distribution/distributors/{distributor_id}/customers")
async def bind_customer(
    request: Request, distributor_id: int, ctx: Ctx = Depends(can("members:write"))
) -> Response:
    """Bind the customer with this phone number to the distributor (an order the shop
    could not attribute, a customer who forgot the code) — ``POST /distribution/bindings``:
    the first binding stays, so a customer bound elsewhere is refused, not moved."""
    form = await submitted(request)
    lang = pick_language(request)
    phone = form.text("customer_phone") or ""
    template = "console/distribution/distributor.html"

    async def again(errors: dict[str, str], status: int = 422) -> FormRefused:
        context = await _distributor_context(ctx, distributor_id, None, None)
        return await _refused(
            request, ctx, template, errors, status, **context, values={"customer_phone": phone}, done=None
        )

    dist = await service.get_distributor(ctx, distributor_id)
    if not phone:
        raise await again({"customer_phone": validation_words("missing", lang)})
    try:
        member = await members.find_by_identity(ctx, "phone", phone)
    except BadRequest:
        raise await again({"customer_phone": translator(lang)("invalid_phone")}) from None
    if member is None:
        raise await again({"customer_phone": error_words("unknown_member", lang, "")}, 404)
    try:
        await service.bind(ctx, member.id, dist, "code")
    except YutangError as exc:
        raise await again(
            {"customer_phone": error_words(exc.code, lang, exc.message)}, exc.status_code
        ) from None
    return RedirectResponse(
        f"/console/distribution/distributors/{distributor_id}?done=bound", status_code=303
    )


@router.post("/console/distribution/distributors/{distributor_id}/{action}")
async def distributor_action(
    request: Request, distributor_id: int, action: Action, ctx: Ctx = Depends(can("distribution:manage"))
) -> Response:
    """Approve or reject their application, suspend or reinstate them (asks first)."""
    form = await submitted(request)
    note = form.text("note") or ""
    try:
        await act_many(ctx, [distributor_id], action, note)
    except (ValidationError, YutangError) as exc:
        raise await _refuse(
            request,
            ctx,
            "console/distribution/distributor.html",
            exc,
            **await _distributor_context(ctx, distributor_id, None, None),
            values={"note": note},
            done=None,
        ) from None
    return RedirectResponse(
        f"/console/distribution/distributors/{distributor_id}?done={action}", status_code=303
    )


# --- withdrawals -----------------------------------------------------------------------


async def _withdrawals_context(ctx: Ctx, cursor: str | None, done_cursor: str | None) -> dict[str, Any]:
    """The requests waiting for a decision first, then those decided, each paged."""
    waiting = await repository.withdrawals(
        ctx.session, ctx.workspace_id, status="requested", cursor=cursor, limit=PAGE
    )
    decided = await repository.withdrawals(
        ctx.session, ctx.workspace_id, status=None, cursor=done_cursor, limit=PAGE, exclude_status="requested"
    )
    requested, next_cursor = page_of(waiting, PAGE, lambda w: w.id)
    finished, next_done = page_of(decided, PAGE, lambda w: w.id)
    by_id = await repository.distributors_by_id(
        ctx.session, ctx.workspace_id, [w.distributor_id for w in [*requested, *finished]]
    )
    return {
        "requested": [WithdrawalOut.model_validate(w) for w in requested],
        "decided": [WithdrawalOut.model_validate(w) for w in finished],
        "next_cursor": next_cursor,
        "next_done": next_done,
        "cursor": cursor or "",
        "done_cursor": done_cursor or "",
        "distributors": {i: DistributorOut.model_validate(d) for i, d in by_id.items()},
        "who": await people(ctx, [d.member_id for d in by_id.values()]),
        # Who decided: console users by name (the others by the kind of door they used).
        "deciders": {
            f"user:{uid}": name or email
            for uid, email, name, _ in await ws_repo.members(ctx.session, ctx.workspace_id)
        },
        "tab": "withdrawals",
    }


@router.get("/console/distribution/withdrawals", response_class=HTMLResponse)
async def withdrawals_page(
    request: Request,
    ctx: Ctx = Depends(can("orders:read")),
    cursor: str | None = None,
    done_cursor: str | None = None,
    done: str | None = None,
) -> HTMLResponse:
    return await _page(
        request,
        ctx,
        "console/distribution/withdrawals.html",
        **await _withdrawals_context(ctx, cursor, done_cursor),
        row_id=None,
        values={},
        errors={},
        done=done,
    )


@router.post("/console/distribution/withdrawals/{withdrawal_id}/decision")
async def decide_withdrawal(
    request: Request, withdrawal_id: int, ctx: Ctx = Depends(can("distribution:manage"))
) -> Response:
    """Pay a withdrawal out or reject it (back to available), with a reason — what
    ``POST /distribution/withdrawals/{id}/decision`` does. A rejection says why."""
    form = await submitted(request)
    values = {"decision": form.text("decision") or "", "note": form.text("note") or ""}
    lang = pick_language(request)
    cursor, done_cursor = form.text("cursor"), form.text("done_cursor")

    async def again(errors: dict[str, str], status: int) -> FormRefused:
        return await _refused(
            request,
            ctx,
            "console/distribution/withdrawals.html",
            errors,
            status,
            **await _withdrawals_context(ctx, cursor, done_cursor),
            row_id=withdrawal_id,
            values=values,
        )

    try:
        body = DecisionIn.model_validate(values)
        if body.decision == "reject" and not body.note:
            raise await again({"note": translator(lang)("dist_reject_reason_needed")}, 422)
        w = await commissions.decide_withdrawal(ctx, withdrawal_id, body.decision, body.note)
    except (ValidationError, YutangError) as exc:
        errors = field_errors(exc, lang)
        if "decision" in errors:
            errors["_"] = errors.pop("decision")
        raise await again(errors, refusal_status(exc)) from None
    back = urlencode({k: v for k, v in (("cursor", cursor), ("done_cursor", done_cursor)) if v})
    return RedirectResponse(
        f"/console/distribution/withdrawals?done={w.status}:{w.id}&{back}".rstrip("&"), status_code=303
    )


# --- amounts typed in forms --------------------------------------------------------------


def hundredths(text: str | None) -> int | None:
    """An amount typed with at most two decimals, in hundredths: yuan → cents
    ("¥1,200.50" → 120050), a percentage → basis points ("2.5" → 250). None for empty;
    ValueError for what is no such number."""
    if text is None:
        return None
    cleaned = text.translate({ord(c): None for c in ",，¥￥% "})
    try:
        value = Decimal(cleaned) * 100
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite() or value != value.to_integral_value() or abs(value) > 10**15:
        raise ValueError(text)
    return int(value)


def _hundredths_text(value: int | None) -> str:
    """Hundredths as typed back in a form (1000 → "10", 250 → "2.5", 1505 → "15.05")."""
    if value is None:
        return ""
    whole, part = divmod(abs(value), 100)
    text = f"{'-' if value < 0 else ''}{whole}" + (f".{part:02d}".rstrip("0") if part else "")
    return text


class _Amounts:
    """Amounts read from a form; the fields typed wrong, with why, in words."""

    def __init__(self, lang: str) -> None:
        self.lang, self.t = lang, translator(lang)
        self.errors: dict[str, str] = {}

    def read(self, name: str, text: str | None, words: str) -> int | None:
        try:
            return hundredths(text)
        except ValueError:
            self.errors[name] = self.t(words)
            return None


# --- commission plans --------------------------------------------------------------------


def _plan_values(form: Submitted, amounts: _Amounts) -> tuple[dict[str, Any], dict[str, Any]]:
    """The form as typed (to show again) and as the API's payload (``PlanIn``): rates in
    percent for a percentage plan, in yuan per unit for a fixed one."""
    kind = form.text("kind") or "percent"
    typed = {
        "name": form.text("name") or "",
        "kind": kind,
        "rates.0": form.text("rates.0") or "",
        "rates.1": form.text("rates.1") or "",
        "product_ids": ", ".join(form.words("product_ids")),
        "categories": ", ".join(form.words("categories")),
        "active": form.flag("active"),
    }
    words = "dist_bad_percent" if kind == "percent" else "dist_bad_money"
    rates = [amounts.read(f"rates.{i}", form.text(f"rates.{i}"), words) for i in (0, 1)]
    if rates[0] is None and "rates.0" not in amounts.errors:
        amounts.errors["rates.0"] = validation_words(
            "missing", "en" if amounts.t("all") == "All" else "zh-CN"
        )
    payload = {
        "name": typed["name"],
        "kind": kind,
        "rates": [r for r in rates if r is not None],
        "product_ids": form.words("product_ids"),
        "categories": form.words("categories"),
        "active": typed["active"],
    }
    return typed, payload


def _plan_as_values(plan: PlanOut) -> dict[str, Any]:
    return {
        "name": plan.name,
        "kind": plan.kind,
        **{f"rates.{i}": _hundredths_text(r) for i, r in enumerate(plan.rates[:2])},
        "product_ids": ", ".join(plan.product_ids),
        "categories": ", ".join(plan.categories),
        "active": plan.active,
    }


async def _plans_context(ctx: Ctx) -> dict[str, Any]:
    return {
        "plans": [PlanOut.model_validate(p) for p in await service.plans(ctx)],
        "kinds": ("percent", "fixed"),
        "tab": "plans",
    }


@router.get("/console/distribution/plans", response_class=HTMLResponse)
async def plans_page(
    request: Request, ctx: Ctx = Depends(can("members:read")), done: str | None = None
) -> HTMLResponse:
    return await _page(
        request,
        ctx,
        "console/distribution/plans.html",
        **await _plans_context(ctx),
        plan=None,
        values={"kind": "percent", "active": True},
        errors={},
        done=done,
    )


async def _save_plan(request: Request, ctx: Ctx, plan: PlanOut | None) -> Response:
    form = await submitted(request)
    lang = pick_language(request)
    amounts = _Amounts(lang)
    typed, payload = _plan_values(form, amounts)
    template = "console/distribution/plan.html" if plan else "console/distribution/plans.html"
    context = {**await _plans_context(ctx), "plan": plan, "values": typed}
    if amounts.errors:
        raise await _refused(request, ctx, template, amounts.errors, 422, **context)
    fixed = payload["kind"] == "fixed"
    limits = {"money_fields": ("rates.0", "rates.1")} if fixed else {"percent_fields": ("rates.0", "rates.1")}
    try:
        if plan is None:
            made = await service.create_plan(ctx, PlanIn.model_validate(payload).model_dump())
        else:
            change = PlanPatch.model_validate(payload).model_dump(exclude_unset=True)
            made = await service.update_plan(ctx, plan.id, change)
    except (ValidationError, YutangError) as exc:
        raise await _refuse(request, ctx, template, exc, **limits, **context) from None
    return RedirectResponse(
        f"/console/distribution/plans?done={'plan_saved' if plan else 'plan_created'}#plan-{made.id}",
        status_code=303,
    )


@router.post("/console/distribution/plans")
async def create_plan(request: Request, ctx: Ctx = Depends(can("distribution:manage"))) -> Response:
    """A commission plan — what ``POST /distribution/plans`` does."""
    return await _save_plan(request, ctx, None)


@router.get("/console/distribution/plans/{plan_id}", response_class=HTMLResponse)
async def plan_page(
    request: Request, plan_id: int, ctx: Ctx = Depends(can("distribution:manage"))
) -> HTMLResponse:
    plan = PlanOut.model_validate(await service.get_plan(ctx, plan_id))
    return await _page(
        request,
        ctx,
        "console/distribution/plan.html",
        **await _plans_context(ctx),
        plan=plan,
        values=_plan_as_values(plan),
        errors={},
    )


@router.post("/console/distribution/plans/{plan_id}")
async def edit_plan(
    request: Request, plan_id: int, ctx: Ctx = Depends(can("distribution:manage"))
) -> Response:
    """Change a plan: its rates, what it covers, whether it is active — what
    ``PATCH /distribution/plans/{id}`` does (:func:`yutang.distribution.service.update_plan`);
    commission already earned stays as it was."""
    plan = PlanOut.model_validate(await service.get_plan(ctx, plan_id))
    return await _save_plan(request, ctx, plan)


# --- levels ------------------------------------------------------------------------------


async def _levels_context(ctx: Ctx) -> dict[str, Any]:
    return {"levels": [LevelOut.model_validate(lv) for lv in await service.levels(ctx)], "tab": "levels"}


@router.get("/console/distribution/levels", response_class=HTMLResponse)
async def levels_page(
    request: Request, ctx: Ctx = Depends(can("members:read")), done: str | None = None
) -> HTMLResponse:
    return await _page(
        request,
        ctx,
        "console/distribution/levels.html",
        **await _levels_context(ctx),
        level=None,
        values={},
        errors={},
        done=done,
    )


def _level_values(form: Submitted, amounts: _Amounts) -> tuple[dict[str, Any], dict[str, Any]]:
    """The form as typed (to show again) and as the API's payload (``LevelIn`` /
    ``LevelPatch``): team sales in yuan, the bonus in percent; empty thresholds are none."""
    typed = {
        k: form.text(k) or "" for k in ("name", "rank", "min_team_size", "min_team_sales_cents", "bonus_bp")
    }
    payload: dict[str, Any] = {
        "name": typed["name"],
        "rank": form.number("rank"),
        "min_team_size": form.number("min_team_size") or 0,
        "min_team_sales_cents": amounts.read(
            "min_team_sales_cents", form.text("min_team_sales_cents"), "dist_bad_money"
        )
        or 0,
        "bonus_bp": amounts.read("bonus_bp", form.text("bonus_bp"), "dist_bad_percent") or 0,
    }
    return typed, payload


def _level_as_values(level: LevelOut) -> dict[str, Any]:
    return {
        "name": level.name,
        "rank": level.rank,
        "min_team_size": level.min_team_size,
        "min_team_sales_cents": _hundredths_text(level.min_team_sales_cents),
        "bonus_bp": _hundredths_text(level.bonus_bp),
    }


async def _save_level(request: Request, ctx: Ctx, level: LevelOut | None) -> Response:
    form = await submitted(request)
    amounts = _Amounts(pick_language(request))
    typed, payload = _level_values(form, amounts)
    context = {**await _levels_context(ctx), "level": level, "values": typed}
    template = "console/distribution/level.html" if level else "console/distribution/levels.html"
    if amounts.errors:
        raise await _refused(request, ctx, template, amounts.errors, 422, **context)
    try:
        if level is None:
            await service.create_level(ctx, LevelIn.model_validate(payload).model_dump())
        else:
            change = LevelPatch.model_validate(payload).model_dump(exclude_unset=True)
            await service.update_level(ctx, level.id, change)
    except (ValidationError, YutangError) as exc:
        raise await _refuse(
            request,
            ctx,
            template,
            exc,
            money_fields=("min_team_sales_cents",),
            percent_fields=("bonus_bp",),
            **context,
        ) from None
    done = "level_saved" if level else "level_created"
    return RedirectResponse(f"/console/distribution/levels?done={done}", status_code=303)


@router.post("/console/distribution/levels")
async def create_level(request: Request, ctx: Ctx = Depends(can("distribution:manage"))) -> Response:
    """A distributor level — what ``POST /distribution/levels`` does."""
    return await _save_level(request, ctx, None)


@router.get("/console/distribution/levels/{level_id}", response_class=HTMLResponse)
async def level_page(
    request: Request, level_id: int, ctx: Ctx = Depends(can("distribution:manage"))
) -> HTMLResponse:
    level = LevelOut.model_validate(await service.get_level(ctx, level_id))
    return await _page(
        request,
        ctx,
        "console/distribution/level.html",
        **await _levels_context(ctx),
        level=level,
        values=_level_as_values(level),
        errors={},
    )


@router.post("/console/distribution/levels/{level_id}")
async def edit_level(
    request: Request, level_id: int, ctx: Ctx = Depends(can("distribution:manage"))
) -> Response:
    """Change a level: its name, rank, thresholds, bonus — what ``PATCH
    /distribution/levels/{id}`` does (:func:`yutang.distribution.service.update_level`);
    nobody moves at once and commission already earned stays as it was."""
    level = LevelOut.model_validate(await service.get_level(ctx, level_id))
    return await _save_level(request, ctx, level)


# --- settings ----------------------------------------------------------------------------


def _settings_as_values(conf: SettingsOut) -> dict[str, Any]:
    return {
        "self_purchase": conf.self_purchase,
        "refund_window_days": conf.refund_window_days,
        "min_withdrawal_cents": _hundredths_text(conf.min_withdrawal_cents),
        "task_entry.orders": conf.task_entry.get("orders", ""),
        "task_entry.checkin_streak": conf.task_entry.get("checkin_streak", ""),
        "gift_pack_product_ids": ", ".join(conf.gift_pack_product_ids),
        "bind_invitees": conf.bind_invitees,
    }


@router.get("/console/distribution/settings", response_class=HTMLResponse)
async def settings_page(
    request: Request, ctx: Ctx = Depends(can("members:read")), done: str | None = None
) -> HTMLResponse:
    conf = SettingsOut.model_validate(await service.settings(ctx))
    return await _page(
        request,
        ctx,
        "console/distribution/settings.html",
        conf=conf,
        values=_settings_as_values(conf),
        errors={},
        done=done,
        tab="settings",
    )


@router.post("/console/distribution/settings")
async def save_settings(request: Request, ctx: Ctx = Depends(can("distribution:manage"))) -> Response:
    """The workspace's distribution rules — what ``PATCH /distribution/settings`` does
    (every setting is sent; a task left empty is no task)."""
    form = await submitted(request)
    lang = pick_language(request)
    amounts = _Amounts(lang)
    typed = {
        "self_purchase": form.flag("self_purchase"),
        "refund_window_days": form.text("refund_window_days") or "",
        "min_withdrawal_cents": form.text("min_withdrawal_cents") or "",
        "task_entry.orders": form.text("task_entry.orders") or "",
        "task_entry.checkin_streak": form.text("task_entry.checkin_streak") or "",
        "gift_pack_product_ids": ", ".join(form.words("gift_pack_product_ids")),
        "bind_invitees": form.flag("bind_invitees"),
    }
    tasks = {k: form.number(f"task_entry.{k}") for k in ("orders", "checkin_streak")}
    payload: dict[str, Any] = {
        "self_purchase": typed["self_purchase"],
        "refund_window_days": form.number("refund_window_days"),
        "min_withdrawal_cents": amounts.read(
            "min_withdrawal_cents", form.text("min_withdrawal_cents"), "dist_bad_money"
        ),
        "task_entry": {k: v for k, v in tasks.items() if v is not None},
        "gift_pack_product_ids": form.words("gift_pack_product_ids"),
        "bind_invitees": typed["bind_invitees"],
    }
    conf = SettingsOut.model_validate(await service.settings(ctx))
    context = {"conf": conf, "values": typed, "tab": "settings"}
    template = "console/distribution/settings.html"
    for name in ("refund_window_days", "min_withdrawal_cents"):
        if payload[name] is None and name not in amounts.errors:
            amounts.errors[name] = validation_words("missing", lang)
    if amounts.errors:
        raise await _refused(request, ctx, template, amounts.errors, 422, **context)
    try:
        body = SettingsIn.model_validate(payload)
        await service.configure(ctx, body.model_dump(exclude_unset=True))
    except (ValidationError, YutangError) as exc:
        errors = _errors(exc, lang, money_fields=("min_withdrawal_cents",))
        if "_" in errors:  # the task rule as a whole: beside the task typed out of range
            wrong = [f"task_entry.{k}" for k, v in tasks.items() if isinstance(v, int) and not 1 <= v <= 365]
            errors[wrong[0] if wrong else "task_entry.orders"] = translator(lang)("dist_task_range")
            errors.pop("_")
        raise await _refused(
            request,
            ctx,
            template,
            errors,
            refusal_status(exc),
            **context,
        ) from None
    return RedirectResponse("/console/distribution/settings?done=settings_saved", status_code=303)
