"""Helpers shared by the links tests (the database fixtures live in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from yutang.kit.db import unit_of_work
from yutang.models.links import Link

LINKS = "/api/v1/links"


async def count_links(engine: AsyncEngine, workspace_id: int | None = None) -> int:
    """Rows in the links table (archived included), straight from the database."""
    async with unit_of_work(readonly=True, engine=engine) as s:
        stmt = select(func.count()).select_from(Link)
        if workspace_id is not None:
            stmt = stmt.where(Link.workspace_id == workspace_id)
        return int(await s.scalar(stmt) or 0)


@pytest.fixture
def link_count(engine: AsyncEngine) -> Callable[..., Awaitable[int]]:
    async def count(workspace_id: int | None = None) -> int:
        return await count_links(engine, workspace_id)

    return count


@pytest.fixture
def create(client: httpx.AsyncClient, tenant: Tenant) -> Callable[..., Awaitable[dict[str, Any]]]:
    """POST a link for ``tenant`` and return its JSON, asserting a 201."""

    async def make(**body: Any) -> dict[str, Any]:
        r = await client.post(LINKS, json=body, headers=tenant.headers)
        assert r.status_code == 201, r.text
        data: dict[str, Any] = r.json()
        return data

    return make


async def list_all(client: httpx.AsyncClient, tenant: Tenant, **params: Any) -> list[dict[str, Any]]:
    """Every link of a listing, following the cursor to the end."""
    out: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {**params, "limit": 200}
        if cursor:
            query["cursor"] = cursor
        r = await client.get(LINKS, params=query, headers=tenant.headers)
        assert r.status_code == 200, r.text
        body = r.json()
        out.extend(body["data"])
        cursor = body["next_cursor"]
        if cursor is None:
            return out
