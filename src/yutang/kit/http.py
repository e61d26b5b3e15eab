"""The HTTP boundary: one transaction per request (with its idempotency record), error rendering."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from yutang.kit.db import unit_of_work
from yutang.kit.errors import (
    BAD_REQUEST,
    ERROR_CODES,
    FORBIDDEN,
    INTERNAL_ERROR,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    UNAUTHENTICATED,
    VALIDATION_ERROR,
    BadRequest,
    Conflict,
    YutangError,
)
from yutang.kit.idempotency import Replay, record

log = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict[str, Any]


class ErrorOut(BaseModel):
    error: ErrorBody


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Refused; see `error.code`"},
    401: {"model": ErrorOut, "description": "`unauthenticated`"},
    403: {"model": ErrorOut, "description": "`forbidden`"},
    404: {"model": ErrorOut, "description": "`not_found`"},
    409: {"model": ErrorOut, "description": "`conflict`, `idempotency_key_reused`, …"},
    413: {"model": ErrorOut, "description": "`body_too_large`"},
    422: {"model": ErrorOut, "description": "`validation_error`: `details.errors` lists each problem"},
    500: {"model": ErrorOut, "description": "`internal_error`; nothing was written"},
}


#: ``responses=`` of an operation that answers a CSV file when asked with ``format=csv``.
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/csv": {"schema": {"type": "string"}}},
        "description": "JSON, or CSV with `format=csv`",
    }
}


def also_200(model: type[BaseModel], when: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a creating POST that answers 200 when the thing existed already."""
    return {200: {"model": model, "description": when}}


def csv_file(text: str, filename: str) -> Response:
    """A CSV download: UTF-8 with a BOM, so that Excel opens Chinese text correctly."""
    return Response(
        text.encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


READONLY_METHODS = frozenset({"GET", "HEAD"})


def _refuse_nul(request: Request) -> None:
    """NUL is no character of any name, code or slug, and PostgreSQL refuses it in text:
    a path or query that carries one is refused here, whatever the route."""
    for where, params in (("path", request.path_params), ("query", request.query_params)):
        for name, value in params.items():
            if isinstance(value, str) and "\x00" in value:
                raise BadRequest(
                    "Text may not contain NUL (\\u0000) characters.",
                    code=VALIDATION_ERROR,
                    details={"errors": [{"loc": [where, name], "msg": "NUL character", "type": "nul"}]},
                )


class TransactionalRoute(APIRoute):
    """Every request runs in one unit of work: committed if the handler returns,
    rolled back if it raises. GET and HEAD run read-only."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            _refuse_nul(request)
            readonly = request.method in READONLY_METHODS
            engine = request.app.state.engine
            try:
                async with unit_of_work(readonly=readonly, engine=engine) as session:
                    request.state.session = session
                    try:
                        response = await original(request)
                    except Replay as replay:
                        return replay.response
                    await record(request, response)
                    return response
            except IntegrityError as exc:
                # A constraint the service did not check first (a unique name, say): the
                # transaction is rolled back, and the client learns it conflicts, not 500.
                log.warning("constraint refused %s %s: %s", request.method, request.url.path, exc.orig)
                raise Conflict(
                    "The request conflicts with data that exists (a name or key already used)."
                ) from exc

        return handler


def api_router(**kwargs: Any) -> APIRouter:
    return APIRouter(route_class=TransactionalRoute, responses=ERROR_RESPONSES, **kwargs)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app serves on this request's path."""
    found = []
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            found.append(method)
    return found


def _dotted(loc: list[Any]) -> str:
    """``["body", "utm", "foo"]`` → ``utm.foo`` (the part of the body the client named)."""
    parts = loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc
    return ".".join(str(p) for p in parts) or str(loc)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(YutangError)
    async def _domain(request: Request, exc: YutangError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        unknown = [_dotted(e["loc"]) for e in errors if e["type"] == "extra_forbidden"]
        message = "The request payload did not validate."
        if unknown:
            message = "Unknown field" + ("s" if len(unknown) > 1 else "") + ": " + ", ".join(unknown) + "."
        body = {"error": {"code": VALIDATION_ERROR, "message": message, "details": {"errors": errors}}}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {
            404: NOT_FOUND,
            405: METHOD_NOT_ALLOWED,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
        }.get(exc.status_code, BAD_REQUEST)
        message = exc.detail if isinstance(exc.detail, str) else ERROR_CODES[code]
        headers = dict(getattr(exc, "headers", None) or {})
        details: dict[str, Any] = {}
        if exc.status_code == 405:
            # Starlette names the methods of the first route that matched the path only;
            # a path served by several routes (GET and POST /links) needs them all.
            methods = allowed_methods(request)
            headers["Allow"] = ", ".join(methods)
            details["allowed"] = methods
        return JSONResponse(
            {"error": {"code": code, "message": message, "details": details}},
            status_code=exc.status_code,
            headers=headers or None,
        )

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {
                "error": {
                    "code": INTERNAL_ERROR,
                    "message": ERROR_CODES[INTERNAL_ERROR],
                    "details": {},
                }
            },
            status_code=500,
        )
