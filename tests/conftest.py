"""Shared fixtures: every database test runs on SQLite and on a real PostgreSQL.

The PostgreSQL (and Redis) servers are started by ``scripts/test.sh``, which exports
``YUTANG_TEST_PG_URL`` and ``YUTANG_TEST_REDIS_URL``. Run outside that script, the
PostgreSQL half is skipped — unless ``YUTANG_REQUIRE_SERVICES=1`` (as in CI), where a
missing server is an error.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from yutang.app import create_app
from yutang.auth import passwords
from yutang.auth import service as auth_service
from yutang.config import Settings, reset_settings
from yutang.kit import crypto, locks
from yutang.kit.context import SYSTEM, Ctx
from yutang.kit.db import create_engine, unit_of_work
from yutang.links.redirect import RedirectApp
from yutang.models import Base
from yutang.web import i18n
from yutang.workspaces import service as ws_service

# Every row lock the suite takes is checked against the declared order (kit/locks.py):
# a lock out of order fails the test that took it, also inside an outbox handler (whose
# errors the dispatcher catches and retries).
locks.checking = True
# A string or enumerated value a page shows without words in its language fails the test.
i18n.strict = True
# Passwords: argon2id still, at its cheapest cost (0.3 s a hash at production cost, paid by
# every user a test makes and every sign-in). The test of sign-in timing puts the
# production cost back (tests/auth/test_sign_in_limits.py); servers the tests start use it.
passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def _locks_in_order() -> Iterator[None]:
    locks.violations.clear()
    yield
    assert not locks.violations, f"row locks out of the declared order: {locks.violations}"


ROOT = Path(__file__).resolve().parent.parent
#: Under ``pytest -n N`` (scripts/test.sh) each worker ("gw0", "gw1" …) has a PostgreSQL
#: database and a Redis database of its own, so workers never see each other's rows.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _redis_for_worker(url: str | None) -> str | None:
    if not url or not WORKER:
        return url
    base, _, index = url.rpartition("/")
    return f"{base}/{(int(index or 0) + 1 + int(WORKER[2:])) % 16}"


PG_URL = os.environ.get("YUTANG_TEST_PG_URL")
REDIS_URL = _redis_for_worker(os.environ.get("YUTANG_TEST_REDIS_URL"))
REQUIRE = os.environ.get("YUTANG_REQUIRE_SERVICES") == "1"


def _need(url: str | None, what: str) -> str:
    if url:
        return url
    if REQUIRE:
        pytest.fail(f"{what} is required (YUTANG_REQUIRE_SERVICES=1) but its URL is not set")
    pytest.skip(f"{what} not available: run the tests through scripts/test.sh")


def in_thread(fn: Callable[[], object]) -> None:
    """Run ``fn`` in a thread of its own (it may start an event loop of its own)."""
    import threading

    failure: list[BaseException] = []

    def work() -> None:
        try:
            fn()
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def migrate(url: str) -> None:
    """Alembic's env runs its own event loop: give it a thread of its own."""
    in_thread(lambda: _migrate(url))


