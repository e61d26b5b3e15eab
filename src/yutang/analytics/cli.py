"""``yutang analytics``: the event store synced, rebuilt, and what it holds; the RFM tags
refreshed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from yutang.analytics import rfm_tags, store, sync
from yutang.analytics.engines import reader_of, target_of
from yutang.config import get_settings
from yutang.kit.cli import cli_actor, err, out, resolve_workspace, run, sub_app
from yutang.kit.db import get_engine, unit_of_work

analytics_app = sub_app("The event store of the reports (DuckDB under var/, or ClickHouse).")


def _target() -> store.Target:
    settings = get_settings()
    return target_of(settings)


def _with_bar(title: str, work: Callable[[sync.Progress], Awaitable[sync.Synced]]) -> sync.Synced:
    columns = (TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())

    async def go() -> sync.Synced:
        total = await sync.sources_size(get_engine())
        with Progress(*columns, console=err, transient=False) as bar:
            task = bar.add_task(title, total=total)
            result = await work(
                lambda source, n: bar.update(task, advance=n, description=f"{title}: {source}")
            )
            bar.update(task, description=f"{title}: done")
        return result

    return run(go)


def _said(done: sync.Synced) -> str:
    return (
        f"{done.added['outbox']:,} events and {done.added['click']:,} clicks added; "
        f"{done.filled} late ids filled, {done.given_up} given up; {done.erased} erasures carried"
    )


@analytics_app.command("sync")
def sync_command() -> None:
    """Copy what is new in the outbox and the clicks into the store (the worker does this
    every minute)."""
    target = _target()
    done = _with_bar("sync", lambda progress: sync.sync(get_engine(), target, progress=progress))
    out.print(_said(done))


@analytics_app.command("rebuild")
def rebuild_command() -> None:
    """Build the store again from the transactional database (reports read the old one
    until the new one is whole)."""
    target = _target()
    done = _with_bar("rebuild", lambda progress: sync.rebuild(get_engine(), target, progress=progress))
    out.print(_said(done))


@analytics_app.command("status")
def status_command() -> None:
    """How many facts the store holds, and up to which id of each source."""
    target = _target()
    held = target.counts()
    out.print(f"store: {target.describe()}")
    for source in sync.SOURCES:
        watermark, gaps = held["positions"].get(source, (0, 0))
        count = held["facts"].get(source, 0)
        out.print(f"{source:>6}: {count:,} facts, synced to id {watermark:,}, {gaps} open gaps")


@analytics_app.command("rfm")
def rfm_command(
    workspace: Annotated[
        str | None,
        typer.Option(
            "--workspace", "-w", envvar="YUTANG_WORKSPACE", help="Workspace slug (default: every workspace)."
        ),
    ] = None,
    no_sync: Annotated[
        bool, typer.Option("--no-sync", help="Score the store as it is, without syncing first.")
    ] = False,
) -> None:
    """Refresh the RFM tags now (the worker does it daily): sync the store, score every
    member who bought, and re-assign the tags of the group "RFM"."""
    settings = get_settings()

    async def go() -> list[rfm_tags.Refreshed]:
        engine = get_engine()
        if not no_sync:
            await sync.sync(engine, target_of(settings))
        ids = None
        if workspace:
            async with unit_of_work(readonly=True) as s:
                ids = [await resolve_workspace(s, workspace)]
        return await rfm_tags.refresh_all(engine, reader_of(settings), ids, actor=cli_actor())

    for done in run(go):
        out.print(
            f"workspace {done.workspace_id}: {done.scored:,} members scored as of {done.as_of}, "
            f"{done.tagged:,} tagged; {done.added:,} tags added, {done.removed:,} removed "
            f"({done.changed:,} members changed)"
        )
