"""Member-facing H5 pages (简体中文 / English), served on the workspace's link domains:

* ``/join`` — become a member (phone, name, marketing consent); the visitor cookie set
  by the redirect path attributes the member to the link and channel they came from;
  ``?ch=<channel id>`` names the channel when they came some other way.
* ``/forms/<slug>`` — fill in an info-collection form.
* ``/invite/<code>`` — a referral campaign's landing page: records the visit as a
  ``clicked`` invitation (first touch wins) and joins the visitor as the inviter's invitee.
* ``/invite/me/<token>`` — a participant's own progress page, poster and leaderboard.

The workspace is the one whose link domain the request's Host is; nothing else is
needed to reach these pages, and nothing of another workspace can be reached.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from yutang.kit.context import Actor, Ctx
from yutang.kit.db import unit_of_work
from yutang.kit.errors import BadRequest, NotFound, YutangError
from yutang.kit.http import api_router
from yutang.links import repository as links_repository
from yutang.links.clicks import ip_hash, new_visitor_id
from yutang.links.redirect import COOKIE_MAX_AGE
from yutang.members import forms, service
from yutang.members.errors import IDENTITY_REQUIRED, INVALID_IDENTITY
from yutang.members.schemas import MemberIn
from yutang.models.members import Member
from yutang.models.workspaces import Workspace
from yutang.referrals import figures as referral_figures
from yutang.referrals import service as referrals
from yutang.referrals import share as referral_share
from yutang.web.console.frame import render
from yutang.web.i18n import field_error, pick_language

router = api_router(include_in_schema=False)
PUBLIC = Actor("public", "h5", "staff")


async def _workspace(request: Request) -> tuple[Ctx, Workspace]:
    host = (request.headers.get("host") or "").lower()
    if host.endswith(":80") or host.endswith(":443"):
        host = host.rsplit(":", 1)[0]
    session = request.state.session
    domain = await links_repository.domain_by_host(session, host)
    if domain is None:
        raise NotFound("This host is not a link domain.")
    workspace = await session.get(Workspace, domain.workspace_id)
    assert workspace is not None
    return Ctx(session, workspace.id, PUBLIC), workspace


def _visitor(request: Request) -> str | None:
    value = request.cookies.get(request.app.state.settings.visitor_cookie)
    return value if value and len(value) <= 32 else None


@router.get("/join", response_class=HTMLResponse)
async def join_page(request: Request) -> HTMLResponse:
    _, workspace = await _workspace(request)
    return render(
        request,
        "public/join.html",
        brand=workspace.name,
        channel=request.query_params.get("ch", ""),
        values={},
        error=None,
    )


@router.post("/join", response_class=HTMLResponse)
async def join(request: Request) -> HTMLResponse:
    ctx, workspace = await _workspace(request)
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in ("phone", "name", "ch")}
    lang = pick_language(request)
    channel = int(values["ch"]) if values["ch"].isdigit() else None
    if channel is not None and await links_repository.channel(ctx.session, ctx.workspace_id, channel) is None:
        channel = None
    try:
        member, created = await _join_from_form(ctx, request, form, channel=channel, via="page")
    except YutangError as exc:
        code = INVALID_IDENTITY if exc.code in (IDENTITY_REQUIRED, INVALID_IDENTITY) else exc.code
        return render(
            request,
            "public/join.html",
            status_code=400,
            brand=workspace.name,
            channel=values["ch"],
            values=values,
            error=field_error(code, lang),
        )
    return _welcome(request, workspace, member.id, created)


async def _join_from_form(
    ctx: Ctx, request: Request, form: FormData, *, channel: int | None, via: str
) -> tuple[Member, bool]:
    """Join (or find) the member a page's form describes (phone, name, consent)."""
    return await service.join(
        ctx,
        MemberIn(
            phone=str(form.get("phone") or "") or None,
            name=str(form.get("name") or "") or None,
            source_channel_id=channel,
            visitor_id=_visitor(request),
            # An unticked box on a later visit does not withdraw an earlier consent.
            consents={"marketing": True} if form.get("consent") == "yes" else {},
        ),
        via=via,
    )


def _welcome(request: Request, workspace: Workspace, member_id: int, created: bool) -> HTMLResponse:
    return render(
        request,
        "public/thanks.html",
        brand=workspace.name,
        created=created,
        heading="welcome" if created else "welcome_back",
        member_id=member_id,
    )


def _answers(form: Any, data: FormData) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for f in form.fields:
        key, kind = f["key"], f["type"]
        if kind == "multiselect":
            answers[key] = [str(v) for v in data.getlist(key)]
        elif kind == "address":
            answers[key] = {
                part: str(data.get(f"{key}.{part}") or "") or None
                for part in ("province", "city", "district", "detail")
            }
        elif kind == "number":
            answers[key] = str(data.get(key) or "")
        else:
            answers[key] = str(data.get(key) or "")
    return answers


@router.get("/forms/{slug}", response_class=HTMLResponse)
async def form_page(slug: str, request: Request) -> HTMLResponse:
    ctx, workspace = await _workspace(request)
    form = await forms.get_form(ctx, slug=slug)
    return render(
        request,
        "public/form.html",
        brand=workspace.name,
        form=form,
        values={},
        errors={},
        closed=not form.active,
    )


