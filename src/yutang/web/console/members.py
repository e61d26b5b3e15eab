"""会员 Members: the list filtered by tier, tag, segment, source channel, joined days,
points, spend, owner staff and status — saved as a segment in one click —, segments
(their members, freeze), a member's page with its actions (tag / untag, adjust points,
issue a coupon, change tier, assign owner staff, block / unblock, export, erase), forms
(create, edit fields, open / close, answers and their CSV) and tag groups and tags.

Store staff (导购) see only the members they own (``members.service.visible``); every
action calls the service the API calls, under the API's permission.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, time, timedelta
from html import escape
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from yutang.auth.permissions import allowed
from yutang.commerce import service as commerce
from yutang.commerce import wallet
from yutang.coupons import repository as coupon_repo
from yutang.coupons import service as coupons
from yutang.kit.context import Ctx
from yutang.kit.errors import VALIDATION_ERROR, BadRequest, YutangError
from yutang.links import service as links
from yutang.loyalty import repository as ledger
from yutang.loyalty import service as points
from yutang.loyalty import tiers
from yutang.loyalty.schemas import AdjustIn, SetTierIn
from yutang.members import forms, segments
from yutang.members import repository as members_repo
from yutang.members import service as members
from yutang.members.schemas import FormIn, FormPatch, MemberIn, MemberPatch, TagGroupIn, TagIn
from yutang.membership import repository as plans_repo
from yutang.membership import service as membership
from yutang.models.workspaces import Workspace
from yutang.overview import pond
from yutang.privacy import service as privacy
from yutang.rewards import repository as rewards_repo
from yutang.web.console import conditions
from yutang.web.console.frame import (
    FormRefused,
    Submitted,
    can,
    day,
    field_errors,
    header,
    may,
    new_ref,
    refusal_status,
    render,
    router,
    submitted,
)
from yutang.web.i18n import pick_language, translator
from yutang.workspaces import repository as ws_repo

#: The list's filters (query parameters), in the order of the form.
FILTERS = (
    "tier",
    "tag",
    "segment",
    "channel",
    "owner",
    "status",
    "joined_from",
    "joined_to",
    "points_min",
    "points_max",
    "spend_min",
    "spend_max",
)
PAGE = 50


def _int(value: str | None) -> int | None:
    value = (value or "").replace(",", "").strip()
    return int(value) if value.lstrip("-").isdigit() and len(value) < 16 else None


def _yuan(value: str | None) -> int | None:
    """Yuan as typed (12, 12.5, 1,200.00) → cents."""
    value = (value or "").replace(",", "").replace("¥", "").strip()
    try:
        return round(float(value) * 100) if value and len(value) < 16 else None
    except ValueError:
        return None


def _day_start(text: str | None, zone: ZoneInfo, after: int = 0) -> str | None:
    chosen = day(text)
    if chosen is None:
        return None
    start = datetime.combine(chosen + timedelta(days=after), time(), zone)
    return start.astimezone(UTC).isoformat()


async def member_filter(ctx: Ctx, chosen: dict[str, str], zone: ZoneInfo) -> dict[str, Any] | None:
    """The filters chosen as one node of the segment filter language (None: everyone).

    A dynamic segment chosen is folded in as its own filter; a static one as its frozen
    members can only be browsed (``static_segment`` tells the page)."""
    leaves: list[dict[str, Any]] = []
    tier = chosen.get("tier")
    if tier == "none":
        leaves.append({"field": "tier", "op": "eq", "value": None})
    elif _int(tier) is not None:
        leaves.append({"field": "tier", "op": "eq", "value": _int(tier)})
    if _int(chosen.get("tag")) is not None:
        leaves.append({"field": "tag", "op": "has", "value": _int(chosen.get("tag"))})
    if _int(chosen.get("channel")) is not None:
        leaves.append({"field": "source_channel", "op": "eq", "value": _int(chosen.get("channel"))})
    owner = chosen.get("owner")
    if owner == "none":
        leaves.append({"field": "owner", "op": "eq", "value": None})
    elif _int(owner) is not None:
        leaves.append({"field": "owner", "op": "eq", "value": _int(owner)})
    if chosen.get("status") in ("active", "blocked"):
        leaves.append({"field": "status", "op": "eq", "value": chosen["status"]})
    else:
        leaves.append({"field": "status", "op": "ne", "value": "erased"})
    if (start := _day_start(chosen.get("joined_from"), zone)) is not None:
        leaves.append({"field": "joined_at", "op": "after", "value": start})
    if (end := _day_start(chosen.get("joined_to"), zone, after=1)) is not None:
        leaves.append({"field": "joined_at", "op": "before", "value": end})
    for name, field, read in (
        ("points_min", "points_balance", _int),
        ("points_max", "points_balance", _int),
        ("spend_min", "total_spent_cents", _yuan),
        ("spend_max", "total_spent_cents", _yuan),
    ):
        value = read(chosen.get(name))
        if value is not None:
            leaves.append({"field": field, "op": "gte" if name.endswith("min") else "lte", "value": value})
    segment_id = _int(chosen.get("segment"))
    if segment_id is not None:
        segment = await segments.get_segment(ctx, segment_id)
        if segment.kind == "dynamic" and segment.filter:
            leaves.append(segment.filter)
    return {"and": leaves} if leaves else None


async def _choices(ctx: Ctx) -> dict[str, Any]:
    channels, _ = await links.list_channels(ctx, None, 500, include_archived=True)
    tag_rows = [
        (tag.id, f"{group.name}/{tag.name}")
        for group, tags in await members_repo.tag_groups(ctx.session, ctx.workspace_id)
        for tag in tags
    ]
    return {
        "tiers": await tiers.tiers(ctx.session, ctx.workspace_id),
        "tags": tag_rows,
        "segment_list": await members_repo.segments(ctx.session, ctx.workspace_id),
        "channels": list(channels),
        "staff": [
            (uid, name or email)
            for uid, email, name, _ in await ws_repo.members(ctx.session, ctx.workspace_id)
        ],
    }


@router.get("/console/members", response_class=HTMLResponse)
async def members_page(
    request: Request,
    ctx: Ctx = Depends(can("members:read")),
    cursor: str | None = None,
    phone: str | None = None,
    done: str | None = None,
) -> HTMLResponse:
    frame = await header(ctx)
    zone = ZoneInfo(frame["workspace"].timezone)
    chosen = {k: v for k in FILTERS if (v := (request.query_params.get(k) or "").strip())}
    figures = await pond.overview(ctx)
    error, total, static_segment = None, None, False
    node = await member_filter(ctx, chosen, zone)
    if phone:
        try:
            found = await members.find_by_identity(ctx, "phone", phone)
        except BadRequest:
            found, error = None, "invalid_phone"
        rows, nxt = ([found] if found else []), None
    else:
        where = await segments.compile_filter(ctx.session, ctx.workspace_id, node) if node else None
        segment_id = _int(chosen.get("segment"))
        if segment_id is not None:
            segment = await segments.get_segment(ctx, segment_id)
            if segment.kind in ("static", "list"):
                static_segment = True
                clause = await segments.members_clause(ctx, segment)
                where = clause if where is None else where & clause
        rows, nxt, total = await members.matching(ctx, where, cursor, PAGE)
    views = await members.views(ctx, rows, pii=allowed(ctx.actor.role, "members:pii"))
    choices = await _choices(ctx)
    return render(
        request,
        "console/members/list.html",
        figures=figures,
        views=views,
        tier_names={t.id: t.name for t in choices["tiers"]},
        next_cursor=nxt,
        total=total,
        phone=phone,
        error=error,
        chosen=chosen,
        query=urlencode(chosen),
        node=json.dumps(node, ensure_ascii=False) if node else "",
        static_segment=static_segment,
        done=done,
        may=may(ctx),
        tier_top=max((n for _, n in figures.tiers), default=0) or 1,
        channel_top=max((n for _, n in figures.channels), default=0) or 1,
        **choices,
        **frame,
    )


@router.post("/console/members/save-segment")
async def save_segment(request: Request, ctx: Ctx = Depends(can("members:write"))) -> Response:
    """The list's filters saved as a (dynamic) segment, in one click."""
    form = await submitted(request)
    frame = await header(ctx)
    chosen = {k: v for k in FILTERS if (v := form.text(k))}
    name = form.text("name")
    if not name or len(name) > 120:
        raise BadRequest("A segment needs a name of 1 to 120 characters.", code=VALIDATION_ERROR)
    node = await member_filter(ctx, chosen, ZoneInfo(frame["workspace"].timezone))
    segment = await segments.create_segment(
        ctx, name, node or {"field": "status", "op": "ne", "value": "erased"}
    )
    return RedirectResponse(f"/console/segments/{segment.id}?done=created", status_code=303)


