"""What every console page shares: the session and the workspace context of a request,
rendering a page in the user's language, the header's frame, and the one router every
module adds its routes to (CSRF-guarded, outside the API's schema).

Sessions live on the server (:mod:`yutang.auth.sessions`): the ``yt_console`` cookie
holds a random token, HttpOnly, SameSite=Lax, Secure over https; the role is read from
the membership on every request. Every unsafe request passes
:func:`yutang.web.security.csrf_guard`.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from pydantic import ValidationError
from starlette.datastructures import FormData

from yutang.auth import repository as auth_repo
from yutang.auth import sessions
from yutang.auth.permissions import ROLE_PERMISSIONS, Permission, allowed, declared
from yutang.config import Settings
from yutang.kit.context import Actor, Ctx
from yutang.kit.db import unit_of_work
from yutang.kit.errors import Forbidden, NotFound, YutangError
from yutang.kit.http import READONLY_METHODS, api_router
from yutang.links import stats
from yutang.models.workspaces import ConsoleSession, User, Workspace
from yutang.web import security
from yutang.web.i18n import channel_type, error_words, pick_language, translator, validation_words, worder
from yutang.web.security import SESSION_COOKIE, csrf_guard
from yutang.workspaces import invitations
from yutang.workspaces import repository as ws_repo

HERE = Path(__file__).parent.parent  # web/: templates/ and static/
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = api_router(include_in_schema=False, dependencies=[Depends(csrf_guard)])
LANG_COOKIE_AGE = 365 * 24 * 3600


class LoginRequired(Exception):
    pass


class NoWorkspace(Exception):
    """Signed in, but in no workspace yet: the invitations page is where to go."""


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def current_session(request: Request) -> ConsoleSession | None:
    """The live server-side session the cookie names (its activity stamped at most once
    a minute), or None."""
    if hasattr(request.state, "console_row"):
        row: ConsoleSession | None = request.state.console_row
        return row
    token = request.cookies.get(SESSION_COOKIE)
    row = None
    if token:
        settings = _settings(request)
        row = await sessions.resolve(request.state.session, token, idle_timeout=settings.session_idle_timeout)
        if row is not None:
            request.state.console_token = token
            if sessions.seen_is_stale(row):
                if request.method in READONLY_METHODS:
                    async with unit_of_work(engine=request.app.state.engine) as s:
                        await sessions.touch(s, row.id)
                else:
                    await sessions.touch(request.state.session, row.id)
    request.state.console_row = row
    return row


async def signed_in(request: Request) -> tuple[ConsoleSession, User]:
    row = await current_session(request)
    if row is None:
        raise LoginRequired
    user = await request.state.session.get(User, row.user_id)
    if user is None:
        raise LoginRequired
    return row, user


async def console_ctx(request: Request) -> Ctx:
    row = await current_session(request)
    if row is None:
        raise LoginRequired
    if row.workspace_id is None:
        raise NoWorkspace
    member = await auth_repo.membership(request.state.session, row.workspace_id, row.user_id)
    if member is None:
        raise LoginRequired
    return Ctx(request.state.session, row.workspace_id, Actor("user", str(row.user_id), member.role))


def num(value: int | float | None) -> str:
    """A count with its thousands grouped (1,234,567); – for none."""
    return "–" if value is None else f"{value:,}"


def money(cents: int | None) -> str:
    """Cents as ¥ with two decimals and grouped thousands (¥1,234.50)."""
    if cents is None:
        return "–"
    sign = "-" if cents < 0 else ""
    return f"{sign}¥{abs(cents) // 100:,}.{abs(cents) % 100:02d}"


def percent(ratio: float | None, digits: int = 1) -> str:
    return "–" if ratio is None else f"{ratio * 100:.{digits}f}%"


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = pick_language(request)
    workspace = context.get("workspace")
    zone = ZoneInfo(workspace.timezone if workspace is not None else "UTC")

    def when(moment: datetime | None, with_time: bool = True) -> str:
        """A time in the workspace's timezone, the zone shown (2026-12-04 13:05 CST)."""
        if moment is None:
            return "–"
        local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone)
        return local.strftime("%Y-%m-%d %H:%M %Z" if with_time else "%Y-%m-%d")

    word = worder(lang)
    response = templates.TemplateResponse(
        request,
        name,
        {
            "lang": lang,
            "t": translator(lang),
            "word": word,
            "options": lambda group, values: [(v, word(group, v)) for v in values],
            "error": lambda code, message: error_words(code, lang, message),
            "channel_type": lambda k: channel_type(k, lang),
            "num": num,
            "money": money,
            "percent": percent,
            "when": when,
            "zone": zone.key,
            "zone_info": zone,
            "workspace": None,
            "csrf": lambda: security.csrf_token(request),
            "path": request.url.path,
            **context,
        },
        status_code=status_code,
    )
    security.finish(request, response)
    if request.url.path.startswith("/console"):
        # Signed-in pages stay out of caches (and out of the back button after sign-out).
        response.headers.setdefault("cache-control", "no-store")
    if request.query_params.get("lang") == lang:
        response.set_cookie("yt_lang", lang, max_age=LANG_COOKIE_AGE, samesite="lax")
    return response


