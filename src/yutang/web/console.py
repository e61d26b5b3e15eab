"""The operators' console (简体中文 / English): sign-in, overview, links.

Server-rendered pages on the same transactional routes as the API. Sessions live on the
server (:mod:`yutang.auth.sessions`): the ``yt_console`` cookie holds a random token,
HttpOnly, SameSite=Lax, Secure over https; the role is read from the membership on
every request. Every unsafe request passes :func:`yutang.web.security.csrf_guard`.
Sign-in is rate limited (:mod:`yutang.auth.throttle`). A user in several workspaces
switches between them in the header; the console reopens the last one chosen.
"""

from __future__ import annotations

import inspect
import math
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from yutang.auth import repository as auth_repo
from yutang.auth import service as auth_service
from yutang.auth import sessions
from yutang.auth.throttle import Policy, keys_for, make_throttle
from yutang.config import Settings
from yutang.kit.context import Actor, Ctx
from yutang.kit.db import unit_of_work
from yutang.kit.errors import BadRequest, NotFound, Unauthenticated, YutangError
from yutang.kit.http import READONLY_METHODS, api_router
from yutang.links import endpoints as link_endpoints
from yutang.links import qr, service, stats
from yutang.models.workspaces import ConsoleSession, User, Workspace
from yutang.web import security
from yutang.web.i18n import STRINGS, channel_type, pick_language, translator
from yutang.web.security import PRESESSION_COOKIE, SESSION_COOKIE, CsrfRefused, csrf_guard
from yutang.workspaces import invitations
from yutang.workspaces import repository as ws_repo

HERE = Path(__file__).parent
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


@router.get("/console/login", response_class=HTMLResponse)
async def login_page(request: Request) -> HTMLResponse:
    return render(request, "login.html", next=_next_page(request.query_params.get("next")))


@router.post("/console/login", response_class=HTMLResponse)
async def login(
    request: Request,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=4096)],
    next: Annotated[str | None, Form(max_length=2048)] = None,
) -> Response:
    t = translator(pick_language(request))
    target = _next_page(next)
    throttle = request.app.state.sign_in_throttle
    keys = keys_for(throttle.policy, email, security.client_ip(request))
    wait = await throttle.attempt(keys)
    if wait:
        error = t("too_many_attempts").format(minutes=max(1, math.ceil(wait / 60)))
        page = render(request, "login.html", 429, error=error, email=email, next=target)
        page.headers["Retry-After"] = str(wait)
        return page
    session = request.state.session
    try:
        user = await auth_service.sign_in(session, email, password)
    except Unauthenticated:
        return render(request, "login.html", 401, error=t("wrong_login"), email=email, next=target)
    await throttle.succeeded(keys)
    memberships = await ws_repo.memberships_of(session, user.id)
    if not memberships and not await invitations.pending_for(session, user.email):
        return render(request, "login.html", 403, error=t("no_workspace"), email=email, next=target)
    ids = [ws.id for ws, _ in memberships]
    workspace_id = user.last_workspace_id if user.last_workspace_id in ids else (ids[0] if ids else None)
    # A new token at every sign-in: a session fixed before it is worth nothing.
    if old := request.cookies.get(SESSION_COOKIE):
        await sessions.end(session, old)
    settings = _settings(request)
    # Ended sessions are swept at their owner's next sign-in (rows only, never live ones).
    await sessions.purge_expired(session, idle_timeout=settings.session_idle_timeout, user_id=user.id)
    _, token = await sessions.start(session, user.id, workspace_id, max_age=settings.session_max_age)
    if workspace_id is None:
        target = "/console/invitations"
    response = RedirectResponse(target, status_code=303)
    security.set_cookie(request, response, SESSION_COOKIE, token, max_age=settings.session_max_age)
    response.delete_cookie(PRESESSION_COOKIE, path="/")
    return response


