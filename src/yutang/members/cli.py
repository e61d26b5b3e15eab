"""``yutang members import`` and ``yutang pii …`` (keys, rotation). Export and erasure are
mounted under ``members`` by :mod:`yutang.privacy.cli`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from yutang.kit.cli import WorkspaceOpt, import_csv, out, records_summary, run, sub_app
from yutang.kit.context import Ctx

if TYPE_CHECKING:
    from yutang.kit import csvimport
    from yutang.members import rotation

members_app = sub_app("Members: import, export, erase.")
pii_app = sub_app("Encryption of personal data at rest.")


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

    async def plan(ctx: Ctx) -> tuple[list[csvimport.Record], csvimport.Handler]:
        rows = csvimport.read_rows(file, importer.IDENTITY_COLUMNS)
        records = [([line], [row]) for line, row in enumerate(rows, start=2)]
        return records, importer.handler({})

    import_csv(file, errors, workspace, plan, records_summary, label="members")


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
