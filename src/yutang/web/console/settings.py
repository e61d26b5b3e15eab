"""设置 Settings: the workspace's profile and timezone, link domains, console users and
roles, API keys, the shop webhook's secret and the PII key status — one page per tab.

Every write calls the service its API endpoint calls, under the same permission, in the
request's transaction; a refused form raises :class:`FormRefused`, so nothing of it is
kept. A secret (an API key, the webhook's signing secret, an invitation's accept URL)
is in the answer to the form that made it and nowhere else: never in a redirect, never
stored in clear.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from yutang.auth import service as auth_service
from yutang.auth.permissions import ROLE_ORDER, Permission, allowed, can_grant
from yutang.commerce import service as commerce_service
from yutang.kit import crypto
from yutang.kit.context import Ctx
from yutang.kit.errors import FORBIDDEN, NotFound, YutangError
from yutang.kit.pagination import page_of
from yutang.links import service as links_service
from yutang.links.errors import DOMAIN_TAKEN, INVALID_HOST
from yutang.links.schemas import DomainIn
from yutang.members import rotation
from yutang.web.console.frame import (
    FormRefused,
    Submitted,
    can,
    field_errors,
    header,
    may,
    refusal_status,
    render,
    router,
    submitted,
)
from yutang.web.i18n import pick_language, translator
from yutang.workspaces import endpoints as ws_endpoints
from yutang.workspaces import invitations
from yutang.workspaces import repository as ws_repo
from yutang.workspaces import service as ws_service
from yutang.workspaces.schemas import ApiKeyIn, InvitationIn, RolePatch, WorkspacePatch

#: The zones offered, Asia/Shanghai first (the workspace's own zone is added if missing).
ZONES = (
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Kuala_Lumpur",
    "Asia/Bangkok",
    "Asia/Jakarta",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Dubai",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Australia/Sydney",
    "UTC",
)
#: The tabs: name, address, the permission that shows it (its page's permission).
TABS: tuple[tuple[str, str, Permission], ...] = (
    ("profile", "/console/settings", "workspace:read"),
    ("users", "/console/settings/users", "users:manage"),
    ("keys", "/console/settings/keys", "keys:manage"),
    ("webhook", "/console/settings/webhook", "webhooks:manage"),
    ("pii", "/console/settings/pii", "workspace:read"),
)
#: API keys and invitations per page.
PAGE = 50
#: The flash words a tab shows after an action (?done=…).
DONE = {
    "saved",
    "domain_added",
    "role_set",
    "user_removed",
    "invitation_revoked",
    "key_revoked",
}


def _tab(
    request: Request, ctx: Ctx, name: str, template: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A tab of the settings (``?done=`` says what was just done)."""
    done = request.query_params.get("done")
    return render(
        request,
        f"console/settings/{template}",
        status_code,
        tab=name,
        tabs=[(n, href) for n, href, permission in TABS if allowed(ctx.actor.role, permission)],
        may=may(ctx),
        done=done if done in DONE else None,
        **context,
    )


def _refuse(
    request: Request,
    ctx: Ctx,
    exc: Exception,
    name: str,
    template: str,
    rename: dict[str, str] | None = None,
    **context: Any,
) -> FormRefused:
    """The tab again, with the errors beside their fields (``rename``: the field a domain
    error without one belongs to on this form); nothing of the form is kept."""
    errors = field_errors(exc, pick_language(request))
    if rename and "_" in errors and isinstance(exc, YutangError) and str(exc.code) in rename:
        errors[rename[str(exc.code)]] = errors.pop("_")
    status = refusal_status(exc)
    return FormRefused(_tab(request, ctx, name, template, status, errors=errors, **context))


def zone_label(key: str, t: Callable[[str], str], now: datetime | None = None) -> str:
    """``北京时间 · Asia/Shanghai · UTC+08:00``: the zone's words (for the zones offered),
    its name and its offset today."""
    offset = (now or datetime.now(UTC)).astimezone(ZoneInfo(key)).strftime("%z")
    words = f"{t('st_zone_' + key)} · " if key in ZONES else ""
    return f"{words}{key} · UTC{offset[:3]}:{offset[3:]}"