@router.post("/console/logout")
async def logout(request: Request) -> Response:
    if token := request.cookies.get(SESSION_COOKIE):
        await sessions.end(request.state.session, token)
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/console/workspace")
async def switch_workspace(request: Request, workspace_id: Annotated[int, Form(ge=1)]) -> Response:
    """Open another of the user's workspaces (and reopen it at the next sign-in)."""
    row, user = await signed_in(request)
    if await auth_repo.membership(request.state.session, workspace_id, user.id) is None:
        raise NotFound("No such workspace.")
    await sessions.switch(request.state.session, row.id, workspace_id)
    user.last_workspace_id = workspace_id
    return RedirectResponse("/console", status_code=303)


# --- invitations and the account ------------------------------------------------------------


async def _user_frame(request: Request, row: ConsoleSession, user: User) -> dict[str, Any]:
    """The header of pages a user sees with or without a workspace."""
    session = request.state.session
    frame: dict[str, Any] = {"user": user}
    if row.workspace_id is not None:
        member = await auth_repo.membership(session, row.workspace_id, user.id)
        if member is not None:
            ctx = Ctx(session, row.workspace_id, Actor("user", str(user.id), member.role))
            frame.update(await _frame(ctx))
    return frame


@router.get("/console/invitations", response_class=HTMLResponse)
async def invitations_page(request: Request) -> HTMLResponse:
    row, user = await signed_in(request)
    pending = await invitations.pending_for(request.state.session, user.email)
    return render(
        request,
        "invitations.html",
        page="invitations",
        pending=pending,
        **await _user_frame(request, row, user),
    )


@router.post("/console/invitations/{invitation_id}/accept")
async def accept_invitation(request: Request, invitation_id: int) -> Response:
    row, user = await signed_in(request)
    session = request.state.session
    inv = await invitations.pending_of_user(session, user, invitation_id)
    await invitations.accept(session, inv, user)
    await sessions.switch(session, row.id, inv.workspace_id)
    user.last_workspace_id = inv.workspace_id
    return RedirectResponse("/console", status_code=303)


@router.post("/console/invitations/{invitation_id}/decline")
async def decline_invitation(request: Request, invitation_id: int) -> Response:
    _, user = await signed_in(request)
    inv = await invitations.pending_of_user(request.state.session, user, invitation_id)
    await invitations.decline(request.state.session, inv, user)
    return RedirectResponse("/console/invitations", status_code=303)


@router.get("/console/invitations/{token}", response_class=HTMLResponse)
async def invitation_page(request: Request, token: str) -> HTMLResponse:
    """Where an accept URL leads: accept (signed in as the address), or sign in, or
    create an account."""
    session = request.state.session
    inv = await invitations.by_token(session, token)
    if inv is None:
        return render(request, "invitation.html", 404, invalid=True)
    ws = await session.get(Workspace, inv.workspace_id)
    row = await current_session(request)
    user = await session.get(User, row.user_id) if row is not None else None
    return render(
        request,
        "invitation.html",
        inv=inv,
        invited_to=ws,
        token=token,
        user=user,
        mine=user is not None and user.email == inv.email,
    )


@router.post("/console/invitations/{token}/register", response_class=HTMLResponse)
async def register_from_invitation(
    request: Request,
    token: str,
    password: Annotated[str, Form(max_length=4096)],
    name: Annotated[str, Form(max_length=120)] = "",
) -> HTMLResponse:
    """A new person accepts: same answer whether or not the address had an account."""
    session = request.state.session
    inv = await invitations.by_token(session, token)
    if inv is None:
        return render(request, "invitation.html", 404, invalid=True)
    t = translator(pick_language(request))
    try:
        await invitations.register(session, inv, name, password)
    except BadRequest:
        ws = await session.get(Workspace, inv.workspace_id)
        return render(
            request,
            "invitation.html",
            400,
            inv=inv,
            invited_to=ws,
            token=token,
            user=None,
            mine=False,
            error=t("password_too_short"),
        )
    return render(request, "invitation.html", registered=True)


@router.get("/console/account", response_class=HTMLResponse)
async def account_page(request: Request) -> HTMLResponse:
    row, user = await signed_in(request)
    return render(request, "account.html", page="account", **await _user_frame(request, row, user))


