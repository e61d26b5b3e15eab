"""The click spool: append-only files through which serving processes hand clicks to
the click writer (docs/decisions/0009-click-pipeline.md).

Each serving process appends to a file of its own under ``var/clicks/`` and holds an
exclusive ``flock`` on it while it may still append. A file is a header and records;
a record is one batch of clicks::

    header  b"YTCS" version:u8 marshal-version:u8 b"\\0\\0"     8 bytes
    record  length:u32le crc32:u32le marshal(list of click tuples)

A record is appended with a single ``write`` and only ever read up to the file's
size, so a reader sees whole records or an incomplete tail it leaves for later. What
the writer has persisted of a file is its *offset*, kept in the database in the same
transaction as the rows (:mod:`yutang.links.clickwriter`).

File names: ``<host>-<pid>-<ns>.spool``. A file is created as ``….tmp``, locked, and
only then renamed to ``….spool``, so the writer never sees a spool file that is not
locked yet. A consumed file whose owner let go is renamed ``….done`` before its
offset is forgotten, then removed.
"""

from __future__ import annotations

import contextlib
import fcntl
import marshal
import os
import socket
import struct
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAGIC = b"YTCS"
VERSION = 1
HEADER = MAGIC + bytes([VERSION, marshal.version]) + b"\0\0"
HEADER_SIZE = len(HEADER)
RECORD = struct.Struct("<II")  # payload length, crc32 of the payload
#: A file is closed (and a new one started) once it grows past this.
ROTATE_BYTES = 32 * 1024 * 1024
#: At most this much of a file is read in one round (one record always is, whatever its size).
READ_BYTES = 16 * 1024 * 1024

SPOOL = ".spool"
TMP = ".tmp"
DONE = ".done"


class SpoolError(Exception):
    """A spool file that is not one (wrong header) or whose record is damaged."""


class SpoolFile:
    """The serving process's end: appends records to its own, locked file."""

    def __init__(self, directory: Path, rotate_bytes: int = ROTATE_BYTES) -> None:
        self.directory = directory
        self.rotate_bytes = rotate_bytes
        self.fd: int | None = None
        self.path: Path | None = None
        self.size = 0

    def _open(self) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        stem = f"{socket.gethostname()}-{os.getpid()}-{time.time_ns()}"
        tmp = self.directory / (stem + TMP)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            _write_all(fd, HEADER)
            path = self.directory / (stem + SPOOL)
            os.rename(tmp, path)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        self.fd, self.path, self.size = fd, path, HEADER_SIZE
        return fd

    def append(self, clicks: list[Any]) -> None:
        """One record; on any error the file is cut back to its last whole record and
        closed (the next append starts a new file), and the error is raised."""
        payload = marshal.dumps(clicks)
        record = RECORD.pack(len(payload), zlib.crc32(payload)) + payload
        fd = self.fd if self.fd is not None else self._open()
        try:
            _write_all(fd, record)
        except BaseException:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, self.size)
            self.close()
            raise
        self.size += len(record)
        if self.size >= self.rotate_bytes:
            self.close()

    def close(self) -> None:
        """Let go of the file (and its lock): the writer removes it once consumed."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


@dataclass
class Chunk:
    """Whole records read from one file: their clicks and the offset after the last."""

    clicks: list[Any]
    end: int


def read_records(fd: int, offset: int, size: int, limit_clicks: int) -> Chunk:
    """The whole records of ``fd`` from ``offset`` (0: the file's start) up to ``size``,
    stopping once ``limit_clicks`` are gathered; an incomplete tail is left unread."""
    if offset == 0:
        head = os.pread(fd, HEADER_SIZE, 0)
        if len(head) < HEADER_SIZE:
            return Chunk([], 0)
        if head[:4] != MAGIC or head[4] != VERSION or head[5] > marshal.version:
            raise SpoolError(f"not a click spool of this version: header {head!r}")
        offset = HEADER_SIZE
    clicks: list[Any] = []
    data = os.pread(fd, min(size - offset, READ_BYTES), offset)
    pos = 0
    while len(clicks) < limit_clicks and offset + pos + RECORD.size <= size:
        if pos + RECORD.size > len(data):
            break
        length, crc = RECORD.unpack_from(data, pos)
        start, end = pos + RECORD.size, pos + RECORD.size + length
        if offset + end > size:
            break  # being written, or torn
        if end > len(data):
            if pos:
                break  # next round
            data = os.pread(fd, RECORD.size + length, offset)  # one record larger than a read
            if len(data) < end:
                break
        payload = data[start:end]
        if zlib.crc32(payload) != crc:
            raise SpoolError(f"damaged record at byte {offset + pos}")
        clicks.extend(marshal.loads(payload))  # noqa: S302 - our own files, checked above
        pos = end
    return Chunk(clicks, offset + pos)


def try_lock(fd: int) -> bool:
    """Take ``fd``'s exclusive lock if nobody holds it (True: the owner let go)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def files(directory: Path, suffix: str) -> Iterator[Path]:
    try:
        names = sorted(os.listdir(directory))
    except FileNotFoundError:
        return
    for name in names:
        if name.endswith(suffix):
            yield directory / name
