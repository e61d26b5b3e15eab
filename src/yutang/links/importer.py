"""CSV import of links (CLI), in batches, with a progress bar and an error report.

Each batch is one all-or-nothing bulk create. When a batch is refused, its good rows
are retried without the bad ones, so every good row of the file is created and
every bad row lands in the report with its row number, code and message.

Safe to run twice: a row that repeats a link already there (the same custom slug to the
same destination, or — without a slug — the same destination, title and channel; see
:func:`yutang.links.service.repeat_of`) or a row given twice in the file is counted as
already there and creates nothing.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from yutang.kit.context import Actor, Ctx
from yutang.kit.db import unit_of_work
from yutang.kit.errors import BULK_INVALID, VALIDATION_ERROR, BadRequest, YutangError
from yutang.links import repository, service
from yutang.links.errors import UNKNOWN_CHANNEL
from yutang.links.schemas import LinkIn, Utm
from yutang.models.links import LinkDomain

COLUMNS = (
    "url",
    "slug",
    "title",
    "channel",
    "tags",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "expires_at",
    "max_clicks",
)


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    #: Rows that repeat a link already there (or an earlier row of the file).
    skipped: int = 0
    failed: int = 0


def short_url(domain: LinkDomain, slug: str) -> str:
    return f"{'https' if domain.https else 'http'}://{domain.host}/{slug}"


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def channel_id(ctx: Ctx, ref: str) -> int:
    """A channel by id or by name."""
    if ref.isdigit():
        return (await service.get_channel(ctx, int(ref))).id
    ch = await repository.channel_by_name(ctx.session, ctx.workspace_id, ref.strip())
    if ch is None:
        raise BadRequest(f"No channel named {ref!r}.", code=UNKNOWN_CHANNEL, details={"field": "channel"})
    return ch.id


async def parse_row(ctx: Ctx, row: dict[str, str], channels: dict[str, int]) -> LinkIn:
    def cell(name: str) -> str | None:
        value = (row.get(name) or "").strip()
        return value or None

    ref = cell("channel")
    ch_id = None
    if ref:
        if ref not in channels:
            channels[ref] = await channel_id(ctx, ref)
        ch_id = channels[ref]
    try:
        expires = aware(datetime.fromisoformat(cell("expires_at") or "")) if cell("expires_at") else None
    except ValueError as exc:
        raise BadRequest(
            "expires_at is not an ISO date/time.",
            code=VALIDATION_ERROR,
            details={"field": "expires_at"},
        ) from exc
    max_clicks = cell("max_clicks")
    if max_clicks is not None and not max_clicks.isdigit():
        raise BadRequest(
            "max_clicks is not a whole number.",
            code=VALIDATION_ERROR,
            details={"field": "max_clicks"},
        )
    try:
        return LinkIn(
            url=cell("url"),
            slug=cell("slug"),
            title=cell("title") or "",
            channel_id=ch_id,
            tags=[t for t in (cell("tags") or "").replace(",", ";").split(";") if t.strip()],
            utm=Utm(
                source=cell("utm_source"),
                medium=cell("utm_medium"),
                campaign=cell("utm_campaign"),
                term=cell("utm_term"),
                content=cell("utm_content"),
            ),
            expires_at=expires,
            max_clicks=int(max_clicks) if max_clicks else None,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ()))
        raise BadRequest(
            f"{field}: {first.get('msg')}", code=VALIDATION_ERROR, details={"field": field}
        ) from exc


async def import_csv(
    path: Path,
    errors_path: Path,
    workspace: str | None,
    batch_size: int,
    actor: Actor,
    console: Console | None = None,
) -> ImportReport:
    from yutang.cli import resolve_workspace

    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "url" not in reader.fieldnames:
            raise BadRequest(
                "The CSV needs a header row with at least a 'url' column.",
                code=VALIDATION_ERROR,
                details={"columns": list(COLUMNS)},
            )
        rows = list(reader)
    report = ImportReport(rows=len(rows))
    failures: list[tuple[int, str, str, str]] = []  # (line, code, message, raw url)
    channels: dict[str, int] = {}
    seen: set[tuple[object, ...]] = set()
    async with unit_of_work(readonly=True) as s:
        ws_id = await resolve_workspace(s, workspace)
    progress = Progress(
        TextColumn("importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
        disable=console is None,
    )
    with progress:
        task = progress.add_task("import", total=len(rows))
        for start in range(0, len(rows), batch_size):
            chunk = list(enumerate(rows[start : start + batch_size], start=start + 2))  # line numbers
            created, skipped, refused = await _import_batch(ws_id, actor, chunk, channels, seen)
            report.created += created
            report.skipped += skipped
            failures.extend(refused)
            progress.advance(task, len(chunk))
    report.failed = len(failures)
    if failures:
        with errors_path.open("w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow(["line", "code", "message", "url"])
            writer.writerows(sorted(failures))
    return report


async def _import_batch(
    ws_id: int,
    actor: Actor,
    chunk: list[tuple[int, dict[str, str]]],
    channels: dict[str, int],
    seen: set[tuple[object, ...]],
) -> tuple[int, int, list[tuple[int, str, str, str]]]:
    """(created, already there, refused rows) of one batch; ``seen`` holds the identities
    of the rows created so far in this run."""
    refused: list[tuple[int, str, str, str]] = []
    skipped = 0
    pending = chunk
    while pending:
        parsed: list[tuple[int, dict[str, str], LinkIn]] = []
        keys: set[tuple[object, ...]] = set()
        try:
            async with unit_of_work() as s:
                ctx = Ctx(s, ws_id, actor)
                for line, row in pending:
                    try:
                        link_in = await parse_row(ctx, row, channels)
                    except YutangError as exc:
                        refused.append((line, exc.code, exc.message, row.get("url") or ""))
                        continue
                    key, existing = await service.repeat_of(ctx, link_in)
                    if existing is not None or key in seen or key in keys:
                        skipped += 1  # already there: an earlier run, or an earlier row
                        continue
                    keys.add(key)
                    parsed.append((line, row, link_in))
                if parsed:
                    await service.create_links_bulk(ctx, [p[2] for p in parsed])
            seen.update(keys)
            return len(parsed), skipped, refused
        except YutangError as exc:
            bad = {e["row"]: e for e in exc.details.get("errors", [])} if exc.code == BULK_INVALID else {}
            if not bad:
                # The whole batch failed for one reason (e.g. a race on a slug): report every row.
                refused.extend((line, exc.code, exc.message, row.get("url") or "") for line, row, _ in parsed)
                return 0, skipped, refused
            for i, (line, row, _) in enumerate(parsed):
                if i in bad:
                    refused.append((line, bad[i]["code"], bad[i]["message"], row.get("url") or ""))
            pending = [(line, row) for i, (line, row, _) in enumerate(parsed) if i not in bad]
            # Rows refused while parsing were already reported; parse the rest again.
            refused_lines = {r[0] for r in refused}
            pending = [p for p in pending if p[0] not in refused_lines]
    return 0, skipped, refused
