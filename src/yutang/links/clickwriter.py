"""The click writer: persists the clicks serving processes spooled (yutang.links.spool).

One writer per spool directory (an ``flock`` on ``writer.lock`` there). Each round it
reads the whole records past every file's committed position and, in ONE transaction,
inserts the click rows, adds the human ones to ``links.click_count`` and moves the
files' positions (``click_spool_offsets``). Killed anywhere, the transaction either
happened or not: the next writer resumes at the committed positions, so every spooled
click is written exactly once.

It runs as its own process (``yutang clicks-writer``, started by ``yutang serve``) or,
where no such process runs (an app served by granian's own CLI, the tests), inside the
serving process: :class:`~yutang.links.clicks.ClickBuffer` drains the spool after each
hand-off when it can take the writer lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import signal
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from yutang.kit.db import unit_of_work
from yutang.links import spool
from yutang.links.clicks import ClickRow, click_row, write_clicks
from yutang.models.links import ClickSpoolOffset, Link
from yutang.models.workspaces import Workspace

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

log = logging.getLogger(__name__)

#: Clicks written in one transaction at most (a backlog is worked off in such rounds).
ROUND_CLICKS = 20_000
_OFFSETS = cast(Table, ClickSpoolOffset.__table__)


@dataclass
class _Read:
    path: Path
    fd: int
    start: int
    end: int
    size: int
    clicks: list[Any]


class ClickWriter:
    def __init__(self, engine: AsyncEngine, directory: Path, round_clicks: int = ROUND_CLICKS) -> None:
        self.engine = engine
        self.directory = directory
        self.round_clicks = round_clicks
        self.written = 0
        self._lock_fd: int | None = None
        self._positions: dict[str, int] | None = None
        self._broken: set[str] = set()

    # --- the writer lock -------------------------------------------------------------

    def try_lock(self) -> bool:
        """Become this directory's writer, if no other process is (kept until close)."""
        if self._lock_fd is not None:
            return True
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.directory / "writer.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        if not spool.try_lock(fd):
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd
        self._positions = None  # read them afresh: another writer may have moved them
        return True

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # --- rounds ----------------------------------------------------------------------

    async def drain(self) -> int:
        """Write everything spooled so far (rounds until one finds nothing); the caller
        holds the lock. Returns the clicks written."""
        total = 0
        while True:
            n = await self.round()
            total += n
            if n == 0:
                return total

    async def round(self) -> int:
        """One transaction's worth: up to ``round_clicks`` clicks from the spool files.
        Files consumed whose owner let go are removed afterwards."""
        assert self._lock_fd is not None, "take the writer lock first"
        await self._forget_done()
        if self._positions is None:
            async with unit_of_work(readonly=True, engine=self.engine) as s:
                rows = (await s.execute(select(_OFFSETS.c.name, _OFFSETS.c.position))).all()
            self._positions = {name: position for name, position in rows}
        positions = self._positions
        reads: list[_Read] = []
        gathered = 0
        try:
            for path in spool.files(self.directory, spool.SPOOL):
                if path.name in self._broken:
                    continue
                try:
                    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
                except FileNotFoundError:
                    continue
                start = positions.get(path.name, 0)
                size = os.fstat(fd).st_size
                read = _Read(path, fd, start, start, size, [])
                reads.append(read)
                if gathered >= self.round_clicks:
                    continue  # only to see whether it is finished (it is not: it has more)
                try:
                    chunk = spool.read_records(fd, start, size, self.round_clicks - gathered)
                except spool.SpoolError:
                    self._set_aside(read)
                    continue
                read.clicks, read.end = chunk.clicks, chunk.end
                gathered += len(chunk.clicks)
            moved = [r for r in reads if r.end > max(r.start, spool.HEADER_SIZE)]
            if moved:
                await self._commit(moved)
                for r in moved:
                    positions[r.path.name] = r.end
            await self._finish(reads)
        except BaseException:
            self._positions = None  # the transaction may or may not have happened: re-read
            raise
        finally:
            for r in reads:
                os.close(r.fd)
        self.written += gathered
        return gathered

    async def _commit(self, moved: list[_Read]) -> None:
        sqlite = self.engine.dialect.name == "sqlite"
        rows = [_row(c, sqlite) for r in moved for c in r.clicks]
        try:
            async with unit_of_work(engine=self.engine) as s:
                await write_clicks(s, rows)
                await self._move(s, moved)
        except IntegrityError:
            # A link or workspace deleted since its clicks were spooled: those clicks
            # have nothing to belong to. Write the others (one more try, same round).
            async with unit_of_work(engine=self.engine) as s:
                kept = await _existing(s, rows)
                if len(kept) < len(rows):
                    log.warning("%d clicks dropped: their link or workspace is gone", len(rows) - len(kept))
                await write_clicks(s, kept)
                await self._move(s, moved)

    async def _move(self, s: AsyncSession, moved: list[_Read]) -> None:
        now = datetime.now(UTC)
        for r in moved:
            result = await s.execute(
                update(_OFFSETS).where(_OFFSETS.c.name == r.path.name).values(position=r.end, updated_at=now)
            )
            if cast(Any, result).rowcount == 0:
                await s.execute(insert(_OFFSETS).values(name=r.path.name, position=r.end, updated_at=now))

    async def _finish(self, reads: Iterable[_Read]) -> None:
        """Remove the files read to their end whose owner closed them (or died): renamed
        ``.done`` first, then the position is forgotten, then the file goes — a writer
        killed in between finds the ``.done`` and finishes the job, never re-reads it."""
        for r in reads:
            if r.path.name in self._broken or not spool.try_lock(r.fd):
                continue  # still being appended to
            size = os.fstat(r.fd).st_size  # final now: nobody can append any more
            consumed = self._positions.get(r.path.name, 0) if self._positions else 0
            try:
                chunk = spool.read_records(r.fd, consumed, size, 1)
            except spool.SpoolError:
                self._set_aside(r)
                continue
            if chunk.end > max(consumed, spool.HEADER_SIZE):
                continue  # whole records left: the next round writes them
            torn = size - max(consumed, spool.HEADER_SIZE)
            if torn > 0:
                log.warning(
                    "%s: the %d bytes of an incomplete last record are discarded "
                    "(its process died while appending it)",
                    r.path.name,
                    torn,
                )
            os.rename(r.path, r.path.with_suffix(spool.DONE))
        await self._forget_done()
        self._remove_stale_tmp()

    async def _forget_done(self) -> None:
        done = list(spool.files(self.directory, spool.DONE))
        if not done:
            return
        names = [p.with_suffix(spool.SPOOL).name for p in done]
        async with unit_of_work(engine=self.engine) as s:
            await s.execute(delete(_OFFSETS).where(_OFFSETS.c.name.in_(names)))
        for p, name in zip(done, names, strict=True):
            if self._positions is not None:
                self._positions.pop(name, None)
            with contextlib.suppress(FileNotFoundError):
                p.unlink()

    def _remove_stale_tmp(self) -> None:
        """``.tmp`` files of processes that died while creating them (no clicks in them)."""
        for path in spool.files(self.directory, spool.TMP):
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            except FileNotFoundError:
                continue
            try:
                if spool.try_lock(fd) and time.time() - os.fstat(fd).st_mtime > 60:
                    path.unlink(missing_ok=True)
            finally:
                os.close(fd)

    def _set_aside(self, read: _Read) -> None:
        log.error(
            "%s is damaged past byte %d; it is left in place, renamed .damaged, for a person to look at",
            read.path,
            read.start,
        )
        with contextlib.suppress(OSError):
            os.rename(read.path, read.path.with_suffix(".damaged"))
        self._broken.add(read.path.name)

    def pending_files(self) -> list[Path]:
        return list(spool.files(self.directory, spool.SPOOL))


