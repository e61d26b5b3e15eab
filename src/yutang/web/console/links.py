"""引流 Links & channels: the links list with filters and bulk actions, creating and
editing links and live codes, a link's page (trend, devices, referrers, QR), channels,
and the CSV import with its per-row report.

Every write calls :mod:`yutang.links.service` — the API's service — in the request's
transaction; a refused form raises :class:`FormRefused`, so nothing of it is kept.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from yutang.analytics import clicks
from yutang.analytics.endpoints.frame import reader
from yutang.analytics.engines import Reader
from yutang.kit.context import Ctx
from yutang.kit.errors import BODY_TOO_LARGE, VALIDATION_ERROR, BadRequest, YutangError
from yutang.links import costs, importer, qr, service
from yutang.links import endpoints as link_endpoints
from yutang.links.schemas import ChannelIn, ChannelPatch, CostIn, LinkIn, LinkPatch, LinkStatus
from yutang.models.links import CHANNEL_TYPES, Link
from yutang.web.console.frame import (
    FormRefused,
    Submitted,
    can,
    chart_json,
    day,
    field_errors,
    header,
    line_chart,
    may,
    period,
    refusal_status,
    refused,
    render,
    router,
    stats_range,
    submitted,
)
from yutang.web.i18n import pick_language

STATUSES: tuple[LinkStatus, ...] = ("active", "expired", "exhausted", "disabled", "archived")
#: Empty rows a live code's form offers for new targets.
SPARE_TARGETS = 3
QR_SIZES = (256, 512, 1024, 2048)
MAX_UPLOAD = 2 * 1024 * 1024  # bytes of a CSV upload


async def _channels(ctx: Ctx, include_archived: bool = False) -> list[Any]:
    rows, _ = await service.list_channels(ctx, None, 500, include_archived=include_archived)
    return list(rows)


# --- the list ---------------------------------------------------------------------------


@router.get("/console/links", response_class=HTMLResponse)
async def links_page(
    request: Request,
    ctx: Ctx = Depends(can("links:read")),
    cursor: str | None = None,
    q: str | None = None,
    channel_id: str | None = None,
    tag: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    created_from: str | None = None,
    created_to: str | None = None,
    done: str | None = None,
) -> HTMLResponse:
    """A filter left empty (the form sends every field) is no filter."""
    chosen_status = status if status in STATUSES else None
    chosen_kind = kind if kind in ("link", "live") else None
    channel = int(channel_id) if channel_id and channel_id.isdigit() else None
    rows, nxt = await service.list_links(
        ctx,
        cursor,
        50,
        q=q or None,
        channel_id=channel,
        tag=tag or None,
        status=chosen_status,
        kind=chosen_kind,
        created_from=day(created_from),
        created_to=day(created_to),
    )
    links = await link_endpoints.present(request, ctx, rows)
    filters = {
        "q": q or "",
        "channel_id": channel,
        "tag": tag or "",
        "status": chosen_status or "",
        "kind": chosen_kind or "",
        "created_from": day(created_from) or "",
        "created_to": day(created_to) or "",
    }
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(
        request,
        "console/links/list.html",
        links=links,
        next_cursor=nxt,
        filters=filters,
        query=query,
        statuses=STATUSES,
        channels=await _channels(ctx, include_archived=True),
        done=done,
        may=may(ctx),
        **await header(ctx),
    )


@router.post("/console/links/bulk")
async def links_bulk(request: Request, ctx: Ctx = Depends(can("links:write"))) -> Response:
    """Disable, enable or archive the ticked links, all or none."""
    form = await submitted(request)
    action = form.text("action")
    ids = form.ids("link_id")
    for link_id in ids:
        if action == "archive":
            await service.archive_link(ctx, link_id)
        elif action in ("disable", "enable"):
            await service.update_link(ctx, link_id, LinkPatch(disabled=action == "disable"))
    back = form.text("back") or ""
    done = f"{action}:{len(ids)}" if action in ("archive", "disable", "enable") and ids else "none"
    return RedirectResponse(f"/console/links?done={done}" + (f"&{back}" if back else ""), status_code=303)


# --- create and edit --------------------------------------------------------------------


def _link_values(form: Submitted, kind: str, zone: str) -> dict[str, Any]:
    """The form as the API's payload (names as in LinkIn; ``targets`` for live codes)."""
    values: dict[str, Any] = {
        "title": form.text("title") or "",
        "tags": form.words("tags"),
        "channel_id": form.number("channel_id"),
        "expires_at": form.local_time("expires_at", zone),
        "expired_url": form.text("expired_url"),
        "max_clicks": form.number("max_clicks"),
        "exhausted_url": form.text("exhausted_url"),
        "redirect_status": form.number("redirect_status") or 302,
    }
    if kind == "live":
        rows = []
        for i in range(
            int(form.number("target_rows") or 0) if str(form.number("target_rows")).isdigit() else 0
        ):
            label, destination = form.text(f"targets.{i}.label"), form.text(f"targets.{i}.destination")
            if label is None and destination is None:
                continue
            rows.append(
                {
                    "label": label or "",
                    "destination": destination or "",
                    "weight": form.number(f"targets.{i}.weight") if form.text(f"targets.{i}.weight") else 1,
                    "daily_cap": form.number(f"targets.{i}.daily_cap"),
                    "enabled": not form.flag(f"targets.{i}.off"),
                }
            )
        values["targets"] = rows
        values["fallback_url"] = form.text("fallback_url")
    else:
        values["url"] = form.text("url")
        values["utm"] = {
            k: form.text(f"utm.{k}")
            for k in ("source", "medium", "campaign", "term", "content")
            if form.text(f"utm.{k}")
        }
    return values