@router.post("/console/account/password", response_class=HTMLResponse)
async def change_password(
    request: Request,
    current: Annotated[str, Form(max_length=4096)],
    new: Annotated[str, Form(max_length=4096)],
) -> HTMLResponse:
    """A new password ends every other session of the account."""
    row, user = await signed_in(request)
    t = translator(pick_language(request))
    frame = await _user_frame(request, row, user)
    throttle = request.app.state.sign_in_throttle
    keys = keys_for(throttle.policy, user.email, security.client_ip(request))
    if wait := await throttle.attempt(keys):
        error = t("too_many_attempts").format(minutes=max(1, math.ceil(wait / 60)))
        page = render(request, "account.html", 429, page="account", error=error, **frame)
        page.headers["Retry-After"] = str(wait)
        return page
    try:
        await auth_service.change_password(request.state.session, user, current, new, keep_session_id=row.id)
    except Unauthenticated:
        return render(request, "account.html", 400, page="account", error=t("wrong_password"), **frame)
    except BadRequest:
        return render(request, "account.html", 400, page="account", error=t("password_too_short"), **frame)
    await throttle.succeeded(keys)
    return render(request, "account.html", page="account", done=t("password_changed"), **frame)


@router.get("/console", response_class=HTMLResponse)
async def dashboard(request: Request, ctx: Ctx = Depends(console_ctx)) -> HTMLResponse:
    rng = await stats.make_range(ctx.session, ctx.workspace_id, None, None)
    by_day = await stats.click_stats(ctx.session, ctx.workspace_id, rng, "day")
    devices = await stats.click_stats(ctx.session, ctx.workspace_id, rng, "device")
    channels = await stats.channel_stats(ctx.session, ctx.workspace_id, rng)
    return render(
        request,
        "dashboard.html",
        page="dashboard",
        stats=by_day,
        devices=devices,
        channels=channels,
        chart=bar_chart([(date.fromisoformat(r.key), r.clicks) for r in by_day.rows]),
        **await _frame(ctx),
    )


@router.get("/console/links", response_class=HTMLResponse)
async def links_page(
    request: Request, ctx: Ctx = Depends(console_ctx), cursor: str | None = None, q: str | None = None
) -> HTMLResponse:
    rows, nxt = await service.list_links(ctx, cursor, 50, q=q or None)
    links = await link_endpoints.present(request, ctx, rows)
    return render(request, "links.html", page="links", links=links, next_cursor=nxt, q=q, **await _frame(ctx))


@router.get("/console/links/{link_id}/qr.svg")
async def link_qr(link_id: int, ctx: Ctx = Depends(console_ctx)) -> Response:
    link = await service.get_link(ctx, link_id)
    domains = await service.domain_hosts(ctx)
    body, media = qr.render(link_endpoints.short_url(domains[link.domain_id], link.slug), fmt="svg", size=256)
    return Response(body, media_type=media, headers={"cache-control": "private, max-age=300"})


async def _frame(ctx: Ctx) -> dict[str, Any]:
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


