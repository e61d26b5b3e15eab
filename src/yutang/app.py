"""Builds the ASGI app: redirect fast path → FastAPI (API, console, public pages)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from yutang import __version__
from yutang.analytics import endpoints as analytics_endpoints
from yutang.commerce import endpoints as commerce_endpoints
from yutang.config import Settings, get_settings
from yutang.coupons import endpoints as coupons_endpoints
from yutang.distribution import endpoints as distribution_endpoints
from yutang.kit import crypto, discovery
from yutang.kit.bodylimit import BodyLimit
from yutang.kit.db import create_engine
from yutang.kit.errors import DECLARED_IN, ERROR_CODES
from yutang.kit.http import install_error_handlers
from yutang.links import endpoints as links_endpoints
from yutang.links.cache import LinkCache, RedisInvalidationListener
from yutang.links.clicks import ClickBuffer
from yutang.links.clickwriter import ClickWriter
from yutang.links.livecodes import Counters, DatabaseCounters, RedisCounters
from yutang.links.redirect import RedirectApp
from yutang.loyalty import endpoints as loyalty_endpoints
from yutang.members import endpoints as members_endpoints
from yutang.membership import endpoints as membership_endpoints
from yutang.privacy import endpoints as privacy_endpoints
from yutang.referrals import endpoints as referrals_endpoints
from yutang.rewards import endpoints as rewards_endpoints
from yutang.workspaces import endpoints as workspaces_endpoints

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """Everything one app instance owns: its engine, caches, click buffer, counters."""

    settings: Settings
    engine: AsyncEngine
    cache: LinkCache
    clicks: ClickBuffer
    counters: Counters
    listener: RedisInvalidationListener | None = None
    worker: Any = None


def _domain_of(module: str) -> str:
    """``yutang.members.errors`` → ``members``; the codes of kit are shared by all."""
    name = module.split(".")[1]
    return "all" if name == "kit" else name


def _description() -> str:
    discovery.load_error_codes()
    rows = "\n".join(
        f"| `{code}` | {_domain_of(DECLARED_IN[code])} | {text} |" for code, text in ERROR_CODES.items()
    )
    return (
        "Yutang's REST API. Authenticate with `Authorization: Bearer <API key>`.\n\n"
        'Errors are `{"error": {"code", "message", "details"}}`; the code is stable:\n\n'
        "| code | declared by | meaning |\n|---|---|---|\n" + rows + "\n\n"
        "Lists are paginated by cursor: pass `next_cursor` back as `cursor`. Creating POSTs "
        "accept an `Idempotency-Key` header: the same key and body replay the first answer; "
        "the same key with another body is refused with `idempotency_key_reused` (409)."
    )


def create_app(
    settings: Settings | None = None,
    engine: AsyncEngine | None = None,
    *,
    run_worker: bool | None = None,
) -> RedirectApp:
    settings = settings or get_settings()
    crypto.configure(settings)
    discovery.load()
    engine = engine or create_engine(settings.resolved_database_url())
    counters: Counters = RedisCounters(settings.redis_url) if settings.redis_url else DatabaseCounters(engine)
    runtime = Runtime(
        settings=settings,
        engine=engine,
        cache=LinkCache(engine),
        clicks=ClickBuffer(
            settings.click_spool_dir(),
            settings.resolved_secret_key(),
            settings.click_flush_interval,
            settings.click_batch_size,
            # No writer process (granian's own CLI, the tests): this process writes them.
            writer=ClickWriter(engine, settings.click_spool_dir())
            if settings.click_writer == "inline"
            else None,
        ),
        counters=counters,
    )
    want_worker = settings.worker_in_process if run_worker is None else run_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.cache.load_domains()
        runtime.clicks.start()
        if settings.redis_url:
            runtime.listener = RedisInvalidationListener(settings.redis_url)
            runtime.listener.start()
        from yutang.kit import jobs

        # Commits that record events enqueue a dispatch job, for this process's worker
        # or for `yutang worker` processes sharing the queue.
        jobs.install_wakeup()
        if want_worker:
            runtime.worker = jobs.InProcessWorker(jobs.get_huey())
            runtime.worker.start()
        try:
            yield
        finally:
            # Graceful shutdown: every buffered click is handed off before we exit.
            await runtime.clicks.stop()
            log.info("clicks handed off on shutdown: %s in total", runtime.clicks.written)
            if runtime.worker is not None:
                runtime.worker.stop()
            if runtime.listener is not None:
                runtime.listener.stop()
            runtime.cache.close()
            if isinstance(runtime.counters, RedisCounters):
                await runtime.counters.close()

    api = FastAPI(
        title="Yutang API",
        version=__version__,
        description=_description(),
        docs_url=None,  # served below from Yutang's own files (web/console/__init__.py)
        openapi_url="/api/openapi.json",
        redoc_url=None,
        lifespan=lifespan,
    )
    api.state.engine = engine
    api.state.runtime = runtime
    api.state.settings = settings
    install_error_handlers(api)
    api.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    api.include_router(workspaces_endpoints.router)
    api.include_router(links_endpoints.router)
    api.include_router(analytics_endpoints.stats.router)  # the links' click statistics
    api.include_router(members_endpoints.router)
    api.include_router(privacy_endpoints.router)
    api.include_router(commerce_endpoints.router)
    api.include_router(loyalty_endpoints.router)
    api.include_router(coupons_endpoints.router)
    api.include_router(rewards_endpoints.router)
    api.include_router(membership_endpoints.router)
    api.include_router(analytics_endpoints.router)
    api.include_router(referrals_endpoints.router)
    api.include_router(distribution_endpoints.router)

    @api.get("/health", include_in_schema=False)
    async def health() -> JSONResponse:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return JSONResponse({"status": "ok", "version": __version__})

    from yutang.web import console, public, security

    console.install(api, settings)
    api.include_router(public.router)
    # CSP, frame, referrer and sniffing headers (HSTS over https) on every answer of the
    # console, the API and the H5 pages; the redirect fast path below stays bare.
    api.add_middleware(security.SecurityHeaders, settings=settings)

    return RedirectApp(
        api,
        runtime.cache,
        runtime.clicks,
        runtime.counters,
        cookie_name=settings.visitor_cookie,
        trust_forwarded_for=settings.trust_forwarded_for,
    )


def app_factory() -> RedirectApp:
    """Entry point for ASGI servers: ``granian --factory yutang.app:app_factory``."""
    logging.basicConfig(level=get_settings().log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    return create_app()