def _zones(current: str, t: Callable[[str], str]) -> list[tuple[str, str]]:
    now = datetime.now(UTC)
    keys = ZONES if current in ZONES else (*ZONES, current)
    return [(k, zone_label(k, t, now)) for k in keys]


# --- the workspace's profile and its link domains ------------------------------------------


async def _profile_context(ctx: Ctx, request: Request) -> dict[str, Any]:
    frame = await header(ctx)
    t = translator(pick_language(request))
    return {
        "zones": _zones(frame["workspace"].timezone, t),
        "zone_label": zone_label(frame["workspace"].timezone, t),
        "now": datetime.now(UTC),
        "domains": await links_service.list_domains(ctx),
        **frame,
    }


@router.get("/console/settings", response_class=HTMLResponse)
async def profile_page(request: Request, ctx: Ctx = Depends(can("workspace:read"))) -> HTMLResponse:
    context = await _profile_context(ctx, request)
    ws = context["workspace"]
    return _tab(
        request,
        ctx,
        "profile",
        "profile.html",
        values={"name": ws.name, "timezone": ws.timezone},
        domain_values={"is_default": False, "https": True},
        errors={},
        **context,
    )


@router.post("/console/settings/profile")
async def save_profile(request: Request, ctx: Ctx = Depends(can("workspace:manage"))) -> Response:
    form = await submitted(request)
    values = {"name": form.text("name") or "", "timezone": form.text("timezone") or ""}
    try:
        await ws_service.update_workspace(ctx, WorkspacePatch.model_validate(values))
    except (ValidationError, YutangError) as exc:
        raise _refuse(
            request,
            ctx,
            exc,
            "profile",
            "profile.html",
            refused="profile",
            values=values,
            domain_values={"is_default": False, "https": True},
            **await _profile_context(ctx, request),
        ) from None
    return RedirectResponse("/console/settings?done=saved", status_code=303)


@router.post("/console/settings/domains")
async def add_domain(request: Request, ctx: Ctx = Depends(can("domains:manage"))) -> Response:
    form = await submitted(request)
    domain_values = {
        "host": form.text("host") or "",
        "is_default": form.flag("is_default"),
        "https": form.flag("https"),
    }
    try:
        body = DomainIn.model_validate(domain_values)
        await links_service.add_domain(ctx, body.host, is_default=body.is_default, https=body.https)
    except (ValidationError, YutangError) as exc:
        context = await _profile_context(ctx, request)
        ws = context["workspace"]
        raise _refuse(
            request,
            ctx,
            exc,
            "profile",
            "profile.html",
            rename={str(DOMAIN_TAKEN): "host", str(INVALID_HOST): "host"},
            refused="domain",
            values={"name": ws.name, "timezone": ws.timezone},
            domain_values=domain_values,
            **context,
        ) from None
    return RedirectResponse("/console/settings?done=domain_added", status_code=303)


# --- console users, their roles and invitations ----------------------------------------------


async def _users_context(ctx: Ctx, request: Request) -> dict[str, Any]:
    users = await ws_repo.members(ctx.session, ctx.workspace_id)
    cursor = request.query_params.get("cursor")
    rows = await invitations.list_for_workspace(ctx, cursor, PAGE)
    shown, nxt = page_of(rows, PAGE, lambda i: i.id)
    return {
        "users": users,
        "me": int(ctx.actor.id or 0),
        "invitations": [(inv, invitations.status_of(inv)) for inv in shown],
        "next_cursor": nxt,
        # Offered: the roles this user may hand out (the services refuse the others).
        "grantable": [r for r in reversed(ROLE_ORDER) if can_grant(ctx.actor.role, r)],
        **await header(ctx),
    }


@router.get("/console/settings/users", response_class=HTMLResponse)
async def users_page(request: Request, ctx: Ctx = Depends(can("users:manage"))) -> HTMLResponse:
    return _tab(
        request,
        ctx,
        "users",
        "users.html",
        values={"role": "operator"},
        errors={},
        **await _users_context(ctx, request),
    )


