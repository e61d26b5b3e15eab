"""会员 Members: the members list and a member's page."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from yutang.kit.context import Ctx
from yutang.kit.errors import BadRequest
from yutang.web.console.frame import (
    can,
    header,
    render,
    router,
)


@router.get("/console/members", response_class=HTMLResponse)
async def members_page(
    request: Request,
    ctx: Ctx = Depends(can("members:read")),
    cursor: str | None = None,
    phone: str | None = None,
) -> HTMLResponse:
    from yutang.auth.permissions import allowed
    from yutang.loyalty import tiers
    from yutang.members import service as members
    from yutang.overview import pond

    figures = await pond.overview(ctx)
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
        "console/members/list.html",
        page="members",
        figures=figures,
        views=views,
        tier_names=names,
        next_cursor=nxt,
        phone=phone,
        error=error,
        tier_top=top,
        channel_top=max((n for _, n in figures.channels), default=0) or 1,
        **await header(ctx),
    )


@router.get("/console/members/{member_id}", response_class=HTMLResponse)
async def member_page(
    request: Request, member_id: int, ctx: Ctx = Depends(can("members:read"))
) -> HTMLResponse:
    from yutang.auth.permissions import allowed
    from yutang.commerce import service as commerce
    from yutang.coupons import service as coupons
    from yutang.loyalty import repository as ledger
    from yutang.loyalty import tiers
    from yutang.members import service as members

    member = await members.get_member(ctx, member_id)
    view = (await members.views(ctx, [member], pii=allowed(ctx.actor.role, "members:pii")))[0]
    entries = await ledger.entries_of(ctx, member_id, cursor_id=None, limit=20)
    lots = await ledger.lots_of(ctx, member_id)
    orders, _ = await commerce.list_orders(ctx, cursor=None, limit=20, member_id=member_id)
    held = await coupons.of_member(ctx, member_id)
    names = {t.id: t.name for t in await tiers.tiers(ctx.session, ctx.workspace_id)}
    history = await tiers.history(ctx, member_id)
    return render(
        request,
        "console/members/member.html",
        page="members",
        v=view,
        m=member,
        entries=entries[:20],
        lots=lots,
        orders=orders,
        coupons=held,
        tier_names=names,
        history=history,
        **await header(ctx),
    )


# --- fission: referral campaigns and distribution -------------------------------------------
