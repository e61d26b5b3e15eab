"""HTTP API of the links domain: thin — parse, call the service, shape the answer."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request, Response

from yutang.auth.dependencies import idempotent, require
from yutang.kit.context import Ctx
from yutang.kit.http import api_router
from yutang.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, Page
from yutang.kit.schemas import ParamId
from yutang.links import costs, livecodes, qr, service
from yutang.links.schemas import (
    BulkIn,
    BulkOut,
    ChannelIn,
    ChannelOut,
    ChannelPatch,
    CostIn,
    CostOut,
    CostPatch,
    DomainIn,
    DomainOut,
    LinkIn,
    LinkOut,
    LinkPatch,
    LinkStatus,
    TargetOut,
)
from yutang.models.links import Link, LinkDomain, LiveCodeTarget

router = api_router(prefix="/api/v1")


def short_url(domain: LinkDomain, slug: str) -> str:
    return f"{'https' if domain.https else 'http'}://{domain.host}/{slug}"


async def present(request: Request, ctx: Ctx, links: list[Link], with_counts: bool = False) -> list[LinkOut]:
    domains = await service.domain_hosts(ctx)
    targets = await service.link_targets(ctx, links)
    counts: dict[int, int] = {}
    if with_counts and targets:
        counters: livecodes.Counters = request.app.state.runtime.counters
        ids = [t.id for ts in targets.values() for t in ts]
        counts = await counters.counts(ids, await service.local_today(ctx))
    return [_out(lk, domains[lk.domain_id], targets.get(lk.id), counts) for lk in links]


def _out(
    link: Link, domain: LinkDomain, targets: list[LiveCodeTarget] | None, counts: dict[int, int]
) -> LinkOut:
    return LinkOut(
        id=link.id,
        kind=link.kind,
        short_url=short_url(domain, link.slug),
        slug=link.slug,
        domain=domain.host,
        url=link.url,
        destination=link.destination,
        title=link.title,
        tags=link.tags,
        channel_id=link.channel_id,
        utm=link.utm,
        expires_at=link.expires_at,
        expired_url=link.expired_url,
        max_clicks=link.max_clicks,
        exhausted_url=link.exhausted_url,
        fallback_url=link.fallback_url,
        redirect_status=link.redirect_status,
        disabled=link.disabled,
        archived=link.archived,
        status=service.status_of(link),
        click_count=link.click_count,
        targets=None
        if link.kind != "live"
        else [
            TargetOut(
                id=t.id,
                label=t.label,
                destination=t.destination,
                weight=t.weight,
                daily_cap=t.daily_cap,
                enabled=t.enabled,
                today=counts.get(t.id, 0),
            )
            for t in (targets or [])
        ],
        created_at=link.created_at,
        updated_at=link.updated_at,
    )


# --- link domains -----------------------------------------------------------------------


@router.get("/link-domains", tags=["links"], response_model=Page[DomainOut])
async def list_domains(
    ctx: Ctx = Depends(require("links:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[DomainOut]:
    """Hosts that serve the workspace's short links; the default one marked."""
    return Page[DomainOut].of(await service.list_domains(ctx), cursor, limit, DomainOut.model_validate)


@router.post("/link-domains", tags=["links"], status_code=201, response_model=DomainOut)
async def add_domain(body: DomainIn, ctx: Ctx = Depends(idempotent("domains:manage"))) -> DomainOut:
    """Add a host that serves the workspace's short links (point its DNS at Yutang first).
    `domain_taken` if any workspace has it, `invalid_host` for a malformed host."""
    domain = await service.add_domain(ctx, body.host, is_default=body.is_default, https=body.https)
    return DomainOut.model_validate(domain)


# --- channels ---------------------------------------------------------------------------