async def _form_context(ctx: Ctx, kind: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "channels": await _channels(ctx),
        "domains": await service.list_domains(ctx),
        "spare": SPARE_TARGETS,
    }


@router.get("/console/links/new", response_class=HTMLResponse)
async def new_link_page(
    request: Request, ctx: Ctx = Depends(can("links:write")), kind: Literal["link", "live"] = "link"
) -> HTMLResponse:
    return render(
        request,
        "console/links/form.html",
        link=None,
        values={"redirect_status": 302, "targets": []},
        errors={},
        **await _form_context(ctx, kind),
        **await header(ctx),
    )


@router.post("/console/links/new")
async def create_link(request: Request, ctx: Ctx = Depends(can("links:write"))) -> Response:
    form = await submitted(request)
    frame = await header(ctx)
    kind = "live" if form.text("kind") == "live" else "link"
    values = _link_values(form, kind, frame["workspace"].timezone)
    values.update({"slug": form.text("slug"), "domain": form.text("domain")})
    try:
        link = await service.create_link(ctx, LinkIn.model_validate(values))
    except (ValidationError, YutangError) as exc:
        raise refused(
            request,
            "console/links/form.html",
            exc,
            link=None,
            values=values,
            **await _form_context(ctx, kind),
            **frame,
        ) from None
    return RedirectResponse(f"/console/links/{link.id}?done=created", status_code=303)


def _as_values(link: Link, targets: list[Any], zone: str) -> dict[str, Any]:
    return {
        "title": link.title,
        "tags": ", ".join(link.tags),
        "channel_id": link.channel_id,
        "expires_at": link.expires_at,
        "expired_url": link.expired_url,
        "max_clicks": link.max_clicks,
        "exhausted_url": link.exhausted_url,
        "redirect_status": link.redirect_status,
        "url": link.url,
        "utm": link.utm,
        "fallback_url": link.fallback_url,
        "targets": [
            {
                "label": t.label,
                "destination": t.destination,
                "weight": t.weight,
                "daily_cap": t.daily_cap,
                "enabled": t.enabled,
            }
            for t in targets
        ],
    }


@router.get("/console/links/{link_id}/edit", response_class=HTMLResponse)
async def edit_link_page(
    request: Request, link_id: int, ctx: Ctx = Depends(can("links:write"))
) -> HTMLResponse:
    link = await service.get_link(ctx, link_id)
    frame = await header(ctx)
    targets = (await service.link_targets(ctx, [link])).get(link.id, [])
    return render(
        request,
        "console/links/form.html",
        link=link,
        values=_as_values(link, targets, frame["workspace"].timezone),
        errors={},
        **await _form_context(ctx, link.kind),
        **frame,
    )


@router.post("/console/links/{link_id}/edit")
async def edit_link(request: Request, link_id: int, ctx: Ctx = Depends(can("links:write"))) -> Response:
    link = await service.get_link(ctx, link_id)
    form = await submitted(request)
    frame = await header(ctx)
    values = _link_values(form, link.kind, frame["workspace"].timezone)
    try:
        await service.update_link(ctx, link_id, LinkPatch.model_validate(values))
    except (ValidationError, YutangError) as exc:
        raise refused(
            request,
            "console/links/form.html",
            exc,
            link=link,
            values=values,
            **await _form_context(ctx, link.kind),
            **frame,
        ) from None
    return RedirectResponse(f"/console/links/{link_id}?done=saved", status_code=303)


@router.post("/console/links/{link_id}/{action}")
async def link_action(
    link_id: int, action: Literal["disable", "enable", "archive"], ctx: Ctx = Depends(can("links:write"))
) -> Response:
    if action == "archive":
        await service.archive_link(ctx, link_id)
    else:
        await service.update_link(ctx, link_id, LinkPatch(disabled=action == "disable"))
    return RedirectResponse(f"/console/links/{link_id}?done={action}d", status_code=303)


