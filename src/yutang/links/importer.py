"""CSV import of links (CLI), on the import engine of :mod:`yutang.kit.csvimport`:
batches of rows, each batch one transaction and each row a savepoint of its own, so every
good row of the file is created and every bad row lands in the error report with its
line number, code, message and url.

Safe to run twice: a row that repeats a link already there (the same custom slug to the
same destination, or — without a slug — the same destination, title and channel; see
:func:`yutang.links.service.repeat_of`) or a row given twice in the file is counted as
already there and creates nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from yutang.kit import csvimport
from yutang.kit.context import Ctx
from yutang.kit.errors import VALIDATION_ERROR, BadRequest
from yutang.links import repository, service
from yutang.links.errors import UNKNOWN_CHANNEL
from yutang.links.schemas import LinkIn, Utm

NEEDS_URL = "The CSV needs a header row with at least a 'url' column."
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
        raise csvimport.as_bad_request(exc) from exc


def read(path: Path) -> list[csvimport.Record]:
    """The file's rows as records of one row each (line 1 is the header)."""
    rows = csvimport.read_rows(path, ("url",), message=NEEDS_URL, columns=COLUMNS)
    return [([line], [row]) for line, row in enumerate(rows, start=2)]


def read_text(text: str) -> list[csvimport.Record]:
    """:func:`read` of an uploaded file's text."""
    rows = csvimport.read_text(text, ("url",), message=NEEDS_URL, columns=COLUMNS)
    return [([line], [row]) for line, row in enumerate(rows, start=2)]


async def import_text(ctx: Ctx, text: str) -> csvimport.ImportReport:
    """The console's upload: every good row created in the request's transaction, every
    refused row in the report (its line, code, message and url)."""
    return await csvimport.run_in(ctx, read_text(text), handler({}), echo=("url",))


def handler(channels: dict[str, int]) -> csvimport.Handler:
    """Create the row's link, unless it repeats one already there (from an earlier run
    or an earlier row of this file: both are in the database by now)."""

    async def handle(ctx: Ctx, rows: list[dict[str, str]]) -> csvimport.Outcome:
        link_in = await parse_row(ctx, rows[0], channels)
        _, existing = await service.repeat_of(ctx, link_in)
        if existing is not None:
            return "unchanged"
        await service.create_link(ctx, link_in)
        return "created"

    return handle


def batch_handler(channels: dict[str, int]) -> csvimport.BatchHandler:
    """A whole batch in one bulk create; any refused row refuses the batch, which the
    engine then hands to :func:`handler` row by row."""

    async def handle_batch(ctx: Ctx, records: list[csvimport.Record]) -> list[csvimport.Outcome]:
        outcomes: list[csvimport.Outcome] = []
        new: list[LinkIn] = []
        keys: set[tuple[object, ...]] = set()  # rows of this batch, not in the database yet
        for _, rows in records:
            link_in = await parse_row(ctx, rows[0], channels)
            key, existing = await service.repeat_of(ctx, link_in)
            if existing is not None or key in keys:
                outcomes.append("unchanged")
                continue
            keys.add(key)
            new.append(link_in)
            outcomes.append("created")
        if new:
            await service.create_links_bulk(ctx, new)
        return outcomes

    return handle_batch
