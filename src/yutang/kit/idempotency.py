"""``Idempotency-Key`` on creating POSTs.

Same key and same body → the stored response, replayed. Same key, another body →
409 ``idempotency_key_reused``. The record is written in the same transaction as the
change it answers for, so a crash cannot leave a change without its record.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from yutang.kit.context import Ctx
from yutang.kit.errors import IDEMPOTENCY_KEY_INVALID, IDEMPOTENCY_KEY_REUSED, BadRequest, Conflict
from yutang.models.platform import IdempotencyRecord


@dataclass
class Idempotency:
    ctx: Ctx
    key: str | None
    method: str
    path: str
    request_hash: str

    async def replay(self) -> Response | None:
        if self.key is None:
            return None
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

    async def respond(self, status_code: int, body: BaseModel | dict[str, Any] | list[Any]) -> JSONResponse:
        content = jsonable_encoder(body)
        if self.key is not None:
            self.ctx.session.add(
                IdempotencyRecord(
                    workspace_id=self.ctx.workspace_id,
                    key=self.key,
                    method=self.method,
                    path=self.path,
                    request_hash=self.request_hash,
                    status_code=status_code,
                    response_body=json.dumps(content, ensure_ascii=False),
                )
            )
            try:
                await self.ctx.session.flush()
            except IntegrityError as exc:
                raise Conflict(
                    "Another request with this Idempotency-Key is in progress.",
                    details={"key": self.key},
                ) from exc
        return JSONResponse(content, status_code=status_code)


async def idempotency_for(request: Request, ctx: Ctx) -> Idempotency:
    key = request.headers.get("idempotency-key")
    if key is not None and not (0 < len(key) <= 255):
        raise BadRequest("Idempotency-Key must be 1-255 characters.", code=IDEMPOTENCY_KEY_INVALID)
    body = await request.body()
    digest = hashlib.sha256(body).hexdigest()
    return Idempotency(ctx, key, request.method, request.url.path, digest)