def _row(click: Any, sqlite: bool) -> ClickRow:
    ts, link_id, ws_id, channel_id, target_id, visitor, hashed_ip, referrer, ua, is_head = click
    return click_row(
        ws_id,
        link_id,
        channel_id,
        target_id,
        datetime.fromtimestamp(ts, UTC),
        visitor,
        hashed_ip,
        referrer,
        ua,
        is_head,
        sqlite,
    )


async def _existing(s: AsyncSession, rows: list[ClickRow]) -> list[ClickRow]:
    links = {row[1] for row in rows}
    workspaces = {row[0] for row in rows}
    have_links = set((await s.scalars(select(Link.id).where(Link.id.in_(links)))).all())
    have_ws = set((await s.scalars(select(Workspace.id).where(Workspace.id.in_(workspaces)))).all())
    return [row for row in rows if row[1] in have_links and row[0] in have_ws]


# --- the process ---------------------------------------------------------------------


async def run(
    writer: ClickWriter,
    interval: float,
    stop: asyncio.Event,
    *,
    parent: int | None = None,
    stop_timeout: float = 60.0,
) -> None:
    """Rounds every ``interval`` until ``stop`` is set (or the parent process is gone);
    then on until every spool file is written and let go by its process, or
    ``stop_timeout`` seconds have passed."""
    while not writer.try_lock():
        log.info("another click writer holds %s; waiting", writer.directory / "writer.lock")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=1.0)
        if stop.is_set():
            return
    deadline: float | None = None
    failures = 0
    while True:
        if parent is not None and os.getppid() != parent:
            stop.set()
        if stop.is_set() and deadline is None:
            deadline = time.monotonic() + stop_timeout
        try:
            await writer.drain()
            failures = 0
        except Exception:
            failures += 1
            log.exception("click writer round failed; will retry")
        if deadline is not None:
            if not writer.pending_files():
                return
            if time.monotonic() > deadline:
                log.warning("click writer stopping with spool files still owned: %s", writer.pending_files())
                return
        wait = interval if failures == 0 else min(5.0, interval * 2**failures)
        if deadline is not None:
            await asyncio.sleep(min(wait, 0.05))
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait)


async def main(
    engine: AsyncEngine, directory: Path, interval: float, *, drain_only: bool, parent: int | None
) -> int:
    """``yutang clicks-writer``: returns the clicks written."""
    writer = ClickWriter(engine, directory)
    try:
        if drain_only:
            if not writer.try_lock():
                raise RuntimeError(f"another click writer is running ({directory / 'writer.lock'})")
            return await writer.drain()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run(writer, interval, stop, parent=parent)
        return writer.written
    finally:
        writer.close()
        await engine.dispose()


def lock_holder(directory: Path) -> int | None:
    """The pid of the running click writer of ``directory``, if one runs."""
    path = directory / "writer.lock"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.pread(fd, 32, 0).decode(errors="replace").strip()
            return int(text) if text.isdigit() else -1
        return None
    finally:
        os.close(fd)