# --- segments -----------------------------------------------------------------------------


@router.get("/console/segments", response_class=HTMLResponse)
async def segments_page(request: Request, ctx: Ctx = Depends(can("members:read"))) -> HTMLResponse:
    rows = await members_repo.segments(ctx.session, ctx.workspace_id)
    counts = {s.id: await segments.count(ctx, s) for s in rows}
    return render(
        request, "console/members/segments.html", rows=rows, counts=counts, may=may(ctx), **await header(ctx)
    )


async def _builder_context(ctx: Ctx, match: str, rows: list[conditions.Row]) -> dict[str, Any]:
    """What the builder's menus offer: fields, tags, tiers, channels, staff."""
    return {
        "match": match,
        "rows": rows,
        "fields": list(conditions.FIELDS),
        "preview": None,
        **await _choices(ctx),
    }


async def _zone(ctx: Ctx) -> ZoneInfo:
    workspace = await ctx.session.get(Workspace, ctx.workspace_id)
    return ZoneInfo(workspace.timezone if workspace else "UTC")


@router.get("/console/segments/new", response_class=HTMLResponse)
async def new_segment(request: Request, ctx: Ctx = Depends(can("members:write"))) -> HTMLResponse:
    """A segment built from conditions picked from menus."""
    return render(
        request,
        "console/members/segment_new.html",
        errors={},
        segment_name="",
        **await _builder_context(ctx, "all", [conditions.Row()]),
        **await header(ctx),
    )


