"""Event contracts: every event type is declared once, in its domain's events.py, with its
payload's fields; services emit instances, handlers subscribe to classes; and every module
that registers an outbox handler or a periodic job is one the dispatcher loads — a
handler in a module nobody imports would leave its events marked done without it."""

from __future__ import annotations

import ast
import importlib.util
import pathlib
from datetime import UTC, datetime

import pytest

from yutang.kit import discovery, events, jobs
from yutang.models.platform import OutboxEvent

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "yutang"
DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs"


def _modules() -> dict[str, ast.Module]:
    return {
        ".".join(("yutang", *path.relative_to(SRC).with_suffix("").parts)): ast.parse(path.read_text("utf-8"))
        for path in SRC.rglob("*.py")
    }


def _declared() -> dict[str, type[events.Event]]:
    """The application's event types (tests declare a few of their own)."""
    discovery.load()
    return {t: c for t, c in events.CATALOGUE.items() if c.declared_in.startswith("yutang.")}


def _calls(tree: ast.Module, owner: str, attr: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == attr
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == owner
    ]


def _keyword(call: ast.Call, name: str) -> str | None:
    for kw in call.keywords:
        if kw.arg == name and isinstance(kw.value, ast.Constant):
            return str(kw.value.value)
    return None


def test_every_module_registering_handlers_or_jobs_is_loaded() -> None:
    loaded = set(discovery.load())
    registering = {
        module
        for module, tree in _modules().items()
        if module != "yutang.kit.events"
        and (_calls(tree, "events", "on") or _calls(tree, "jobs", "periodic"))
    }
    assert registering, "no handlers found: the scan is broken"
    assert registering <= loaded, f"registered where nothing loads them: {sorted(registering - loaded)}"
    for module in registering:
        assert module.rsplit(".", 1)[1] in ("handlers", "tasks"), module


def test_every_handler_and_job_named_in_the_code_is_registered_after_loading() -> None:
    discovery.load()
    handler_names: set[str] = set()
    job_names: set[str] = set()
    for module, tree in _modules().items():
        if module == "yutang.kit.events":
            continue
        handler_names |= {n for call in _calls(tree, "events", "on") if (n := _keyword(call, "name"))}
        job_names |= {
            str(call.args[0].value)
            for call in _calls(tree, "jobs", "periodic")
            if call.args and isinstance(call.args[0], ast.Constant)
        }
    registered = {name for bucket in events._HANDLERS.values() for name, _ in bucket}
    assert len(handler_names) >= 19  # as many as when this test was written
    assert handler_names <= registered, sorted(handler_names - registered)
    assert job_names and job_names <= set(jobs._PERIODIC), sorted(job_names - set(jobs._PERIODIC))


def test_every_event_type_is_declared_in_its_domains_events_module() -> None:
    declared = _declared()
    assert len(declared) >= 45
    for type_name, cls in declared.items():
        assert cls.type_name == type_name
        assert cls.declared_in.endswith(".events"), (type_name, cls.declared_in)
        assert cls.__doc__ and cls.__doc__.strip(), f"{type_name} says nothing about itself"
    # Each class is named after its type.
    for type_name, cls in declared.items():
        words = type_name.replace(".", "_").split("_")
        assert cls.__name__.lower().startswith(words[0]), (type_name, cls.__name__)


def test_every_handler_listens_to_a_declared_type() -> None:
    discovery.load()
    unknown = set(events._HANDLERS) - set(events.CATALOGUE) - {"*"}
    assert not unknown, f"handlers for types nobody declares: {sorted(unknown)}"


def test_no_service_emits_a_bare_string() -> None:
    bare = [
        f"{module}:{call.lineno}"
        for module, tree in _modules().items()
        for call in _calls(tree, "events", "emit")
        if len(call.args) != 2 or isinstance(call.args[1], ast.Constant | ast.Dict | ast.JoinedStr)
    ]
    assert not bare, bare


def test_a_type_is_declared_once_and_well_formed() -> None:
    discovery.load()
    with pytest.raises(ValueError, match="declared twice"):

        class Again(events.Event, type_name="order.paid"):
            order_id: int

    with pytest.raises(ValueError, match="snake_case"):

        class Shouting(events.Event, type_name="Order.Paid"):
            order_id: int

    assert events.CATALOGUE["order.paid"].__module__ == "yutang.commerce.events"


def test_a_base_without_a_type_is_neither_emitted_nor_subscribed() -> None:
    class Base(events.Event):
        thing_id: int

    with pytest.raises(ValueError, match="no type_name"):
        events.on(Base)
    with pytest.raises(ValueError, match="no type_name"):
        events.emit(None, Base(thing_id=1))  # type: ignore[arg-type]


def test_a_payload_reads_back_typed_and_tolerates_old_and_new_rows() -> None:
    discovery.load()
    from yutang.commerce.events import OrderPaid

    paid = OrderPaid(order_id=7, member_id=None, total_cents=990, paid_at="2026-12-04T00:00:00+00:00")
    stored = paid.payload()
    assert stored == {
        "order_id": 7,
        "member_id": None,
        "total_cents": 990,
        "paid_at": "2026-12-04T00:00:00+00:00",
    }
    row = OutboxEvent(id=1, workspace_id=1, type=OrderPaid.type_name, payload={**stored, "retired_key": 1})
    row.created_at = datetime.now(UTC)
    assert OrderPaid.read(row) == paid  # a key no longer declared is ignored
    with pytest.raises(TypeError):
        OrderPaid.read(OutboxEvent(id=2, workspace_id=1, type="order.paid", payload={"order_id": 7}))


def test_the_events_reference_is_current() -> None:
    """docs/events.md answers "who reacts to order.paid"; it is generated from the code."""
    spec = importlib.util.spec_from_file_location("events_doc", DOCS.parent / "scripts" / "events_doc.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = (DOCS / "events.md").read_text("utf-8")
    assert all(f"`{t}`" in text for t in _declared())
    assert text == module.render(), "docs/events.md is out of date: run scripts/events_doc.py"
