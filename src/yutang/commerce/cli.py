"""``yutang orders …``: orders from the shop."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from yutang.kit.cli import WorkspaceOpt, import_csv, records_summary, sub_app
from yutang.kit.context import Ctx

if TYPE_CHECKING:
    from yutang.kit import csvimport

orders_app = sub_app("Orders from the shop.")


@orders_app.command("import")
def orders_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    errors: Annotated[Path | None, typer.Option(help="Where to write refused rows (CSV).")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Import orders from CSV (one row per item; rows sharing external_id are one order).
    Idempotent on external_id. Columns: external_id, paid_at, member_id | phone | email |
    openid | unionid | customer_id, total_cents, product_id, name, category, quantity,
    price_cents."""
    from zoneinfo import ZoneInfo

    from yutang.commerce import importer
    from yutang.kit import csvimport
    from yutang.models.workspaces import Workspace

    async def plan(ctx: Ctx) -> tuple[list[csvimport.Record], csvimport.Handler]:
        rows = csvimport.read_rows(file, ("external_id",))
        ws = await ctx.session.get(Workspace, ctx.workspace_id)
        return importer.group(rows), importer.handler(ZoneInfo(ws.timezone if ws else "UTC"))

    import_csv(file, errors, workspace, plan, records_summary, label="orders")