@router.post("/console/segments")
async def create_segment(request: Request, ctx: Ctx = Depends(can("members:write"))) -> Response:
    form = await submitted(request)
    match, rows = conditions.read_rows(form)
    name = form.text("name") or ""
    try:
        if not 1 <= len(name) <= 120:
            raise BadRequest(
                "A segment needs a name of 1 to 120 characters.",
                code=VALIDATION_ERROR,
                details={"field": "name"},
            )
        node = conditions.to_filter(match, rows, await _zone(ctx))
        segment = await segments.create_segment(ctx, name, node)
    except YutangError as exc:
        page = render(
            request,
            "console/members/segment_new.html",
            refusal_status(exc),
            errors=_builder_errors(exc, request),
            segment_name=name,
            **await _builder_context(ctx, match, rows),
            **await header(ctx),
        )
        raise FormRefused(page) from None
    return RedirectResponse(f"/console/segments/{segment.id}?done=created", status_code=303)


def _builder_errors(exc: YutangError, request: Request) -> dict[str, str]:
    """A filter the compiler refuses (an unknown tag, a number too large) is said at the
    rows; the rest beside its field."""
    if exc.code in ("invalid_filter", "unknown_tag"):
        exc.details = {**exc.details, "field": "rows"}
    return field_errors(exc, pick_language(request))


@router.post("/console/segments/builder", response_class=HTMLResponse)
async def builder_rows(request: Request, ctx: Ctx = Depends(can("members:write"))) -> HTMLResponse:
    """The builder drawn again (htmx): a field chosen, a condition added or removed."""
    form = await submitted(request)
    match, rows = conditions.read_rows(form)
    if form.text("add") and len(rows) < conditions.MAX_ROWS:
        rows.append(conditions.Row())
    removed = form.text("remove")
    if removed is not None and removed.isdigit() and int(removed) < len(rows):
        del rows[int(removed)]
    return render(
        request, "console/members/builder.html", errors={}, **await _builder_context(ctx, match, rows)
    )


@router.post("/console/segments/preview", response_class=HTMLResponse)
async def preview_segment(request: Request, ctx: Ctx = Depends(can("members:read"))) -> HTMLResponse:
    """How many members the conditions select now (htmx), or why they cannot be read."""
    form = await submitted(request)
    lang = pick_language(request)
    try:
        node = conditions.to_filter(*conditions.read_rows(form), await _zone(ctx))
        count, _ = await segments.preview(ctx, node)
    except YutangError as exc:
        words = next(iter(field_errors(exc, lang).values()))
        return HTMLResponse(f'<span class="error" role="alert">{escape(words)}</span>')
    text = translator(lang)("preview_members").replace("{n}", f"{count:,}")
    return HTMLResponse(escape(text))


@router.get("/console/segments/{segment_id}", response_class=HTMLResponse)
async def segment_page(
    request: Request,
    segment_id: int,
    ctx: Ctx = Depends(can("members:read")),
    cursor: str | None = None,
    done: str | None = None,
    editor: str | None = None,
) -> HTMLResponse:
    return render(
        request,
        "console/members/segment.html",
        done=done,
        errors={},
        **await _segment_context(ctx, segment_id, cursor, editor),
    )


async def _segment_context(
    ctx: Ctx, segment_id: int, cursor: str | None, editor: str | None = None
) -> dict[str, Any]:
    segment = await segments.get_segment(ctx, segment_id)
    where = await segments.members_clause(ctx, segment)
    rows, nxt, total = await members.matching(ctx, where, cursor, PAGE)
    views = await members.views(ctx, rows, pii=allowed(ctx.actor.role, "members:pii"))
    built = conditions.from_filter(segment.filter, await _zone(ctx))
    match, conds = built or ("all", [])
    return {
        "segment": segment,
        "views": views,
        "total": total,
        "next_cursor": nxt,
        "uses": await segments.uses_of(ctx, segment_id),
        "filter_json": json.dumps(segment.filter, ensure_ascii=False, indent=2),
        "tier_names": {t.id: t.name for t in await tiers.tiers(ctx.session, ctx.workspace_id)},
        "may": may(ctx),
        # the builder unless the filter has a shape it cannot show, or JSON was asked for
        "editor": "rows" if built and editor != "json" else "json",
        "nested": built is None,
        **await _builder_context(ctx, match, conds),
        **await header(ctx),
    }


