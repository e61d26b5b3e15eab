"""With Redis configured, an edit made by one process reaches the cache of another."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import make_tenant
from tests.servers import Server, free_port
from yutang.kit.context import SYSTEM, Ctx
from yutang.kit.db import unit_of_work
from yutang.links import service as links_service
from yutang.links.cache import link_cache
from yutang.links.schemas import LinkIn, LinkPatch

pytestmark = [pytest.mark.server, pytest.mark.redis]


async def test_edit_in_this_process_invalidates_the_servers_cache(
    engine: AsyncEngine, tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    tenant = await make_tenant(engine, "rds", f"127.0.0.1:{port}")
    async with unit_of_work(engine=engine) as s:
        link = await links_service.create_link(
            Ctx(s, tenant.id, SYSTEM), LinkIn(url="https://old.example/", slug="hop")
        )
    monkeypatch.setenv("YUTANG_REDIS_URL", redis_url)
    server = Server(
        engine.url.render_as_string(hide_password=False), port, tmp_path, interval=0.25, keep_redis=True
    )
    publisher = redis.Redis.from_url(redis_url)
    monkeypatch.setattr(link_cache, "publisher", publisher)
    try:
        url = f"http://127.0.0.1:{port}/hop"
        assert httpx.get(url).headers["location"] == "https://old.example/"  # now cached there
        async with unit_of_work(engine=engine) as s:
            await links_service.update_link(
                Ctx(s, tenant.id, SYSTEM), link.id, LinkPatch(url="https://new.example/")
            )
        # The server learns of the edit through Redis pub/sub; allow it a moment.
        for _ in range(50):
            location = httpx.get(url).headers["location"]
            if location == "https://new.example/":
                break
            await asyncio.sleep(0.05)
        assert location == "https://new.example/"
    finally:
        server.kill()
        publisher.close()
