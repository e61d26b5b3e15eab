"""The transactional outbox.

Services call :func:`emit` inside their transaction; the event row commits or rolls
back with the change. After commit the dispatcher is woken (a huey job); it hands
each pending event to every handler registered for its type, one transaction per
event. A handler runs inside a savepoint together with the insert of its receipt
``(event_id, handler)``, so a redelivered event — a crash after the handler, two
workers racing — changes nothing twice.

Every event is declared once, in its domain's ``events.py``, as a subclass of
:class:`Event` naming its type and its payload's fields::

    class OrderPaid(Event, type_name="order.paid"):
        order_id: int
        member_id: int | None
        total_cents: int
        paid_at: str

Services emit an instance (``events.emit(ctx, OrderPaid(order_id=…, …))``), handlers
subscribe to the class (``@events.on(OrderPaid, name=…)``) and read the payload back
typed (``OrderPaid.read(ev)``), so a misspelt type or field is an import or mypy error,
not an event nobody hears. :data:`CATALOGUE` lists every declared type.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Literal, Self, dataclass_transform

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from yutang.kit import locks
from yutang.kit.context import Ctx
from yutang.kit.db import after_commit, unit_of_work
from yutang.models.base import utcnow
from yutang.models.platform import EventReceipt, OutboxEvent

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, OutboxEvent], Awaitable[None]]
#: Given a batch of events, the ids a handler needs to see (the rest it would ignore).
BatchFilter = Callable[[AsyncSession, list[OutboxEvent]], Awaitable[set[int]]]

_TYPE_NAME = re.compile(r"^[a-z_]+\.[a-z_]+$")


@dataclass_transform(frozen_default=True, kw_only_default=True)
class Event:
    """A domain event. Subclasses become frozen keyword-only dataclasses, declared with
    their type: ``class OrderPaid(Event, type_name="order.paid")``. A class declared
    without ``type_name`` is a shared base for several types and cannot be emitted."""

    type_name: ClassVar[str] = ""
    #: The module that declared the type (shown by the catalogue).
    declared_in: ClassVar[str] = ""
    _fields: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, type_name: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(frozen=True, kw_only=True)(cls)
        cls._fields = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
        if not type_name:
            return
        if not _TYPE_NAME.match(type_name):
            raise ValueError(f"event type {type_name!r} is not <subject>.<verb> in snake_case")
        known = CATALOGUE.get(type_name)
        if known is not None and (known.__module__, known.__qualname__) != (cls.__module__, cls.__qualname__):
            raise ValueError(
                f"event type {type_name!r} is declared twice: {known.__module__} and {cls.__module__}"
            )
        cls.type_name = type_name
        cls.declared_in = cls.__module__
        CATALOGUE[type_name] = cls

    def payload(self) -> dict[str, Any]:
        """The JSON object stored in the outbox (field order as declared)."""
        return {name: getattr(self, name) for name in self._fields}

    @classmethod
    def read(cls, ev: OutboxEvent) -> Self:
        """The payload of a stored event, typed. Fields a newer version added and an older
        row lacks take their declared default; keys no longer declared are ignored."""
        return cls(**{k: v for k, v in ev.payload.items() if k in cls._fields})


#: Every declared event type → its class (filled as the domains' events modules import).
CATALOGUE: dict[str, type[Event]] = {}

_HANDLERS: dict[str, list[tuple[str, Handler]]] = {}
_FILTERS: dict[str, BatchFilter] = {}
MAX_ATTEMPTS = 10

#: Called after a commit that recorded events (set by the job queue at start-up).
wake_dispatcher: Callable[[], None] | None = None


def on(
    event: type[Event] | Literal["*"], name: str | None = None, *, batch_filter: BatchFilter | None = None
) -> Callable[[Handler], Handler]:
    """Register an idempotent handler for the events of class ``event`` ("*" receives every
    event).

    ``batch_filter`` (for catch-all handlers that ignore most events) answers, with one
    query per batch, which events the handler needs; it is not called — and no receipt
    is written — for the others. It must only leave out events the handler would ignore.
    """

    if event == "*":
        event_type = "*"
    elif not event.type_name:
        raise ValueError(f"{event.__qualname__} declares no type_name: subscribe to its subclasses")
    else:
        event_type = event.type_name

    def register(fn: Handler) -> Handler:
        handler_name = name or f"{fn.__module__}.{fn.__qualname__}"
        if batch_filter is not None:
            _FILTERS[handler_name] = batch_filter
        bucket = _HANDLERS.setdefault(event_type, [])
        if all(existing != handler_name for existing, _ in bucket):
            bucket.append((handler_name, fn))
        return fn

    return register


def unregister(name: str) -> None:
    _FILTERS.pop(name, None)
    for bucket in _HANDLERS.values():
        bucket[:] = [(n, f) for n, f in bucket if n != name]


def handlers_for(event_type: str) -> list[tuple[str, Handler]]:
    return [*_HANDLERS.get(event_type, []), *_HANDLERS.get("*", [])]


def handler_ctx(session: AsyncSession, ev: OutboxEvent) -> Ctx:
    """What a handler's services receive: the dispatcher's session, the event's
    workspace, acting as the system."""
    from yutang.kit.context import SYSTEM

    assert ev.workspace_id is not None
    return Ctx(session, ev.workspace_id, SYSTEM)


def emit(ctx: Ctx, event: Event) -> None:
    """Record ``event`` in the outbox, in the caller's transaction."""
    if not event.type_name:
        raise ValueError(f"{type(event).__qualname__} declares no type_name and cannot be emitted")
    session = ctx.session
    session.add(OutboxEvent(workspace_id=ctx.workspace_id, type=event.type_name, payload=event.payload()))
    if not session.info.get("outbox_wake_registered"):
        session.info["outbox_wake_registered"] = True
        after_commit(session, _wake)