def _migrate(url: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["url"] = url
    command.upgrade(cfg, "head")


async def reset_postgres(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("db") / "test.db"
    url = f"sqlite+aiosqlite:///{path}"
    migrate(url)
    return url


async def _worker_database(url: str) -> str:
    """This worker's own database beside the one of the URL (made once)."""
    if not WORKER:
        return url
    base, _, name = url.rpartition("/")
    own = f"{name}_{WORKER}"
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            found = await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": own})
            if not found:
                await conn.execute(text(f'CREATE DATABASE "{own}"'))
    finally:
        await engine.dispose()
    return f"{base}/{own}"


@pytest.fixture(scope="session")
def pg_url() -> str:
    shared = _need(PG_URL, "PostgreSQL")
    made: list[str] = []
    in_thread(lambda: made.append(asyncio.run(_worker_database(shared))))
    url = made[0]
    in_thread(lambda: asyncio.run(reset_postgres(url)))
    migrate(url)
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    return _need(REDIS_URL, "Redis")


_engines: dict[str, AsyncEngine] = {}


@pytest.fixture(params=["sqlite", "postgresql"])
async def engine(request: pytest.FixtureRequest) -> AsyncIterator[AsyncEngine]:
    """A migrated, emptied database of each kind."""
    if request.param == "sqlite":
        url = request.getfixturevalue("sqlite_url")
    else:
        url = request.getfixturevalue("pg_url")
    eng = _engines.get(url)
    if eng is None:
        eng = _engines[url] = create_engine(url)
    await truncate_all(eng)
    yield eng


async def truncate_all(engine: AsyncEngine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                await conn.execute(text(f"DELETE FROM {name}"))
            await conn.execute(text("DELETE FROM sqlite_sequence")) if await _has_seq(conn) else None


async def _has_seq(conn: object) -> bool:
    result = await conn.execute(  # type: ignore[attr-defined]
        text("SELECT count(*) FROM sqlite_master WHERE name='sqlite_sequence'")
    )
    return bool(result.scalar())


@pytest.fixture(scope="session", autouse=True)
async def _dispose_engines() -> AsyncIterator[None]:
    yield
    for eng in _engines.values():
        await eng.dispose()


@pytest.fixture
def settings(engine: AsyncEngine, tmp_path: Path) -> Settings:
    return Settings(
        database_url=str(engine.url.render_as_string(hide_password=False)),
        var_dir=tmp_path / "var",
        secret_key="test-secret",
        worker_in_process=False,
        default_link_domain="go.test",
    )


_apps: dict[str, RedirectApp] = {}


@pytest.fixture
def app(settings: Settings, engine: AsyncEngine) -> RedirectApp:
    """One app per database (building one costs ~40 ms of route set-up), with its
    per-process state — link cache, click buffer — emptied for every test."""
    key = str(engine.url)
    built = _apps.get(key)
    if built is None:
        built = _apps[key] = create_app(settings, engine, run_worker=False)
    built.cache.drop_domains()
    built.clicks.pending.clear()
    built.clicks.written = 0
    return built


class Queries:
    """The SQL statements the app sends while counting (``with queries: …``)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.statements: list[str] = []

    def _seen(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    def __enter__(self) -> Queries:
        self.statements = []
        event.listen(self.engine.sync_engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine.sync_engine, "before_cursor_execute", self._seen)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def queries(engine: AsyncEngine) -> Queries:
    """Counts the statements sent to the test's database inside ``with queries:`` — for
    the query budgets of the hot endpoints (tests/test_query_counts.py)."""
    return Queries(engine)


@pytest.fixture
async def client(app: RedirectApp) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app. Every API answer any test receives is checked against the
    OpenAPI description: its status code and media type must be documented there."""
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    described = _described(app)

    async def conforms(response: httpx.Response) -> None:
        _check_described(described, response)

    async with httpx.AsyncClient(
        transport=transport, base_url="http://api.test", event_hooks={"response": [conforms]}
    ) as c:
        yield c


_descriptions: dict[int, list[tuple[re.Pattern[str], str, dict[str, Any]]]] = {}


def _described(app: RedirectApp) -> list[tuple[re.Pattern[str], str, dict[str, Any]]]:
    """(path pattern, method, responses) of every operation, once per app."""
    found = _descriptions.get(id(app))
    if found is None:
        spec = app.app.openapi()  # type: ignore[attr-defined]
        found = _descriptions[id(app)] = [
            (
                re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path)) + "$"),
                method.upper(),
                op["responses"],
            )
            for path, ops in spec["paths"].items()
            for method, op in ops.items()
        ]
    return found


def _check_described(described: list[tuple[re.Pattern[str], str, dict[str, Any]]], r: httpx.Response) -> None:
    path, method = r.request.url.path, r.request.method
    if not path.startswith("/api/v1/"):
        return
    for pattern, op_method, responses in described:
        if op_method == method and pattern.match(path):
            documented = responses.get(str(r.status_code))
            assert documented is not None, f"{method} {path} answered {r.status_code}, not in OpenAPI"
            media = r.headers.get("content-type", "").split(";")[0]
            if media and r.status_code != 204:
                assert media in documented.get("content", {}), f"{method} {path} {r.status_code}: {media}"
            return


@dataclass
class Tenant:
    id: int
    slug: str
    host: str
    key: str  # an owner key
    headers: dict[str, str]

    def ctx(self, session: object) -> Ctx:
        return Ctx(session, self.id, SYSTEM)  # type: ignore[arg-type]


async def make_tenant(engine: AsyncEngine, slug: str, host: str, role: str = "owner") -> Tenant:
    async with unit_of_work(engine=engine) as s:
        ws = await ws_service.create_workspace(s, slug.title(), slug, link_domain=host)
        issued = await auth_service.create_api_key(Ctx(s, ws.id, SYSTEM), f"{slug} key", role)
    return Tenant(ws.id, slug, host, issued.secret, {"Authorization": f"Bearer {issued.secret}"})


@pytest.fixture
async def tenant(engine: AsyncEngine) -> Tenant:
    return await make_tenant(engine, "acme", "go.acme.test")


@pytest.fixture
async def other_tenant(engine: AsyncEngine) -> Tenant:
    return await make_tenant(engine, "globex", "go.globex.test")


async def add_key(engine: AsyncEngine, tenant: Tenant, role: str) -> dict[str, str]:
    async with unit_of_work(engine=engine) as s:
        issued = await auth_service.create_api_key(Ctx(s, tenant.id, SYSTEM), role, role)
    return {"Authorization": f"Bearer {issued.secret}"}


@pytest.fixture(autouse=True)
def _clean_settings() -> Iterator[None]:
    yield
    reset_settings()


@pytest.fixture(scope="session", autouse=True)
def _pii_keys(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Services called without an app seal PII with the same keys as the test app."""
    crypto.configure(Settings(secret_key="test-secret", var_dir=tmp_path_factory.mktemp("var")))


async def run_events(engine: AsyncEngine) -> int:
    """Dispatch the outbox now (what the worker does after each commit)."""
    from yutang.kit.events import dispatch_pending

    return await dispatch_pending(engine)
