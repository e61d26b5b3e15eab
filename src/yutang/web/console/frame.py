"""What every console page shares: the session and the workspace context of a request,
rendering a page in the user's language, the header's frame, and the one router every
module adds its routes to (CSRF-guarded, outside the API's schema).

Sessions live on the server (:mod:`yutang.auth.sessions`): the ``yt_console`` cookie
holds a random token, HttpOnly, SameSite=Lax, Secure over https; the role is read from
the membership on every request. Every unsafe request passes
:func:`yutang.web.security.csrf_guard`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from yutang.auth import repository as auth_repo
from yutang.auth import sessions
from yutang.config import Settings
from yutang.kit.context import Actor, Ctx
from yutang.kit.db import unit_of_work
from yutang.kit.errors import NotFound
from yutang.kit.http import READONLY_METHODS, api_router
from yutang.models.workspaces import ConsoleSession, User, Workspace
from yutang.web import security
from yutang.web.i18n import channel_type, pick_language, translator
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


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = pick_language(request)
    response = templates.TemplateResponse(
        request,
        name,
        {
            "lang": lang,
            "t": translator(lang),
            "channel_type": lambda k: channel_type(k, lang),
            "workspace": None,
            "csrf": lambda: security.csrf_token(request),
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
        "user": user,
        "workspaces": await ws_repo.memberships_of(ctx.session, user.id) if user else [],
        "invitation_count": len(await invitations.pending_for(ctx.session, user.email)) if user else 0,
    }


def bar_chart(points: list[tuple[date, int]], width: int = 900, height: int = 180) -> dict[str, Any]:
    """Bars for an SVG chart: one per day, weekends marked, a date tick every 7 days."""
    top = max((v for _, v in points), default=0) or 1
    slot = width / max(len(points), 1)
    bars = []
    for i, (day, value) in enumerate(points):
        h = round(height * value / top, 1)
        bars.append(
            {
                "x": round(i * slot + slot * 0.1, 1),
                "w": round(slot * 0.8, 1),
                "y": round(height - h, 1),
                "h": h,
                "value": value,
                "label": day.isoformat(),
                "weekend": day.weekday() >= 5,
                "tick": day.strftime("%m-%d") if i % 7 == 0 else "",
            }
        )
    return {"width": width, "height": height, "bars": bars, "max": top}
