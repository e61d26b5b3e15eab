"""What every domain's Typer sub-app shares: one place that turns a command into a unit of
work on a workspace, prints domain errors the same way (code, exit status 1), runs the
CSV imports and formats the common values. Domain-free: it knows tables, not services.

Heavy modules are imported where they are used, so that ``yutang --help`` starts fast."""

from __future__ import annotations

import asyncio
import getpass
import json
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console

from yutang.kit.context import Actor, Ctx
from yutang.kit.db import dispose_engines, unit_of_work
from yutang.kit.errors import NotFound, YutangError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from yutang.kit import csvimport

    #: Reads the file and returns its records and the handler of one record.
    ImportPlan = Callable[[Ctx], Awaitable[tuple[list[csvimport.Record], csvimport.Handler]]]

T = TypeVar("T")

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


def sub_app(help: str) -> typer.Typer:
    """A command group (``yutang links …``) shaped like every other one."""
    return typer.Typer(help=help, no_args_is_help=True)


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
    """The operating-system user, audited as ``cli:<user>`` with the owner's rights."""
    try:
        user = getpass.getuser()
    except Exception:
        user = "unknown"
    return Actor("cli", user, "owner")


async def resolve_workspace(session: AsyncSession, slug: str | None) -> int:
    """The workspace named by ``--workspace``, or the only one there is."""
    from sqlalchemy import select

    from yutang.models.workspaces import Workspace

    if slug:
        ws = await session.scalar(select(Workspace).where(Workspace.slug == slug))
        if ws is None:
            raise NotFound(f"No workspace {slug!r}.")
        return int(ws.id)
    rows = (await session.scalars(select(Workspace).order_by(Workspace.id).limit(2))).all()
    if len(rows) != 1:
        raise NotFound("Name the workspace with --workspace (or YUTANG_WORKSPACE).")
    return int(rows[0].id)


async def in_workspace(workspace: str | None, fn: Callable[[Ctx], Awaitable[T]], readonly: bool = False) -> T:
    """Call ``fn`` in one unit of work on the workspace, as the CLI actor."""
    async with unit_of_work(readonly=readonly) as session:
        ws_id = await resolve_workspace(session, workspace)
        return await fn(Ctx(session, ws_id, cli_actor()))


def call(workspace: str | None, fn: Callable[[Ctx], Awaitable[T]], readonly: bool = False) -> T:
    """:func:`in_workspace` run from a command: the common case in one call."""
    return run(lambda: in_workspace(workspace, fn, readonly))


def import_csv(
    file: Path,
    errors: Path | None,
    workspace: str | None,
    plan: ImportPlan,
    summary: Callable[[csvimport.ImportReport], str],
    *,
    label: str = "importing",
    batch_size: int = 200,
    echo: tuple[str, ...] = (),
    batch: csvimport.BatchHandler | None = None,
) -> None:
    """A CSV import from the command line: records with a progress bar, the summary,
    refused rows written to the error report (``FILE.errors.csv`` by default) and exit
    status 2 when there are any."""
    from yutang.kit import csvimport

    errors = errors or file.with_name(file.stem + ".errors.csv")

    async def go() -> csvimport.ImportReport:
        async with unit_of_work(readonly=True) as s:
            ws_id = await resolve_workspace(s, workspace)
            records, handle = await plan(Ctx(s, ws_id, cli_actor()))
        return await csvimport.run_import(
            records,
            ws_id,
            cli_actor(),
            handle,
            batch_size=batch_size,
            console=out,
            label=label,
            echo=echo,
            handle_batch=batch,
        )

    report = run(go)
    out.print(summary(report))
    if report.failures:
        csvimport.write_errors(errors, report)
        out.print(f"error report: {errors}")
        raise typer.Exit(2)


def records_summary(report: csvimport.ImportReport) -> str:
    """The last line of an import whose records are created, updated or already there."""
    return (
        f"{report.records} records: [bold]{report.created}[/bold] created, {report.updated} updated, "
        f"{report.unchanged} already there, {report.failed} refused"
    )


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def day(value: datetime | None) -> date | None:
    """A ``--start``/``--end`` option (parsed as a datetime by Typer) as a date."""
    return value.date() if value else None


def money(cents: int) -> str:
    return f"{cents / 100:,.2f}"


def write_csv(path: Path, text: str) -> None:
    """CSV for spreadsheets: UTF-8 with a BOM, so that Excel reads the Chinese right."""
    path.write_text(text, encoding="utf-8-sig")
    out.print(f"wrote {path}")
