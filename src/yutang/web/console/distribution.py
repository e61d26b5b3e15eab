"""分销 Distribution: distributors (appoint, suspend, decide applications), commission
plans, withdrawal requests to approve or reject, a distributor's page with its team tree
and ledger."""

from __future__ import annotations
