"""``yutang points …``: balances and manual corrections. (``points maintain`` runs the
jobs of several domains and is mounted by :mod:`yutang.cli`.)"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from yutang.kit.cli import WorkspaceOpt, call, out, sub_app, when
from yutang.kit.context import Ctx

points_app = sub_app("Points: balances, adjustments, the maintenance jobs.")


@points_app.command("balance")
def points_balance(member_id: int, workspace: WorkspaceOpt = None) -> None:
    """A member's balance and open lots (soonest expiry first)."""
    from yutang.loyalty import repository as ledger
    from yutang.members import service as members

    async def fetch(ctx: Ctx) -> tuple[Any, list[Any]]:
        return await members.get_member(ctx, member_id), await ledger.lots_of(ctx, member_id)

    member, lots = call(workspace, fetch, readonly=True)
    out.print(
        f"member {member.id}: [bold]{member.points_balance}[/bold] available, {member.points_pending} pending"
    )
    table = Table("lot", "remaining", "of", "state", "available from", "expires")
    for lot in lots:
        table.add_row(
            str(lot.id),
            str(lot.remaining),
            str(lot.amount),
            lot.state,
            when(lot.available_at),
            when(lot.expires_at),
        )
    out.print(table)


@points_app.command("adjust")
def points_adjust(
    member_id: int,
    delta: Annotated[
        int, typer.Argument(help="Points to add; negative removes (put options, then --, first).")
    ],
    reason: Annotated[str, typer.Option(help="Why (required; kept in the ledger and the audit log).")],
    workspace: WorkspaceOpt = None,
) -> None:
    """A manual correction of a member's points, with a reason."""
    from yutang.loyalty import service as points

    mv = call(workspace, lambda ctx: points.adjust(ctx, member_id, delta, reason=reason))
    out.print(f"entry {mv.entry.id}: {mv.entry.amount:+d}; balance now {mv.entry.balance_after}")
