"""The operators' console (简体中文 / English): sign-in, overview, links.

Server-rendered pages on the same transactional routes as the API; the session is a
signed cookie (Starlette's SessionMiddleware) holding the user and workspace ids, and
the role is read from the membership on every request.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from yutang.auth import repository as auth_repo
from yutang.auth import service as auth_service
from yutang.config import Settings
from yutang.kit.context import Actor, Ctx
from yutang.kit.errors import NotFound, Unauthenticated
from yutang.kit.http import api_router
from yutang.links import endpoints as link_endpoints
from yutang.links import qr, service, stats
from yutang.models.workspaces import Workspace
from yutang.web.i18n import channel_type, pick_language, translator
from yutang.workspaces import repository as ws_repo

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = api_router(include_in_schema=False)
LANG_COOKIE_AGE = 365 * 24 * 3600


class LoginRequired(Exception):
    pass


async def console_ctx(request: Request) -> Ctx:
    user_id = request.session.get("user_id")
    ws_id = request.session.get("workspace_id")
    if not user_id or not ws_id:
        raise LoginRequired
    member = await auth_repo.membership(request.state.session, int(ws_id), int(user_id))
    if member is None:
        request.session.clear()
        raise LoginRequired
    return Ctx(request.state.session, int(ws_id), Actor("user", str(user_id), member.role))


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
            **context,
        },
        status_code=status_code,
    )
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
    ):
        return value
    return "/console"


@router.get("/console/login", response_class=HTMLResponse)
async def login_page(request: Request) -> HTMLResponse:
    return render(request, "login.html", next=_next_page(request.query_params.get("next")))


@router.post("/console/login", response_class=HTMLResponse)
async def login(
    request: Request,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str | None, Form()] = None,
) -> Response:
    t = translator(pick_language(request))
    target = _next_page(next)
    try:
        user = await auth_service.sign_in(request.state.session, email, password)
    except Unauthenticated:
        return render(request, "login.html", 401, error=t("wrong_login"), email=email, next=target)
    memberships = await ws_repo.memberships_of(request.state.session, user.id)
    if not memberships:
        return render(request, "login.html", 403, error=t("no_workspace"), email=email, next=target)
    request.session.clear()
    request.session.update({"user_id": user.id, "workspace_id": memberships[0][0].id})
    return RedirectResponse(target, status_code=303)


@router.post("/console/logout")
async def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/console/login", status_code=303)


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
    ws = await ctx.session.get(Workspace, ctx.workspace_id)
    if ws is None:
        raise NotFound("No such workspace.")
    return {"workspace": ws, "role": ctx.actor.role}


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
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.resolved_secret_key(),
        session_cookie="yt_console",
        max_age=14 * 24 * 3600,
        same_site="lax",
        https_only=False,
    )
    app.mount("/console/static", StaticFiles(directory=str(HERE / "static")), name="console-static")
    app.include_router(router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target = "/console/login" if path == "/console" else f"/console/login?next={quote(path, safe='')}"
        return RedirectResponse(target, status_code=303)

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
    from yutang.members import overview
    from yutang.members import service as members

    figures = await overview.overview(ctx)
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
    from yutang.loyalty import coupons, points, tiers
    from yutang.members import service as members

    member = await members.get_member(ctx, member_id)
    view = (await members.views(ctx, [member], pii=allowed(ctx.actor.role, "members:pii")))[0]
    entries = await points.entries_of(ctx, member_id, cursor_id=None, limit=20)
    lots = await points.lots_of(ctx, member_id)
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
