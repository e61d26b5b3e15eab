"""The operators' console (简体中文 / English): server-rendered pages on the same
transactional routes, services and role checks as the API. One module per sidebar
entry — ``access`` (sign-in, invitations, account), ``overview``, ``links``,
``members``, ``fission`` — each adding its routes to :data:`frame.router` and rendering
its templates from ``templates/console/<module>/``; :mod:`.frame` holds what they share.
A new module is a file here, its templates folder, and a line below.
"""

from __future__ import annotations

import inspect
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from yutang.auth.throttle import Policy, make_throttle
from yutang.config import Settings
from yutang.kit.errors import YutangError

# The modules register their routes on the shared router when imported, in this order
# (a path of one never shadows another's).
from yutang.web.console import access, fission, links, members, overview  # noqa: F401
from yutang.web.console.frame import HERE, FormRefused, LoginRequired, NoWorkspace, render, router, templates
from yutang.web.i18n import error_words, pick_language, translator
from yutang.web.security import SESSION_COOKIE, CsrfRefused

__all__ = ["install", "render", "router"]


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

    @app.exception_handler(FormRefused)
    async def _form_refused(request: Request, exc: FormRefused) -> Response:
        return exc.response

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
        message = error_words(exc.code, pick_language(request), exc.message)
        return render(request, "refused.html", exc.status_code, message=message)

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
