"""引流 Links & channels: the links list and a link's QR code."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response

from yutang.kit.context import Ctx
from yutang.links import endpoints as link_endpoints
from yutang.links import qr, service
from yutang.web.console.frame import (
    console_ctx,
    header,
    render,
    router,
)


@router.get("/console/links", response_class=HTMLResponse)
async def links_page(
    request: Request, ctx: Ctx = Depends(console_ctx), cursor: str | None = None, q: str | None = None
) -> HTMLResponse:
    rows, nxt = await service.list_links(ctx, cursor, 50, q=q or None)
    links = await link_endpoints.present(request, ctx, rows)
    return render(
        request,
        "console/links/list.html",
        page="links",
        links=links,
        next_cursor=nxt,
        q=q,
        **await header(ctx),
    )


@router.get("/console/links/{link_id}/qr.svg")
async def link_qr(link_id: int, ctx: Ctx = Depends(console_ctx)) -> Response:
    link = await service.get_link(ctx, link_id)
    domains = await service.domain_hosts(ctx)
    body, media = qr.render(link_endpoints.short_url(domains[link.domain_id], link.slug), fmt="svg", size=256)
    return Response(body, media_type=media, headers={"cache-control": "private, max-age=300"})
