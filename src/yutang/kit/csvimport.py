"""CSV imports of the CLI: batches of records, each record in a savepoint of its own.

A refused record rolls back only its savepoint and lands in the error report with its
line numbers, code and message (and any columns the import echoes, e.g. the link's url);
the other records of the batch commit together. The handler says whether a record was
created, updated or already there, so running an import twice is safe and says so.
The members, orders and links imports all run on this one engine.

An import may also give a batch handler, which writes a whole batch at once (the links
import: one bulk insert instead of a savepoint per row, twice as fast). It runs in a
savepoint of its own; when it refuses the batch, the batch is rolled back and handled
again record by record, so the report is the same either way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from yutang.kit.context import Actor, Ctx
from yutang.kit.db import unit_of_work
from yutang.kit.errors import VALIDATION_ERROR, BadRequest, YutangError

Outcome = Literal["created", "updated", "unchanged"]
#: A record: its CSV line numbers and rows (several rows for an order with several items).
Record = tuple[list[int], list[dict[str, str]]]
Handler = Callable[[Ctx, list[dict[str, str]]], Awaitable[Outcome]]
#: Writes a batch at once and returns each record's outcome, or raises to refuse it.
BatchHandler = Callable[[Ctx, list[Record]], Awaitable[list[Outcome]]]
#: A refused line: its number, the error code and message, and the echoed columns.
Failure = tuple[int, str, str, tuple[str, ...]]


@dataclass
class ImportReport:
    records: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failures: list[Failure] = field(default_factory=list)
    #: Columns of the refused rows repeated in the error report after the message.
    echo: tuple[str, ...] = ()

    @property
    def failed(self) -> int:
        return len({f[0] for f in self.failures})


def read_rows(
    path: Path, required: Sequence[str], *, message: str | None = None, columns: Sequence[str] = ()
) -> list[dict[str, str]]:
    """The rows of a CSV with a header holding at least one of ``required`` (else a
    ``validation_error`` with ``message``, listing ``columns`` or the required ones)."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return _rows(csv.DictReader(fh), required, message, columns)


def read_text(
    text: str, required: Sequence[str], *, message: str | None = None, columns: Sequence[str] = ()
) -> list[dict[str, str]]:
    """:func:`read_rows` of an uploaded file's text."""
    return _rows(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))), required, message, columns)


def _rows(
    reader: csv.DictReader[str], required: Sequence[str], message: str | None, columns: Sequence[str]
) -> list[dict[str, str]]:
    names = reader.fieldnames or []
    if not any(col in names for col in required):
        raise BadRequest(
            message or f"The CSV needs a header row with at least one of: {', '.join(required)}.",
            code=VALIDATION_ERROR,
            details={"columns": list(columns or required)},
        )
    return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def as_bad_request(exc: ValidationError) -> BadRequest:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    return BadRequest(f"{where}: {first.get('msg')}", code=VALIDATION_ERROR, details={"field": where})


async def run_import(
    records: list[Record],
    workspace_id: int,
    actor: Actor,
    handle: Handler,
    *,
    batch_size: int = 200,
    console: Console | None = None,
    label: str = "importing",
    echo: tuple[str, ...] = (),
    handle_batch: BatchHandler | None = None,
) -> ImportReport:
    report = ImportReport(records=len(records), echo=echo)
    progress = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=console is None,
    )
    with progress:
        task = progress.add_task(label, total=len(records))
        for start in range(0, len(records), batch_size):
            chunk = records[start : start + batch_size]
            async with unit_of_work() as session:
                ctx = Ctx(session, workspace_id, actor)
                if handle_batch is None or not await _all_at_once(ctx, chunk, handle_batch, report):
                    await _each(ctx, chunk, handle, report)
            progress.advance(task, len(chunk))
    return report


async def run_in(
    ctx: Ctx, records: list[Record], handle: Handler, *, echo: tuple[str, ...] = ()
) -> ImportReport:
    """The import inside the caller's transaction (the console's upload): each record in
    a savepoint, the good ones kept when the caller commits."""
    report = ImportReport(records=len(records), echo=echo)
    await _each(ctx, records, handle, report)
    return report


async def _each(ctx: Ctx, records: list[Record], handle: Handler, report: ImportReport) -> None:
    for lines, rows in records:
        try:
            async with ctx.session.begin_nested():
                outcome = await handle(ctx, rows)
        except YutangError as exc:
            report.failures.extend(
                (line, exc.code, exc.message, tuple(row.get(c, "") for c in report.echo))
                for line, row in zip(lines, rows, strict=True)
            )
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)


async def _all_at_once(ctx: Ctx, chunk: list[Record], handle: BatchHandler, report: ImportReport) -> bool:
    """Whether the batch handler took the whole chunk (else nothing of it was written)."""
    try:
        async with ctx.session.begin_nested():
            outcomes = await handle(ctx, chunk)
    except YutangError:
        return False
    for outcome in outcomes:
        setattr(report, outcome, getattr(report, outcome) + 1)
    return True


def write_errors(path: Path, report: ImportReport) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(["line", "code", "message", *report.echo])
        writer.writerows(
            [line, code, message, *echoed] for line, code, message, echoed in sorted(report.failures)
        )
