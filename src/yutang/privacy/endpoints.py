"""HTTP API of data-subject requests. The paths stay under ``/members/{id}`` where an API
user looks for them; the routes live here because members must not import this package."""

from __future__ import annotations

from typing import Any

from fastapi import Depends

from yutang.auth.dependencies import require
from yutang.kit.context import Ctx
from yutang.kit.http import api_router
from yutang.kit.schemas import ParamId
from yutang.members.endpoints import present
from yutang.members.schemas import MemberOut
from yutang.privacy import service

router = api_router(prefix="/api/v1")


@router.get("/members/{member_id}/export", tags=["members"])
async def export_member(member_id: ParamId, ctx: Ctx = Depends(require("members:erase"))) -> dict[str, Any]:
    """Everything held about the member, PII in clear (a data-subject access request)."""
    return await service.export_member(ctx, member_id)


@router.post("/members/{member_id}/erase", tags=["members"], response_model=MemberOut)
async def erase_member(member_id: ParamId, ctx: Ctx = Depends(require("members:erase"))) -> MemberOut:
    """Remove the member's PII for good; orders and ledgers stay under the anonymous id."""
    member = await service.erase_member(ctx, member_id)
    return (await present(ctx, [member]))[0]