@router.post("/console/settings/users/invite", response_class=HTMLResponse)
async def invite(request: Request, ctx: Ctx = Depends(can("users:manage"))) -> HTMLResponse:
    """Invite an address with a role; the accept URL is on this answer only."""
    form = await submitted(request)
    values = {"email": form.text("email") or "", "name": form.text("name") or "", "role": form.text("role")}
    try:
        body = InvitationIn.model_validate(values)
        ttl = request.app.state.settings.invitation_ttl
        issued = await invitations.invite(ctx, body.email, body.role, name=body.name, ttl=ttl)
    except (ValidationError, YutangError) as exc:
        raise _refuse(
            request,
            ctx,
            exc,
            "users",
            "users.html",
            rename={str(FORBIDDEN): "role"},
            refused="invite",
            values=values,
            **await _users_context(ctx, request),
        ) from None
    accept_url = str(request.base_url).rstrip("/") + f"/console/invitations/{issued.token}"
    return _tab(
        request,
        ctx,
        "users",
        "users.html",
        values={"role": "operator"},
        errors={},
        invited=issued.invitation,
        accept_url=accept_url,
        **await _users_context(ctx, request),
    )


def _user_id(form: Submitted) -> int:
    user_id = form.number("user_id")
    if not isinstance(user_id, int) or user_id < 1:
        raise NotFound("No such user in this workspace.")
    return user_id


@router.post("/console/settings/users/role")
async def set_role(request: Request, ctx: Ctx = Depends(can("users:manage"))) -> Response:
    """Change a user's role — by the API endpoint itself (its checks: the user is in this
    workspace, nobody grants above their own role, only owners touch owners, one stays)."""
    form = await submitted(request)
    user_id = _user_id(form)
    try:
        await ws_endpoints.set_role(user_id, RolePatch.model_validate({"role": form.text("role")}), ctx)
    except (ValidationError, YutangError) as exc:
        if isinstance(exc, NotFound):
            raise
        raise await _row_refused(request, ctx, exc, user_id) from None
    if user_id == int(ctx.actor.id or 0):
        return RedirectResponse("/console/settings?done=role_set", status_code=303)
    return RedirectResponse("/console/settings/users?done=role_set", status_code=303)


@router.post("/console/settings/users/remove")
async def remove_user(request: Request, ctx: Ctx = Depends(can("users:manage"))) -> Response:
    """Take a user out of the workspace (their account and other workspaces stay)."""
    form = await submitted(request)
    user_id = _user_id(form)
    try:
        await ws_service.remove_member(ctx, user_id)
    except YutangError as exc:
        if isinstance(exc, NotFound):
            raise
        raise await _row_refused(request, ctx, exc, user_id) from None
    if user_id == int(ctx.actor.id or 0):
        return RedirectResponse("/console", status_code=303)
    return RedirectResponse("/console/settings/users?done=user_removed", status_code=303)


async def _row_refused(request: Request, ctx: Ctx, exc: Exception, user_id: int) -> FormRefused:
    """The users page with the refusal beside the user's row; nothing is kept."""
    errors = field_errors(exc, pick_language(request))
    status = refusal_status(exc)
    return FormRefused(
        _tab(
            request,
            ctx,
            "users",
            "users.html",
            status,
            values={"role": "operator"},
            errors={f"user.{user_id}": errors.get("_") or next(iter(errors.values()))},
            **await _users_context(ctx, request),
        )
    )


@router.post("/console/settings/invitations/revoke")
async def revoke_invitation(request: Request, ctx: Ctx = Depends(can("users:manage"))) -> Response:
    form = await submitted(request)
    invitation_id = form.number("invitation_id")
    if not isinstance(invitation_id, int) or invitation_id < 1:
        raise NotFound("No such invitation.")
    await invitations.revoke(ctx, invitation_id)
    return RedirectResponse("/console/settings/users?done=invitation_revoked", status_code=303)


# --- API keys -------------------------------------------------------------------------------


