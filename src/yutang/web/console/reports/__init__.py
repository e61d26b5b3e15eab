"""数据 Reports: figures read from the event store (analytics/), with charts and CSV.

Each page reads the same report function as the API (``/api/v1/reports/…``) under the
same permission, in a worker thread; names for the ids a report breaks down by
(channels, links, tiers, staff) come from the workspace's own lists. One module a page;
they register their routes on the console's router when imported, in this order.
"""

from yutang.web.console.reports import channels, fission, funnel, ltv, retention, revenue, rfm

__all__ = ["channels", "fission", "funnel", "ltv", "retention", "revenue", "rfm"]