@router.post("/console/segments/{segment_id}/edit")
async def edit_segment(
    request: Request, segment_id: int, ctx: Ctx = Depends(can("members:write"))
) -> Response:
    """Rename the segment, or give it new conditions (the builder) or a new filter (the
    JSON of the segment language)."""
    form = await submitted(request)
    editor = "rows" if form.text("editor") == "rows" else "json"
    match, rows = conditions.read_rows(form)
    try:
        name = form.text("name")
        node: Any
        if form.text("editor") == "list":
            node = None  # a list segment is renamed only: it has no filter
        elif editor == "rows":
            node = conditions.to_filter(match, rows, await _zone(ctx))
        else:
            text = form.text("filter")
            try:
                node = json.loads(text) if text else None
            except ValueError:
                raise BadRequest(
                    "The filter is not JSON.", code=VALIDATION_ERROR, details={"field": "filter"}
                ) from None
        if name is None or len(name) > 120:
            raise BadRequest(
                "A segment needs a name of 1 to 120 characters.",
                code=VALIDATION_ERROR,
                details={"field": "name"},
            )
        await segments.update_segment(ctx, segment_id, name=name, node=node)
    except YutangError as exc:
        if exc.code in ("invalid_filter", "unknown_tag"):
            exc.details = {**exc.details, "field": "rows" if editor == "rows" else "filter"}
        context = await _segment_context(ctx, segment_id, None, editor)
        context.update(filter_json=form.text("filter") or "", editor=editor, match=match, rows=rows)
        page = render(
            request,
            "console/members/segment.html",
            refusal_status(exc),
            done=None,
            errors=field_errors(exc, pick_language(request)),
            **context,
        )
        raise FormRefused(page) from None
    return RedirectResponse(f"/console/segments/{segment_id}?done=saved", status_code=303)


@router.post("/console/segments/{segment_id}/delete")
async def delete_segment(segment_id: int, ctx: Ctx = Depends(can("members:write"))) -> Response:
    await segments.delete_segment(ctx, segment_id)
    return RedirectResponse("/console/segments?done=deleted", status_code=303)


@router.post("/console/segments/{segment_id}/freeze")
async def freeze_segment(segment_id: int, ctx: Ctx = Depends(can("members:write"))) -> Response:
    segment = await segments.get_segment(ctx, segment_id)
    await segments.freeze(ctx, segment)
    return RedirectResponse(f"/console/segments/{segment_id}?done=frozen", status_code=303)


# --- a member -----------------------------------------------------------------------------


async def member_context(ctx: Ctx, member_id: int) -> dict[str, Any]:
    member = await members.get_member(ctx, member_id)
    view = (await members.views(ctx, [member], pii=allowed(ctx.actor.role, "members:pii")))[0]
    orders, _ = await commerce.list_orders(ctx, cursor=None, limit=20, member_id=member_id)
    tier_list = await tiers.tiers(ctx.session, ctx.workspace_id)
    staff = [
        (uid, name or email) for uid, email, name, _ in await ws_repo.members(ctx.session, ctx.workspace_id)
    ]
    return {
        "v": view,
        "m": member,
        "entries": (await ledger.entries_of(ctx, member_id, cursor_id=None, limit=20))[:20],
        "lots": await ledger.lots_of(ctx, member_id),
        "orders": orders,
        "coupons": await coupons.of_member(ctx, member_id),
        "templates": [tp for tp in await coupon_repo.templates(ctx.session, ctx.workspace_id) if tp.active],
        "tiers": tier_list,
        "tier_names": {t.id: t.name for t in tier_list},
        "history": await tiers.history(ctx, member_id),
        "staff": staff,
        "staff_names": dict(staff),
        "may": may(ctx),
        "errors": {},
        "values": {},
        "attribute_lines": "\n".join(f"{k} = {_shown(v)}" for k, v in (member.attributes or {}).items()),
        **await counter_context(ctx, member_id),
    }


# --- a member made or their profile changed by hand ---------------------------------------

ADDRESS = ("province", "city", "district", "detail")


def _attributes(form: Submitted) -> dict[str, str]:
    """Custom attributes typed one a line as ``name = value``."""
    found: dict[str, str] = {}
    for line in (form.text("attributes") or "").splitlines():
        if not line.strip():
            continue
        name, eq, value = line.partition("=")
        if not eq or not name.strip():
            raise BadRequest(
                "Write one attribute a line, as name = value.",
                code=VALIDATION_ERROR,
                details={"field": "attributes"},
            )
        found[name.strip()] = value.strip()
    return found


def _shown(value: Any) -> str:
    """An attribute's value as the form shows it (text as is, numbers and flags as JSON)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _profile(form: Submitted) -> dict[str, Any]:
    """The fields of the profile form, as the API's member schemas name them."""
    address = {k: v for k in ADDRESS if (v := form.text(f"address.{k}"))}
    return {
        "name": form.text("name"),
        "gender": form.text("gender") or "unknown",
        "birthday": form.text("birthday"),
        "address": address or None,
    }