def _wake() -> None:
    if wake_dispatcher is not None:
        try:
            wake_dispatcher()
        except Exception:  # the periodic sweep picks the event up later
            log.exception("could not wake the outbox dispatcher")


async def dispatch_pending(engine: AsyncEngine | None = None, batch: int = 100) -> int:
    """Hand pending events to their handlers. Returns how many events were completed."""
    # Every handler must be registered before anything is dispatched, whoever dispatches
    # (server, worker, CLI, demo): an event handed out with a handler missing would be
    # marked done without it.
    from yutang.kit import discovery

    discovery.load()
    completed = 0
    # Events this call failed on, or found taken by another worker: not picked again by
    # this call (the next wake-up or the sweep retries them).
    passed_over: set[int] = set()
    while True:
        # The batch is chosen, its receipts fetched and filtered in a short read …
        async with unit_of_work(readonly=True, engine=engine) as session:
            stmt = (
                select(OutboxEvent)
                .where(OutboxEvent.dispatched_at.is_(None), OutboxEvent.attempts < MAX_ATTEMPTS)
                .order_by(OutboxEvent.id)
                .limit(batch)
            )
            if passed_over:
                stmt = stmt.where(OutboxEvent.id.not_in(passed_over))
            events = list((await session.scalars(stmt)).all())
            if not events:
                return completed
            # One query for the receipts of the whole batch, not one per event and handler.
            rows = await session.execute(
                select(EventReceipt.event_id, EventReceipt.handler).where(
                    EventReceipt.event_id.in_([ev.id for ev in events])
                )
            )
            done = {(event_id, handler) for event_id, handler in rows.all()}
            await _filter(session, events, done)
            ids = [ev.id for ev in events]
        # … and each event is handled in a transaction of its own, so the locks its
        # handlers take (members, participants, orders …) are held for one event, never
        # across the events of a batch (which would make any lock order moot).
        for event_id in ids:
            async with unit_of_work(engine=engine) as session:
                pick = select(OutboxEvent).where(
                    OutboxEvent.id == event_id, OutboxEvent.dispatched_at.is_(None)
                )
                if session.get_bind().dialect.name == "postgresql":
                    pick = locks.for_update(session, pick, "outbox_events", event_id, skip_locked=True)
                ev = await session.scalar(pick)
                if ev is None:  # handled meanwhile, or another worker has it now
                    passed_over.add(event_id)
                    continue
                if await _deliver(session, ev, done):
                    ev.dispatched_at = utcnow()
                    completed += 1
                else:
                    passed_over.add(event_id)


async def _filter(session: AsyncSession, events: list[OutboxEvent], done: set[tuple[int, str]]) -> None:
    """Mark as done, for this batch, the events a filtered handler does not need."""
    names = {name for ev in events for name, _ in handlers_for(ev.type) if name in _FILTERS}
    for name in names:
        relevant = [ev for ev in events if any(n == name for n, _ in handlers_for(ev.type))]
        wanted = await _FILTERS[name](session, relevant)
        done.update((ev.id, name) for ev in relevant if ev.id not in wanted)


async def _deliver(session: AsyncSession, ev: OutboxEvent, done: set[tuple[int, str]] | None = None) -> bool:
    ok = True
    for name, fn in handlers_for(ev.type):
        if done is not None:
            if (ev.id, name) in done:
                continue
        elif await session.get(EventReceipt, (ev.id, name)) is not None:
            continue
        try:
            async with session.begin_nested():
                await fn(session, ev)
                session.add(EventReceipt(event_id=ev.id, handler=name))
                await session.flush()
        except IntegrityError:
            # Another worker recorded the receipt first: already handled.
            continue
        except Exception as exc:
            ok = False
            ev.attempts += 1
            ev.last_error = f"{name}: {exc!r}"[:2000]
            log.exception("handler %s failed on event %s", name, ev.id)
    return ok
