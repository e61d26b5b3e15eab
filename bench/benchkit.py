"""What the benchmarks share: their errors, a stop-by-itself deadline, a log line, and
how busy the machine is (from /proc/stat)."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(RuntimeError):
    pass


class Deadline(BaseException):
    """Raised by SIGALRM/SIGTERM/SIGHUP: unwinds through every ``finally``."""


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def install_deadline(seconds: float) -> None:
    def on_signal(signum: int, frame: Any) -> None:
        raise Deadline(f"stopped by {signal.Signals(signum).name}")

    for sig in (signal.SIGALRM, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    signal.alarm(int(seconds))


def machine_times() -> tuple[int, int]:
    """Jiffies all CPUs spent not idle, and of those in interrupts (mostly loopback softirq)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    # user nice system idle iowait irq softirq steal
    return sum(fields[:8]) - fields[3] - fields[4], fields[5] + fields[6]


def machine_busy() -> int:
    """Jiffies all CPUs spent not idle since boot (/proc/stat)."""
    return machine_times()[0]


def background_load(seconds: float = 1.0) -> float:
    """How busy the machine is before the run, in % of one core (other people's work)."""
    b0, t0 = machine_busy(), time.monotonic()
    time.sleep(seconds)
    return round(100 * (machine_busy() - b0) / ((time.monotonic() - t0) * CLK_TCK), 1)
