"""Error codes of paid membership plans and subscriptions.

Each is declared once, with what it means; see :mod:`yutang.kit.errors`.
"""

from yutang.kit.errors import declare

INVALID_PLAN = declare(
    "invalid_plan",
    "A plan's period is month, quarter or year; benefits are known ones or yes/no perks.",
)
UNKNOWN_PLAN = declare("unknown_plan", "No such membership plan in this workspace.")
PLAN_INACTIVE = declare("plan_inactive", "The plan is not on sale.")
UNKNOWN_SUBSCRIPTION = declare("unknown_subscription", "No such subscription in this workspace.")
