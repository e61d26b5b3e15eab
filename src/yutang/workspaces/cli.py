"""``yutang workspace …``: workspaces (brands) and their users."""

from __future__ import annotations

from typing import Annotated

import typer

from yutang.config import get_settings
from yutang.kit.cli import cli_actor, out, run, sub_app
from yutang.kit.context import Ctx
from yutang.kit.db import unit_of_work

workspace_app = sub_app("Workspaces (brands) and their users.")


@workspace_app.command("create")
def workspace_create(
    slug: Annotated[str, typer.Argument(help="Short id, e.g. 'acme'.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    domain: Annotated[str | None, typer.Option(help="Default link domain host.")] = None,
    timezone: Annotated[str, typer.Option()] = "Asia/Shanghai",
    owner_email: Annotated[str | None, typer.Option()] = None,
    owner_password: Annotated[str | None, typer.Option(envvar="YUTANG_OWNER_PASSWORD")] = None,
) -> None:
    """Create a workspace (and its owner, given an email)."""
    from yutang.workspaces import service

    async def go() -> None:
        async with unit_of_work() as s:
            ws = await service.create_workspace(
                s,
                name or slug,
                slug,
                link_domain=domain or get_settings().default_link_domain,
                timezone=timezone,
                actor=cli_actor(),
            )
            if owner_email:
                user = await service.create_user(s, owner_email, owner_password or "", "")
                await service.set_member_role(Ctx(s, ws.id, cli_actor()), user, "owner")
        out.print(f"workspace [bold]{slug}[/bold] created (id {ws.id})")

    run(go)
