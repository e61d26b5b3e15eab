"""``Idempotency-Key`` on creating POSTs.

Same key and same body → the stored response, replayed. Same key, another body →
409 ``idempotency_key_reused``. The record is written in the same transaction as the
change it answers for, so a crash cannot leave a change without its record.

Endpoints take no part in it. The ``idempotent`` dependency calls
:func:`begin_idempotent`, which raises :class:`Replay` for a key answered before (the
route answers the stored response without running the endpoint) or leaves the key on
the request; :class:`~yutang.kit.http.TransactionalRoute` then calls :func:`record`
with the endpoint's answer before the transaction commits. An answer carrying a secret
shown only once names what to store instead with :func:`store_instead`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from yutang.kit.context import Ctx
from yutang.kit.errors import IDEMPOTENCY_KEY_INVALID, IDEMPOTENCY_KEY_REUSED, BadRequest, Conflict
from yutang.models.platform import IdempotencyRecord


class Replay(Exception):
    """The key was answered before; :attr:`response` is that answer."""

    def __init__(self, response: Response) -> None:
        super().__init__("idempotent replay")
        self.response = response


@dataclass
class Idempotency:
    ctx: Ctx
    key: str
    method: str
    path: str
    request_hash: str
    #: What to store for replays instead of the answer sent (see :func:`store_instead`).
    stored: Any = None

    async def replay(self) -> Response | None:
        rec = await self.ctx.session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.workspace_id == self.ctx.workspace_id,
                IdempotencyRecord.key == self.key,
            )
        )
        if rec is None:
            return None
        if (rec.method, rec.path, rec.request_hash) != (self.method, self.path, self.request_hash):
            raise Conflict(
                "This Idempotency-Key was already used with a different request.",
                code=IDEMPOTENCY_KEY_REUSED,
                details={"key": self.key},
            )
        return Response(
            content=rec.response_body,
            status_code=rec.status_code,
            media_type="application/json",
            headers={"Idempotent-Replayed": "true"},
        )


async def begin_idempotent(request: Request, ctx: Ctx) -> None:
    """Replay (raise :class:`Replay`) or remember the key for :func:`record`."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return
    if not 0 < len(key) <= 255:
        raise BadRequest("Idempotency-Key must be 1-255 characters.", code=IDEMPOTENCY_KEY_INVALID)
    digest = hashlib.sha256(await request.body()).hexdigest()
    idem = Idempotency(ctx, key, request.method, request.url.path, digest)
    if (answer := await idem.replay()) is not None:
        raise Replay(answer)
    request.state.idempotency = idem


def store_instead(request: Request, body: BaseModel | dict[str, Any] | list[Any]) -> None:
    """Replays answer ``body`` rather than what this request answers (which carries a
    secret — a new API key, an invitation's token — that is never stored)."""
    idem: Idempotency | None = getattr(request.state, "idempotency", None)
    if idem is not None:
        idem.stored = jsonable_encoder(body)


async def record(request: Request, response: Response) -> None:
    """Store a successful answer under the request's key, in its transaction."""
    idem: Idempotency | None = getattr(request.state, "idempotency", None)
    if idem is None or not 200 <= response.status_code < 300:
        return
    if idem.stored is not None:
        body = json.dumps(idem.stored, ensure_ascii=False)
    else:
        body = bytes(response.body).decode()
    idem.ctx.session.add(
        IdempotencyRecord(
            workspace_id=idem.ctx.workspace_id,
            key=idem.key,
            method=idem.method,
            path=idem.path,
            request_hash=idem.request_hash,
            status_code=response.status_code,
            response_body=body,
        )
    )
    try:
        await idem.ctx.session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "Another request with this Idempotency-Key is in progress.",
            details={"key": idem.key},
        ) from exc
