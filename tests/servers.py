"""Yutang as a real server for the tests that need one: granian in its own process group
on a free loopback port, against the test's database, killed with its children after.

Used by the redirect-path server tests, the Redis cache test and the API fuzzing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``yutang serve`` on ``port``; returns once ``/health`` answers (or raises)."""

    def __init__(
        self, url: str, port: int, var: Path, interval: float, keep_redis: bool = False, worker: bool = False
    ) -> None:
        env = os.environ | {
            "YUTANG_DATABASE_URL": url,
            "YUTANG_VAR_DIR": str(var),
            "YUTANG_SECRET_KEY": "test",
            "YUTANG_CLICK_FLUSH_INTERVAL": str(interval),
            "YUTANG_LOG_LEVEL": "warning",
        }
        if not keep_redis:
            env.pop("YUTANG_REDIS_URL", None)
        self.port = port
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "yutang",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--worker" if worker else "--no-worker",
                "--no-migrate",
            ],
            env=env,
            start_new_session=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120  # a busy 2-core machine takes its time (CI: once > 60 s)
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"server did not start: {self.output()}")

    def output(self) -> str:
        try:
            out, _ = self.proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            return ""
        return out.decode(errors="replace")

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[list[Server]]:
    """The servers a test starts (append them), killed when it ends."""
    started: list[Server] = []
    yield started
    for s in started:
        s.kill()
