"""``yutang``: the assembler. Each domain's commands live in its own ``<domain>/cli.py``
(a Typer sub-app, on the helpers of :mod:`yutang.kit.cli`); mounted here, with the
commands that belong to no single domain: serve, worker, db, demo, doctor and the
maintenance jobs of ``points maintain``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from yutang.analytics.cli import analytics_app
from yutang.analytics.report_cli import report_command
from yutang.analytics.stats_cli import stats_app
from yutang.auth.cli import keys_app
from yutang.commerce.cli import orders_app
from yutang.config import get_settings, reset_settings
from yutang.distribution.cli import distribution_app
from yutang.kit.cli import WorkspaceOpt, cli_actor, err, out, resolve_workspace, run, sub_app
from yutang.kit.db import unit_of_work
from yutang.links.cli import channels_app, links_app, qr
from yutang.loyalty.cli import points_app
from yutang.members.cli import members_app, pii_app
from yutang.privacy.cli import mount as mount_privacy
from yutang.referrals.cli import referrals_app
from yutang.workspaces.cli import workspace_app

app = typer.Typer(help="Yutang (鱼塘): private-domain traffic operations.", no_args_is_help=True)
db_app = sub_app("Database schema.")
# The command groups, in the order ``yutang --help`` lists them (after the commands).
app.add_typer(db_app, name="db")
app.add_typer(workspace_app, name="workspace")
app.add_typer(keys_app, name="keys")
app.add_typer(links_app, name="links")
app.add_typer(channels_app, name="channels")
app.add_typer(stats_app, name="stats")
mount_privacy(members_app)
app.add_typer(members_app, name="members")
app.add_typer(orders_app, name="orders")
app.add_typer(points_app, name="points")
app.add_typer(pii_app, name="pii")
app.add_typer(referrals_app, name="referrals")
app.add_typer(distribution_app, name="distribution")
app.add_typer(analytics_app, name="analytics")
app.command("report")(report_command)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Listen address (loopback by default).")] = None,
    port: Annotated[int | None, typer.Option()] = None,
    workers: Annotated[int, typer.Option(min=1, help="Server processes.")] = 1,
    worker: Annotated[bool, typer.Option(help="Run the job worker inside the server.")] = True,
    migrate: Annotated[bool, typer.Option(help="Upgrade the database first.")] = True,
    clicks_writer: Annotated[
        bool,
        typer.Option(help="Start the click writer (off: `yutang clicks-writer` runs on its own)."),
    ] = True,
) -> None:
    """Serve Yutang (redirects, API, console) with granian, and the click writer beside it."""
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
    # Serving processes only hand clicks off; a writer process persists them.
    os.environ["YUTANG_CLICK_WRITER"] = "process"
    # granian forks its workers from this process: they must not inherit the settings
    # cached above, read before these two were set (--no-worker was ignored otherwise).
    reset_settings()
    host = host or settings.host
    port = port or settings.port
    keeper = ClickWriterKeeper(host, port) if clicks_writer else None
    out.print(f"Yutang on [bold]http://{host}:{port}[/bold]  (API docs: http://{host}:{port}/api/docs)")
    try:
        Granian(
            "yutang.app:app_factory",
            factory=True,
            interface=Interfaces.ASGI,
            address=host,
            port=port,
            workers=workers,
            log_access=False,
        ).serve()
    finally:
        if keeper is not None:
            keeper.stop()  # after the servers' last hand-off: it writes everything, then exits


class ClickWriterKeeper:
    """``yutang clicks-writer`` as a child of ``yutang serve``: started once the server
    listens (two processes importing Yutang at once slow a busy machine's start; the
    spool keeps the first clicks meanwhile), restarted if it dies while serving, asked to
    finish (write every spooled click, then exit) when serving ends."""

    def __init__(self, host: str, port: int) -> None:
        import os
        import threading

        self._argv = [sys.executable, "-m", "yutang", "clicks-writer", "--parent", str(os.getpid())]
        # Where to see that the server listens (a wildcard address is reached on loopback).
        wildcard = host in ("0.0.0.0", "")  # noqa: S104 - compared, not bound
        self._address = ("127.0.0.1" if wildcard else "::1" if host == "::" else host, port)
        self._stopping = threading.Event()
        self.proc: subprocess.Popen[bytes] | None = None
        # granian forks its workers from this process while this thread runs. A fork in
        # the middle of the thread's work (its first connect imports the idna codec)
        # gave the worker an import lock held by a thread it does not have: the worker
        # hung before serving. The thread works only while holding this lock, and a fork
        # waits for it.
        self._quiet = threading.RLock()
        os.register_at_fork(
            before=self._quiet.acquire,
            after_in_parent=self._quiet.release,
            after_in_child=self._quiet.release,
        )
        self._thread = threading.Thread(target=self._watch, name="clicks-writer-keeper", daemon=True)
        self._thread.start()

    def _start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(self._argv)  # noqa: S603 - our own interpreter and command

    def _listening(self) -> bool:
        import socket

        try:
            with socket.create_connection(self._address, timeout=0.5):
                return True
        except OSError:
            return False

    def _watch(self) -> None:
        import time

        deadline = time.monotonic() + 60
        while not self._stopping.is_set() and time.monotonic() < deadline:
            with self._quiet:
                if self._listening():
                    break
            self._stopping.wait(0.2)
        with self._quiet:
            self.proc = self._start()
        while not self._stopping.wait(1.0):
            with self._quiet:
                code = self.proc.poll()
                if code is not None and not self._stopping.is_set():
                    err.print(f"[yellow]click writer exited ({code}); starting it again")
                    self.proc = self._start()

    def stop(self, timeout: float = 120) -> None:
        import signal

        self._stopping.set()
        self._thread.join()
        proc = self.proc
        if proc is None:  # stopped before it listened: write what may have been handed off
            proc = subprocess.Popen([*self._argv[:4], "--drain"])  # noqa: S603 - as in _start
        elif proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            err.print("[red]click writer did not finish in time; killing it (its spool stays for the next)")
            proc.kill()
            proc.wait()
            return
        if code != 0:
            # Killed before it could finish (e.g. the signal came while it was still
            # starting): one pass that writes what is spooled, then exits.
            subprocess.run([*self._argv[:4], "--drain"], check=False, timeout=timeout)  # noqa: S603


@app.command("clicks-writer")
def clicks_writer_cmd(
    drain: Annotated[
        bool, typer.Option("--drain", help="Write what is spooled now, then exit (after a crash).")
    ] = False,
    parent: Annotated[int | None, typer.Option(hidden=True, help="Stop when this process is gone.")] = None,
) -> None:
    """Write the clicks the serving processes hand off (var/clicks/) to the database.

    `yutang serve` starts one; run it yourself with `yutang serve --no-clicks-writer`."""
    import asyncio
    import logging

    from yutang.kit.db import create_engine
    from yutang.links import clickwriter

    settings = get_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    engine = create_engine(settings.resolved_database_url())
    written = asyncio.run(
        clickwriter.main(
            engine,
            settings.click_spool_dir(),
            settings.click_flush_interval,
            drain_only=drain,
            parent=parent,
        )
    )
    if drain:
        out.print(f"{written} clicks written")


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


@app.command()
def demo(
    days: Annotated[int, typer.Option(min=1, max=365)] = 180,
    clicks: Annotated[int, typer.Option(min=0, help="Clicks to spread over the days.")] = 40_000,
    members: Annotated[int, typer.Option(min=0, help="Members who joined over the days.")] = 150,
    seed: Annotated[int, typer.Option()] = 7,
) -> None:
    """Load a realistic demo brand: channels, links, live codes and clicks over DAYS days;
    members with orders, points, tiers, coupons, rewards and a paid membership."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from yutang import demo as demo_mod

    columns = (TextColumn("{task.description:<48}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=False) as bar:
        task = bar.add_task("demo", total=len(demo_mod.STEPS))
        started = False

        def step(name: str) -> None:
            nonlocal started
            if started:
                bar.advance(task)
            started = True
            bar.update(task, description=name)

        result = run(
            lambda: demo_mod.load(
                days=days, clicks=clicks, members=members, seed=seed, actor=cli_actor(), progress=step
            )
        )
        bar.update(task, completed=len(demo_mod.STEPS), description="done")
    out.print(
        f"demo workspace [bold]{result.workspace_slug}[/bold]: {result.channels} channels, "
        f"{result.links} links, {result.clicks} clicks over {days} days, "
        f"{result.members} members, {result.orders} orders"
        + (f"; {result.fission}" if result.fission else "")
    )
    out.print(f"demo API key (admin): [bold]{result.api_key}[/bold]")
    out.print(f"console sign-in: {demo_mod.OWNER_EMAIL} / {demo_mod.OWNER_PASSWORD}")


app.command()(qr)


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


def main() -> None:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    app()