def _next_page(value: str | None) -> str:
    """Where to go after signing in: a console path only (never another site)."""
    if (
        value
        and value.startswith("/console")
        and not value.startswith("/console/login")
        and "//" not in value
        and "\\" not in value
    ):
        return value
    return "/console"


async def user_frame(request: Request, row: ConsoleSession, user: User) -> dict[str, Any]:
    """The header of pages a user sees with or without a workspace."""
    session = request.state.session
    frame: dict[str, Any] = {"user": user}
    if row.workspace_id is not None:
        member = await auth_repo.membership(session, row.workspace_id, user.id)
        if member is not None:
            ctx = Ctx(session, row.workspace_id, Actor("user", str(user.id), member.role))
            frame.update(await header(ctx))
    return frame


async def header(ctx: Ctx) -> dict[str, Any]:
    """What the header shows: the workspace, the role, the switcher, invitations."""
    ws = await ctx.session.get(Workspace, ctx.workspace_id)
    if ws is None:
        raise NotFound("No such workspace.")
    user = await ctx.session.get(User, int(ctx.actor.id or 0))
    return {
        "workspace": ws,
        "role": ctx.actor.role,
        # what the role may do: the sidebar shows only the pages it opens
        "perms": ROLE_PERMISSIONS.get(ctx.actor.role, frozenset()),
        "user": user,
        "workspaces": await ws_repo.memberships_of(ctx.session, user.id) if user else [],
        "invitation_count": len(await invitations.pending_for(ctx.session, user.email)) if user else 0,
    }


# --- roles ------------------------------------------------------------------------------


class RoleCheck:
    """A page's dependency: the console context of a user whose role allows
    ``permission`` (else the refused page, 403) — the API's check
    (:func:`yutang.auth.dependencies.require`). The tests read ``permission`` to walk
    every page with every role."""

    def __init__(self, permission: Permission) -> None:
        self.permission = declared(permission)

    async def __call__(self, request: Request) -> Ctx:
        ctx = await console_ctx(request)
        if not allowed(ctx.actor.role, self.permission):
            raise Forbidden(f"The role {ctx.actor.role!r} does not allow {self.permission!r}.")
        return ctx


def can(permission: Permission) -> RoleCheck:
    return RoleCheck(permission)


def may(ctx: Ctx) -> Callable[[str], bool]:
    """``may("links:write")`` for templates: show an action only to roles that can do it."""
    return lambda permission: allowed(ctx.actor.role, declared(permission))


# --- forms ------------------------------------------------------------------------------


class FormRefused(Exception):
    """A form came back with errors: the page that shows them beside their fields.

    Raised (not returned) so that the request's transaction is rolled back: nothing the
    refused submission did is kept."""

    def __init__(self, response: Response) -> None:
        self.response = response


def new_ref() -> str:
    """A reference for one form: the time it was drawn and a few random letters."""
    return f"YT{datetime.now(UTC):%Y%m%d%H%M%S}{secrets.token_hex(3).upper()}"


