"""The API's FastAPI dependencies for who is calling and what they may do.

:func:`require` authenticates the request (an API key as ``Authorization: Bearer``,
or the console's session) and checks the actor's role for a permission;
:func:`idempotent` does the same for a POST that honours an ``Idempotency-Key``.
The route (:class:`yutang.kit.http.TransactionalRoute`) gives them the request's
session; the ``Ctx`` they return is what endpoints pass to services.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from yutang.auth import service as auth_service
from yutang.auth.permissions import Permission, allowed, declared
from yutang.kit.context import Actor, Ctx
from yutang.kit.db import unit_of_work
from yutang.kit.errors import Forbidden, Unauthenticated
from yutang.kit.http import READONLY_METHODS
from yutang.kit.idempotency import begin_idempotent


async def authenticate(request: Request) -> Ctx:
    cached: Ctx | None = getattr(request.state, "ctx", None)
    if cached is not None:
        return cached
    session = request.state.session
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        workspace_id, actor = await _key_actor(request, token.strip())
    else:
        user_ctx = getattr(request.state, "console_principal", None)
        if user_ctx is None:
            raise Unauthenticated("Send an API key as `Authorization: Bearer <key>`.")
        workspace_id, actor = user_ctx
    ctx = Ctx(session, workspace_id, actor)
    request.state.ctx = ctx
    return ctx


async def _key_actor(request: Request, token: str) -> tuple[int, Actor]:
    key, actor = await auth_service.authenticate_key(request.state.session, token)
    if auth_service.use_is_stale(key):
        # At most once a minute. A writing request stamps in its own transaction; a
        # read-only one in a short transaction of its own (it must not write, and on
        # SQLite a second writer beside a writing request would wait for its lock).
        if request.method in READONLY_METHODS:
            async with unit_of_work(engine=request.app.state.engine) as s:
                await auth_service.stamp_use(s, key.id)
        else:
            await auth_service.stamp_use(request.state.session, key.id)
    return key.workspace_id, actor


#: The API's security scheme in OpenAPI (so the docs page offers "Authorize"); the key
#: itself is read by :func:`authenticate`, which also accepts a console session.
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key of the workspace: `Authorization: Bearer yt_...`",
)


def require(permission: Permission) -> Callable[..., Awaitable[Ctx]]:
    declared(permission)  # at import of the endpoint module, not at the first request

    async def dependency(
        request: Request, _credentials: HTTPAuthorizationCredentials | None = Depends(BEARER)
    ) -> Ctx:
        ctx = await authenticate(request)
        if not allowed(ctx.actor.role, permission):
            raise Forbidden(
                f"The role {ctx.actor.role!r} does not allow {permission!r}.",
                details={"permission": permission},
            )
        return ctx

    dependency.__name__ = f"require_{permission.replace(':', '_')}"
    return dependency


def _key_length(schema: dict[str, Any]) -> None:
    """Document the key's length on the string branch of ``string | null``."""
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "string":
            branch.update(minLength=1, maxLength=255)


#: The ``Idempotency-Key`` header as OpenAPI shows it; its length is checked by
#: :func:`~yutang.kit.idempotency.begin_idempotent` (``idempotency_key_invalid``).
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Retry safely: the same key and body replay the first answer "
        "(`Idempotent-Replayed: true`); the same key with another body is refused "
        "(409 `idempotency_key_reused`). 1-255 characters, per workspace.",
        json_schema_extra=_key_length,
    ),
]


def idempotent(permission: Permission) -> Callable[..., Awaitable[Ctx]]:
    """:func:`require` for a creating or changing POST that takes an ``Idempotency-Key``.

    A key answered before replays that answer here, before the endpoint runs; otherwise
    the route records the endpoint's answer under the key, in the same transaction as
    the change (see :mod:`yutang.kit.idempotency`). The endpoint itself does nothing."""
    checker = require(permission)

    async def dependency(request: Request, _key: IdempotencyKey = None, ctx: Ctx = Depends(checker)) -> Ctx:
        await begin_idempotent(request, ctx)
        return ctx

    dependency.__name__ = f"idempotent_{permission.replace(':', '_')}"
    return dependency
