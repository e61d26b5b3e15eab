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
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from yutang.auth.permissions import allowed
from yutang.distribution import commissions, figures, repository, service
from yutang.distribution.schemas import AppointIn, CommissionOut, DecisionIn, DistributorOut, WithdrawalOut
from yutang.kit.context import Ctx
from yutang.kit.errors import BadRequest, YutangError
from yutang.kit.pagination import page_of
from yutang.members import service as members
from yutang.members.service import MemberView
from yutang.models.distribution import Distributor
from yutang.models.members import Member
from yutang.web.console.frame import (
    FormRefused,
    can,
    field_errors,
    header,
    may,
    money,
    render,
    router,
    submitted,
)
from yutang.web.i18n import error_words, pick_language, translator, validation_words

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


async def _refuse(request: Request, ctx: Ctx, template: str, exc: Exception, **context: Any) -> FormRefused:
    """The page again, with the errors of ``exc`` beside their fields."""
    errors = field_errors(exc, pick_language(request))
    if isinstance(exc, YutangError) and "_" in errors and str(exc.code) in FIELD_OF_CODE:
        errors[FIELD_OF_CODE[str(exc.code)]] = errors.pop("_")
    status = exc.status_code if isinstance(exc, YutangError) else 422
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
            exc.status_code if isinstance(exc, YutangError) else 422,
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
        raise await again(errors, exc.status_code if isinstance(exc, YutangError) else 422) from None
    back = urlencode({k: v for k, v in (("cursor", cursor), ("done_cursor", done_cursor)) if v})
    return RedirectResponse(
        f"/console/distribution/withdrawals?done={w.status}:{w.id}&{back}".rstrip("&"), status_code=303
    )