class Submitted:
    """A submitted form: text fields trimmed, empty ones None."""

    def __init__(self, form: FormData) -> None:
        self.form = form

    def text(self, name: str) -> str | None:
        value = self.form.get(name)
        if not isinstance(value, str):
            return None
        value = value.strip()
        return value or None

    def number(self, name: str) -> int | str | None:
        """A whole number, or the text as typed (the schema then refuses it, by field)."""
        value = self.text(name)
        if value is None:
            return None
        cleaned = value.replace(",", "").replace("，", "")
        return int(cleaned) if cleaned.lstrip("-").isdigit() else value

    def cents(self, name: str) -> int | str | None:
        """Yuan as typed (12, 12.5, ¥1,200.00) as cents; the text as typed when it is not
        an amount of at most two decimals (the schema then refuses it, by field)."""
        value = self.text(name)
        if value is None:
            return None
        found = re.fullmatch(r"(-?)(\d{1,13})(?:\.(\d{1,2}))?", re.sub(r"[,，¥￥\s]", "", value))
        if not found:
            return value
        sign, whole, part = found.groups()
        cents = int(whole) * 100 + int((part or "0").ljust(2, "0"))
        return -cents if sign else cents

    def flag(self, name: str) -> bool:
        return self.form.get(name) in ("on", "true", "1")

    def ids(self, name: str) -> list[int]:
        return [int(v) for v in self.form.getlist(name) if isinstance(v, str) and v.isdigit()]

    def words(self, name: str) -> list[str]:
        """A list typed as words separated by commas (either width) or new lines."""
        value = self.text(name) or ""
        return [w.strip() for w in re.split(r"[,，、\n]", value) if w.strip()]

    def local_time(self, name: str, zone: str) -> datetime | str | None:
        """A ``datetime-local`` value, read in the workspace's timezone."""
        value = self.text(name)
        if value is None:
            return None
        try:
            return datetime.fromisoformat(value).replace(tzinfo=ZoneInfo(zone))
        except ValueError:
            return value


async def submitted(request: Request) -> Submitted:
    return Submitted(await request.form())


def refusal_status(exc: Exception) -> int:
    """The status of a refused form: the domain error's own, 422 for a schema refusal."""
    return exc.status_code if isinstance(exc, YutangError) else 422


def refused(request: Request, template: str, exc: Exception, **context: Any) -> FormRefused:
    """The form's page again with ``exc``'s errors beside their fields, to raise."""
    errors = field_errors(exc, pick_language(request))
    return FormRefused(render(request, template, refusal_status(exc), errors=errors, **context))


def field_errors(exc: Exception, lang: str) -> dict[str, str]:
    """Errors by form field name (dotted: ``utm.source``, ``targets.0.destination``;
    ``_`` for the form as a whole), in the user's language."""
    if isinstance(exc, ValidationError):
        found: dict[str, str] = {}
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]) or "_"
            found.setdefault(name, validation_words(error["type"], lang, error.get("ctx")))
        return found
    if isinstance(exc, YutangError):
        field = exc.details.get("field") if isinstance(exc.details, dict) else None
        name = str(field).replace("[", ".").replace("]", "") if field else "_"
        return {name: error_words(exc.code, lang, exc.message)}
    raise exc


# --- date ranges and charts ---------------------------------------------------------------

RANGES = (7, 30, 90)


def day(value: str | None) -> date | None:
    """A day typed in a filter (YYYY-MM-DD); empty or not a day is no day."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Period:
    """The date range a page shows: the last 7 / 30 / 90 days, or custom days."""

    days: int | None  # None: custom
    start: date | None
    end: date | None

    def query(self) -> str:
        if self.days is not None:
            return f"days={self.days}"
        return f"start={self.start}&end={self.end}"


def period(days: int | None = None, start: date | None = None, end: date | None = None) -> Period:
    if start is not None or end is not None:
        return Period(None, start, end)
    return Period(days if days in RANGES else 30, None, None)


async def stats_range(ctx: Ctx, chosen: Period) -> stats.Range:
    if chosen.days is not None:
        today = await stats.make_range(ctx.session, ctx.workspace_id, None, None)
        return await stats.make_range(
            ctx.session, ctx.workspace_id, today.end - timedelta(days=chosen.days - 1), today.end
        )
    return await stats.make_range(ctx.session, ctx.workspace_id, chosen.start, chosen.end)


#: Six colours before they repeat (a funnel's trend has up to six lines).
LINE_COLORS = ["#0a6e53", "#d97706", "#2563eb", "#9333ea", "#be123c", "#0891b2"]


def line_chart(days: list[str], series: dict[str, list[int]] | dict[str, list[float]]) -> dict[str, Any]:
    """An ECharts option: one line per series over the days (console.js draws it)."""
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "type": "scroll"},
        "grid": {"left": 48, "right": 16, "top": 32, "bottom": 28},
        "xAxis": {"type": "category", "data": days, "boundaryGap": False},
        "yAxis": {"type": "value", "minInterval": 1},
        "color": LINE_COLORS,
        "series": [
            {"name": name, "type": "line", "smooth": True, "showSymbol": len(days) <= 31, "data": data}
            for name, data in series.items()
        ],
    }


def chart_json(option: dict[str, Any]) -> Markup:
    """The option as JSON safe inside <script type="application/json"> (no "</")."""
    return Markup(json.dumps(option, ensure_ascii=False).replace("</", "<\\/"))  # noqa: S704 -- JSON, "</" escaped