@router.post("/forms/{slug}", response_class=HTMLResponse)
async def submit_form(slug: str, request: Request) -> HTMLResponse:
    ctx, workspace = await _workspace(request)
    form = await forms.get_form(ctx, slug=slug)
    lang = pick_language(request)
    answers = _answers(form, await request.form())
    try:
        await forms.submit(ctx, form, answers, visitor_id=_visitor(request), via="page")
    except BadRequest as exc:
        errors = {e["key"]: field_error(e["code"], lang) for e in exc.details.get("errors", [])}
        if not errors:
            errors = {
                f["key"]: field_error("required", lang)
                for f in form.fields
                if f.get("maps_to") in ("phone", "email")
            }
        return render(
            request,
            "public/form.html",
            status_code=400,
            brand=workspace.name,
            form=form,
            values=answers,
            errors=errors,
            closed=False,
        )
    except YutangError:
        return render(
            request,
            "public/form.html",
            status_code=409,
            brand=workspace.name,
            form=form,
            values={},
            errors={},
            closed=True,
        )
    return render(
        request, "public/thanks.html", brand=workspace.name, created=True, heading="thanks", member_id=None
    )


# --- referral campaigns (任务宝) -----------------------------------------------------------


def _ip_hash(request: Request) -> str | None:
    settings = request.app.state.settings
    ip = None
    if settings.trust_forwarded_for and request.headers.get("x-forwarded-for"):
        ip = request.headers["x-forwarded-for"].split(",", 1)[0].strip()
    elif request.client:
        ip = request.client.host
    return ip_hash(request.app.state.runtime.clicks.secret, ip)


async def _invite_context(request: Request, code: str) -> tuple[Ctx, Workspace, Any, Any]:
    ctx, workspace = await _workspace(request)
    participant = await referrals.participant_by_code(ctx, code)
    campaign = await referrals.get_campaign(ctx, participant.campaign_id)
    return ctx, workspace, participant, campaign


async def _invite_page(
    request: Request,
    code: str,
    *,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    error: str | None = None,
) -> HTMLResponse:
    ctx, workspace, participant, campaign = await _invite_context(request, code)
    return render(
        request,
        "public/invite.html",
        status_code=status_code,
        brand=workspace.name,
        campaign=campaign,
        live=referrals.is_live(campaign),
        inviter=participant.display_name,
        stages=await referrals.stages_of(ctx, campaign.id),
        code=participant.code,
        values=values or {},
        error=error,
    )


@router.get("/invite/{code}", response_class=HTMLResponse)
async def invite_page(code: str, request: Request) -> HTMLResponse:
    """The landing page of a personal invite link: the visit becomes a clicked invitation."""
    ctx, _, participant, campaign = await _invite_context(request, code)
    visitor = _visitor(request)
    fresh = visitor is None
    if fresh:
        visitor = new_visitor_id(time.time())
    if referrals.is_live(campaign):
        # GETs run read-only: the visit is written in a short transaction of its own.
        async with unit_of_work(engine=request.app.state.engine) as session:
            writer = Ctx(session, ctx.workspace_id, PUBLIC)
            await referrals.record_visit(
                writer, await referrals.get_participant(writer, participant.id), visitor, _ip_hash(request)
            )
    response = await _invite_page(request, code)
    if fresh:
        response.set_cookie(
            request.app.state.settings.visitor_cookie,
            str(visitor),
            max_age=COOKIE_MAX_AGE,
            samesite="lax",
            httponly=True,
            secure=request.url.scheme == "https",
        )
    return response


@router.post("/invite/{code}", response_class=HTMLResponse)
async def accept_invite(code: str, request: Request) -> HTMLResponse:
    ctx, workspace, participant, campaign = await _invite_context(request, code)
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in ("phone", "name")}
    lang = pick_language(request)
    if not referrals.is_live(campaign):
        return await _invite_page(request, code, status_code=409)
    # The participant first, then the member (join may lock an existing one): the
    # order every referral path keeps, so this never deadlocks with a qualification.
    participant = await referrals.get_participant(ctx, participant.id, lock=True)
    try:
        async with ctx.session.begin_nested():
            member, created = await _join_from_form(
                ctx, request, form, channel=campaign.channel_id, via="invite"
            )
    except YutangError as exc:
        code_ = INVALID_IDENTITY if exc.code in (IDENTITY_REQUIRED, INVALID_IDENTITY) else exc.code
        return await _invite_page(
            request, code, status_code=400, values=values, error=field_error(code_, lang)
        )
    await referrals.attach(
        ctx,
        campaign,
        participant,
        member,
        new_member=created,
        via="code",
        visitor_id=_visitor(request),
        ip_hash=_ip_hash(request),
    )
    return _welcome(request, workspace, member.id, created)


@router.get("/invite/me/{token}", response_class=HTMLResponse)
async def my_progress(token: str, request: Request) -> HTMLResponse:
    ctx, workspace = await _workspace(request)
    participant = await referrals.participant_by_token(ctx, token)
    campaign = await referrals.get_campaign(ctx, participant.campaign_id)
    lang = pick_language(request)
    return render(
        request,
        "public/progress.html",
        brand=workspace.name,
        campaign=campaign,
        token=token,
        progress=await referral_figures.progress(ctx, participant, "en" if lang == "en" else "zh"),
        board=await referral_figures.leaderboard(ctx, campaign.id, 10),
    )


@router.get("/invite/me/{token}/poster.png")
async def my_poster(token: str, request: Request) -> Response:
    ctx, _ = await _workspace(request)
    participant = await referrals.participant_by_token(ctx, token)
    png, etag = await referral_share.poster_png(ctx, participant)
    headers = {"cache-control": "private, max-age=300", "etag": f'"{etag}"'}
    if request.headers.get("if-none-match") == f'"{etag}"':
        return Response(status_code=304, headers=headers)
    return Response(png, media_type="image/png", headers=headers)
