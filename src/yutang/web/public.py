"""Member-facing H5 pages (简体中文 / English), served on the workspace's link domains:

* ``/join`` — become a member (phone, name, marketing consent); the visitor cookie set
  by the redirect path attributes the member to the link and channel they came from;
  ``?ch=<channel id>`` names the channel when they came some other way.
* ``/forms/<slug>`` — fill in an info-collection form.

The workspace is the one whose link domain the request's Host is; nothing else is
needed to reach these pages, and nothing of another workspace can be reached.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from yutang.kit.context import Actor, Ctx
from yutang.kit.errors import BadRequest, NotFound, YutangError
from yutang.kit.http import api_router
from yutang.links import repository as links_repository
from yutang.members import forms, service
from yutang.members.schemas import MemberIn
from yutang.models.workspaces import Workspace
from yutang.web.console import render
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
        member, created = await service.join(
            ctx,
            MemberIn(
                phone=values["phone"] or None,
                name=values["name"] or None,
                source_channel_id=channel,
                visitor_id=_visitor(request),
                # An unticked box on a later visit does not withdraw an earlier consent.
                consents={"marketing": True} if form.get("consent") == "yes" else {},
            ),
            via="page",
        )
    except YutangError as exc:
        code = "invalid_identity" if exc.code in ("identity_required", "invalid_identity") else exc.code
        return render(
            request,
            "public/join.html",
            status_code=400,
            brand=workspace.name,
            channel=values["ch"],
            values=values,
            error=field_error(code, lang),
        )
    return render(
        request,
        "public/thanks.html",
        brand=workspace.name,
        created=created,
        heading="welcome" if created else "welcome_back",
        member_id=member.id,
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
