"""Background jobs on huey: SQLite storage by default, Redis when configured.

Jobs are plain functions; async work runs on a per-thread event loop with its own
engine (an asyncio engine's connections belong to the loop that opened them).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer
from sqlalchemy.ext.asyncio import AsyncEngine

from yutang.config import Settings, get_settings
from yutang.kit import events
from yutang.kit.db import create_engine

log = logging.getLogger(__name__)
T = TypeVar("T")

_huey: Huey | None = None
_tasks: dict[str, Any] = {}
_local = threading.local()

JobFn = Callable[[AsyncEngine], Coroutine[Any, Any, Any]]
#: Periodic jobs of the domains: name → (crontab fields, coroutine taking the engine).
_PERIODIC: dict[str, tuple[dict[str, str], JobFn]] = {}


def periodic(name: str, **schedule: str) -> Callable[[JobFn], JobFn]:
    """Register ``fn(engine)`` to run on a crontab schedule (``minute="5"`` …)."""

    def register(fn: JobFn) -> JobFn:
        _PERIODIC[name] = (schedule, fn)
        return fn

    return register


def make_huey(settings: Settings) -> Huey:
    if settings.redis_url:
        return RedisHuey("yutang", url=settings.redis_url, utc=True)
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("yutang", filename=str(settings.var_dir / "huey.db"), utc=True)


def run_async(factory: Callable[[AsyncEngine], Coroutine[Any, Any, T]], database_url: str) -> T:
    """Run a coroutine on this thread's loop, with this thread's engine for ``database_url``."""
    runner: asyncio.Runner | None = getattr(_local, "runner", None)
    if runner is None:
        runner = _local.runner = asyncio.Runner()
        _local.engines = {}
    engines: dict[str, AsyncEngine] = _local.engines
    engine = engines.get(database_url)
    if engine is None:
        engine = engines[database_url] = create_engine(database_url)
    return runner.run(factory(engine))


def register_tasks(huey: Huey, database_url: str) -> dict[str, Any]:
    """Register Yutang's jobs on ``huey``; returns them by name."""
    from yutang.kit import discovery

    discovery.load()

    def dispatch_outbox() -> int:
        return run_async(events.dispatch_pending, database_url)

    dispatch = huey.task(name="dispatch_outbox", retries=3, retry_delay=2)(dispatch_outbox)
    # A safety net: events whose wake-up was lost are swept once a minute.
    sweep = huey.periodic_task(crontab(minute="*"), name="sweep_outbox")(dispatch_outbox)
    registered = {"dispatch_outbox": dispatch, "sweep_outbox": sweep}
    for name, (schedule, fn) in _PERIODIC.items():
        registered[name] = huey.periodic_task(crontab(**schedule), name=name)(_runner(fn, database_url))
    return registered


def _runner(fn: JobFn, database_url: str) -> Callable[[], Any]:
    def run() -> Any:
        return run_async(fn, database_url)

    run.__name__ = fn.__name__
    return run


def get_huey() -> Huey:
    global _huey, _tasks
    if _huey is None:
        settings = get_settings()
        _huey = make_huey(settings)
        _tasks = register_tasks(_huey, settings.resolved_database_url())
    return _huey


def reset() -> None:
    """Forget the configured queue (tests, or settings that changed)."""
    global _huey, _tasks
    _huey, _tasks = None, {}


def enqueue_dispatch() -> None:
    get_huey()
    _tasks["dispatch_outbox"]()  # calling a huey task enqueues it


def install_wakeup() -> None:
    """After every commit that recorded events, enqueue a dispatch job."""
    events.wake_dispatcher = enqueue_dispatch


class InProcessWorker:
    """The huey consumer's threads inside the web process (embedded default).

    Started without the consumer's signal handlers, which belong to the server.
    """

    def __init__(self, huey: Huey, workers: int = 1, *, periodic: bool = True) -> None:
        self.consumer: Consumer = huey.create_consumer(
            workers=workers,
            worker_type="thread",
            periodic=periodic,
            check_worker_health=False,
            max_delay=1.0,
        )

    def start(self) -> None:
        self.consumer.scheduler.start()
        for _, worker in self.consumer.worker_threads:
            worker.start()

    def stop(self) -> None:
        self.consumer.stop(graceful=True)
