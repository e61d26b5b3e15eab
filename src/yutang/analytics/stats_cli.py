"""``yutang stats clicks`` and ``yutang stats channels``: the click statistics of
``/api/v1/stats/…`` on the command line, counted by the event store (as fresh as its
last sync: ``yutang analytics sync`` brings it up to date)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from yutang.kit.cli import WorkspaceOpt, call, day, err, out, sub_app, write_csv
from yutang.kit.context import Ctx

if TYPE_CHECKING:
    from yutang.analytics.engines import Reader

stats_app = sub_app("Click statistics (from the event store).")

DIMENSIONS = ("day", "channel", "link", "device", "os", "browser", "referrer")


def _reader() -> Reader:
    from yutang.analytics.engines import reader_of
    from yutang.config import get_settings

    return reader_of(get_settings())


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
    from yutang.analytics import clicks
    from yutang.links import service, stats

    if dimension not in DIMENSIONS:
        err.print(f"[red]error[/red] validation_error: unknown dimension {dimension!r}")
        raise typer.Exit(1)

    async def go(ctx: Ctx) -> Any:
        if link is not None:
            await service.get_link(ctx, link)
        if channel is not None:
            await service.get_channel(ctx, channel)
        rng = await stats.make_range(ctx.session, ctx.workspace_id, day(start), day(end))
        return await clicks.click_stats(
            ctx,
            _reader(),
            rng,
            dimension,  # type: ignore[arg-type]
            link_id=link,
            channel_id=channel,
        )

    result = call(workspace, go, True)
    if csv_out:
        write_csv(csv_out, stats.stats_csv(result))
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
    from yutang.analytics import clicks
    from yutang.links import stats

    async def go(ctx: Ctx) -> Any:
        rng = await stats.make_range(ctx.session, ctx.workspace_id, day(start), day(end))
        return await clicks.channel_stats(ctx, _reader(), rng)

    result = call(workspace, go, True)
    if csv_out:
        write_csv(csv_out, stats.channel_stats_csv(result))
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
