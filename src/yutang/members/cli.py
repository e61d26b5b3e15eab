"""``yutang members …`` (import, export, erase) and ``yutang pii …`` (keys, rotation)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from yutang.kit.cli import WorkspaceOpt, call, import_csv, out, records_summary, run, sub_app
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


@members_app.command("export")
def members_export(
    member_id: int,
    output: Annotated[
        Path | None, typer.Option("--out", "-o", help="File to write (default: stdout).")
    ] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Everything held about a member as JSON, PII in clear (a data-subject access request)."""
    from yutang.members import service

    data = call(workspace, lambda ctx: service.export_member(ctx, member_id))
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
    from yutang.members import service

    if not yes:
        typer.confirm(f"Erase member {member_id}'s personal data for good?", abort=True)
    member = call(workspace, lambda ctx: service.erase_member(ctx, member_id))
    out.print(f"member {member.id} erased; anonymous id {member.anonymous_id}")


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
