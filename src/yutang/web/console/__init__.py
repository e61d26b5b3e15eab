"""The operators' console (简体中文 / English): server-rendered pages on the same
transactional routes, services and role checks as the API. One module per sidebar
entry — ``access`` (sign-in, invitations, account), ``overview``, ``links``,
``members``, ``fission`` — each adding its routes to :data:`frame.router` and rendering
its templates from ``templates/console/<module>/``; :mod:`.frame` holds what they share.
A new module is a file here, its templates folder, and a line below.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from yutang.auth.throttle import Policy, make_throttle
from yutang.config import Settings
from yutang.kit.db import unit_of_work
from yutang.kit.errors import (
    BAD_REQUEST,
    INTERNAL_ERROR,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    VALIDATION_ERROR,
    YutangError,
)

# The modules register their routes on the shared router when imported, in this order
# (a path of one never shadows another's).
from yutang.web.console import (  # noqa: F401
    access,
    counter,
    distribution,
    fission,
    links,
    loyalty,
    members,
    overview,
    reports,
    settings,
)
from yutang.web.console.frame import HERE, FormRefused, LoginRequired, NoWorkspace, render, router, templates
from yutang.web.i18n import error_words, pick_language, translator
from yutang.web.security import SESSION_COOKIE, CsrfRefused

__all__ = ["install", "render", "router"]
log = logging.getLogger("yutang.web")

#: The member-facing (H5) pages on the link domains (yutang.web.public).
H5_PATHS = ("/join", "/forms/", "/invite/")


def _page_kind(request: Request) -> str | None:
    """ "console" or "h5" for a request of a page, None for the API (which keeps JSON)."""
    path = request.url.path
    if path == "/console" or path.startswith("/console/"):
        return "console"
    if path.startswith(H5_PATHS):
        return "h5"
    return None


def _pages_answer_with_pages(app: FastAPI) -> None:
    """A refusal, a bad address, an unknown page or a failure on a console or H5 page is
    answered with a page in the visitor's language (with the same status code); the API
    keeps its JSON errors."""
    for kind in (YutangError, RequestValidationError, StarletteHTTPException, Exception):
        _wrap(app, kind, app.exception_handlers[kind])


def _wrap(app: FastAPI, kind: type[Exception], as_json: Any) -> None:
    async def handler(request: Request, exc: Exception) -> Response:
        page = _page_kind(request)
        if page is None:
            answer = as_json(request, exc)
            response: Response = await answer if inspect.isawaitable(answer) else answer
            return response
        status, code, fallback = _what_went_wrong(exc)
        if status >= 500:
            log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        lang = pick_language(request)
        message = error_words(code, lang, fallback)
        if page == "console":
            return render(request, "refused.html", status, message=message)
        t = translator(lang)
        return templates.TemplateResponse(
            request,
            "public/error.html",
            {
                "lang": lang,
                "t": t,
                "brand": await _brand(request),
                "heading": t("page_problem"),
                "message": message,
            },
            status_code=status,
        )

    app.add_exception_handler(kind, handler)


async def _brand(request: Request) -> str:
    """The name of the workspace whose link domain the member is on (empty when the host
    is not one, or the database cannot answer: the error page is shown all the same)."""
    from yutang.links import repository as links_repository
    from yutang.models.workspaces import Workspace

    host = (request.headers.get("host") or "").lower().removesuffix(":80").removesuffix(":443")
    try:
        async with unit_of_work(readonly=True, engine=request.app.state.engine) as session:
            domain = await links_repository.domain_by_host(session, host)
            workspace = await session.get(Workspace, domain.workspace_id) if domain else None
            return workspace.name if workspace else ""
    except Exception:  # an error page must not fail in its turn
        log.warning("no brand for the error page of %s", host)
        return ""


def _what_went_wrong(exc: Exception) -> tuple[int, str, str]:
    if isinstance(exc, YutangError):
        return exc.status_code, str(exc.code), exc.message
    if isinstance(exc, RequestValidationError):
        return 422, str(VALIDATION_ERROR), "The address or form did not validate."
    if isinstance(exc, StarletteHTTPException):
        code = {404: NOT_FOUND, 405: METHOD_NOT_ALLOWED}.get(exc.status_code, BAD_REQUEST)
        return exc.status_code, str(code), str(exc.detail)
    return 500, str(INTERNAL_ERROR), "Something broke on our side."


def install(app: FastAPI, config: Settings) -> None:
    app.state.sign_in_throttle = make_throttle(
        Policy(
            account_limit=config.sign_in_account_limit,
            ip_limit=config.sign_in_ip_limit,
            window=config.sign_in_window,
            lockout=config.sign_in_lockout,
        ),
        config.redis_url,
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

    @app.exception_handler(FormRefused)
    async def _form_refused(request: Request, exc: FormRefused) -> Response:
        return exc.response

    @app.exception_handler(NoWorkspace)
    async def _no_workspace(request: Request, exc: NoWorkspace) -> Response:
        return RedirectResponse("/console/invitations", status_code=303)

    _pages_answer_with_pages(app)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused) -> Response:
        t = translator(pick_language(request))
        return render(request, "refused.html", 403, message=t("form_expired"))

    @app.get("/api/docs", include_in_schema=False)
    async def api_docs(request: Request) -> Response:
        """Swagger UI from the npm package Yutang serves itself: works offline."""
        return templates.TemplateResponse(
            request,
            "api_docs.html",
            {"spec_url": app.openapi_url, "oauth2_redirect_url": "/api/docs/oauth2-redirect"},
        )

    @app.get("/api/docs/oauth2-redirect", include_in_schema=False)
    async def api_docs_oauth2_redirect() -> Response:
        return FileResponse(HERE / "static" / "vendor" / "swagger-ui" / "oauth2-redirect.html")

    @app.get("/", include_in_schema=False)
    async def root() -> Response:
        return RedirectResponse("/console", status_code=307)
