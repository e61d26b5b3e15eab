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

import csv
import io
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from yutang.auth.permissions import allowed
from yutang.commerce import repository as commerce_rows
from yutang.commerce import wallet
from yutang.commerce.schemas import TopUpRuleIn, TopUpRulePatch
from yutang.coupons import repository as coupon_rows
from yutang.coupons import service as coupons
from yutang.coupons.schemas import CouponTemplateIn, CouponTemplatePatch, GenerateIn
from yutang.kit.context import Ctx
from yutang.kit.errors import BadRequest, YutangError
from yutang.kit.pagination import decode_cursor, page_of
from yutang.kit.schemas import MAX_INT, ParamId, ReasonIn
from yutang.loyalty import earning, tiers
from yutang.loyalty import repository as ledger
from yutang.loyalty.schemas import RuleIn, RulePatch, TierIn, TierPatch, TierProgramIn
from yutang.members import repository as member_rows
from yutang.members import service as members
from yutang.membership import repository as plan_rows
from yutang.membership import service as membership
from yutang.membership.schemas import PlanIn, PlanPatch
from yutang.models.base import utcnow
from yutang.models.loyalty import ENTRY_KINDS, TRIGGERS, EarnRule
from yutang.models.membership import MembershipPlan
from yutang.models.rewards import Auction, CouponTemplate, Lottery, Redemption, Reward
from yutang.rewards import auctions, lottery
from yutang.rewards import repository as reward_rows
from yutang.rewards import service as rewards
from yutang.rewards.schemas import AuctionIn, LotteryIn, LotteryPatch, RestockIn, RewardIn, RewardPatch
from yutang.web.console.frame import (
    FormRefused,
    Submitted,
    can,
    field_errors,
    header,
    may,
    num,
    refusal_status,
    render,
    router,
    submitted,
)
from yutang.web.i18n import pick_language, translator, validation_words, worder

#: The module's tabs: (key of their words, address).
TABS: tuple[tuple[str, str], ...] = (
    ("tab_rules", "/console/loyalty"),
    ("tab_tiers", "/console/loyalty/tiers"),
    ("tab_rewards", "/console/loyalty/rewards"),
    ("tab_redemptions", "/console/loyalty/redemptions"),
    ("tab_coupons", "/console/loyalty/coupons"),
    ("tab_plans", "/console/loyalty/plans"),
    ("tab_games", "/console/loyalty/games"),
    ("tab_wallets", "/console/loyalty/wallets"),
    ("tab_ledger", "/console/loyalty/ledger"),
)

#: What a form's ``done`` may say after a redirect (anything else says nothing).
DONE = {"created", "saved", "paused", "resumed", "evaluated", "restocked", "generated", "closed", "cancelled"}

#: Refusals that name no field but whose message says which one they are about (the
#: schemas' checks across fields, the services' checks of a value): the start of the
#: message, the field, and the words that say what is wrong (None: the error code's).
ABOUT: tuple[tuple[str, str, str | None], ...] = (
    ("a custom trigger needs event_name", "event_name", "need_event_name"),
    ("per_unit amounts apply to order_paid rules only", "amount_type", "per_unit_orders_only"),
    ("ends_at must be after", "ends_at", "ends_after_starts"),
    ("A threshold is 0 or more", "threshold", None),
    ("Tier ", "threshold", "threshold_must_rise"),
    ("A tier of that", "name", None),
    ("points_multiplier ", "benefits.points_multiplier", "multiplier_range"),
    ("discount_percent ", "benefits.discount_percent", "discount_range"),
    ("birthday_points ", "benefits.birthday_points", None),
    ("A reward costs", "points_cost", "must_be_positive"),
    ("A coupon reward names", "coupon_template_id", None),
    ("An amount-off coupon needs", "value_yuan", "must_be_positive"),
    ("A percent-off coupon takes", "value_percent", "percent_range"),
    ("A gift coupon names", "gift_name", "need_gift_name"),
    ("Give valid_days or valid_until", "valid_days", "need_validity"),
    ("valid_until must be after", "valid_until", "ends_after_starts"),
    ("total_limit is below", "total_limit", None),
    ("A plan has a positive price", "price_cents", "must_be_positive"),
    ("Gift points are 0 or more", "gift_points", None),
    ("Benefit '", "perks", "perk_names"),
    ("The prizes' probabilities add up", "prizes", "chances_over_100"),
    ("A points prize gives", "prizes", "points_prize_needs_points"),
    ("A coupon prize names", "prizes", "coupon_prize_needs_coupon"),
    ("Points per draw is", "points_per_draw", None),
    ("Members have drawn", "prizes", None),
    ("The minimum bid and the increment", "min_bid", "must_be_positive"),
    ("A bonus is 0 or more", "bonus_cents", None),
    ("The amount must be a positive", "min_amount_cents", "must_be_positive"),
)

_MONEY = re.compile(r"^(-?)(\d+)(?:\.(\d{1,2}))?$")


# --- forms ------------------------------------------------------------------------------


class Form:
    """A submitted form read into an API payload, remembering what was typed (to show it
    again when refused) and which amounts of money (or percentages) were not ones."""

    def __init__(self, submitted: Submitted) -> None:
        self.data = submitted
        #: Fields whose text is not the number asked for, and the words that say so.
        self.bad: dict[str, str] = {}

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
        return self.hundredths(name, "enter_money")

    def basis_points(self, name: str) -> int | str | None:
        """A chance typed in percent (12.5%) as basis points (1/10,000)."""
        return self.hundredths(name, "enter_percent")

    def hundredths(self, name: str, words: str) -> int | str | None:
        """A number with up to two decimals, times 100; the text as typed when it is not
        one (remembered, with the ``words`` that say what to type)."""
        value = self.text(name)
        if value is None:
            return None
        cleaned = re.sub(r"[,，¥￥%％\s]", "", value)
        found = _MONEY.match(cleaned)
        if not found:
            self.bad[name] = words
            return value
        sign, whole, part = found.groups()
        hundredths = int(whole) * 100 + int((part or "0").ljust(2, "0"))
        return -hundredths if sign else hundredths

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


def _about(message: str, known: set[str]) -> tuple[str, str | None] | None:
    """The field a refusal's message is about, with the words that say so (None: the
    error code's own words)."""
    for begins, field, key in ABOUT:
        if message.startswith(begins) and field in known:
            return field, key
    return None


def _errors(request: Request, exc: Exception, fields: Iterable[str]) -> dict[str, str]:
    """The refusal's errors beside the form's fields: an error about a part of a field
    (``conditions.product_ids.3``) stands beside the field, a check across fields or a
    service's refusal beside the field its message is about."""
    lang = pick_language(request)
    t = translator(lang)
    known = set(fields)
    placed: dict[str, str] = {}
    if isinstance(exc, ValidationError):
        for error in exc.errors():
            target = ".".join(str(part) for part in error["loc"])
            while target not in known and "." in target:
                target = target.rsplit(".", 1)[0]
            words = validation_words(error["type"], lang, error.get("ctx"))
            if not error["loc"]:
                about = _about(str((error.get("ctx") or {}).get("error", "")), known)
                if about:
                    target, key = about
                    words = t(key) if key else words
            placed.setdefault(target if target in known else "_", words)
    else:
        for name, words in field_errors(exc, lang).items():
            about = _about(exc.message, known) if isinstance(exc, YutangError) and name == "_" else None
            if about:
                name, key = about
                words = t(key) if key else words
            placed[name if name in known else "_"] = words
    return placed


