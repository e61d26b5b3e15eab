"""``yutang referrals …``: referral campaigns (任务宝) and their figures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from yutang.kit.cli import WorkspaceOpt, call, out, sub_app, when, write_csv
from yutang.kit.context import Ctx

referrals_app = sub_app("Referral campaigns (任务宝): campaigns, figures.")


@referrals_app.command("campaigns")
def referrals_campaigns(workspace: WorkspaceOpt = None) -> None:
    """The workspace's referral campaigns, newest first."""
    from yutang.referrals import service

    async def go(ctx: Ctx) -> list[tuple[Any, bool]]:
        return [(c, service.is_live(c)) for c in await service.list_campaigns(ctx)]

    table = Table("id", "name", "status", "live", "starts", "ends")
    for c, live in call(workspace, go, True):
        table.add_row(
            str(c.id), c.name, c.status, "yes" if live else "no", when(c.starts_at), when(c.ends_at)
        )
    out.print(table)


@referrals_app.command("figures")
def referrals_figures(
    campaign_ids: Annotated[list[int] | None, typer.Argument(help="Campaigns (all when none given).")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write CSV to this file.")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Participants, shares, joined, qualified, rejected by reason, fission rate, K, cost."""
    from yutang.referrals import figures, service

    async def go(ctx: Ctx) -> list[Any]:
        ids = campaign_ids or [c.id for c in await service.list_campaigns(ctx)]
        return [await figures.figures(ctx, i) for i in ids]

    rows = call(workspace, go, True)
    if csv_out:
        write_csv(csv_out, figures.figures_csv(rows))
        return
    table = Table("id", "people", "shares", "joined", "new", "qual.", "rej.", "fission", "K", "¥/new")
    for f in rows:
        table.add_row(
            str(f.campaign_id),
            str(f.participants),
            str(f.shares),
            str(f.joined),
            str(f.new_members),
            str(f.qualified),
            str(f.rejected),
            f"{f.fission_rate:.0%}" if f.fission_rate is not None else "-",
            f"{f.k_factor:.2f}" if f.k_factor is not None else "-",
            f"{f.cost_per_new_member_cents / 100:.2f}" if f.cost_per_new_member_cents is not None else "-",
        )
    out.print(table)
