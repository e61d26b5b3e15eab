"""忠诚度 Loyalty: earn rules, tiers and the tier programme, the rewards catalog, coupon
templates, paid membership plans, lotteries and points auctions, stored value and the
points ledger — one tab each under ``/console/loyalty``.

Every write parses the form into the API's own schema and calls the service the API
endpoint calls, in the request's transaction; a refused form raises
:class:`FormRefused`, so nothing of it is kept, and its errors stand beside their
fields. Pages take the ids they work on from the query string and forms from a field
(``?id=3``, ``<input name="id">``), never from the path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from yutang.kit.context import Ctx
from yutang.kit.errors import YutangError
from yutang.kit.schemas import MAX_INT, ParamId
from yutang.loyalty import earning, tiers
from yutang.loyalty.schemas import RuleIn, RulePatch
from yutang.members import repository as member_rows
from yutang.models.base import utcnow
from yutang.models.loyalty import TRIGGERS, EarnRule
from yutang.web.console.frame import (
    FormRefused,
    Submitted,
    can,
    field_errors,
    header,
    may,
    render,
    router,
    submitted,
)
from yutang.web.i18n import pick_language, translator

#: The module's tabs: (key of their words, address).
TABS: tuple[tuple[str, str], ...] = (("tab_rules", "/console/loyalty"),)

#: What a form's ``done`` may say after a redirect (anything else says nothing).
DONE = {"created", "saved", "paused", "resumed"}

#: Messages of the schemas' own checks across fields, and the field each is about with
#: the words that say so.
CROSS_FIELD: tuple[tuple[str, str, str], ...] = (
    ("a custom trigger needs event_name", "event_name", "need_event_name"),
    ("per_unit amounts apply to order_paid rules only", "amount_type", "per_unit_orders_only"),
    ("ends_at must be after", "ends_at", "ends_after_starts"),
)

_MONEY = re.compile(r"^(-?)(\d+)(?:\.(\d{1,2}))?$")


# --- forms ------------------------------------------------------------------------------


class Form:
    """A submitted form read into an API payload, remembering what was typed (to show it
    again when refused) and which amounts of money were not amounts."""

    def __init__(self, submitted: Submitted) -> None:
        self.data = submitted
        self.bad_money: set[str] = set()

    def typed(self, *multi: str) -> dict[str, Any]:
        """Every field as typed; the ``multi`` ones (ticked boxes) as lists."""
        values: dict[str, Any] = {k: v for k, v in self.data.form.items() if isinstance(v, str)}
        for name in multi:
            values[name] = [v for v in self.data.form.getlist(name) if isinstance(v, str)]
        return values

    def text(self, name: str) -> str | None:
        return self.data.text(name)

    def number(self, name: str) -> int | str | None:
        return self.data.number(name)

    def flag(self, name: str) -> bool:
        return self.data.flag(name)

    def words(self, name: str) -> list[str]:
        return self.data.words(name)

    def ids(self, name: str) -> list[int]:
        return self.data.ids(name)

    def id(self, name: str = "id") -> int:
        """The id of the row the form is about (0, which no row has, when it is not one:
        the service then refuses it as unknown)."""
        value = self.number(name)
        return value if isinstance(value, int) and 0 < value <= MAX_INT else 0

    def cents(self, name: str) -> int | str | None:
        """An amount of money typed in yuan (¥1,234.5) as cents; the text as typed when
        it is not an amount (the schema refuses it, and the field says why)."""
        value = self.text(name)
        if value is None:
            return None
        cleaned = re.sub(r"[,，¥￥\s]", "", value)
        found = _MONEY.match(cleaned)
        if not found:
            self.bad_money.add(name)
            return value
        sign, yuan, fen = found.groups()
        cents = int(yuan) * 100 + int((fen or "0").ljust(2, "0"))
        return -cents if sign else cents

    def moment(self, name: str, zone: str) -> datetime | str | None:
        return self.data.local_time(name, zone)


def yuan(cents: int | None) -> str:
    """Cents as the yuan an operator types (1990 → 19.90); empty for none."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def local_input(moment: datetime | None, zone: str) -> str:
    """A time as a ``datetime-local`` value in the workspace's timezone."""
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M") if moment else ""


