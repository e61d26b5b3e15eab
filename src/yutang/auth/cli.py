"""``yutang keys …``: API keys."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from yutang.kit.cli import WorkspaceOpt, call, err, out, sub_app, when

keys_app = sub_app("API keys.")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Option(help="owner, admin, operator, staff or analyst")] = "operator",
    workspace: WorkspaceOpt = None,
) -> None:
    """Create an API key; the secret is printed once."""
    from yutang.auth import service

    issued = call(workspace, lambda ctx: service.create_api_key(ctx, name, role))
    out.print(f"key {issued.key.id} ({role}): [bold]{issued.secret}[/bold]")
    err.print("Store it now: it is not shown again.")


@keys_app.command("list")
def keys_list(workspace: WorkspaceOpt = None) -> None:
    from yutang.auth import service

    keys = call(workspace, lambda ctx: service.list_api_keys(ctx, None, 200), True)
    table = Table("id", "name", "prefix", "role", "last used", "revoked")
    for k in keys:
        table.add_row(str(k.id), k.name, k.prefix + "…", k.role, when(k.last_used_at), when(k.revoked_at))
    out.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: int, workspace: WorkspaceOpt = None) -> None:
    from yutang.auth import service

    call(workspace, lambda ctx: service.revoke_api_key(ctx, key_id))
    out.print(f"key {key_id} revoked")