# --- a link's page ----------------------------------------------------------------------


@router.get("/console/links/{link_id}", response_class=HTMLResponse)
async def link_page(
    request: Request,
    link_id: int,
    ctx: Ctx = Depends(can("links:read")),
    days: int | None = None,
    start: str | None = None,
    end: str | None = None,
    done: str | None = None,
    engine: Reader = Depends(reader),
) -> HTMLResponse:
    link = await service.get_link(ctx, link_id)
    shown = (await link_endpoints.present(request, ctx, [link], with_counts=True))[0]
    chosen = period(days, day(start), day(end))
    rng = await stats_range(ctx, chosen)
    by_day = await clicks.click_stats(ctx, engine, rng, "day", link_id=link.id)
    devices = await clicks.click_stats(ctx, engine, rng, "device", link_id=link.id)
    referrers = await clicks.click_stats(ctx, engine, rng, "referrer", link_id=link.id)
    channel = await service.get_channel(ctx, link.channel_id) if link.channel_id else None
    frame = await header(ctx)
    t_lang = pick_language(request)
    names = ("点击", "独立访客") if t_lang == "zh-CN" else ("Clicks", "Unique visitors")
    chart = line_chart(
        [r.key for r in by_day.rows],
        {names[0]: [r.clicks for r in by_day.rows], names[1]: [r.unique_visitors for r in by_day.rows]},
    )
    return render(
        request,
        "console/links/link.html",
        link=shown,
        row=link,
        channel=channel,
        stats=by_day,
        devices=devices,
        referrers=referrers,
        chart=chart_json(chart),
        period=chosen,
        ranges=(7, 30, 90),
        qr_sizes=QR_SIZES,
        done=done,
        may=may(ctx),
        **frame,
    )


@router.get("/console/links/{link_id}/qr")
async def link_qr_download(
    link_id: int,
    ctx: Ctx = Depends(can("links:read")),
    size: int = 512,
    format: qr.QrFormat = "png",
    ecc: qr.ErrorLevel = "M",
) -> Response:
    """The QR code as a file to download, exactly ``size`` pixels square."""
    link = await service.get_link(ctx, link_id)
    domains = await service.domain_hosts(ctx)
    body, media = qr.render(
        link_endpoints.short_url(domains[link.domain_id], link.slug), fmt=format, size=size, error=ecc
    )
    name = f"qr-{link.slug}-{size}.{format}"
    return Response(body, media_type=media, headers={"content-disposition": f'attachment; filename="{name}"'})


@router.get("/console/links/{link_id}/qr.svg")
async def link_qr(link_id: int, ctx: Ctx = Depends(can("links:read"))) -> Response:
    link = await service.get_link(ctx, link_id)
    domains = await service.domain_hosts(ctx)
    body, media = qr.render(link_endpoints.short_url(domains[link.domain_id], link.slug), fmt="svg", size=256)
    return Response(body, media_type=media, headers={"cache-control": "private, max-age=300"})


# --- CSV import -------------------------------------------------------------------------


@router.get("/console/links-import", response_class=HTMLResponse)
async def import_page(request: Request, ctx: Ctx = Depends(can("links:write"))) -> HTMLResponse:
    return render(
        request, "console/links/import.html", report=None, columns=importer.COLUMNS, **await header(ctx)
    )