def _profile_errors(exc: Exception, lang: str) -> dict[str, str]:
    """Errors by the form's field: an identity refused is said beside its box."""
    said = field_errors(exc, lang)
    kind = exc.details.get("kind") if isinstance(exc, YutangError) and isinstance(exc.details, dict) else None
    if kind in ("phone", "email") and "_" in said:
        said[str(kind)] = said.pop("_")
    return {k.removeprefix("identities."): v for k, v in said.items()}


async def _new_member_page(
    request: Request, ctx: Ctx, status: int = 200, errors: dict[str, str] | None = None, values: Any = None
) -> HTMLResponse:
    return render(
        request,
        "console/members/member_new.html",
        status,
        errors=errors or {},
        values=values or {},
        **await _choices(ctx),
        **await header(ctx),
    )


@router.get("/console/members/new", response_class=HTMLResponse)
async def new_member(request: Request, ctx: Ctx = Depends(can("members:write"))) -> HTMLResponse:
    return await _new_member_page(request, ctx)


@router.post("/console/members/new")
async def create_member(request: Request, ctx: Ctx = Depends(can("members:write"))) -> Response:
    """A member typed in by hand (a customer at the counter): the API's create, so an
    identity someone already has is refused, not merged."""
    form = await submitted(request)
    try:
        body = MemberIn.model_validate(
            {
                "phone": form.text("phone"),
                "email": form.text("email"),
                **_profile(form),
                "attributes": _attributes(form),
                "tags": form.words("tags"),
                "source_channel_id": _int(form.text("source_channel_id")),
                "owner_user_id": _int(form.text("owner_user_id")),
                "consents": {"marketing": True} if form.flag("consent_marketing") else {},
            }
        )
        if not body.given():
            raise BadRequest(
                "A member needs a phone number or an email.",
                code=VALIDATION_ERROR,
                details={"field": "phone"},
            )
        made = await members.create_member(ctx, body, via="console")
    except (ValidationError, YutangError) as exc:
        values = {k: v for k, v in form.form.items() if isinstance(v, str)}
        page = await _new_member_page(
            request, ctx, refusal_status(exc), _profile_errors(exc, pick_language(request)), values
        )
        raise FormRefused(page) from None
    return back_to_member(made.id, "created")


@router.post("/console/members/{member_id}/profile")
async def edit_profile(
    request: Request, member_id: int, ctx: Ctx = Depends(can("members:write"))
) -> Response:
    """Name, gender, birthday, address, phone and email, custom attributes: the API's
    change (an attribute no longer listed is removed; an identity emptied is removed,
    one must stay)."""
    form = await submitted(request)
    try:
        member = await members.get_member(ctx, member_id)
        held = member.attributes or {}
        # only what changed: a number or a flag left as it was keeps its type
        typed = {k: v for k, v in _attributes(form).items() if k not in held or _shown(held[k]) != v}
        gone = {k: None for k in held if k not in _attributes(form)}
        patch = MemberPatch.model_validate(
            {
                **_profile(form),
                "identities": {"phone": form.text("phone"), "email": form.text("email")},
                "attributes": {**typed, **gone},
            }
        )
        await members.update_member(ctx, member_id, patch)
    except (ValidationError, YutangError) as exc:
        refused = await refuse_action(request, ctx, member_id, "profile", exc, form)
        raise refused from None
    return back_to_member(member_id, "saved")


async def counter_context(ctx: Ctx, member_id: int) -> dict[str, Any]:
    """What the member's page shows of stored value, paid membership and rewards."""
    entries = await wallet.entries(ctx, member_id, limit=20)
    refunded: dict[int, int] = {}
    for entry in entries:
        if entry.kind == "refund" and entry.refund_of is not None:
            refunded[entry.refund_of] = (
                refunded.get(entry.refund_of, 0) + entry.principal_delta + entry.bonus_delta
            )
    plan_rows = await plans_repo.plans(ctx.session, ctx.workspace_id)
    return {
        "wallet": await wallet.balance(ctx, member_id),
        "wallet_entries": entries,
        # what is left to refund of each payment shown
        "refundable": {
            e.id: -(e.principal_delta + e.bonus_delta) - refunded.get(e.id, 0)
            for e in entries
            if e.kind == "spend"
        },
        "plans": [p for p in plan_rows if p.active],
        "plan_names": {p.id: p.name for p in plan_rows},
        "subscriptions": await membership.active_subscriptions(ctx, member_id),
        "reward_list": [r for r in await rewards_repo.rewards(ctx.session, ctx.workspace_id) if r.active],
        "ref": new_ref(),
    }


@router.get("/console/members/{member_id}", response_class=HTMLResponse)
async def member_page(
    request: Request, member_id: int, ctx: Ctx = Depends(can("members:read")), done: str | None = None
) -> HTMLResponse:
    return render(
        request,
        "console/members/member.html",
        done=done,
        **await member_context(ctx, member_id),
        **await header(ctx),
    )


