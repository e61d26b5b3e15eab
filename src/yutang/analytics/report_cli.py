"""``yutang report <name>``: any report of ``/api/v1/reports/…`` from the command line.

The command calls the very function the API's route calls, with the same parameters
(``-p key=value``, checked by the route's own types and bounds), for one workspace, and
prints the answer as tables, as JSON (``--json``) or writes the report's CSV (``--csv``).
A report joins by one line in :data:`REPORTS`.
"""

from __future__ import annotations

import inspect
import json
import typing
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from fastapi import Response
from pydantic import BaseModel, TypeAdapter, ValidationError
from rich.table import Table

from yutang.analytics.endpoints import channels, fission, funnel, lifecycle, ltv, retention, revenue, rfm
from yutang.analytics.engines import reader_of
from yutang.config import get_settings
from yutang.kit import discovery
from yutang.kit.cli import WorkspaceOpt, call, err, out, write_csv
from yutang.kit.context import Ctx

#: Each report by name: the API route's function (GET) it runs.
REPORTS: dict[str, Callable[..., Awaitable[Any]]] = {
    "revenue": revenue.revenue,
    "funnel": funnel.aarrr,
    "retention": retention.retention,
    "lifecycle": lifecycle.lifecycle,
    "channels": channels.channels,
    "ltv": ltv.ltv,
    "ltv-predicted": ltv.predicted,
    "rfm": rfm.rfm,
    "fission": fission.fission,
    "value": fission.value,
}
_OWN = {"ctx", "engine", "format"}
#: Other names a parameter answers to on the command line (``-p breakdown=campaign``).
ALIASES = {"breakdown": "by"}


def parameters(name: str) -> dict[str, Any]:
    """The report's parameters and their types (what ``-p`` takes)."""
    fn = REPORTS[name]
    hints = typing.get_type_hints(fn, include_extras=True)
    return {p: hints[p] for p in inspect.signature(fn).parameters if p not in _OWN}


def parse(name: str, given: list[str]) -> dict[str, Any]:
    """``key=value`` pairs checked against the route's own types (``typer.BadParameter``)."""
    known = parameters(name)
    chosen: dict[str, Any] = {}
    for pair in given:
        key, sep, value = pair.partition("=")
        key = ALIASES.get(key, key) if ALIASES.get(key) in known else key
        if not sep or key not in known:
            raise typer.BadParameter(f"{pair!r}: the {name} report takes {', '.join(sorted(known))}")
        try:
            chosen[key] = TypeAdapter(known[key]).validate_python(value)
        except ValidationError as exc:
            raise typer.BadParameter(f"{key}: {exc.errors()[0]['msg']}") from None
    return chosen


def show(found: dict[str, Any]) -> None:
    """The answer as a reader wants it: its scalars on a line, each list of rows a table."""
    scalars = {k: v for k, v in found.items() if not isinstance(v, list | dict)}
    out.print("  ".join(f"{k}: {v}" for k, v in scalars.items()))
    for key, value in found.items():
        if isinstance(value, dict) and value:
            out.print(f"{key}: " + json.dumps(value, ensure_ascii=False, default=str))
        if isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
            columns = [c for c in value[0] if not isinstance(value[0][c], list | dict)]
            table = Table(*columns, title=key)
            for row in value:
                table.add_row(*("–" if row[c] is None else str(row[c]) for c in columns))
            out.print(table)
        elif isinstance(value, list) and value:
            out.print(f"{key}: " + ", ".join("–" if v is None else str(v) for v in value))


def report_command(
    name: Annotated[str, typer.Argument(help="A report: see `yutang report --help`.")],
    param: Annotated[
        list[str] | None, typer.Option("-p", "--param", help="A parameter as key=value (repeatable).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON.")] = False,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write the report's CSV here.")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """A report of the event store, as the API answers it: `yutang report revenue -p
    period=week -p by=channel -p start=2026-11-01`. Reports: revenue, funnel (AARRR),
    retention, lifecycle, channels, ltv, ltv-predicted, rfm, fission, value. Parameters: docs/api.md."""
    if name not in REPORTS:
        err.print(f"[red]error[/red] unknown report {name!r}: {', '.join(REPORTS)}")
        raise typer.Exit(2)
    chosen = parse(name, param or [])
    fn = REPORTS[name]
    if csv_out is not None:
        if "format" not in inspect.signature(fn).parameters:
            err.print(f"[red]error[/red] the {name} report has no CSV; use --json")
            raise typer.Exit(2)
        chosen["format"] = "csv"

    discovery.load()  # every event type known, as in the server (a funnel's steps are checked)

    async def go(ctx: Ctx) -> Any:
        return await fn(ctx=ctx, engine=reader_of(get_settings()), **chosen)

    found = call(workspace, go, True)
    if isinstance(found, Response):
        assert csv_out is not None
        write_csv(csv_out, bytes(found.body).decode("utf-8").lstrip("\ufeff"))
        return
    data = found.model_dump(mode="json") if isinstance(found, BaseModel) else found
    if as_json:
        out.print_json(json.dumps(data, ensure_ascii=False))
    else:
        show(data)