def _errors(request: Request, exc: Exception, fields: Iterable[str], form: Form | None) -> dict[str, str]:
    """The refusal's errors beside the form's fields: an error about a part of a field
    (``conditions.product_ids.3``) stands beside the field, a check across fields beside
    the field it is about, an amount that is not one says so."""
    lang = pick_language(request)
    t = translator(lang)
    known = set(fields)
    found = field_errors(exc, lang)
    placed: dict[str, str] = {}
    for name, words in found.items():
        target = name
        while target not in known and "." in target:
            target = target.rsplit(".", 1)[0]
        placed.setdefault(target if target in known else "_", words)
    messages: list[str] = []
    if isinstance(exc, ValidationError):
        messages = [str(e.get("ctx", {}).get("error", "")) for e in exc.errors() if not e["loc"]]
    elif isinstance(exc, YutangError):
        messages = [exc.message]
    for message in messages:
        for start, field, key in CROSS_FIELD:
            if message.startswith(start) and field in known:
                placed[field] = t(key)
                if placed.get("_") and len(messages) == 1:
                    del placed["_"]
    for name in form.bad_money if form else ():
        if name in placed:
            placed[name] = t("enter_money")
    return placed


def _refuse(
    request: Request,
    template: str,
    exc: Exception,
    fields: Iterable[str],
    form: Form | None = None,
    **context: Any,
) -> FormRefused:
    errors = _errors(request, exc, fields, form)
    status = exc.status_code if isinstance(exc, YutangError) else 422
    return FormRefused(render(request, f"console/loyalty/{template}", status, errors=errors, **context))


async def _page(request: Request, ctx: Ctx, template: str, tab: str, **context: Any) -> HTMLResponse:
    frame = await header(ctx)
    return render(
        request,
        f"console/loyalty/{template}",
        tabs=TABS,
        tab=tab,
        may=may(ctx),
        **{"errors": {}, **context},
        **frame,
    )


def _done(value: str | None) -> str | None:
    return value if value in DONE else None