async def refuse_action(
    request: Request, ctx: Ctx, member_id: int, action: str, exc: Exception, form: Submitted
) -> FormRefused:
    """The member's page again, the refused action's errors beside its fields (a schema's
    ``amount_cents`` is the form's ``amount``, typed in yuan)."""
    said = (
        _profile_errors(exc, pick_language(request))
        if action == "profile"
        else field_errors(exc, pick_language(request))
    )
    errors = {action: {("amount" if k == "amount_cents" else k): v for k, v in said.items()}}
    context = await member_context(ctx, member_id)
    context.update(
        errors=errors, values={k: v for k, v in form.form.items() if isinstance(v, str)}, open=action
    )
    status = refusal_status(exc)
    return FormRefused(render(request, "console/members/member.html", status, **context, **await header(ctx)))


def back_to_member(member_id: int, done: str) -> Response:
    return RedirectResponse(f"/console/members/{member_id}?done={done}", status_code=303)


@router.post("/console/members/{member_id}/tags")
async def tag_member(request: Request, member_id: int, ctx: Ctx = Depends(can("members:write"))) -> Response:
    form = await submitted(request)
    add: list[str | int] = list(form.words("add"))
    remove: list[str | int] = list(form.ids("remove"))
    try:
        await members.tag_member(ctx, member_id, add, remove)
    except YutangError as exc:
        raise await refuse_action(request, ctx, member_id, "tags", exc, form) from None
    return back_to_member(member_id, "tagged")


@router.post("/console/members/{member_id}/points")
async def adjust_points(
    request: Request, member_id: int, ctx: Ctx = Depends(can("points:write"))
) -> Response:
    form = await submitted(request)
    zone = (await header(ctx))["workspace"].timezone
    try:
        body = AdjustIn.model_validate(
            {
                "delta": form.number("delta"),
                "reason": form.text("reason") or "",
                "expires_at": form.local_time("expires_at", zone),
            }
        )
        await points.adjust(ctx, member_id, body.delta, reason=body.reason, expires_at=body.expires_at)
    except (ValidationError, YutangError) as exc:
        raise await refuse_action(request, ctx, member_id, "points", exc, form) from None
    return back_to_member(member_id, "points")


@router.post("/console/members/{member_id}/coupon")
async def issue_coupon(request: Request, member_id: int, ctx: Ctx = Depends(can("points:write"))) -> Response:
    form = await submitted(request)
    template_id = _int(form.text("template_id"))
    try:
        if template_id is None:
            raise BadRequest("Choose a coupon.", code=VALIDATION_ERROR, details={"field": "template_id"})
        await coupons.issue(ctx, template_id, member_id, source="console")
    except YutangError as exc:
        raise await refuse_action(request, ctx, member_id, "coupon", exc, form) from None
    return back_to_member(member_id, "coupon")


@router.post("/console/members/{member_id}/tier")
async def change_tier(
    request: Request, member_id: int, ctx: Ctx = Depends(can("loyalty:manage"))
) -> Response:
    form = await submitted(request)
    try:
        body = SetTierIn.model_validate(
            {"tier_id": _int(form.text("tier_id")), "reason": form.text("reason") or ""}
        )
        await tiers.set_tier(ctx, member_id, body.tier_id, body.reason)
    except (ValidationError, YutangError) as exc:
        raise await refuse_action(request, ctx, member_id, "tier", exc, form) from None
    return back_to_member(member_id, "tier")


@router.post("/console/members/{member_id}/owner")
async def assign_owner(
    request: Request, member_id: int, ctx: Ctx = Depends(can("members:write"))
) -> Response:
    form = await submitted(request)
    owner = _int(form.text("owner_user_id"))
    try:
        await members.update_member(ctx, member_id, MemberPatch.model_validate({"owner_user_id": owner}))
    except (ValidationError, YutangError) as exc:
        raise await refuse_action(request, ctx, member_id, "owner", exc, form) from None
    return back_to_member(member_id, "owner")


@router.post("/console/members/{member_id}/status")
async def set_status(request: Request, member_id: int, ctx: Ctx = Depends(can("members:write"))) -> Response:
    form = await submitted(request)
    status = "blocked" if form.text("status") == "blocked" else "active"
    await members.update_member(ctx, member_id, MemberPatch(status=status))
    return back_to_member(member_id, status)


@router.get("/console/members/{member_id}/export")
async def export_member(member_id: int, ctx: Ctx = Depends(can("members:erase"))) -> Response:
    """Everything held about the member, as the API's export, to download."""
    body = json.dumps(await privacy.export_member(ctx, member_id), ensure_ascii=False, indent=2, default=str)
    return Response(
        body,
        media_type="application/json",
        headers={"content-disposition": f'attachment; filename="member-{member_id}.json"'},
    )