async def _keys_context(ctx: Ctx, request: Request) -> dict[str, Any]:
    rows = await auth_service.list_api_keys(ctx, request.query_params.get("cursor"), PAGE)
    keys, nxt = page_of(rows, PAGE, lambda k: k.id)
    return {
        "keys": keys,
        "next_cursor": nxt,
        "grantable": [r for r in reversed(ROLE_ORDER) if can_grant(ctx.actor.role, r)],
        **await header(ctx),
    }


@router.get("/console/settings/keys", response_class=HTMLResponse)
async def keys_page(request: Request, ctx: Ctx = Depends(can("keys:manage"))) -> HTMLResponse:
    return _tab(
        request,
        ctx,
        "keys",
        "keys.html",
        values={"role": "operator"},
        errors={},
        **await _keys_context(ctx, request),
    )


@router.post("/console/settings/keys", response_class=HTMLResponse)
async def create_key(request: Request, ctx: Ctx = Depends(can("keys:manage"))) -> HTMLResponse:
    """A new key; its secret is on this answer only (only its SHA-256 is stored)."""
    form = await submitted(request)
    values = {"name": form.text("name") or "", "role": form.text("role")}
    try:
        body = ApiKeyIn.model_validate(values)
        issued = await auth_service.create_api_key(ctx, body.name, body.role)
    except (ValidationError, YutangError) as exc:
        raise _refuse(
            request,
            ctx,
            exc,
            "keys",
            "keys.html",
            rename={str(FORBIDDEN): "role"},
            refused="key",
            values=values,
            **await _keys_context(ctx, request),
        ) from None
    return _tab(
        request,
        ctx,
        "keys",
        "keys.html",
        values={"role": "operator"},
        errors={},
        created=issued.key,
        secret=issued.secret,
        **await _keys_context(ctx, request),
    )


@router.post("/console/settings/keys/revoke")
async def revoke_key(request: Request, ctx: Ctx = Depends(can("keys:manage"))) -> Response:
    form = await submitted(request)
    key_id = form.number("key_id")
    if not isinstance(key_id, int) or key_id < 1:
        raise NotFound("No such API key.")
    await auth_service.revoke_api_key(ctx, key_id)
    return RedirectResponse("/console/settings/keys?done=key_revoked", status_code=303)


# --- the shop's webhook ------------------------------------------------------------------------


async def _webhook_context(ctx: Ctx, request: Request) -> dict[str, Any]:
    frame = await header(ctx)
    ws = frame["workspace"]
    return {
        "is_set": ws.shop_webhook_secret_sealed is not None,
        "webhook_url": str(request.base_url).rstrip("/") + f"/api/v1/webhooks/shop/{ws.slug}",
        **frame,
    }


@router.get("/console/settings/webhook", response_class=HTMLResponse)
async def webhook_page(request: Request, ctx: Ctx = Depends(can("webhooks:manage"))) -> HTMLResponse:
    return _tab(request, ctx, "webhook", "webhook.html", **await _webhook_context(ctx, request))


@router.post("/console/settings/webhook", response_class=HTMLResponse)
async def rotate_webhook_secret(request: Request, ctx: Ctx = Depends(can("webhooks:manage"))) -> HTMLResponse:
    """A new signing secret (the old one stops working); on this answer only."""
    secret = await commerce_service.rotate_webhook_secret(ctx)
    return _tab(
        request, ctx, "webhook", "webhook.html", secret=secret, **await _webhook_context(ctx, request)
    )


# --- personal data keys ------------------------------------------------------------------------


@router.get("/console/settings/pii", response_class=HTMLResponse)
async def pii_page(request: Request, ctx: Ctx = Depends(can("workspace:read"))) -> HTMLResponse:
    """What this process seals personal data with, and what of this workspace waits for
    ``yutang pii rotate``. Key ids only — never key material."""
    ring = crypto.keyring()
    settings = request.app.state.settings
    return _tab(
        request,
        ctx,
        "pii",
        "pii.html",
        active=ring.active,
        key_ids=list(ring.keys),
        keys_configured=bool(settings.pii_keys),
        index_key_configured=bool(settings.pii_index_key),
        waiting=await rotation.waiting(ctx.session, ctx.workspace_id),
        **await header(ctx),
    )
