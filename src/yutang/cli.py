"""``yutang``: serve, worker, db, workspaces, keys, demo, links, qr, stats."""

from __future__ import annotations

import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from yutang.config import get_settings
from yutang.kit.context import Actor, Ctx
from yutang.kit.db import dispose_engines, unit_of_work
from yutang.kit.errors import YutangError

T = TypeVar("T")

app = typer.Typer(help="Yutang (鱼塘): private-domain traffic operations.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
ws_app = typer.Typer(help="Workspaces (brands) and their users.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
links_app = typer.Typer(help="Short links and live codes.", no_args_is_help=True)
channels_app = typer.Typer(help="Channels (touchpoints).", no_args_is_help=True)
stats_app = typer.Typer(help="Click statistics.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(ws_app, name="workspace")
app.add_typer(keys_app, name="keys")
app.add_typer(links_app, name="links")
app.add_typer(channels_app, name="channels")
app.add_typer(stats_app, name="stats")
members_app = typer.Typer(help="Members: import, export, erase.", no_args_is_help=True)
orders_app = typer.Typer(help="Orders from the shop.", no_args_is_help=True)
points_app = typer.Typer(help="Points: balances, adjustments, the maintenance jobs.", no_args_is_help=True)
pii_app = typer.Typer(help="Encryption of personal data at rest.", no_args_is_help=True)
app.add_typer(members_app, name="members")
app.add_typer(orders_app, name="orders")
app.add_typer(points_app, name="points")
app.add_typer(pii_app, name="pii")
referrals_app = typer.Typer(help="Referral campaigns (任务宝): campaigns, figures.", no_args_is_help=True)
app.add_typer(referrals_app, name="referrals")
distribution_app = typer.Typer(help="Distribution (分销): figures, commission release.", no_args_is_help=True)
app.add_typer(distribution_app, name="distribution")

out = Console()
err = Console(stderr=True)

WorkspaceOpt = Annotated[
    str | None,
    typer.Option(
        "--workspace",
        "-w",
        envvar="YUTANG_WORKSPACE",
        help="Workspace slug (default: the only one there is).",
    ),
]


def run(coro_fn: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine; turn domain errors into a clear message and exit code 1."""

    async def main() -> T:
        try:
            return await coro_fn()
        finally:
            await dispose_engines()

    try:
        return asyncio.run(main())
    except YutangError as exc:
        err.print(f"[red]error[/red] [bold]{exc.code}[/bold]: {exc.message}")
        if exc.details:
            err.print(json.dumps(exc.details, ensure_ascii=False, default=str, indent=2))
        raise typer.Exit(1) from None


def cli_actor() -> Actor:
    try:
        user = getpass.getuser()
    except Exception:
        user = "unknown"
    return Actor("cli", user, "owner")


async def resolve_workspace(session: Any, slug: str | None) -> int:
    from yutang.kit.errors import NotFound
    from yutang.workspaces import repository as ws_repo

    if slug:
        ws = await ws_repo.by_slug(session, slug)
        if ws is None:
            raise NotFound(f"No workspace {slug!r}.")
        return int(ws.id)
    rows = await ws_repo.first_two(session)
    if len(rows) != 1:
        raise NotFound("Name the workspace with --workspace (or YUTANG_WORKSPACE).")
    return int(rows[0].id)


async def _ctx_call(workspace: str | None, fn: Callable[[Ctx], Awaitable[T]], readonly: bool = False) -> T:
    async with unit_of_work(readonly=readonly) as session:
        ws_id = await resolve_workspace(session, workspace)
        return await fn(Ctx(session, ws_id, cli_actor()))


# --- serve / worker / db ----------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Listen address (loopback by default).")] = None,
    port: Annotated[int | None, typer.Option()] = None,
    workers: Annotated[int, typer.Option(min=1, help="Server processes.")] = 1,
    worker: Annotated[bool, typer.Option(help="Run the job worker inside the server.")] = True,
    migrate: Annotated[bool, typer.Option(help="Upgrade the database first.")] = True,
) -> None:
    """Serve Yutang (redirects, API, console) with granian."""
    import os

    from granian import Granian
    from granian.constants import Interfaces

    settings = get_settings()
    if workers > 1 and not settings.redis_url:
        # Each process caches links; only Redis tells the others about an edit.
        err.print(
            "[red]error[/red] [bold]validation_error[/bold]: --workers > 1 needs YUTANG_REDIS_URL "
            "(edits must reach every process's link cache)"
        )
        raise typer.Exit(1)
    if migrate:
        upgrade_database()
    if workers > 1 and worker:
        err.print("[yellow]--workers > 1: run `yutang worker` separately; disabling the in-process worker.")
        worker = False
    os.environ["YUTANG_WORKER_IN_PROCESS"] = "1" if worker else "0"
    host = host or settings.host
    port = port or settings.port
    out.print(f"Yutang on [bold]http://{host}:{port}[/bold]  (API docs: http://{host}:{port}/api/docs)")
    Granian(
        "yutang.app:app_factory",
        factory=True,
        interface=Interfaces.ASGI,
        address=host,
        port=port,
        workers=workers,
        log_access=False,
    ).serve()


@app.command("worker")
def worker_cmd(threads: Annotated[int, typer.Option(min=1)] = 2) -> None:
    """Run the job worker (outbox dispatch) in the foreground."""
    from yutang.kit import jobs

    huey = jobs.get_huey()
    consumer = huey.create_consumer(workers=threads, worker_type="thread", periodic=True)
    out.print(f"worker: {threads} threads on {type(huey.storage).__name__}")
    consumer.run()


def upgrade_database(revision: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    root = Path(__file__).resolve().parent
    cfg = Config()
    # Migrations ship inside the package tree's parent (repo) or next to it when installed.
    for candidate in (root.parent.parent / "migrations", root / "migrations"):
        if candidate.exists():
            cfg.set_main_option("script_location", str(candidate))
            break
    else:  # pragma: no cover - broken install
        raise RuntimeError("migrations folder not found")
    cfg.attributes["url"] = get_settings().resolved_database_url()
    command.upgrade(cfg, revision)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    upgrade_database(revision)
    out.print(f"database at [bold]{revision}[/bold]: {get_settings().resolved_database_url()}")


# --- workspaces and keys ----------------------------------------------------------------


@ws_app.command("create")
def workspace_create(
    slug: Annotated[str, typer.Argument(help="Short id, e.g. 'acme'.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    domain: Annotated[str | None, typer.Option(help="Default link domain host.")] = None,
    timezone: Annotated[str, typer.Option()] = "Asia/Shanghai",
    owner_email: Annotated[str | None, typer.Option()] = None,
    owner_password: Annotated[str | None, typer.Option(envvar="YUTANG_OWNER_PASSWORD")] = None,
) -> None:
    """Create a workspace (and its owner, given an email)."""
    from yutang.workspaces import service as ws_service

    async def go() -> None:
        async with unit_of_work() as s:
            ws = await ws_service.create_workspace(
                s,
                name or slug,
                slug,
                link_domain=domain or get_settings().default_link_domain,
                timezone=timezone,
                actor=cli_actor(),
            )
            if owner_email:
                user = await ws_service.create_user(s, owner_email, owner_password or "", "")
                await ws_service.set_member_role(Ctx(s, ws.id, cli_actor()), user, "owner")
        out.print(f"workspace [bold]{slug}[/bold] created (id {ws.id})")

    run(go)


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Option(help="owner, admin, operator, staff or analyst")] = "operator",
    workspace: WorkspaceOpt = None,
) -> None:
    """Create an API key; the secret is printed once."""
    from yutang.auth import service as auth_service

    issued = run(lambda: _ctx_call(workspace, lambda ctx: auth_service.create_api_key(ctx, name, role)))
    out.print(f"key {issued.key.id} ({role}): [bold]{issued.secret}[/bold]")
    err.print("Store it now: it is not shown again.")


@keys_app.command("list")
def keys_list(workspace: WorkspaceOpt = None) -> None:
    from yutang.auth import service as auth_service

    keys = run(lambda: _ctx_call(workspace, lambda ctx: auth_service.list_api_keys(ctx, None, 200), True))
    table = Table("id", "name", "prefix", "role", "last used", "revoked")
    for k in keys:
        table.add_row(str(k.id), k.name, k.prefix + "…", k.role, _when(k.last_used_at), _when(k.revoked_at))
    out.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: int, workspace: WorkspaceOpt = None) -> None:
    from yutang.auth import service as auth_service

    run(lambda: _ctx_call(workspace, lambda ctx: auth_service.revoke_api_key(ctx, key_id)))
    out.print(f"key {key_id} revoked")


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


# --- demo ------------------------------------------------------------------------------


@app.command()
def demo(
    days: Annotated[int, typer.Option(min=1, max=365)] = 60,
    clicks: Annotated[int, typer.Option(min=0, help="Clicks to spread over the days.")] = 40_000,
    members: Annotated[int, typer.Option(min=0, help="Members who joined over the days.")] = 150,
    seed: Annotated[int, typer.Option()] = 7,
) -> None:
    """Load a realistic demo brand: channels, links, live codes and clicks over DAYS days;
    members with orders, points, tiers, coupons, rewards and a paid membership."""
    from yutang import demo as demo_mod

    result = run(
        lambda: demo_mod.load(days=days, clicks=clicks, members=members, seed=seed, actor=cli_actor())
    )
    out.print(
        f"demo workspace [bold]{result.workspace_slug}[/bold]: {result.channels} channels, "
        f"{result.links} links, {result.clicks} clicks over {days} days, "
        f"{result.members} members, {result.orders} orders"
        + (f"; {result.fission}" if result.fission else "")
    )
    out.print(f"demo API key (admin): [bold]{result.api_key}[/bold]")
    out.print(f"console sign-in: {demo_mod.OWNER_EMAIL} / {demo_mod.OWNER_PASSWORD}")


# --- links -----------------------------------------------------------------------------


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
    from yutang.links import importer
    from yutang.links import service as links_service
    from yutang.links.schemas import LinkIn, Utm

    async def go(ctx: Ctx) -> str:
        channel_id = await importer.channel_id(ctx, channel) if channel else None
        link = await links_service.create_link(
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
        domains = await links_service.domain_hosts(ctx)
        return importer.short_url(domains[link.domain_id], link.slug)

    out.print(run(lambda: _ctx_call(workspace, go)))


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
    from yutang.links import importer
    from yutang.links import service as links_service

    async def go(ctx: Ctx) -> tuple[list[Any], str | None, dict[int, Any]]:
        rows, nxt = await links_service.list_links(ctx, cursor, limit, channel_id=channel, tag=tag, q=q)
        return rows, nxt, await links_service.domain_hosts(ctx)

    rows, nxt, domains = run(lambda: _ctx_call(workspace, go, True))
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "slug": r.slug,
                        "kind": r.kind,
                        "short_url": importer.short_url(domains[r.domain_id], r.slug),
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

    errors = errors or file.with_name(file.stem + ".errors.csv")
    report = run(lambda: importer.import_csv(file, errors, workspace, batch, cli_actor(), out))
    out.print(
        f"imported [bold]{report.created}[/bold] of {report.rows} rows; "
        f"{report.skipped} already there; {report.failed} refused"
    )
    if report.failed:
        out.print(f"error report: {errors}")
        raise typer.Exit(2)


@app.command()
def qr(
    link: Annotated[str, typer.Argument(help="Link id or slug.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File (default SLUG.FORMAT).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="png or svg")] = "png",
    size: Annotated[int, typer.Option(min=64, max=4096)] = 512,
    ecc: Annotated[str, typer.Option(help="L, M, Q or H")] = "M",
    workspace: WorkspaceOpt = None,
) -> None:
    """Write the QR code of a link to a PNG or SVG file."""
    from yutang.links import importer
    from yutang.links import qr as qr_mod
    from yutang.links import service as links_service

    if fmt not in ("png", "svg") or ecc not in ("L", "M", "Q", "H"):
        err.print("[red]error[/red] validation_error: --format is png|svg, --ecc is L|M|Q|H")
        raise typer.Exit(1)

    async def go(ctx: Ctx) -> tuple[str, str]:
        found = (
            await links_service.get_link(ctx, int(link))
            if link.isdigit()
            else await links_service.find_link_by_slug(ctx, link)
        )
        domains = await links_service.domain_hosts(ctx)
        return importer.short_url(domains[found.domain_id], found.slug), found.slug

    url, slug = run(lambda: _ctx_call(workspace, go, True))
    body, _ = qr_mod.render(url, fmt=fmt, size=size, error=ecc)  # type: ignore[arg-type]
    target = output or Path(f"{slug}.{fmt}")
    target.write_bytes(body)
    out.print(f"{target} ← {url}")


# --- channels --------------------------------------------------------------------------


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
    from yutang.links import service as links_service
    from yutang.links.schemas import ChannelIn

    data = ChannelIn.model_validate({"name": name, "type": type, "exposures": exposures})
    ch = run(lambda: _ctx_call(workspace, lambda ctx: links_service.create_channel(ctx, data)))
    out.print(f"channel {ch.id}: {ch.name} ({ch.type})")


@channels_app.command("list")
def channels_list(workspace: WorkspaceOpt = None) -> None:
    from yutang.links import service as links_service

    rows, _ = run(lambda: _ctx_call(workspace, lambda ctx: links_service.list_channels(ctx, None, 200), True))
    table = Table("id", "name", "type", "exposures")
    for c in rows:
        table.add_row(str(c.id), c.name, c.type, str(c.exposures if c.exposures is not None else "-"))
    out.print(table)


# --- stats -----------------------------------------------------------------------------


@stats_app.command("clicks")
def stats_clicks(
    dimension: Annotated[str, typer.Option(help="day, channel, link, device, os, browser, referrer")] = "day",
    link: Annotated[int | None, typer.Option(help="Link id.")] = None,
    channel: Annotated[int | None, typer.Option(help="Channel id.")] = None,
    start: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
    end: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write CSV to this file.")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Clicks and unique visitors by a dimension over a date range (local days)."""
    from yutang.links import service as links_service
    from yutang.links import stats

    if dimension not in ("day", "channel", "link", "device", "os", "browser", "referrer"):
        err.print(f"[red]error[/red] validation_error: unknown dimension {dimension!r}")
        raise typer.Exit(1)

    async def go(ctx: Ctx) -> Any:
        if link is not None:
            await links_service.get_link(ctx, link)
        if channel is not None:
            await links_service.get_channel(ctx, channel)
        rng = await stats.make_range(ctx.session, ctx.workspace_id, _d(start), _d(end))
        return await stats.click_stats(
            ctx.session,
            ctx.workspace_id,
            rng,
            dimension,  # type: ignore[arg-type]
            link_id=link,
            channel_id=channel,
        )

    result = run(lambda: _ctx_call(workspace, go, True))
    if csv_out:
        csv_out.write_text(stats.stats_csv(result), encoding="utf-8-sig")
        out.print(f"wrote {csv_out}")
        return
    out.print(
        f"{result.start} → {result.end} ({result.timezone}): {result.totals.clicks} clicks, "
        f"{result.totals.unique_visitors} unique visitors, {result.totals.bot_clicks} bot hits"
    )
    table = Table(dimension, "clicks", "unique", "")
    top = max((r.clicks for r in result.rows), default=0) or 1
    for r in result.rows:
        table.add_row(r.label, str(r.clicks), str(r.unique_visitors), "█" * round(30 * r.clicks / top))
    out.print(table)


@stats_app.command("channels")
def stats_channels(
    start: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
    end: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write CSV to this file.")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Per channel: clicks, unique visitors, exposures and diversion rate."""
    from yutang.links import stats

    async def go(ctx: Ctx) -> Any:
        rng = await stats.make_range(ctx.session, ctx.workspace_id, _d(start), _d(end))
        return await stats.channel_stats(ctx.session, ctx.workspace_id, rng)

    result = run(lambda: _ctx_call(workspace, go, True))
    if csv_out:
        csv_out.write_text(stats.channel_stats_csv(result), encoding="utf-8-sig")
        out.print(f"wrote {csv_out}")
        return
    table = Table("channel", "type", "links", "clicks", "unique", "exposures", "diversion")
    for r in result.rows:
        rate = f"{r.diversion_rate:.2%}" if r.diversion_rate is not None else "-"
        table.add_row(
            r.name,
            r.type,
            str(r.links),
            str(r.clicks),
            str(r.unique_visitors),
            str(r.exposures if r.exposures is not None else "-"),
            rate,
        )
    out.print(table)


# --- referral campaigns -----------------------------------------------------------------


@referrals_app.command("campaigns")
def referrals_campaigns(workspace: WorkspaceOpt = None) -> None:
    """The workspace's referral campaigns, newest first."""
    from yutang.referrals import service

    async def go(ctx: Ctx) -> list[tuple[Any, bool]]:
        return [(c, service.is_live(c)) for c in await service.list_campaigns(ctx)]

    table = Table("id", "name", "status", "live", "starts", "ends")
    for c, live in run(lambda: _ctx_call(workspace, go, True)):
        table.add_row(
            str(c.id), c.name, c.status, "yes" if live else "no", _when(c.starts_at), _when(c.ends_at)
        )
    out.print(table)


@referrals_app.command("figures")
def referrals_figures(
    campaign_ids: Annotated[list[int] | None, typer.Argument(help="Campaigns (all when none given).")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write CSV to this file.")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Participants, shares, joined, qualified, rejected by reason, fission rate, K, cost."""
    from yutang.referrals import figures, service

    async def go(ctx: Ctx) -> list[Any]:
        ids = campaign_ids or [c.id for c in await service.list_campaigns(ctx)]
        return [await figures.figures(ctx, i) for i in ids]

    rows = run(lambda: _ctx_call(workspace, go, True))
    if csv_out:
        csv_out.write_text(figures.figures_csv(rows), encoding="utf-8-sig")
        out.print(f"wrote {csv_out}")
        return
    table = Table("id", "people", "shares", "joined", "new", "qual.", "rej.", "fission", "K", "¥/new")
    for f in rows:
        table.add_row(
            str(f.campaign_id),
            str(f.participants),
            str(f.shares),
            str(f.joined),
            str(f.new_members),
            str(f.qualified),
            str(f.rejected),
            f"{f.fission_rate:.0%}" if f.fission_rate is not None else "-",
            f"{f.k_factor:.2f}" if f.k_factor is not None else "-",
            f"{f.cost_per_new_member_cents / 100:.2f}" if f.cost_per_new_member_cents is not None else "-",
        )
    out.print(table)


def money(cents: int) -> str:
    return f"{cents / 100:,.2f}"


@distribution_app.command("figures")
def distribution_figures(
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write CSV to this file.")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Per distributor: orders, sales, commissions by state, team size; and the total."""
    from yutang.distribution import figures

    rows = run(lambda: _ctx_call(workspace, figures.per_distributor, True))
    if csv_out:
        csv_out.write_text(figures.to_csv(rows), encoding="utf-8-sig")
        out.print(f"wrote {csv_out}")
        return
    table = Table("id", "member", "orders", "sales ¥", "pending", "avail.", "reversed", "paid out", "team")
    for r in rows:
        table.add_row(
            str(r.distributor_id),
            str(r.member_id),
            str(r.orders),
            money(r.sales_cents),
            money(r.pending_cents),
            money(r.available_cents),
            money(r.reversed_cents),
            money(r.withdrawn_cents),
            str(r.team_size),
        )
    total = figures.overall(rows)
    table.add_row(
        "all",
        str(total["distributors"]),
        str(total["orders"]),
        money(total["sales_cents"]),
        money(total["pending_cents"]),
        money(total["available_cents"]),
        money(total["reversed_cents"]),
        money(total["withdrawn_cents"]),
        "",
    )
    out.print(table)


@distribution_app.command("release")
def distribution_release() -> None:
    """Make commissions whose refund window ended available now (the hourly job)."""
    from yutang.distribution import tasks

    out.print(f"{run(tasks.release)} commissions released")


# --- members, orders, points ------------------------------------------------------------


def _import(
    file: Path, errors: Path | None, workspace: str | None, label: str, make: Callable[[Ctx], Awaitable[Any]]
) -> None:
    """Shared by the member and order imports: records, progress bar, error report, exit code."""
    from yutang.kit import csvimport

    errors = errors or file.with_name(file.stem + ".errors.csv")

    async def go() -> csvimport.ImportReport:
        async with unit_of_work(readonly=True) as s:
            ws_id = await resolve_workspace(s, workspace)
            records, handle = await make(Ctx(s, ws_id, cli_actor()))
        return await csvimport.run_import(records, ws_id, cli_actor(), handle, console=out, label=label)

    report = run(go)
    out.print(
        f"{report.records} records: [bold]{report.created}[/bold] created, {report.updated} updated, "
        f"{report.unchanged} already there, {report.failed} refused"
    )
    if report.failures:
        csvimport.write_errors(errors, report)
        out.print(f"error report: {errors}")
        raise typer.Exit(2)


@members_app.command("import")
def members_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    errors: Annotated[Path | None, typer.Option(help="Where to write refused rows (CSV).")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Import members from CSV, de-duplicated by identity; running it twice adds nothing.
    Columns: phone, email, openid, unionid, customer_id, name, gender, birthday, province,
    city, district, address, postcode, id_number, tags (group/name;…), channel,
    consent_marketing, attr.<name>."""
    from yutang.kit import csvimport
    from yutang.members import importer

    async def make(ctx: Ctx) -> tuple[list[csvimport.Record], Any]:
        rows = csvimport.read_rows(file, importer.IDENTITY_COLUMNS)
        records = [([line], [row]) for line, row in enumerate(rows, start=2)]
        return records, importer.handler({})

    _import(file, errors, workspace, "members", make)


@members_app.command("export")
def members_export(
    member_id: int,
    output: Annotated[
        Path | None, typer.Option("--out", "-o", help="File to write (default: stdout).")
    ] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Everything held about a member as JSON, PII in clear (a data-subject access request)."""
    from yutang.privacy import service as privacy

    data = run(lambda: _ctx_call(workspace, lambda ctx: privacy.export_member(ctx, member_id)))
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if output:
        output.write_text(text, encoding="utf-8")
        out.print(f"written to {output}")
    else:
        sys.stdout.write(text + "\n")


@members_app.command("erase")
def members_erase(
    member_id: int,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Erase a member's personal data for good (orders and ledgers stay, anonymous)."""
    from yutang.privacy import service as privacy

    if not yes:
        typer.confirm(f"Erase member {member_id}'s personal data for good?", abort=True)
    member = run(lambda: _ctx_call(workspace, lambda ctx: privacy.erase_member(ctx, member_id)))
    out.print(f"member {member.id} erased; anonymous id {member.anonymous_id}")


@orders_app.command("import")
def orders_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    errors: Annotated[Path | None, typer.Option(help="Where to write refused rows (CSV).")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Import orders from CSV (one row per item; rows sharing external_id are one order).
    Idempotent on external_id. Columns: external_id, paid_at, member_id | phone | email |
    openid | unionid | customer_id, total_cents, product_id, name, category, quantity,
    price_cents."""
    from zoneinfo import ZoneInfo

    from yutang.commerce import importer
    from yutang.kit import csvimport
    from yutang.models.workspaces import Workspace

    async def make(ctx: Ctx) -> tuple[list[csvimport.Record], Any]:
        rows = csvimport.read_rows(file, ("external_id",))
        ws = await ctx.session.get(Workspace, ctx.workspace_id)
        return importer.group(rows), importer.handler(ZoneInfo(ws.timezone if ws else "UTC"))

    _import(file, errors, workspace, "orders", make)


@points_app.command("balance")
def points_balance(member_id: int, workspace: WorkspaceOpt = None) -> None:
    """A member's balance and open lots (soonest expiry first)."""
    from yutang.loyalty import points
    from yutang.members import service

    async def fetch(ctx: Ctx) -> tuple[Any, list[Any]]:
        return await service.get_member(ctx, member_id), await points.lots_of(ctx, member_id)

    member, lots = run(lambda: _ctx_call(workspace, fetch, readonly=True))
    out.print(
        f"member {member.id}: [bold]{member.points_balance}[/bold] available, {member.points_pending} pending"
    )
    table = Table("lot", "remaining", "of", "state", "available from", "expires")
    for lot in lots:
        table.add_row(
            str(lot.id),
            str(lot.remaining),
            str(lot.amount),
            lot.state,
            _when(lot.available_at),
            _when(lot.expires_at),
        )
    out.print(table)


@points_app.command("adjust")
def points_adjust(
    member_id: int,
    delta: Annotated[
        int, typer.Argument(help="Points to add; negative removes (put options, then --, first).")
    ],
    reason: Annotated[str, typer.Option(help="Why (required; kept in the ledger and the audit log).")],
    workspace: WorkspaceOpt = None,
) -> None:
    """A manual correction of a member's points, with a reason."""
    from yutang.loyalty import points

    mv = run(lambda: _ctx_call(workspace, lambda ctx: points.adjust(ctx, member_id, delta, reason=reason)))
    out.print(f"entry {mv.entry.id}: {mv.entry.amount:+d}; balance now {mv.entry.balance_after}")


@points_app.command("maintain")
def points_maintain() -> None:
    """Run the hourly jobs now: release pending points, expire lots, birthday points,
    close ended auctions, remind and expire paid memberships."""
    from yutang.loyalty import tasks
    from yutang.membership import tasks as membership_tasks
    from yutang.rewards import tasks as rewards_tasks

    report = run(lambda: tasks.maintain())
    auctions_closed = run(lambda: rewards_tasks.close_auctions())
    reminded, expired = run(lambda: membership_tasks.remind_and_expire())
    out.print(
        f"{len(report.workspaces)} workspaces: {report.released_lots} pending lots released, "
        f"{report.expired_points} points expired, {report.birthday_credits} birthday credits, "
        f"{auctions_closed} auctions closed, {reminded} memberships reminded, {expired} expired"
    )


@app.command()
def doctor(workspace: WorkspaceOpt = None) -> None:
    """Check that cached balances and totals equal their ledgers (exit 1 when not)."""
    from sqlalchemy import select

    from yutang.doctor import Finding, check_workspace
    from yutang.models.workspaces import Workspace

    async def go() -> list[tuple[str, Finding]]:
        async with unit_of_work(readonly=True) as s:
            if workspace:
                ids = [await resolve_workspace(s, workspace)]
            else:
                ids = list((await s.scalars(select(Workspace.id).order_by(Workspace.id))).all())
            found: list[tuple[str, Finding]] = []
            for ws_id in ids:
                ws = await s.get(Workspace, ws_id)
                found += [(ws.slug if ws else str(ws_id), f) for f in await check_workspace(s, ws_id)]
            return found

    findings = run(go)
    if not findings:
        out.print("[green]ok[/green]: points, lots and member totals agree with their ledgers")
        return
    table = Table("workspace", "check", "subject", "detail", title=f"{len(findings)} problems")
    for slug, f in findings:
        table.add_row(slug, f.check, f.subject, f.detail)
    out.print(table)
    raise typer.Exit(1)


@pii_app.command("rotate")
def pii_rotate(batch: Annotated[int, typer.Option(min=1, max=5000)] = 500) -> None:
    """Re-seal every encrypted value with the first key of YUTANG_PII_KEYS and rehash
    the look-up index. Safe to stop and run again."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from yutang.members import rotation

    async def go() -> rotation.RotationReport:
        total = await rotation.total_rows()
        with Progress(TextColumn("re-sealing"), BarColumn(), MofNCompleteColumn(), console=out) as progress:
            task = progress.add_task("rotate", total=total)
            return await rotation.rotate(batch, lambda n: progress.advance(task, n))

    report = run(go)
    out.print(
        f"{report.members} members and {report.identities} identities checked: "
        f"{report.resealed} values re-sealed, {report.rehashed} look-up hashes renewed"
    )


@pii_app.command("new-key")
def pii_new_key(key_id: Annotated[str, typer.Argument(help="A short alphanumeric id, e.g. 2027a")]) -> None:
    """Print a new random key in the form YUTANG_PII_KEYS takes (put it first)."""
    from yutang.kit.crypto import new_key_spec

    sys.stdout.write(new_key_spec(key_id) + "\n")


def _d(value: datetime | None) -> date | None:
    return value.date() if value else None


def main() -> None:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    app()