def _back(path: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?done={done}", status_code=303)


# --- earn rules ---------------------------------------------------------------------------

RULE_FIELDS = (
    "name",
    "trigger",
    "event_name",
    "amount_type",
    "points",
    "unit_cents",
    "tier_multiplier",
    "conditions.min_amount_cents",
    "conditions.product_ids",
    "conditions.categories",
    "conditions.tier_ids",
    "conditions.segment_id",
    "caps.day",
    "caps.week",
    "caps.month",
    "caps.lifetime",
    "expiry_months",
    "pending_days",
    "allow_negative",
    "starts_at",
    "ends_at",
    "active",
)


def rule_state(rule: EarnRule, now: datetime) -> str:
    """What the rule does now: paused, not started yet, ended, or paying."""
    if not rule.active:
        return "paused"
    if rule.starts_at and now < rule.starts_at:
        return "scheduled"
    if rule.ends_at and now >= rule.ends_at:
        return "ended"
    return "active"


def _rule_payload(form: Form, zone: str, *, new: bool) -> dict[str, Any]:
    conditions: dict[str, Any] = {
        "min_amount_cents": form.cents("conditions.min_amount_cents"),
        "product_ids": form.words("conditions.product_ids") or None,
        "categories": form.words("conditions.categories") or None,
        "tier_ids": form.ids("conditions.tier_ids") or None,
        "segment_id": form.number("conditions.segment_id"),
    }
    caps = {k: form.number(f"caps.{k}") for k in ("day", "week", "month", "lifetime")}
    values: dict[str, Any] = {
        "name": form.text("name") or "",
        "unit_cents": 100 if form.text("unit_cents") is None else form.cents("unit_cents"),
        "conditions": {k: v for k, v in conditions.items() if v is not None},
        "caps": {k: v for k, v in caps.items() if v is not None},
        "expiry_months": form.number("expiry_months"),
        "pending_days": form.number("pending_days") or 0,
        "allow_negative": form.flag("allow_negative"),
        "ends_at": form.moment("ends_at", zone),
    }
    if form.text("points") is not None or not new:  # left empty: required, or refused on edit
        values["points"] = form.number("points") if form.text("points") else ""
    if new:
        values |= {
            "trigger": form.text("trigger") or "",
            "event_name": form.text("event_name"),
            "amount_type": form.text("amount_type") or "fixed",
            "tier_multiplier": form.flag("tier_multiplier"),
            "starts_at": form.moment("starts_at", zone),
            "active": not form.flag("paused"),
        }
    return values


def _rule_typed(rule: EarnRule, zone: str) -> dict[str, Any]:
    cond = rule.conditions or {}
    caps = rule.caps or {}
    return {
        "name": rule.name,
        "trigger": rule.trigger,
        "event_name": rule.event_name or "",
        "amount_type": rule.amount_type,
        "points": str(rule.points),
        "unit_cents": yuan(rule.unit_cents),
        "tier_multiplier": "on" if rule.tier_multiplier else "",
        "conditions.min_amount_cents": yuan(cond.get("min_amount_cents")),
        "conditions.product_ids": ", ".join(cond.get("product_ids") or []),
        "conditions.categories": ", ".join(cond.get("categories") or []),
        "conditions.tier_ids": [str(i) for i in cond.get("tier_ids") or []],
        "conditions.segment_id": str(cond.get("segment_id") or ""),
        **{f"caps.{k}": str(v) for k, v in caps.items()},
        "expiry_months": "" if rule.expiry_months is None else str(rule.expiry_months),
        "pending_days": str(rule.pending_days),
        "allow_negative": "on" if rule.allow_negative else "",
        "starts_at": local_input(rule.starts_at, zone),
        "ends_at": local_input(rule.ends_at, zone),
    }


async def _rule_choices(ctx: Ctx) -> dict[str, Any]:
    return {
        "triggers": TRIGGERS,
        "tiers_options": [(str(t.id), t.name) for t in await tiers.tiers(ctx.session, ctx.workspace_id)],
        "segments_options": [
            (str(s.id), s.name) for s in await member_rows.segments(ctx.session, ctx.workspace_id)
        ],
    }


@router.get("/console/loyalty", response_class=HTMLResponse)
async def rules_page(
    request: Request, ctx: Ctx = Depends(can("members:read")), done: str | None = None
) -> HTMLResponse:
    rules = await earning.list_rules(ctx)
    now = utcnow()
    return await _page(
        request,
        ctx,
        "rules.html",
        "tab_rules",
        rules=rules,
        states={r.id: rule_state(r, now) for r in rules},
        tier_names={t.id: t.name for t in await tiers.tiers(ctx.session, ctx.workspace_id)},
        done=_done(done),
    )


@router.get("/console/loyalty/rule", response_class=HTMLResponse)
async def rule_form(
    request: Request, ctx: Ctx = Depends(can("loyalty:manage")), id: ParamId | None = None
) -> HTMLResponse:
    """A new earn rule, or with ``?id=`` the rule to edit."""
    frame = await header(ctx)
    rule = await earning.get_rule(ctx, id) if id is not None else None
    typed = (
        _rule_typed(rule, frame["workspace"].timezone)
        if rule
        else {"trigger": "order_paid", "amount_type": "fixed", "unit_cents": "1.00", "pending_days": "0"}
    )
    return await _page(
        request, ctx, "rule.html", "tab_rules", rule=rule, values=typed, **await _rule_choices(ctx)
    )


@router.post("/console/loyalty/rule")
async def save_rule(request: Request, ctx: Ctx = Depends(can("loyalty:manage"))) -> Response:
    """Create the rule, or change the one the form's ``id`` names (its trigger, amount
    type, tier multiplier and start stay as they were: the API's rule)."""
    form = Form(await submitted(request))
    frame = await header(ctx)
    rule = await earning.get_rule(ctx, form.id()) if form.text("id") else None
    payload = _rule_payload(form, frame["workspace"].timezone, new=rule is None)
    try:
        if rule is None:
            await earning.create_rule(ctx, RuleIn.model_validate(payload))
        else:
            await earning.update_rule(ctx, rule.id, RulePatch.model_validate(payload))
    except (ValidationError, YutangError) as exc:
        raise _refuse(
            request,
            "rule.html",
            exc,
            RULE_FIELDS,
            form,
            rule=rule,
            values=form.typed("conditions.tier_ids"),
            tabs=TABS,
            tab="tab_rules",
            may=may(ctx),
            **await _rule_choices(ctx),
            **frame,
        ) from None
    return _back("/console/loyalty", "saved" if rule else "created")


@router.post("/console/loyalty/rule/state")
async def rule_pause_or_resume(request: Request, ctx: Ctx = Depends(can("loyalty:manage"))) -> Response:
    """Pause the rule (it pays nothing until resumed) or resume it."""
    form = Form(await submitted(request))
    resume = form.text("active") == "1"
    await earning.update_rule(ctx, form.id(), RulePatch(active=resume))
    return _back("/console/loyalty", "resumed" if resume else "paused")