@router.post("/console/links-import", response_class=HTMLResponse)
async def import_links(
    request: Request, ctx: Ctx = Depends(can("links:write")), file: UploadFile = File(...)
) -> HTMLResponse:
    """Create a link per row of the CSV (the CLI's columns); the rows refused are listed
    with their reason, the others are created."""
    raw = await file.read(MAX_UPLOAD + 1)
    if len(raw) > MAX_UPLOAD:
        raise BadRequest("The file is larger than 2 MB.", code=BODY_TOO_LARGE)
    try:
        report = await importer.import_text(ctx, raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise BadRequest("The file is not UTF-8 text.", code=VALIDATION_ERROR) from None
    return render(
        request, "console/links/import.html", report=report, columns=importer.COLUMNS, **await header(ctx)
    )


# --- channels ---------------------------------------------------------------------------


def _channel_values(form: Submitted) -> dict[str, Any]:
    return {
        "name": form.text("name") or "",
        "type": form.text("type") or "other",
        "exposures": form.number("exposures"),
    }


@router.get("/console/channels", response_class=HTMLResponse)
async def channels_page(
    request: Request,
    ctx: Ctx = Depends(can("links:read")),
    done: str | None = None,
    engine: Reader = Depends(reader),
) -> HTMLResponse:
    rng = await stats_range(ctx, period(30))
    figures = {r.channel_id: r for r in (await clicks.channel_stats(ctx, engine, rng)).rows}
    return render(
        request,
        "console/links/channels.html",
        channels=await _channels(ctx, include_archived=True),
        figures=figures,
        types=CHANNEL_TYPES,
        values={"type": "other"},
        errors={},
        done=done,
        may=may(ctx),
        **await header(ctx),
    )


@router.post("/console/channels")
async def create_channel(request: Request, ctx: Ctx = Depends(can("links:write"))) -> Response:
    form = await submitted(request)
    values = _channel_values(form)
    try:
        await service.create_channel(ctx, ChannelIn.model_validate(values))
    except (ValidationError, YutangError) as exc:
        raise refused(
            request,
            "console/links/channels.html",
            exc,
            channels=await _channels(ctx, include_archived=True),
            figures={},
            types=CHANNEL_TYPES,
            values=values,
            may=may(ctx),
            **await header(ctx),
        ) from None
    return RedirectResponse("/console/channels?done=created", status_code=303)


async def _costs_context(ctx: Ctx, channel_id: int, typed: dict[str, Any] | None = None) -> dict[str, Any]:
    """The channel's entries of exposures and spend, its links, and the form to add one."""
    found, _ = await service.list_links(ctx, None, 200, channel_id=channel_id, include_archived=True)
    return {
        "costs": await costs.list_costs(ctx, channel_id),
        "channel_links": [(lk.id, lk.title or lk.slug) for lk in found],
        "cost_values": typed or {},
        "cost_errors": {},
    }


@router.get("/console/channels/{channel_id}/edit", response_class=HTMLResponse)
async def edit_channel_page(
    request: Request, channel_id: int, ctx: Ctx = Depends(can("links:write")), done: str | None = None
) -> HTMLResponse:
    channel = await service.get_channel(ctx, channel_id)
    values = {"name": channel.name, "type": channel.type, "exposures": channel.exposures}
    return render(
        request,
        "console/links/channel.html",
        channel=channel,
        values=values,
        types=CHANNEL_TYPES,
        errors={},
        done=done,
        **await _costs_context(ctx, channel_id),
        **await header(ctx),
    )


@router.post("/console/channels/{channel_id}/costs")
async def add_channel_cost(
    request: Request, channel_id: int, ctx: Ctx = Depends(can("links:write"))
) -> Response:
    """Enter a period's exposures and spend (yuan, as typed) for the channel or one of its links."""
    channel = await service.get_channel(ctx, channel_id)
    form = await submitted(request)
    typed: dict[str, Any] = {
        "starts_on": form.text("starts_on"),
        "ends_on": form.text("ends_on"),
        "link_id": form.number("link_id"),
        "exposures": form.number("exposures"),
        "spend_cents": form.cents("spend_cents"),
        "note": form.text("note") or "",
    }
    try:
        await costs.add_cost(ctx, channel_id, CostIn.model_validate(typed))
    except (ValidationError, YutangError) as exc:
        shown = await _costs_context(ctx, channel_id, {**typed, "spend_cents": form.text("spend_cents")})
        shown["cost_errors"] = field_errors(exc, pick_language(request))
        values = {"name": channel.name, "type": channel.type, "exposures": channel.exposures}
        page = render(
            request,
            "console/links/channel.html",
            refusal_status(exc),
            channel=channel,
            values=values,
            types=CHANNEL_TYPES,
            errors={},
            done=None,
            **shown,
            **await header(ctx),
        )
        raise FormRefused(page) from None
    return RedirectResponse(f"/console/channels/{channel_id}/edit?done=cost_added#costs", status_code=303)


@router.post("/console/channels/{channel_id}/costs/{cost_id}/delete")
async def delete_channel_cost(
    channel_id: int, cost_id: int, ctx: Ctx = Depends(can("links:write"))
) -> Response:
    await costs.delete_cost(ctx, channel_id, cost_id)
    return RedirectResponse(f"/console/channels/{channel_id}/edit?done=cost_deleted#costs", status_code=303)


@router.post("/console/channels/{channel_id}/edit")
async def edit_channel(request: Request, channel_id: int, ctx: Ctx = Depends(can("links:write"))) -> Response:
    channel = await service.get_channel(ctx, channel_id)
    form = await submitted(request)
    values: dict[str, Any] = _channel_values(form)
    if form.text("archive") is not None:
        values = {"archived": form.text("archive") == "1"}
    try:
        await service.update_channel(ctx, channel_id, ChannelPatch.model_validate(values))
    except (ValidationError, YutangError) as exc:
        raise refused(
            request,
            "console/links/channel.html",
            exc,
            channel=channel,
            values=values,
            types=CHANNEL_TYPES,
            done=None,
            **await _costs_context(ctx, channel_id),
            **await header(ctx),
        ) from None
    return RedirectResponse("/console/channels?done=saved", status_code=303)
