"""``yutang members export`` and ``yutang members erase``: the data-subject requests. They
are listed under ``members`` where an operator looks for them, but live here because they
read every domain and members must not import this package."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from yutang.kit.cli import WorkspaceOpt, call, out


def export(
    member_id: int,
    output: Annotated[
        Path | None, typer.Option("--out", "-o", help="File to write (default: stdout).")
    ] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Everything held about a member as JSON, PII in clear (a data-subject access request)."""
    from yutang.privacy import service

    data = call(workspace, lambda ctx: service.export_member(ctx, member_id))
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if output:
        output.write_text(text, encoding="utf-8")
        out.print(f"written to {output}")
    else:
        sys.stdout.write(text + "\n")


def erase(
    member_id: int,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Erase a member's personal data for good (orders and ledgers stay, anonymous)."""
    from yutang.privacy import service

    if not yes:
        typer.confirm(f"Erase member {member_id}'s personal data for good?", abort=True)
    member = call(workspace, lambda ctx: service.erase_member(ctx, member_id))
    out.print(f"member {member.id} erased; anonymous id {member.anonymous_id}")


def mount(members_app: typer.Typer) -> None:
    """Add ``export`` and ``erase`` to the ``members`` command group."""
    members_app.command("export")(export)
    members_app.command("erase")(erase)
