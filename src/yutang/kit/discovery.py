"""Finds the domains' modules by their names, so that ``kit`` needs no list of domains.

A domain registers outbox handlers in ``<domain>/handlers.py``, periodic jobs in
``<domain>/tasks.py``, event types in ``<domain>/events.py`` and error codes in
``<domain>/errors.py``. The server, the worker, the CLI and the demo call :func:`load`
before they dispatch anything: an event handed out while a handler is missing would be
marked done without it. A module registering handlers or jobs under another name would
never be loaded; ``tests/kit/test_discovery.py`` refuses one.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from functools import cache

#: The modules loaded by :func:`load`, in the order they register.
REGISTERING = ("events", "handlers", "tasks")
ROOT = __name__.split(".", 1)[0]


@cache
def packages() -> tuple[str, ...]:
    """The top-level packages of the application (``yutang.links`` …), sorted."""
    root = importlib.import_module(ROOT)
    return tuple(sorted(f"{ROOT}.{info.name}" for info in pkgutil.iter_modules(root.__path__) if info.ispkg))


def modules(kind: str) -> list[str]:
    """The ``<package>.<kind>`` modules that exist, e.g. every ``yutang.*.handlers``."""
    return [f"{pkg}.{kind}" for pkg in packages() if importlib.util.find_spec(f"{pkg}.{kind}") is not None]


@cache
def load() -> tuple[str, ...]:
    """Import every events, handlers and tasks module once; returns their names."""
    loaded = [name for kind in REGISTERING for name in modules(kind)]
    for name in loaded:
        importlib.import_module(name)
    return tuple(loaded)


@cache
def load_error_codes() -> tuple[str, ...]:
    """Import every ``<package>.errors`` so the catalogue of error codes is whole (for
    OpenAPI) before a code of that domain was ever needed."""
    loaded = modules("errors")
    for name in loaded:
        importlib.import_module(name)
    return tuple(loaded)