@router.post("/console/members/{member_id}/erase")
async def erase_member(
    request: Request, member_id: int, ctx: Ctx = Depends(can("members:erase"))
) -> Response:
    """Erase for good — only when the operator typed the member's number to confirm."""
    form = await submitted(request)
    if form.text("confirm") != str(member_id):
        exc = BadRequest(
            "Type the member's number to confirm.", code=VALIDATION_ERROR, details={"field": "confirm"}
        )
        raise await refuse_action(request, ctx, member_id, "erase", exc, form)
    await privacy.erase_member(ctx, member_id)
    return back_to_member(member_id, "erased")


# --- forms --------------------------------------------------------------------------------

FIELD_ROWS = 3  # empty rows a form's editor offers beyond its fields
FIELD_TYPES = (
    "text",
    "textarea",
    "phone",
    "email",
    "select",
    "multiselect",
    "number",
    "date",
    "address",
    "cn_id",
)
MAPS_TO = ("", "name", "phone", "email", "gender", "birthday", "address", "id_number")


def _form_fields(form: Submitted) -> list[dict[str, Any]]:
    fields = []
    rows = _int(form.text("field_rows")) or 0
    for i in range(min(rows, 40)):
        key, label = form.text(f"fields.{i}.key"), form.text(f"fields.{i}.label")
        if key is None and label is None:
            continue
        field: dict[str, Any] = {
            "key": key or "",
            "label": label or "",
            "type": form.text(f"fields.{i}.type") or "text",
            "required": form.flag(f"fields.{i}.required"),
        }
        if form.words(f"fields.{i}.options"):
            field["options"] = form.words(f"fields.{i}.options")
        if form.text(f"fields.{i}.maps_to"):
            field["maps_to"] = form.text(f"fields.{i}.maps_to")
        fields.append(field)
    return fields


def _form_values(form: Submitted) -> dict[str, Any]:
    return {
        "slug": form.text("slug") or "",
        "title": form.text("title") or "",
        "title_en": form.text("title_en"),
        "description": form.text("description"),
        "fields": _form_fields(form),
    }


async def _form_links(ctx: Ctx) -> str | None:
    domains = await links.list_domains(ctx)
    default = next((d for d in domains if d.is_default), domains[0] if domains else None)
    return f"{'https' if default.https else 'http'}://{default.host}/forms/" if default else None


@router.get("/console/forms", response_class=HTMLResponse)
async def forms_page(request: Request, ctx: Ctx = Depends(can("members:read"))) -> HTMLResponse:
    rows = await members_repo.forms(ctx.session, ctx.workspace_id)
    counts = {f.id: await forms.count(ctx, f.id) for f in rows}
    return render(
        request,
        "console/members/forms.html",
        rows=rows,
        counts=counts,
        base_url=await _form_links(ctx),
        may=may(ctx),
        **await header(ctx),
    )


def _editor(values: dict[str, Any]) -> dict[str, Any]:
    return {"values": values, "field_types": FIELD_TYPES, "maps_to": MAPS_TO, "spare": FIELD_ROWS}


@router.get("/console/forms/new", response_class=HTMLResponse)
async def new_form_page(request: Request, ctx: Ctx = Depends(can("members:write"))) -> HTMLResponse:
    starter = [{"key": "phone", "label": "手机号", "type": "phone", "maps_to": "phone", "required": True}]
    return render(
        request,
        "console/members/form_edit.html",
        form=None,
        errors={},
        **_editor({"fields": starter}),
        **await header(ctx),
    )


@router.post("/console/forms/new")
async def create_form(request: Request, ctx: Ctx = Depends(can("members:write"))) -> Response:
    form = await submitted(request)
    values = _form_values(form)
    try:
        body = FormIn.model_validate(values)
        data = body.model_dump()
        data["fields"] = [f.model_dump(exclude_none=True) for f in body.fields]
        made = await forms.create_form(ctx, data)
    except (ValidationError, YutangError) as exc:
        status = refusal_status(exc)
        errors = field_errors(exc, pick_language(request))
        page = render(
            request,
            "console/members/form_edit.html",
            status,
            form=None,
            errors=errors,
            **_editor(values),
            **await header(ctx),
        )
        raise FormRefused(page) from None
    return RedirectResponse(f"/console/forms/{made.id}?done=created", status_code=303)


@router.get("/console/forms/{form_id}", response_class=HTMLResponse)
async def form_page(
    request: Request, form_id: int, ctx: Ctx = Depends(can("members:read")), done: str | None = None
) -> HTMLResponse:
    return render(
        request, "console/members/form.html", done=done, errors={}, **await _form_context(ctx, form_id)
    )


