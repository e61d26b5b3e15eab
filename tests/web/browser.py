"""A console browser for tests: what a real one sends (Origin, the CSRF token of the
page) so that tests exercise the same checks a browser passes."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from yutang.kit.context import SYSTEM, Ctx
from yutang.kit.db import unit_of_work
from yutang.links.redirect import RedirectApp
from yutang.workspaces import service as ws_service

ORIGIN = "http://api.test"
PASSWORD = "correct-horse-battery"
_TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


def token_in(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


async def csrf(client: httpx.AsyncClient, page: str = "/console/login") -> str:
    return token_in((await client.get(page)).text)


async def post(
    client: httpx.AsyncClient, path: str, data: dict[str, Any] | None = None, *, page: str | None = None
) -> httpx.Response:
    """Submit a console form as the browser would: from a page of the console."""
    token = await csrf(
        client, page or ("/console/account" if "yt_console" in client.cookies else "/console/login")
    )
    return await client.post(path, data={**(data or {}), "csrf_token": token}, headers={"origin": ORIGIN})


async def login(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD, **extra: str
) -> httpx.Response:
    return await post(
        client, "/console/login", {"email": email, "password": password, **extra}, page="/console/login"
    )


async def make_user(
    engine: AsyncEngine, workspace_id: int, email: str, role: str = "operator", password: str = PASSWORD
) -> int:
    """A user with a role in a workspace (made as the CLI does); their id."""
    from yutang.auth import repository as auth_repo

    async with unit_of_work(engine=engine) as s:
        user = await auth_repo.user_by_email(s, email)
        if user is None:
            user = await ws_service.create_user(s, email, password, email.split("@")[0])
        await ws_service.set_member_role(Ctx(s, workspace_id, SYSTEM), user, role)
        return user.id


def browser(app: RedirectApp, ip: str = "203.0.113.7") -> httpx.AsyncClient:
    """Another browser (its own cookies), from its own address."""
    transport = httpx.ASGITransport(app=app, client=(ip, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://api.test")
