"""Reports of the event store: ``/api/v1/reports/…``, one module a report.

A report reads the store (never the transactional database) in a worker thread, so a
long scan does not hold the server's event loop. Dates are the workspace's local days,
both ends included (default: the last 30 days). :mod:`.stats` serves the links
module's click statistics (``/api/v1/stats/…``) from the store the same way.
"""

from yutang.analytics.endpoints import (
    channels,
    fission,
    funnel,
    lifecycle,
    ltv,
    retention,
    revenue,
    rfm,
    stats,
)
from yutang.analytics.endpoints.frame import router

__all__ = [
    "channels",
    "fission",
    "funnel",
    "lifecycle",
    "ltv",
    "retention",
    "revenue",
    "rfm",
    "router",
    "stats",
]