async def _form_context(ctx: Ctx, form_id: int) -> dict[str, Any]:
    found = await forms.get_form(ctx, form_id)
    pii = allowed(ctx.actor.role, "members:pii")
    answers = await forms.submissions(ctx, form_id, cursor_id=None, limit=PAGE)
    return {
        "form": found,
        "count": await forms.count(ctx, form_id),
        "answers": [(a, forms.opened(a) if pii else None) for a in answers[:PAGE]],
        "pii": pii,
        "url": (await _form_links(ctx) or "") + found.slug,
        **_editor(
            {
                "fields": found.fields,
                "title": found.title,
                "title_en": found.title_en,
                "description": found.description,
            }
        ),
        "may": may(ctx),
        **await header(ctx),
    }


@router.post("/console/forms/{form_id}/edit")
async def edit_form(request: Request, form_id: int, ctx: Ctx = Depends(can("members:write"))) -> Response:
    form = await submitted(request)
    values = _form_values(form)
    try:
        body = FormPatch.model_validate({k: v for k, v in values.items() if k != "slug"})
        changes = body.model_dump(exclude_unset=True)
        if body.fields is not None:
            changes["fields"] = [f.model_dump(exclude_none=True) for f in body.fields]
        await forms.update_form(ctx, form_id, changes)
    except (ValidationError, YutangError) as exc:
        status = refusal_status(exc)
        context = await _form_context(ctx, form_id)
        context.update(_editor(values))
        page = render(
            request,
            "console/members/form.html",
            status,
            done=None,
            errors=field_errors(exc, pick_language(request)),
            **context,
        )
        raise FormRefused(page) from None
    return RedirectResponse(f"/console/forms/{form_id}?done=saved", status_code=303)


@router.post("/console/forms/{form_id}/active")
async def open_or_close_form(
    request: Request, form_id: int, ctx: Ctx = Depends(can("members:write"))
) -> Response:
    form = await submitted(request)
    active = form.text("active") == "1"
    await forms.update_form(ctx, form_id, {"active": active})
    return RedirectResponse(
        f"/console/forms/{form_id}?done={'form_opened' if active else 'form_closed'}", status_code=303
    )


@router.get("/console/forms/{form_id}/submissions.csv")
async def export_submissions(form_id: int, ctx: Ctx = Depends(can("members:read"))) -> Response:
    """Every answer as CSV (one column per field, then any key answered before a field was
    removed); the answers themselves only for roles that may see personal data."""
    found = await forms.get_form(ctx, form_id)
    pii = allowed(ctx.actor.role, "members:pii")
    rows = []
    cursor: int | None = None
    while True:
        batch = await forms.submissions(ctx, form_id, cursor_id=cursor, limit=500)
        rows += batch[:500]
        if len(batch) <= 500:
            break
        cursor = batch[499].id
    opened = [(a, forms.opened(a) if pii else {}) for a in rows]
    keys = [f["key"] for f in found.fields]
    keys += sorted({k for _, data in opened for k in data} - set(keys))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "member_id", "via", "created_at", *(keys if pii else [])])
    for answer, data in opened:
        cells = [
            json.dumps(data.get(k), ensure_ascii=False)
            if isinstance(data.get(k), dict | list)
            else data.get(k, "")
            for k in keys
        ]
        writer.writerow(
            [answer.id, answer.member_id, answer.via, answer.created_at.isoformat(), *(cells if pii else [])]
        )
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="form-{found.slug}.csv"'},
    )


# --- tags ---------------------------------------------------------------------------------


@router.get("/console/tags", response_class=HTMLResponse)
async def tags_page(
    request: Request, ctx: Ctx = Depends(can("members:read")), done: str | None = None
) -> HTMLResponse:
    return render(
        request,
        "console/members/tags.html",
        groups=await members_repo.tag_groups(ctx.session, ctx.workspace_id),
        done=done,
        errors={},
        may=may(ctx),
        **await header(ctx),
    )


@router.post("/console/tags")
async def create_tags(request: Request, ctx: Ctx = Depends(can("members:write"))) -> Response:
    """A tag group (exclusive or not), or tags in a group (made when missing)."""
    form = await submitted(request)
    try:
        if form.text("kind") == "group":
            body = TagGroupIn.model_validate(
                {"name": form.text("name") or "", "exclusive": form.flag("exclusive")}
            )
            await members.create_tag_group(ctx, body.name, body.exclusive)
        else:
            group = form.text("group") or ""
            names = form.words("names")
            if not names:
                raise BadRequest("Give at least one tag.", code=VALIDATION_ERROR, details={"field": "names"})
            for name in names:
                tag = TagIn.model_validate({"group": group, "name": name})
                await members.ensure_tag(ctx, tag.group, tag.name)
    except (ValidationError, YutangError) as exc:
        status = refusal_status(exc)
        page = render(
            request,
            "console/members/tags.html",
            status,
            groups=await members_repo.tag_groups(ctx.session, ctx.workspace_id),
            done=None,
            errors=field_errors(exc, pick_language(request)),
            may=may(ctx),
            **await header(ctx),
        )
        raise FormRefused(page) from None
    return RedirectResponse("/console/tags?done=created", status_code=303)