def install(app: FastAPI, settings: Settings) -> None:
    app.state.sign_in_throttle = make_throttle(
        Policy(
            account_limit=settings.sign_in_account_limit,
            ip_limit=settings.sign_in_ip_limit,
            window=settings.sign_in_window,
            lockout=settings.sign_in_lockout,
        ),
        settings.redis_url,
    )
    app.mount("/console/static", StaticFiles(directory=str(HERE / "static")), name="console-static")
    app.include_router(router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target = "/console/login" if path == "/console" else f"/console/login?next={quote(path, safe='')}"
        response = RedirectResponse(target, status_code=303)
        if request.cookies.get(SESSION_COOKIE):
            response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.exception_handler(NoWorkspace)
    async def _no_workspace(request: Request, exc: NoWorkspace) -> Response:
        return RedirectResponse("/console/invitations", status_code=303)

    json_errors = app.exception_handlers[YutangError]

    @app.exception_handler(YutangError)
    async def _console_errors(request: Request, exc: YutangError) -> Response:
        """Console pages answer a refusal with a page (the API keeps its JSON)."""
        if not request.url.path.startswith("/console"):
            answer = json_errors(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        t = translator(pick_language(request))
        message = t(exc.code) if exc.code in STRINGS else exc.message
        return render(request, "refused.html", exc.status_code, message=message)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused) -> Response:
        t = translator(pick_language(request))
        return render(request, "refused.html", 403, message=t("form_expired"))

    @app.get("/", include_in_schema=False)
    async def root() -> Response:
        return RedirectResponse("/console", status_code=307)


# --- members --------------------------------------------------------------------------------


@router.get("/console/members", response_class=HTMLResponse)
async def members_page(
    request: Request, ctx: Ctx = Depends(console_ctx), cursor: str | None = None, phone: str | None = None
) -> HTMLResponse:
    from yutang.auth.permissions import allowed
    from yutang.kit.errors import BadRequest
    from yutang.loyalty import tiers
    from yutang.members import service as members
    from yutang.overview import pond

    figures = await pond.overview(ctx)
    error = None
    if phone:
        try:
            found = await members.find_by_identity(ctx, "phone", phone)
        except BadRequest:
            found, error = None, "invalid_phone"
        rows, nxt = ([found] if found else []), None
    else:
        rows, nxt = await members.list_members(ctx, cursor=cursor, limit=50)
    views = await members.views(ctx, rows, pii=allowed(ctx.actor.role, "members:pii"))
    names = {t.id: t.name for t in await tiers.tiers(ctx.session, ctx.workspace_id)}
    top = max((n for _, n in figures.tiers), default=0) or 1
    return render(
        request,
        "members.html",
        page="members",
        figures=figures,
        views=views,
        tier_names=names,
        next_cursor=nxt,
        phone=phone,
        error=error,
        tier_top=top,
        channel_top=max((n for _, n in figures.channels), default=0) or 1,
        **await _frame(ctx),
    )


@router.get("/console/members/{member_id}", response_class=HTMLResponse)
async def member_page(request: Request, member_id: int, ctx: Ctx = Depends(console_ctx)) -> HTMLResponse:
    from yutang.auth.permissions import allowed
    from yutang.commerce import service as commerce
    from yutang.coupons import service as coupons
    from yutang.loyalty import repository as ledger
    from yutang.loyalty import tiers
    from yutang.members import service as members

    member = await members.get_member(ctx, member_id)
    view = (await members.views(ctx, [member], pii=allowed(ctx.actor.role, "members:pii")))[0]
    entries = await ledger.entries_of(ctx, member_id, cursor_id=None, limit=20)
    lots = await ledger.lots_of(ctx, member_id)
    orders, _ = await commerce.list_orders(ctx, cursor=None, limit=20, member_id=member_id)
    held = await coupons.of_member(ctx, member_id)
    names = {t.id: t.name for t in await tiers.tiers(ctx.session, ctx.workspace_id)}
    history = await tiers.history(ctx, member_id)
    return render(
        request,
        "member.html",
        page="members",
        v=view,
        m=member,
        entries=entries[:20],
        lots=lots,
        orders=orders,
        coupons=held,
        tier_names=names,
        history=history,
        **await _frame(ctx),
    )


# --- fission: referral campaigns and distribution -------------------------------------------


@router.get("/console/fission", response_class=HTMLResponse)
async def fission_page(request: Request, ctx: Ctx = Depends(console_ctx)) -> HTMLResponse:
    from yutang.distribution import figures as dist_figures
    from yutang.referrals import figures as ref_figures
    from yutang.referrals import service as referrals

    campaigns = []
    for c in (await referrals.list_campaigns(ctx))[:5]:
        f = await ref_figures.figures(ctx, c.id)
        steps = [
            ("shares", f.shares),
            ("clicked", f.clicked),
            ("joined", f.joined),
            ("qualified", f.qualified),
            ("rewarded", f.rewarded),
        ]
        top = max((n for _, n in steps), default=0) or 1
        campaigns.append(
            {
                "campaign": c,
                "live": referrals.is_live(c),
                "figures": f,
                "funnel": [(k, n, round(100 * n / top, 1)) for k, n in steps],
                "board": await ref_figures.leaderboard(ctx, c.id, 5),
            }
        )
    rows = await dist_figures.per_distributor(ctx)
    return render(
        request,
        "fission.html",
        page="fission",
        campaigns=campaigns,
        distributors=sorted(rows, key=lambda r: -r.sales_cents)[:10],
        overall=dist_figures.overall(rows),
        **await _frame(ctx),
    )