@router.get("/channels", tags=["channels"], response_model=Page[ChannelOut])
async def list_channels(
    ctx: Ctx = Depends(require("links:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
    include_archived: bool = False,
) -> Page[ChannelOut]:
    """Channels (touchpoints: package cards, stores, articles, SMS, posters, live streams …),
    newest first, with their exposure counts."""
    rows, nxt = await service.list_channels(ctx, cursor, limit, include_archived)
    return Page[ChannelOut](data=[ChannelOut.model_validate(c) for c in rows], next_cursor=nxt)


@router.post("/channels", tags=["channels"], status_code=201, response_model=ChannelOut)
async def create_channel(body: ChannelIn, ctx: Ctx = Depends(idempotent("links:write"))) -> ChannelOut:
    """Create a channel; give `exposures` (cards printed, messages sent) to get its diversion
    rate in the statistics. `channel_name_taken` if the name is used."""
    channel = await service.create_channel(ctx, body)
    return ChannelOut.model_validate(channel)


@router.get("/channels/{channel_id}", tags=["channels"], response_model=ChannelOut)
async def get_channel(channel_id: ParamId, ctx: Ctx = Depends(require("links:read"))) -> ChannelOut:
    """One channel of the workspace (`unknown_channel` otherwise)."""
    return ChannelOut.model_validate(await service.get_channel(ctx, channel_id))


@router.patch("/channels/{channel_id}", tags=["channels"], response_model=ChannelOut)
async def update_channel(
    channel_id: ParamId, body: ChannelPatch, ctx: Ctx = Depends(require("links:write"))
) -> ChannelOut:
    """Rename a channel, change its type or exposures, or archive it (its links keep
    working and counting). `channel_name_taken` if the new name is used."""
    return ChannelOut.model_validate(await service.update_channel(ctx, channel_id, body))


# --- exposures and spend of a channel ---------------------------------------------------


@router.get("/channels/{channel_id}/costs", tags=["channels"], response_model=Page[CostOut])
async def list_costs(
    channel_id: ParamId,
    ctx: Ctx = Depends(require("links:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[CostOut]:
    """The channel's exposures and spend as entered, per period (the latest first): the
    channels report (`/reports/channels`) spreads each over its days."""
    return Page[CostOut].of(await costs.list_costs(ctx, channel_id), cursor, limit, costs.out)


@router.post("/channels/{channel_id}/costs", tags=["channels"], status_code=201, response_model=CostOut)
async def add_cost(
    channel_id: ParamId, body: CostIn, ctx: Ctx = Depends(idempotent("links:write"))
) -> CostOut:
    """Enter what a channel — or one of its links (`link_id`) — was seen by (`exposures`)
    and cost (`spend_cents`) over days of the workspace's calendar (`starts_on` …
    `ends_on`, both included, at most 366 days) or a `month`. `cost_period_overlaps` when
    the channel (or the link) has an entry for some of those days (`details.cost_id`)."""
    return costs.out(await costs.add_cost(ctx, channel_id, body))


@router.patch("/channels/{channel_id}/costs/{cost_id}", tags=["channels"], response_model=CostOut)
async def update_cost(
    channel_id: ParamId, cost_id: ParamId, body: CostPatch, ctx: Ctx = Depends(require("links:write"))
) -> CostOut:
    """Correct an entry: its days, exposures, spend (null: not known) or note."""
    return costs.out(await costs.update_cost(ctx, channel_id, cost_id, body))


@router.delete("/channels/{channel_id}/costs/{cost_id}", tags=["channels"], status_code=204)
async def delete_cost(
    channel_id: ParamId, cost_id: ParamId, ctx: Ctx = Depends(require("links:write"))
) -> Response:
    """Remove an entry (the audit log keeps what it said)."""
    await costs.delete_cost(ctx, channel_id, cost_id)
    return Response(status_code=204)


# --- links ------------------------------------------------------------------------------


@router.get("/links", tags=["links"], response_model=Page[LinkOut])
async def list_links(
    request: Request,
    ctx: Ctx = Depends(require("links:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
    channel_id: ParamId | None = None,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    kind: Annotated[str | None, Query(pattern="^(link|live)$")] = None,
    include_archived: bool = False,
    status: LinkStatus | None = None,
    created_from: date | None = None,
    created_to: date | None = None,
) -> Page[LinkOut]:
    """Links and live codes, newest first; filter by channel, tag, kind, status (`expired`:
    past its date, `exhausted`: at its click limit; `archived` ones only appear when asked
    for by status or `include_archived`), the days they were created (the workspace's
    calendar, both ends included), or search title, slug and destination with `q`."""
    rows, nxt = await service.list_links(
        ctx,
        cursor,
        limit,
        channel_id=channel_id,
        tag=tag,
        q=q,
        kind=kind,
        include_archived=include_archived,
        status=status,
        created_from=created_from,
        created_to=created_to,
    )
    return Page[LinkOut](data=await present(request, ctx, rows), next_cursor=nxt)


@router.post("/links", tags=["links"], status_code=201, response_model=LinkOut)
async def create_link(
    request: Request, body: LinkIn, ctx: Ctx = Depends(idempotent("links:write"))
) -> LinkOut:
    """Create a short link, or a live code when ``targets`` are given."""
    link = await service.create_link(ctx, body)
    return (await present(request, ctx, [link]))[0]


@router.post("/links/bulk", tags=["links"], status_code=201, response_model=BulkOut)
async def create_links_bulk(
    request: Request, body: BulkIn, ctx: Ctx = Depends(idempotent("links:write"))
) -> BulkOut:
    """Up to 1,000 links in one call: all are created, or none and `bulk_invalid` lists
    every refused row (`details.errors[]` with `row`, `code`, `message`, `field`)."""
    links = await service.create_links_bulk(ctx, body.links)
    return BulkOut(data=await present(request, ctx, links))


@router.get("/links/{link_id}", tags=["links"], response_model=LinkOut)
async def get_link(request: Request, link_id: ParamId, ctx: Ctx = Depends(require("links:read"))) -> LinkOut:
    """One link or live code with its short URL, expiry rules and clicks counted so far
    (a live code with each target's count today)."""
    link = await service.get_link(ctx, link_id)
    return (await present(request, ctx, [link], with_counts=True))[0]


@router.patch("/links/{link_id}", tags=["links"], response_model=LinkOut)
async def update_link(
    request: Request, link_id: ParamId, body: LinkPatch, ctx: Ctx = Depends(require("links:write"))
) -> LinkOut:
    """Edit a link; the redirect serves the new destination at once."""
    link = await service.update_link(ctx, link_id, body)
    return (await present(request, ctx, [link]))[0]


@router.delete("/links/{link_id}", tags=["links"], response_model=LinkOut)
async def archive_link(
    request: Request, link_id: ParamId, ctx: Ctx = Depends(require("links:write"))
) -> LinkOut:
    """Archive a link: it stops redirecting (410); its slug and clicks are kept."""
    link = await service.archive_link(ctx, link_id)
    return (await present(request, ctx, [link]))[0]


@router.get(
    "/links/{link_id}/qr",
    tags=["links"],
    responses={200: {"content": {"image/png": {}, "image/svg+xml": {}}}},
    response_class=Response,
)
async def link_qr(
    link_id: ParamId,
    ctx: Ctx = Depends(require("links:read")),
    format: Annotated[qr.QrFormat, Query()] = "png",
    size: Annotated[int, Query(ge=qr.MIN_SIZE, le=qr.MAX_SIZE)] = 512,
    ecc: Annotated[qr.ErrorLevel, Query(description="error correction: L, M, Q or H")] = "M",
) -> Response:
    """The link's QR code as PNG or SVG, `size` pixels square, with the chosen error
    correction (H survives a logo over the middle)."""
    link = await service.get_link(ctx, link_id)
    domains = await service.domain_hosts(ctx)
    body, media = qr.render(short_url(domains[link.domain_id], link.slug), fmt=format, size=size, error=ecc)
    return Response(
        body,
        media_type=media,
        headers={"content-disposition": f'inline; filename="{link.slug}.{format}"'},
    )
