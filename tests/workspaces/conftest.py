"""Every console test starts with no sign-in attempts counted (the app is shared)."""

from __future__ import annotations

import pytest

from yutang.auth.throttle import MemoryThrottle


@pytest.fixture(autouse=True)
def _fresh_sign_in_limits(request: pytest.FixtureRequest) -> None:
    if "app" in request.fixturenames:
        throttle = request.getfixturevalue("app").app.state.sign_in_throttle
        if isinstance(throttle, MemoryThrottle):
            throttle.counters.clear()