def _refuse(
    request: Request,
    page: str,
    exc: Exception,
    fields: Iterable[str],
    form: Form | None = None,
    /,
    rename: dict[str, str] | None = None,
    **context: Any,
) -> FormRefused:
    """The refused form's page, its errors beside their fields (``rename``: a payload
    field typed in a form field of another name)."""
    errors = _errors(request, exc, fields)
    moved = rename or {}
    errors = {moved.get(name, name): words for name, words in errors.items()}
    for name, words in (form.bad if form else {}).items():
        if name in errors:
            errors[name] = translator(pick_language(request))(words)
    status = refusal_status(exc)
    return FormRefused(render(request, f"console/loyalty/{page}", status, errors=errors, **context))


async def _page(request: Request, ctx: Ctx, page: str, tab: str, /, **context: Any) -> HTMLResponse:
    frame = await header(ctx)
    return render(
        request,
        f"console/loyalty/{page}",
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


# --- tiers and the tier programme -----------------------------------------------------------

PROGRAM_FIELDS = ("metric", "window_days", "grace_days", "downgrade_policy")
TIER_FIELDS = (
    "name",
    "rank",
    "threshold",
    "benefits.points_multiplier",
    "benefits.discount_percent",
    "benefits.birthday_points",
    "benefits.coupon_template_ids",
)
#: The benefits the tier form sets; others a tier has (``distribution``) are kept.
FORM_BENEFITS = ("points_multiplier", "discount_percent", "birthday_points", "coupon_template_ids")
_DECIMAL = re.compile(r"^\d+(\.\d+)?$")


def _program_typed(prog: Any) -> dict[str, Any]:
    return {
        "metric": prog.metric,
        "window_days": "" if prog.window_days is None else str(prog.window_days),
        "grace_days": str(prog.grace_days),
        "downgrade_policy": prog.downgrade_policy,
    }


async def _tiers_context(ctx: Ctx) -> dict[str, Any]:
    prog = await tiers.program(ctx)
    return {
        "program": prog,
        "ladder": await tiers.tiers(ctx.session, ctx.workspace_id),
        "templates": {tpl.id: tpl for tpl in await coupon_rows.templates(ctx.session, ctx.workspace_id)},
        "program_values": _program_typed(prog),
    }


@router.get("/console/loyalty/tiers", response_class=HTMLResponse)
async def tiers_page(
    request: Request,
    ctx: Ctx = Depends(can("members:read")),
    done: str | None = None,
    checked: int = 0,
    upgraded: int = 0,
    downgraded: int = 0,
    grace: int = 0,
) -> HTMLResponse:
    evaluated = {"checked": checked, "upgraded": upgraded, "downgraded": downgraded, "grace": grace}
    return await _page(
        request,
        ctx,
        "tiers.html",
        "tab_tiers",
        done=_done(done),
        evaluated=evaluated if done == "evaluated" else None,
        **await _tiers_context(ctx),
    )


@router.post("/console/loyalty/tier-program")
async def save_program(request: Request, ctx: Ctx = Depends(can("loyalty:manage"))) -> Response:
    """Replace the tier programme whole (the API's PUT): nobody moves now."""
    form = Form(await submitted(request))
    payload = {
        "metric": form.text("metric") or "spend",
        "window_days": form.number("window_days"),
        "grace_days": form.number("grace_days") if form.text("grace_days") else 0,
        "downgrade_policy": form.text("downgrade_policy") or "one_level",
    }
    try:
        await tiers.configure(ctx, TierProgramIn.model_validate(payload).model_dump())
    except ValidationError as exc:
        context = await _tiers_context(ctx)
        raise _refuse(
            request,
            "tiers.html",
            exc,
            PROGRAM_FIELDS,
            form,
            **(context | {"program_values": form.typed()}),
            tabs=TABS,
            tab="tab_tiers",
            may=may(ctx),
            done=None,
            evaluated=None,
            **await header(ctx),
        ) from None
    return _back("/console/loyalty/tiers", "saved")


@router.post("/console/loyalty/tiers/evaluate")
async def evaluate_tiers(ctx: Ctx = Depends(can("loyalty:manage"))) -> Response:
    """Run the tier evaluation now (it also runs daily): upgrades, grace, downgrades."""
    counts = await tiers.evaluate(ctx)
    query = urlencode(
        {
            "done": "evaluated",
            "checked": counts["checked"],
            "upgraded": counts["upgraded"],
            "downgraded": counts["downgraded"],
            "grace": counts["grace_started"],
        }
    )
    return RedirectResponse(f"/console/loyalty/tiers?{query}", status_code=303)


def _tier_typed(tier: Any, metric: str) -> dict[str, Any]:
    benefits = tier.benefits or {}
    mult = benefits.get("points_multiplier")
    return {
        "name": tier.name,
        "rank": str(tier.rank),
        "threshold": yuan(tier.threshold) if metric == "spend" else str(tier.threshold),
        "benefits.points_multiplier": "" if mult is None else f"{mult:g}",
        "benefits.discount_percent": str(benefits.get("discount_percent") or ""),
        "benefits.birthday_points": str(benefits.get("birthday_points") or ""),
        "benefits.coupon_template_ids": [str(i) for i in benefits.get("coupon_template_ids") or []],
    }


def _benefits(form: Form, kept: dict[str, Any]) -> dict[str, Any]:
    """The benefits as the form sets them, over the ones it does not show."""
    benefits = {k: v for k, v in kept.items() if k not in FORM_BENEFITS}
    mult = form.text("benefits.points_multiplier")
    if mult is not None:
        benefits["points_multiplier"] = (
            (float(mult) if "." in mult else int(mult)) if _DECIMAL.match(mult) else mult
        )
    for key in ("discount_percent", "birthday_points"):
        value = form.number(f"benefits.{key}")
        if value is not None:
            benefits[key] = value
    templates = form.ids("benefits.coupon_template_ids")
    if templates:
        benefits["coupon_template_ids"] = templates
    return benefits


async def _tier_choices(ctx: Ctx) -> dict[str, Any]:
    return {
        "program": await tiers.program(ctx),
        "template_options": [
            (str(tpl.id), tpl.name) for tpl in await coupon_rows.templates(ctx.session, ctx.workspace_id)
        ],
    }


@router.get("/console/loyalty/tier", response_class=HTMLResponse)
async def tier_form(
    request: Request, ctx: Ctx = Depends(can("loyalty:manage")), id: ParamId | None = None
) -> HTMLResponse:
    """A new tier, or with ``?id=`` the tier to edit."""
    tier = await tiers.get_tier(ctx, id) if id is not None else None
    choices = await _tier_choices(ctx)
    ladder = await tiers.tiers(ctx.session, ctx.workspace_id)
    typed = (
        _tier_typed(tier, choices["program"].metric)
        if tier
        else {"rank": str(max((t.rank for t in ladder), default=0) + 1)}
    )
    return await _page(request, ctx, "tier.html", "tab_tiers", tier=tier, values=typed, **choices)


@router.post("/console/loyalty/tier")
async def save_tier(request: Request, ctx: Ctx = Depends(can("loyalty:manage"))) -> Response:
    """Create the tier, or change the one the form's ``id`` names (its rank stays).
    Nobody moves now: members reach it on their next order, earning or evaluation."""
    form = Form(await submitted(request))
    tier = await tiers.get_tier(ctx, form.id()) if form.text("id") else None
    choices = await _tier_choices(ctx)
    spend = choices["program"].metric == "spend"
    threshold = form.cents("threshold") if spend else form.number("threshold")
    benefits = _benefits(form, tier.benefits if tier else {})
    try:
        if tier is None:
            body = TierIn.model_validate(
                {
                    "name": form.text("name") or "",
                    "rank": form.number("rank"),
                    "threshold": threshold,
                    "benefits": benefits,
                }
            )
            await tiers.create_tier(ctx, body.name, body.rank, body.threshold, dict(body.benefits))
        else:
            patch = TierPatch.model_validate(
                {
                    "name": form.text("name") or "",
                    "threshold": "" if threshold is None else threshold,
                    "benefits": benefits,
                }
            )
            values = {k: v for k, v in patch.model_dump(exclude_unset=True).items() if v is not None}
            await tiers.update_tier(ctx, tier.id, values)
    except (ValidationError, YutangError) as exc:
        raise _refuse(
            request,
            "tier.html",
            exc,
            TIER_FIELDS,
            form,
            tier=tier,
            values=form.typed("benefits.coupon_template_ids"),
            tabs=TABS,
            tab="tab_tiers",
            may=may(ctx),
            **choices,
            **await header(ctx),
        ) from None
    return _back("/console/loyalty/tiers", "saved" if tier else "created")


# --- the rewards catalog ----------------------------------------------------------------------

REWARD_FIELDS = (
    "name",
    "kind",
    "coupon_template_id",
    "points_cost",
    "stock",
    "per_member_limit",
    "valid_from",
    "valid_until",
    "active",
)


def reward_state(reward: Reward, now: datetime) -> str:
    """Whether members can redeem it now: off sale, not yet, ended, sold out, on sale."""
    if not reward.active:
        return "off"
    if reward.valid_from and now < reward.valid_from:
        return "scheduled"
    if reward.valid_until and now >= reward.valid_until:
        return "ended"
    if reward.stock == 0:
        return "sold_out"
    return "on"


async def _template_options(ctx: Ctx) -> list[tuple[str, str]]:
    return [(str(tpl.id), tpl.name) for tpl in await coupon_rows.templates(ctx.session, ctx.workspace_id)]


@router.get("/console/loyalty/rewards", response_class=HTMLResponse)
async def rewards_page(
    request: Request, ctx: Ctx = Depends(can("members:read")), done: str | None = None
) -> HTMLResponse:
    catalog = list(await reward_rows.rewards(ctx.session, ctx.workspace_id))
    now = utcnow()
    return await _page(
        request,
        ctx,
        "rewards.html",
        "tab_rewards",
        rewards=catalog,
        states={r.id: reward_state(r, now) for r in catalog},
        templates=dict(await _template_options(ctx)),
        done=_done(done),
    )


def _reward_typed(reward: Reward, zone: str) -> dict[str, Any]:
    return {
        "name": reward.name,
        "points_cost": str(reward.points_cost),
        "per_member_limit": "" if reward.per_member_limit is None else str(reward.per_member_limit),
        "valid_until": local_input(reward.valid_until, zone),
        "active": "on" if reward.active else "",
    }


@router.get("/console/loyalty/reward", response_class=HTMLResponse)
async def reward_form(
    request: Request, ctx: Ctx = Depends(can("loyalty:manage")), id: ParamId | None = None
) -> HTMLResponse:
    """A new reward, or with ``?id=`` the reward to edit (its stock moves by restocking)."""
    frame = await header(ctx)
    reward = await rewards.get_reward(ctx, id) if id is not None else None
    typed = _reward_typed(reward, frame["workspace"].timezone) if reward else {"kind": "gift"}
    return await _page(
        request,
        ctx,
        "reward.html",
        "tab_rewards",
        reward=reward,
        values=typed,
        template_options=await _template_options(ctx),
    )


@router.post("/console/loyalty/reward")
async def save_reward(request: Request, ctx: Ctx = Depends(can("loyalty:manage"))) -> Response:
    """Add a reward to the catalog, or change the one the form's ``id`` names: its name,
    price, per-member limit, end, and whether it is on sale (the API's PATCH)."""
    form = Form(await submitted(request))
    frame = await header(ctx)
    zone = frame["workspace"].timezone
    reward = await rewards.get_reward(ctx, form.id()) if form.text("id") else None
    try:
        if reward is None:
            body = RewardIn.model_validate(
                {
                    "name": form.text("name") or "",
                    "kind": form.text("kind") or "",
                    "coupon_template_id": form.number("coupon_template_id"),
                    "points_cost": form.number("points_cost") if form.text("points_cost") else "",
                    "stock": form.number("stock"),
                    "per_member_limit": form.number("per_member_limit"),
                    "valid_from": form.moment("valid_from", zone),
                    "valid_until": form.moment("valid_until", zone),
                }
            )
            await rewards.create_reward(ctx, body.model_dump())
        else:
            patch = RewardPatch.model_validate(
                {
                    "name": form.text("name") or "",
                    "points_cost": form.number("points_cost") if form.text("points_cost") else "",
                    "per_member_limit": form.number("per_member_limit"),
                    "valid_until": form.moment("valid_until", zone),
                    "active": form.flag("active"),
                }
            )
            values = {
                k: v
                for k, v in patch.model_dump(exclude_unset=True).items()
                if v is not None or k == "valid_until"
            }
            await rewards.update_reward(ctx, reward.id, values)
    except (ValidationError, YutangError) as exc:
        raise _refuse(
            request,
            "reward.html",
            exc,
            REWARD_FIELDS,
            form,
            reward=reward,
            values=form.typed(),
            template_options=await _template_options(ctx),
            tabs=TABS,
            tab="tab_rewards",
            may=may(ctx),
            **frame,
        ) from None
    return _back("/console/loyalty/rewards", "saved" if reward else "created")


@router.post("/console/loyalty/reward/restock", response_class=HTMLResponse)
async def restock_reward(request: Request, ctx: Ctx = Depends(can("loyalty:manage"))) -> Response:
    """Add units to a reward's stock (or remove them, a negative number). The first
    submission says what will happen and asks; the confirmed one (``confirm=1``) does it."""
    form = Form(await submitted(request))
    reward = await rewards.get_reward(ctx, form.id())
    context: dict[str, Any] = {"reward": reward, "values": form.typed()}
    try:
        body = RestockIn.model_validate({"delta": form.number("delta") if form.text("delta") else ""})
        if form.text("confirm") != "1":
            return await _page(request, ctx, "restock.html", "tab_rewards", delta=body.delta, **context)
        await rewards.restock(ctx, reward.id, body.delta)
    except (ValidationError, YutangError) as exc:
        raise _refuse(
            request,
            "restock.html",
            exc,
            ("delta",),
            form,
            delta=None,
            tabs=TABS,
            tab="tab_rewards",
            may=may(ctx),
            **context,
            **await header(ctx),
        ) from None
    return _back("/console/loyalty/rewards", "restocked")


# --- redemptions ---------------------------------------------------------------------------------

REDEMPTION_STATUSES = ("completed", "cancelled")
REDEMPTIONS_PAGE = 50


def cancel_says(t: Callable[[str], str], redemption: Redemption, reward: Reward | None) -> str:
    """What cancelling the redemption does, as the question asked first: exactly what
    ``rewards.cancel`` moves — the points spent back to the member, the units back into a
    counted stock, its coupons voided."""
    name = reward.name if reward else f"#{redemption.reward_id}"
    what = []
    if redemption.points_entry_id is not None and redemption.points:
        what.append(t("cancel_returns_points").replace("{n}", num(redemption.points)))
    if reward is not None and reward.stock is not None:
        what.append(t("cancel_returns_stock").replace("{n}", num(redemption.quantity)))
    if redemption.coupon_ids:
        what.append(t("cancel_voids_coupons").replace("{n}", num(len(redemption.coupon_ids))))
    head = (
        t("confirm_cancel_redemption")
        .replace("{member}", str(redemption.member_id))
        .replace("{n}", num(redemption.quantity))
        .replace("{name}", name)
    )
    moves = t("redemption_sep").join(what) if what else t("cancel_moves_nothing")
    return head + moves + t("cancel_go_ahead")


async def _redemptions_context(
    request: Request,
    ctx: Ctx,
    reward_id: int | None,
    status: str | None,
    member_id: int | None,
    cursor: str | None,
) -> dict[str, Any]:
    t = translator(pick_language(request))
    chosen = status if status in REDEMPTION_STATUSES else None
    rows = await reward_rows.redemptions(
        ctx.session,
        ctx.workspace_id,
        cursor,
        REDEMPTIONS_PAGE,
        reward_id=reward_id,
        member_id=member_id,
        status=chosen,
        members=members.visible(ctx),
    )
    found, next_cursor = page_of(rows, REDEMPTIONS_PAGE, lambda r: r.id)
    catalog = {r.id: r for r in await reward_rows.rewards(ctx.session, ctx.workspace_id)}
    filters = {"reward_id": reward_id, "status": chosen, "member_id": member_id}
    return {
        "redemptions": found,
        "next_cursor": next_cursor,
        "catalog": catalog,
        "who": await _who(ctx, [r.member_id for r in found]),
        "says": {r.id: cancel_says(t, r, catalog.get(r.reward_id)) for r in found},
        "filters": {k: "" if v is None else str(v) for k, v in filters.items()},
        "query": urlencode({k: v for k, v in filters.items() if v is not None}),
        "statuses": REDEMPTION_STATUSES,
        "refused_redemption": None,
    }


@router.get("/console/loyalty/redemptions", response_class=HTMLResponse)
async def redemptions_page(
    request: Request,
    ctx: Ctx = Depends(can("members:read")),
    done: str | None = None,
    reward_id: ParamId | None = None,
    status: str | None = None,
    member_id: ParamId | None = None,
    cursor: str | None = None,
) -> HTMLResponse:
    """Redemptions of the rewards catalog, newest first, fifty a page: of one reward, one
    status, one member; each completed one may be cancelled, asking first."""
    context = await _redemptions_context(request, ctx, reward_id, status, member_id, cursor)
    return await _page(request, ctx, "redemptions.html", "tab_redemptions", done=_done(done), **context)


@router.post("/console/loyalty/redemption/cancel")
async def cancel_redemption(request: Request, ctx: Ctx = Depends(can("loyalty:manage"))) -> Response:
    """Cancel a redemption, with a reason (the API's cancel): the points spent go back to
    the member, the units back into the reward's stock, its coupons are voided."""
    form = Form(await submitted(request))
    try:
        body = ReasonIn.model_validate({"reason": form.text("reason") or ""})
        await rewards.cancel(ctx, form.id(), body.reason)
    except (ValidationError, YutangError) as exc:
        if isinstance(exc, YutangError) and exc.status_code == 404:
            raise
        context = await _redemptions_context(request, ctx, None, None, None, None)
        raise _refuse(
            request,
            "redemptions.html",
            exc,
            ("reason",),
            form,
            **(context | {"refused_redemption": form.id()}),
            done=None,
            tabs=TABS,
            tab="tab_redemptions",
            may=may(ctx),
            **await header(ctx),
        ) from None
    return _back("/console/loyalty/redemptions", "cancelled")


# --- coupon templates and their codes ---------------------------------------------------------

TEMPLATE_FIELDS = (
    "name",
    "kind",
    "value_yuan",
    "value_percent",
    "gift_name",
    "min_spend_cents",
    "valid_days",
    "valid_from",
    "valid_until",
    "total_limit",
    "per_member_limit",
    "active",
)
#: The coupon template's ``value`` is typed in one of two fields, by kind.
VALUE_FIELD = {"amount_off": "value_yuan", "percent_off": "value_percent"}


@router.get("/console/loyalty/coupons", response_class=HTMLResponse)
async def coupons_page(
    request: Request, ctx: Ctx = Depends(can("members:read")), done: str | None = None, n: int = 0
) -> HTMLResponse:
    return await _page(
        request,
        ctx,
        "coupons.html",
        "tab_coupons",
        templates=list(await coupon_rows.templates(ctx.session, ctx.workspace_id)),
        done=_done(done),
        generated=n if done == "generated" else None,
    )


def _template_typed(tpl: CouponTemplate, zone: str) -> dict[str, Any]:
    return {
        "name": tpl.name,
        "kind": tpl.kind,
        "value_yuan": yuan(tpl.value) if tpl.kind == "amount_off" else "",
        "value_percent": str(tpl.value) if tpl.kind == "percent_off" else "",
        "gift_name": tpl.gift_name or "",
        "min_spend_cents": yuan(tpl.min_spend_cents) if tpl.min_spend_cents else "",
        "valid_days": "" if tpl.valid_days is None else str(tpl.valid_days),
        "valid_from": local_input(tpl.valid_from, zone),
        "valid_until": local_input(tpl.valid_until, zone),
        "total_limit": "" if tpl.total_limit is None else str(tpl.total_limit),
        "per_member_limit": "" if tpl.per_member_limit is None else str(tpl.per_member_limit),
        "active": "on" if tpl.active else "",
    }


@router.get("/console/loyalty/coupon-template", response_class=HTMLResponse)
async def template_form(
    request: Request, ctx: Ctx = Depends(can("loyalty:manage")), id: ParamId | None = None
) -> HTMLResponse:
    """A new coupon template, or with ``?id=`` the template to change (what a coupon is
    worth only while no code of it exists)."""
    frame = await header(ctx)
    tpl = await coupons.get_template(ctx, id) if id is not None else None
    return await _page(
        request,
        ctx,
        "coupon_template.html",
        "tab_coupons",
        template=tpl,
        values=_template_typed(tpl, frame["workspace"].timezone)
        if tpl
        else {"kind": "amount_off", "valid_days": "30"},
    )


@router.post("/console/loyalty/coupon-template")
async def save_template(request: Request, ctx: Ctx = Depends(can("loyalty:manage"))) -> Response:
    """Create a coupon template, or change the one the form's ``id`` names (the API's
    PATCH): its kind, value, gift and minimum spend only while no code of it exists (the
    form then does not offer them); new dates apply to coupons issued from now on."""
    form = Form(await submitted(request))
    frame = await header(ctx)
    zone = frame["workspace"].timezone
    tpl = await coupons.get_template(ctx, form.id()) if form.text("id") else None
    kind = form.text("kind") or (tpl.kind if tpl else "")
    value = (
        form.cents("value_yuan")
        if kind == "amount_off"
        else form.number("value_percent")
        if kind == "percent_off"
        else None
    )
    worth = {
        "kind": kind,
        "value": 0 if value is None else value,
        "gift_name": form.text("gift_name") if kind == "gift" else None,
        "min_spend_cents": form.cents("min_spend_cents") or 0,
    }
    payload = {
        "name": form.text("name") or "",
        "valid_days": form.number("valid_days"),
        "valid_from": form.moment("valid_from", zone),
        "valid_until": form.moment("valid_until", zone),
        "total_limit": form.number("total_limit"),
        "per_member_limit": form.number("per_member_limit"),
    }
    try:
        if tpl is None:
            await coupons.create_template(ctx, CouponTemplateIn.model_validate(payload | worth).model_dump())
        else:
            changed = payload | {"active": form.flag("active")} | (worth if form.text("kind") else {})
            await coupons.update_template(ctx, tpl.id, CouponTemplatePatch.model_validate(changed).changes())
    except (ValidationError, YutangError) as exc:
        raise _refuse(
            request,
            "coupon_template.html",
            exc,
            (*TEMPLATE_FIELDS, "value"),
            form,
            rename={"value": VALUE_FIELD.get(kind, "_")},
            template=tpl,
            values=form.typed(),
            tabs=TABS,
            tab="tab_coupons",
            may=may(ctx),
            **frame,
        ) from None
    return _back("/console/loyalty/coupons", "saved" if tpl else "created")


@router.post("/console/loyalty/coupon-template/generate", response_class=HTMLResponse)
async def generate_codes(request: Request, ctx: Ctx = Depends(can("loyalty:manage"))) -> Response:
    """Make unassigned codes of a template, to print (package cards, posters) and for
    members to claim. The first submission says how many and asks; the confirmed one
    (``confirm=1``) makes them."""
    form = Form(await submitted(request))
    template = await coupons.get_template(ctx, form.id())
    context: dict[str, Any] = {"template": template, "values": form.typed()}
    try:
        body = GenerateIn.model_validate({"count": form.number("count") if form.text("count") else ""})
        if form.text("confirm") != "1":
            return await _page(request, ctx, "generate.html", "tab_coupons", count=body.count, **context)
        made = await coupons.generate(ctx, template.id, body.count)
    except (ValidationError, YutangError) as exc:
        raise _refuse(
            request,
            "generate.html",
            exc,
            ("count",),
            form,
            count=None,
            tabs=TABS,
            tab="tab_coupons",
            may=may(ctx),
            **context,
            **await header(ctx),
        ) from None
    return RedirectResponse(f"/console/loyalty/coupons?done=generated&n={len(made)}", status_code=303)


def _cell(value: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@router.get("/console/loyalty/coupon-codes.csv")
async def export_codes(
    request: Request, ctx: Ctx = Depends(can("loyalty:manage")), template_id: ParamId | None = None
) -> Response:
    """The codes generated in bulk — of one template, or all — with what became of them,
    as CSV (UTF-8 with a BOM, so spreadsheets read the Chinese)."""
    from zoneinfo import ZoneInfo

    if template_id is not None:
        await coupons.get_template(ctx, template_id)
    names = {tpl.id: tpl.name for tpl in await coupon_rows.templates(ctx.session, ctx.workspace_id)}
    codes = await coupon_rows.generated_codes(ctx.session, ctx.workspace_id, template_id)
    frame = await header(ctx)
    zone = ZoneInfo(frame["workspace"].timezone)
    lang = pick_language(request)
    t, word = translator(lang), worder(lang)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([t("coupon_code"), t("coupon_template"), t("status"), t("valid_from"), t("valid_until")])
    for code in codes:
        writer.writerow(
            [
                code.code,
                _cell(names.get(code.template_id, "")),
                word("coupon_status", code.status),
                code.valid_from.astimezone(zone).strftime("%Y-%m-%d %H:%M") if code.valid_from else "",
                code.valid_until.astimezone(zone).strftime("%Y-%m-%d %H:%M") if code.valid_until else "",
            ]
        )
    name = f"coupon-codes-{template_id or 'all'}.csv"
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"', "cache-control": "no-store"},
    )


# --- paid membership plans ---------------------------------------------------------------------

PLAN_FIELDS = (
    "name",
    "price_cents",
    "period",
    "gift_points",
    "gift_coupon_template_ids",
    "benefits.points_multiplier",
    "benefits.discount_percent",
    "benefits.birthday_points",
    "perks",
    "remind_days",
)


@router.get("/console/loyalty/plans", response_class=HTMLResponse)
async def plans_page(
    request: Request, ctx: Ctx = Depends(can("members:read")), done: str | None = None
) -> HTMLResponse:
    return await _page(
        request,
        ctx,
        "plans.html",
        "tab_plans",
        plans=list(await plan_rows.plans(ctx.session, ctx.workspace_id)),
        templates=dict(await _template_options(ctx)),
        known_benefits=FORM_BENEFITS,
        done=_done(done),
    )


def _plan_typed(plan: MembershipPlan) -> dict[str, Any]:
    """A plan as its form shows it: prices in yuan, the welcome gift's coupons counted by
    template, the yes/no perks as their names."""
    benefits = plan.benefits or {}
    mult = benefits.get("points_multiplier")
    counted: dict[int, int] = {}
    for template_id in plan.gift_coupon_template_ids:
        counted[template_id] = counted.get(template_id, 0) + 1
    return {
        "name": plan.name,
        "price_cents": yuan(plan.price_cents),
        "period": plan.period,
        "gift_points": str(plan.gift_points),
        **{f"gift_coupons.{i}": str(n) for i, n in counted.items()},
        "benefits.points_multiplier": "" if mult is None else f"{mult:g}",
        "benefits.discount_percent": str(benefits.get("discount_percent") or ""),
        "benefits.birthday_points": str(benefits.get("birthday_points") or ""),
        "perks": ", ".join(k for k, v in benefits.items() if v is True and k not in FORM_BENEFITS),
        "remind_days": str(plan.remind_days),
        "active": "on" if plan.active else "",
    }


@router.get("/console/loyalty/plan", response_class=HTMLResponse)
async def plan_form(
    request: Request, ctx: Ctx = Depends(can("loyalty:manage")), id: ParamId | None = None
) -> HTMLResponse:
    """A new paid membership plan, or with ``?id=`` the plan to change."""
    plan = await membership.get_plan(ctx, id) if id is not None else None
    return await _page(
        request,
        ctx,
        "plan.html",
        "tab_plans",
        plan=plan,
        values=_plan_typed(plan) if plan else {"period": "year", "remind_days": "7", "gift_points": "0"},
        template_options=await _template_options(ctx),
    )


@router.post("/console/loyalty/plan")
async def save_plan(request: Request, ctx: Ctx = Depends(can("loyalty:manage"))) -> Response:
    """Create a plan, or change the one the form's ``id`` names (the API's PATCH): a new
    price or period applies to purchases and renewals from now on, subscriptions keep their
    ends; untick "on sale" to stop selling it."""
    form = Form(await submitted(request))
    plan = await membership.get_plan(ctx, form.id()) if form.text("id") else None
    templates = await _template_options(ctx)
    gifts: list[Any] = []
    for template_id, _ in templates:  # how many of each coupon the welcome gift holds
        count = form.number(f"gift_coupons.{template_id}")
        if isinstance(count, int) and count >= 0:
            gifts += [int(template_id)] * min(count, 21)  # more than 20 in all: refused
        elif count is not None:
            gifts.append(str(count))  # not a number: refused by the schema
    # benefits the form does not show (not yes/no perks) are kept
    kept = {k: v for k, v in (plan.benefits if plan else {}).items() if v is not True}
    benefits = _benefits(form, kept)
    if "coupon_template_ids" in kept:  # the plan form has no field for them
        benefits.setdefault("coupon_template_ids", kept["coupon_template_ids"])
    for perk in form.words("perks"):
        benefits.setdefault(perk, True)
    payload = {
        "name": form.text("name") or "",
        "price_cents": form.cents("price_cents") if form.text("price_cents") else "",
        "period": form.text("period") or "",
        "gift_points": form.number("gift_points") or 0,
        "gift_coupon_template_ids": gifts,
        "benefits": benefits,
        "remind_days": 7 if form.text("remind_days") is None else form.number("remind_days"),
    }
    try:
        if plan is None:
            await membership.create_plan(ctx, PlanIn.model_validate(payload).model_dump())
        else:
            patch = PlanPatch.model_validate(payload | {"active": form.flag("active")})
            await membership.update_plan(ctx, plan.id, patch.changes())
    except (ValidationError, YutangError) as exc:
        raise _refuse(
            request,
            "plan.html",
            exc,
            PLAN_FIELDS,
            form,
            plan=plan,
            values=form.typed(),
            template_options=templates,
            tabs=TABS,
            tab="tab_plans",
            may=may(ctx),
            **await header(ctx),
        ) from None
    return _back("/console/loyalty/plans", "saved" if plan else "created")


# --- lotteries and points auctions ---------------------------------------------------------------

#: Empty prize rows the lottery form offers.
PRIZE_ROWS = 5
PRIZE_PARTS = ("name", "kind", "points", "coupon_template_id", "probability_bp", "stock")
LOTTERY_FIELDS = ("name", "points_per_draw", "daily_limit", "starts_at", "ends_at", "active", "prizes")
AUCTION_FIELDS = ("name", "description", "starts_at", "ends_at", "min_bid", "increment")


def lottery_state(lottery: Lottery, now: datetime) -> str:
    """Whether members can draw now: switched off, not started, ended, or open."""
    if not lottery.active:
        return "off"
    if lottery.starts_at and now < lottery.starts_at:
        return "scheduled"
    if lottery.ends_at and now >= lottery.ends_at:
        return "ended"
    return "open"


def auction_state(auction: Auction, now: datetime) -> str:
    """The auction's status, and for an open one whether bidding has begun or ended
    (an ended one waits for the hourly job, or an operator, to close it)."""
    if auction.status == "open":
        if now < auction.starts_at:
            return "scheduled"
        if now >= auction.ends_at:
            return "to_close"
    return auction.status


async def _games_context(ctx: Ctx, lottery_cursor: str | None, auction_cursor: str | None) -> dict[str, Any]:
    lotteries, next_lotteries = page_of(
        await reward_rows.lotteries(ctx.session, ctx.workspace_id, lottery_cursor, 50), 50, lambda r: r.id
    )
    auctions_, next_auctions = page_of(
        await reward_rows.auctions(ctx.session, ctx.workspace_id, auction_cursor, 50), 50, lambda r: r.id
    )
    now = utcnow()
    return {
        "lotteries": lotteries,
        "prizes": {lot.id: await lottery.prizes_of(ctx, lot.id) for lot in lotteries},
        "lottery_states": {lot.id: lottery_state(lot, now) for lot in lotteries},
        "next_lotteries": next_lotteries,
        "auctions": auctions_,
        "auction_states": {a.id: auction_state(a, now) for a in auctions_},
        "next_auctions": next_auctions,
        "templates": dict(await _template_options(ctx)),
        "refused_auction": None,
    }


@router.get("/console/loyalty/games", response_class=HTMLResponse)
async def games_page(
    request: Request,
    ctx: Ctx = Depends(can("members:read")),
    done: str | None = None,
    lottery_cursor: str | None = None,
    auction_cursor: str | None = None,
) -> HTMLResponse:
    return await _page(
        request,
        ctx,
        "games.html",
        "tab_games",
        done=_done(done),
        **await _games_context(ctx, lottery_cursor, auction_cursor),
    )


def _prize_rows(form: Form) -> tuple[list[dict[str, Any]], int]:
    """The prize rows filled in (rows left empty are none), and how many rows the form had."""
    count = form.number("prize_rows")
    rows = count if isinstance(count, int) and 0 < count <= 50 else PRIZE_ROWS
    prizes = []
    for i in range(rows):
        name, chance = form.text(f"prizes.{i}.name"), form.text(f"prizes.{i}.probability_bp")
        if name is None and chance is None:
            continue
        kind = form.text(f"prizes.{i}.kind") or "points"
        prizes.append(
            {
                "name": name or "",
                "kind": kind,
                "points": (form.number(f"prizes.{i}.points") or 0) if kind == "points" else 0,
                "coupon_template_id": form.number(f"prizes.{i}.coupon_template_id")
                if kind == "coupon"
                else None,
                "probability_bp": "" if chance is None else form.basis_points(f"prizes.{i}.probability_bp"),
                "stock": form.number(f"prizes.{i}.stock"),
                "_row": i,
            }
        )
    return prizes, rows


def _lottery_typed(lot: Lottery, prizes: list[Any], zone: str) -> dict[str, Any]:
    typed: dict[str, Any] = {
        "name": lot.name,
        "points_per_draw": str(lot.points_per_draw),
        "daily_limit": "" if lot.daily_limit is None else str(lot.daily_limit),
        "starts_at": local_input(lot.starts_at, zone),
        "ends_at": local_input(lot.ends_at, zone),
        "active": "on" if lot.active else "",
    }
    for i, p in enumerate(prizes):
        typed |= {
            f"prizes.{i}.name": p.name,
            f"prizes.{i}.kind": p.kind,
            f"prizes.{i}.points": str(p.points) if p.kind == "points" else "",
            f"prizes.{i}.coupon_template_id": str(p.coupon_template_id or ""),
            f"prizes.{i}.probability_bp": f"{p.probability_bp / 100:g}",
            f"prizes.{i}.stock": "" if p.stock is None else str(p.stock),
        }
    return typed


@router.get("/console/loyalty/lottery", response_class=HTMLResponse)
async def lottery_form(
    request: Request, ctx: Ctx = Depends(can("loyalty:manage")), id: ParamId | None = None
) -> HTMLResponse:
    """A new lottery with its prize table, or with ``?id=`` the lottery to change (its
    prizes only until the first draw)."""
    frame = await header(ctx)
    lot = await lottery.get_lottery(ctx, id) if id is not None else None
    prizes = await lottery.prizes_of(ctx, lot.id) if lot else []
    return await _page(
        request,
        ctx,
        "lottery.html",
        "tab_games",
        lottery=lot,
        prizes=prizes,
        drawn=await lottery.has_draws(ctx, lot.id) if lot else False,
        values=_lottery_typed(lot, prizes, frame["workspace"].timezone) if lot else {"points_per_draw": "0"},
        rows=max(PRIZE_ROWS, len(prizes) + 1),
        template_options=await _template_options(ctx),
    )


@router.post("/console/loyalty/lottery")
async def save_lottery(request: Request, ctx: Ctx = Depends(can("loyalty:manage"))) -> Response:
    """Create a lottery, or change the one the form's ``id`` names (the API's PATCH): the
    prize table is sent only by a form that shows it, and is refused once anyone drew."""
    form = Form(await submitted(request))
    frame = await header(ctx)
    zone = frame["workspace"].timezone
    lot = await lottery.get_lottery(ctx, form.id()) if form.text("id") else None
    prizes, rows = _prize_rows(form)
    table = {"prizes": [{k: v for k, v in p.items() if k != "_row"} for p in prizes]}
    payload = {
        "name": form.text("name") or "",
        "points_per_draw": form.number("points_per_draw") or 0,
        "daily_limit": form.number("daily_limit"),
        "starts_at": form.moment("starts_at", zone),
        "ends_at": form.moment("ends_at", zone),
    }
    try:
        if lot is None:
            body = LotteryIn.model_validate(payload | table)
            await lottery.create_lottery(
                ctx, body.model_dump(exclude={"prizes"}), [p.model_dump() for p in body.prizes]
            )
        else:
            sent = table if form.text("prize_rows") else {}
            patch = LotteryPatch.model_validate(payload | {"active": form.flag("active")} | sent)
            await lottery.update_lottery(ctx, lot.id, patch.changes(), patch.prize_table())
    except (ValidationError, YutangError) as exc:
        # an error of the n-th prize filled in stands beside the form's row it came from
        rename = {
            f"prizes.{n}.{part}": f"prizes.{p['_row']}.{part}"
            for n, p in enumerate(prizes)
            for part in PRIZE_PARTS
            if n != p["_row"]
        }
        fields = (
            *LOTTERY_FIELDS,
            *(f"prizes.{n}.{part}" for n in range(max(rows, len(prizes))) for part in PRIZE_PARTS),
        )
        raise _refuse(
            request,
            "lottery.html",
            exc,
            fields,
            form,
            rename=rename,
            lottery=lot,
            prizes=await lottery.prizes_of(ctx, lot.id) if lot else [],
            drawn=await lottery.has_draws(ctx, lot.id) if lot else False,
            values=form.typed(),
            rows=rows,
            template_options=await _template_options(ctx),
            tabs=TABS,
            tab="tab_games",
            may=may(ctx),
            **frame,
        ) from None
    return _back("/console/loyalty/games", "saved" if lot else "created")


@router.get("/console/loyalty/auction", response_class=HTMLResponse)
async def auction_form(request: Request, ctx: Ctx = Depends(can("loyalty:manage"))) -> HTMLResponse:
    """A new points auction (the API changes none once made; it may be cancelled)."""
    return await _page(request, ctx, "auction.html", "tab_games", values={})


@router.post("/console/loyalty/auction")
async def create_auction(request: Request, ctx: Ctx = Depends(can("loyalty:manage"))) -> Response:
    form = Form(await submitted(request))
    frame = await header(ctx)
    zone = frame["workspace"].timezone
    payload = {
        "name": form.text("name") or "",
        "description": form.text("description") or "",
        "starts_at": form.moment("starts_at", zone),
        "ends_at": form.moment("ends_at", zone),
        "min_bid": form.number("min_bid") if form.text("min_bid") else "",
        "increment": form.number("increment") if form.text("increment") else "",
    }
    try:
        await auctions.create_auction(ctx, AuctionIn.model_validate(payload).model_dump())
    except (ValidationError, YutangError) as exc:
        raise _refuse(
            request,
            "auction.html",
            exc,
            AUCTION_FIELDS,
            form,
            values=form.typed(),
            tabs=TABS,
            tab="tab_games",
            may=may(ctx),
            **frame,
        ) from None
    return _back("/console/loyalty/games", "created")


@router.post("/console/loyalty/auction/close")
async def close_auction(request: Request, ctx: Ctx = Depends(can("loyalty:manage"))) -> Response:
    """Close an auction whose end has passed: the leading bid wins, its held points
    stay spent (the hourly job does the same)."""
    form = Form(await submitted(request))
    await auctions.close(ctx, form.id())
    return _back("/console/loyalty/games", "closed")


@router.post("/console/loyalty/auction/cancel")
async def cancel_auction(request: Request, ctx: Ctx = Depends(can("loyalty:manage"))) -> Response:
    """Call an open auction off, with a reason: the leading bid's points go back."""
    form = Form(await submitted(request))
    auction = await auctions.get_auction(ctx, form.id())
    try:
        body = ReasonIn.model_validate({"reason": form.text("reason") or ""})
        await auctions.cancel(ctx, auction.id, body.reason)
    except (ValidationError, YutangError) as exc:
        context = await _games_context(ctx, None, None)
        raise _refuse(
            request,
            "games.html",
            exc,
            ("reason",),
            form,
            **(context | {"refused_auction": auction.id}),
            done=None,
            tabs=TABS,
            tab="tab_games",
            may=may(ctx),
            **await header(ctx),
        ) from None
    return _back("/console/loyalty/games", "cancelled")


# --- stored value: top-up rules and wallets ------------------------------------------------------

TOP_UP_FIELDS = ("name", "min_amount_cents", "bonus_cents")


async def _who(ctx: Ctx, member_ids: Iterable[int]) -> dict[int, str]:
    """How a list names members: the phone number (masked unless the role sees personal
    data), else the name, else nothing (the id is shown anyway)."""
    rows = [await members.get_member(ctx, i) for i in sorted(set(member_ids))]
    views = await members.views(ctx, rows, pii=allowed(ctx.actor.role, "members:pii"))
    return {v.member.id: v.identities.get("phone") or v.name or "" for v in views}


async def _wallets_context(ctx: Ctx, cursor: str | None) -> dict[str, Any]:
    wallets, next_cursor = page_of(
        await commerce_rows.wallets(ctx.session, ctx.workspace_id, cursor, 50, members=members.visible(ctx)),
        50,
        lambda w: w.member_id,
    )
    return {
        "rules": list(await commerce_rows.top_up_rules(ctx.session, ctx.workspace_id)),
        "wallets": wallets,
        "who": await _who(ctx, [w.member_id for w in wallets]),
        "next_cursor": next_cursor,
        "values": {},
    }


@router.get("/console/loyalty/wallets", response_class=HTMLResponse)
async def wallets_page(
    request: Request,
    ctx: Ctx = Depends(can("members:read")),
    done: str | None = None,
    cursor: str | None = None,
) -> HTMLResponse:
    return await _page(
        request, ctx, "wallets.html", "tab_wallets", done=_done(done), **await _wallets_context(ctx, cursor)
    )


@router.get("/console/loyalty/top-up-rule", response_class=HTMLResponse)
async def top_up_rule_form(
    request: Request, ctx: Ctx = Depends(can("loyalty:manage")), id: ParamId | None = None
) -> HTMLResponse:
    """A new top-up rule (also offered on the stored-value tab), or with ``?id=`` the rule
    to change."""
    rule = await wallet.get_rule(ctx, id) if id is not None else None
    typed = (
        {
            "name": rule.name,
            "min_amount_cents": yuan(rule.min_amount_cents),
            "bonus_cents": yuan(rule.bonus_cents),
            "active": "on" if rule.active else "",
        }
        if rule
        else {}
    )
    return await _page(request, ctx, "top_up_rule.html", "tab_wallets", rule=rule, values=typed)


@router.post("/console/loyalty/top-up-rule")
async def save_top_up_rule(request: Request, ctx: Ctx = Depends(can("loyalty:manage"))) -> Response:
    """Add a top-up bonus rule (when several match a top-up, the largest bonus wins), or
    change the one the form's ``id`` names for top-ups from now on (the API's PATCH)."""
    form = Form(await submitted(request))
    rule = await wallet.get_rule(ctx, form.id()) if form.text("id") else None
    payload = {
        "name": form.text("name") or "",
        "min_amount_cents": form.cents("min_amount_cents") if form.text("min_amount_cents") else "",
        "bonus_cents": form.cents("bonus_cents") if form.text("bonus_cents") else "",
    }
    try:
        if rule is None:
            body = TopUpRuleIn.model_validate(payload)
            await wallet.create_rule(ctx, body.name, body.min_amount_cents, body.bonus_cents)
        else:
            patch = TopUpRulePatch.model_validate(payload | {"active": form.flag("active")})
            await wallet.update_rule(ctx, rule.id, patch.changes())
    except (ValidationError, YutangError) as exc:
        if rule is not None:
            raise _refuse(
                request,
                "top_up_rule.html",
                exc,
                (*TOP_UP_FIELDS, "active"),
                form,
                rule=rule,
                values=form.typed(),
                tabs=TABS,
                tab="tab_wallets",
                may=may(ctx),
                **await header(ctx),
            ) from None
        raise _refuse(
            request,
            "wallets.html",
            exc,
            TOP_UP_FIELDS,
            form,
            **(await _wallets_context(ctx, None) | {"values": form.typed()}),
            done=None,
            tabs=TABS,
            tab="tab_wallets",
            may=may(ctx),
            **await header(ctx),
        ) from None
    return _back("/console/loyalty/wallets", "saved" if rule else "created")


# --- the points ledger -------------------------------------------------------------------------

#: Kinds of ledger entries: the ledger's own, and the holds of auction bids.
ENTRY_KINDS_SHOWN = (*ENTRY_KINDS, "hold", "unhold")
#: What an entry refers to, for the ``ref_type`` values Yutang writes itself (a client's
#: own, given when spending through the API, is shown as it is).
REF_TYPES = ("order", "event", "reward", "lottery", "auction", "subscription", "referral", "entry")
LEDGER_PAGE = 50


def signed(value: int) -> str:
    """A change of points with its sign and thousands grouped (+1,234 / -500); 0 as 0."""
    return f"{value:+,}" if value else "0"


@router.get("/console/loyalty/ledger", response_class=HTMLResponse)
async def ledger_page(
    request: Request,
    ctx: Ctx = Depends(can("members:read")),
    phone: str | None = None,
    member_id: ParamId | None = None,
    kind: str | None = None,
    cursor: str | None = None,
) -> HTMLResponse:
    """The workspace's points ledger, newest first: of the member a phone number finds
    (as the members list finds one) or ``member_id`` names, of one kind, fifty a page."""
    t = translator(pick_language(request))
    chosen_kind = kind if kind in ENTRY_KINDS_SHOWN else None
    phone = (phone or "").strip() or None
    errors: dict[str, str] = {}
    member = None
    if phone:
        try:
            member = await members.find_by_identity(ctx, "phone", phone)
        except BadRequest:
            errors["phone"] = t("invalid_phone")
        else:
            if member is None:
                errors["phone"] = t("no_member_with_phone")
    elif member_id is not None:
        member = await members.get_member(ctx, member_id)
    entries: list[Any] = []
    next_cursor = None
    if not errors:
        rows = await ledger.entries(
            ctx,
            member_id=member.id if member else None,
            kind=chosen_kind,
            cursor_id=decode_cursor(cursor) if cursor else None,
            limit=LEDGER_PAGE,
            members=members.visible(ctx),
        )
        entries, next_cursor = page_of(rows, LEDGER_PAGE, lambda e: e.id)
    query = urlencode({k: v for k, v in {"phone": phone, "kind": chosen_kind}.items() if v})
    if member and not phone:
        query = urlencode({"member_id": member.id, **({"kind": chosen_kind} if chosen_kind else {})})
    return await _page(
        request,
        ctx,
        "ledger.html",
        "tab_ledger",
        entries=entries,
        next_cursor=next_cursor,
        member=member,
        who=await _who(ctx, [e.member_id for e in entries]),
        filters={"phone": phone or "", "kind": chosen_kind or ""},
        errors=errors,
        kinds=ENTRY_KINDS_SHOWN,
        ref_words={ref: t(f"ref_{ref}") for ref in REF_TYPES},
        signed=signed,
        query=query,
    )
