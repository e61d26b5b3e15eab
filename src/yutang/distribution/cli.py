"""``yutang distribution …``: figures per distributor and the commission release."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from yutang.kit.cli import WorkspaceOpt, call, money, out, run, sub_app, write_csv

distribution_app = sub_app("Distribution (分销): figures, commission release.")


@distribution_app.command("figures")
def distribution_figures(
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write CSV to this file.")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Per distributor: orders, sales, commissions by state, team size; and the total."""
    from yutang.distribution import figures

    rows = call(workspace, figures.per_distributor, True)
    if csv_out:
        write_csv(csv_out, figures.to_csv(rows))
        return
    table = Table("id", "member", "orders", "sales ¥", "pending", "avail.", "reversed", "paid out", "team")
    for r in rows:
        table.add_row(
            str(r.distributor_id),
            str(r.member_id),
            str(r.orders),
            money(r.sales_cents),
            money(r.pending_cents),
            money(r.available_cents),
            money(r.reversed_cents),
            money(r.withdrawn_cents),
            str(r.team_size),
        )
    total = figures.overall(rows)
    table.add_row(
        "all",
        str(total["distributors"]),
        str(total["orders"]),
        money(total["sales_cents"]),
        money(total["pending_cents"]),
        money(total["available_cents"]),
        money(total["reversed_cents"]),
        money(total["withdrawn_cents"]),
        "",
    )
    out.print(table)


@distribution_app.command("release")
def distribution_release() -> None:
    """Make commissions whose refund window ended available now (the hourly job)."""
    from yutang.distribution import tasks

    out.print(f"{run(tasks.release)} commissions released")
