"""Share posters: how long one takes to draw, against the floor any poster of that size
costs (encoding a 750 × 1334 PNG with Pillow), measured in the same run; and what the
in-process cache gives back.

    bash bench/poster.sh [--seconds 5]

Prints posters per second for the floor, a cold draw (each poster different) and a
cached one, the ratio cold ÷ floor (how many PNG encodes one poster costs), and writes
the result to bench/out/poster-<time>.json. CPU-bound and single-threaded: it stops by
itself after --seconds per measurement (and a --deadline for the whole run).
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import time
from collections.abc import Callable
from pathlib import Path

import PIL
from benchkit import background_load, install_deadline, log

from yutang.referrals import poster

STAGES = ["邀请 3 位好友 → 30 元券", "邀请 10 位好友 → 帆布袋", "邀请 30 位好友 → 盲盒"]


def rate(fn: Callable[[int], object], seconds: float) -> float:
    """Calls per second of ``fn(i)`` over about ``seconds`` (after one warm-up call)."""
    fn(-1)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn(n)
        n += 1
    return n / (time.perf_counter() - start)


def floor(_: int) -> bytes:
    out = io.BytesIO()
    poster._background(None, "#0e7c66").save(out, format="PNG", optimize=False)
    return out.getvalue()


def draw(i: int) -> bytes:
    return poster.render(
        brand="鲜豆咖啡 FreshBean",
        title="邀请好友 一起喝好咖啡",
        subtitle="好友入会即得 50 积分",
        inviter=f"会员{i:04d}",
        stages=STAGES,
        url=f"http://127.0.0.1:8000/Ab{i:05d}",
        code=f"Ab{i:06d}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--deadline", type=float, default=120.0)
    args = parser.parse_args()
    install_deadline(args.deadline)
    load = background_load()
    log(f"font {poster.font_path()}; background load {load} % of a core")
    cache = poster.PosterCache(size=8)
    cache.put("k", draw(0))

    def cached(_: int) -> bytes | None:
        return cache.get("k")

    result = {
        "floor_per_s": round(rate(floor, args.seconds), 1),
        "cold_per_s": round(rate(draw, args.seconds), 1),
        "cached_per_s": round(rate(cached, args.seconds), 1),
    }
    result["cold_vs_floor"] = round(result["floor_per_s"] / result["cold_per_s"], 2)
    result["cold_ms"] = round(1000 / result["cold_per_s"], 1)
    out = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "pillow": PIL.__version__,
        "background_load_pct": load,
        **result,
    }
    path = Path("bench/out") / f"poster-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2))
    print(
        f"PNG floor {result['floor_per_s']}/s · poster cold {result['cold_per_s']}/s ({result['cold_ms']} ms)"
        f" · cached {result['cached_per_s']:.0f}/s\n"
        f"one poster costs {result['cold_vs_floor']} PNG encodes of its size   ({path})"
    )


if __name__ == "__main__":
    main()
