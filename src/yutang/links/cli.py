"""``yutang links …``, ``yutang channels …`` and ``yutang qr`` (``yutang stats …``, counted
by the event store, is :mod:`yutang.analytics.stats_cli`).

Like every domain's CLI, it imports its services inside the commands: ``yutang --help``
and each command start without loading the whole application."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from yutang.kit.cli import WorkspaceOpt, call, err, import_csv, out, sub_app
from yutang.kit.context import Ctx

if TYPE_CHECKING:
    from yutang.kit import csvimport
    from yutang.models.links import LinkDomain

links_app = sub_app("Short links and live codes.")
channels_app = sub_app("Channels (touchpoints).")


def short_url(domain: LinkDomain, slug: str) -> str:
    return f"{'https' if domain.https else 'http'}://{domain.host}/{slug}"


@links_app.command("create")
def links_create(
    url: Annotated[str, typer.Argument(help="Destination (http or https).")],
    slug: Annotated[str | None, typer.Option()] = None,
    title: Annotated[str, typer.Option()] = "",
    channel: Annotated[str | None, typer.Option(help="Channel name or id.")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="Repeat for several tags.")] = None,
    expires: Annotated[datetime | None, typer.Option(help="Expiry (ISO time, UTC if no zone).")] = None,
    max_clicks: Annotated[int | None, typer.Option(min=1)] = None,
    utm_source: Annotated[str | None, typer.Option()] = None,
    utm_medium: Annotated[str | None, typer.Option()] = None,
    utm_campaign: Annotated[str | None, typer.Option()] = None,
    permanent: Annotated[bool, typer.Option(help="Answer 301 instead of 302.")] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Create one short link and print its short URL."""
    from yutang.links import importer, service
    from yutang.links.schemas import LinkIn, Utm

    async def go(ctx: Ctx) -> str:
        channel_id = await importer.channel_id(ctx, channel) if channel else None
        link = await service.create_link(
            ctx,
            LinkIn(
                url=url,
                slug=slug,
                title=title,
                tags=tag or [],
                channel_id=channel_id,
                utm=Utm(source=utm_source, medium=utm_medium, campaign=utm_campaign),
                expires_at=importer.aware(expires) if expires else None,
                max_clicks=max_clicks,
                redirect_status=301 if permanent else 302,
            ),
        )
        domains = await service.domain_hosts(ctx)
        return short_url(domains[link.domain_id], link.slug)

    out.print(call(workspace, go))


@links_app.command("list")
def links_list(
    channel: Annotated[int | None, typer.Option(help="Channel id.")] = None,
    tag: Annotated[str | None, typer.Option()] = None,
    q: Annotated[str | None, typer.Option(help="Search slug, title, url.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
    cursor: Annotated[str | None, typer.Option()] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """List links, newest first (use the printed cursor for the next page)."""
    from yutang.links import service

    async def go(ctx: Ctx) -> tuple[list[Any], str | None, dict[int, Any]]:
        rows, nxt = await service.list_links(ctx, cursor, limit, channel_id=channel, tag=tag, q=q)
        return rows, nxt, await service.domain_hosts(ctx)

    rows, nxt, domains = call(workspace, go, True)
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "slug": r.slug,
                        "kind": r.kind,
                        "short_url": short_url(domains[r.domain_id], r.slug),
                        "destination": r.destination,
                        "title": r.title,
                        "tags": r.tags,
                        "channel_id": r.channel_id,
                        "clicks": r.click_count,
                        "disabled": r.disabled,
                    }
                    for r in rows
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        table = Table("id", "short", "kind", "title", "channel", "clicks", "destination")
        for r in rows:
            table.add_row(
                str(r.id),
                f"{domains[r.domain_id].host}/{r.slug}",
                r.kind,
                r.title,
                str(r.channel_id or "-"),
                str(r.click_count),
                (r.destination or "-")[:60],
            )
        out.print(table)
    if nxt:
        err.print(f"next page: --cursor {nxt}")


@links_app.command("import")
def links_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    errors: Annotated[Path | None, typer.Option(help="Where to write refused rows (CSV).")] = None,
    batch: Annotated[int, typer.Option(min=1, max=1000)] = 500,
    workspace: WorkspaceOpt = None,
) -> None:
    """Import links from CSV (columns: url, slug, title, channel, tags, utm_source,
    utm_medium, utm_campaign, utm_term, utm_content, expires_at, max_clicks).
    Good rows are created; refused rows go to the error report with their reason. Safe to
    run twice: a row repeating a link already there (same slug and destination, or same
    destination, title and channel) is counted as already there."""
    from yutang.links import importer

    channels: dict[str, int] = {}  # names and ids looked up once per import

    async def plan(ctx: Ctx) -> tuple[list[csvimport.Record], csvimport.Handler]:
        return importer.read(file), importer.handler(channels)

    def summary(report: csvimport.ImportReport) -> str:
        return (
            f"imported [bold]{report.created}[/bold] of {report.records} rows; "
            f"{report.unchanged} already there; {report.failed} refused"
        )

    import_csv(
        file,
        errors,
        workspace,
        plan,
        summary,
        batch_size=batch,
        echo=("url",),
        batch=importer.batch_handler(channels),
    )


def qr(
    link: Annotated[str, typer.Argument(help="Link id or slug.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File (default SLUG.FORMAT).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="png or svg")] = "png",
    size: Annotated[int, typer.Option(min=64, max=4096)] = 512,
    ecc: Annotated[str, typer.Option(help="L, M, Q or H")] = "M",
    workspace: WorkspaceOpt = None,
) -> None:
    """Write the QR code of a link to a PNG or SVG file."""
    from yutang.links import qr as qr_mod
    from yutang.links import service

    if fmt not in ("png", "svg") or ecc not in ("L", "M", "Q", "H"):
        err.print("[red]error[/red] validation_error: --format is png|svg, --ecc is L|M|Q|H")
        raise typer.Exit(1)

    async def go(ctx: Ctx) -> tuple[str, str]:
        found = (
            await service.get_link(ctx, int(link))
            if link.isdigit()
            else await service.find_link_by_slug(ctx, link)
        )
        domains = await service.domain_hosts(ctx)
        return short_url(domains[found.domain_id], found.slug), found.slug

    url, slug = call(workspace, go, True)
    body, _ = qr_mod.render(url, fmt=fmt, size=size, error=ecc)  # type: ignore[arg-type]
    target = output or Path(f"{slug}.{fmt}")
    target.write_bytes(body)
    out.print(f"{target} ← {url}")


@channels_app.command("create")
def channels_create(
    name: str,
    type: Annotated[
        str,
        typer.Option(help="package_card, store, article, sms, template_message, poster, live_stream, other"),
    ] = "other",
    exposures: Annotated[int | None, typer.Option(min=0)] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    from yutang.links import service
    from yutang.links.schemas import ChannelIn

    data = ChannelIn.model_validate({"name": name, "type": type, "exposures": exposures})
    ch = call(workspace, lambda ctx: service.create_channel(ctx, data))
    out.print(f"channel {ch.id}: {ch.name} ({ch.type})")


@channels_app.command("list")
def channels_list(workspace: WorkspaceOpt = None) -> None:
    from yutang.links import service

    rows, _ = call(workspace, lambda ctx: service.list_channels(ctx, None, 200), True)
    table = Table("id", "name", "type", "exposures")
    for c in rows:
        table.add_row(str(c.id), c.name, c.type, str(c.exposures if c.exposures is not None else "-"))
    out.print(table)
