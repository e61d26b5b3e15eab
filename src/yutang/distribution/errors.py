"""Error codes of distribution (分销): plans, distributors, commissions, withdrawals.

Each is declared once, with what it means; see :mod:`yutang.kit.errors`.
"""

from yutang.kit.errors import declare

THIRD_LEVEL_FORBIDDEN = declare(
    "third_level_forbidden",
    "Commission is paid on two levels at most; a third rate is refused.",
)
INVALID_RATE = declare(
    "invalid_rate",
    "Commission rates are 0-10,000 basis points (percent) or cents per unit (fixed).",
)
UNKNOWN_COMMISSION_PLAN = declare("unknown_commission_plan", "No such commission plan in this workspace.")
LEVEL_TAKEN = declare("level_taken", "A distributor level of that rank exists.")
UNKNOWN_DISTRIBUTOR_LEVEL = declare(
    "unknown_distributor_level", "No such distributor level in this workspace."
)
NOT_A_DISTRIBUTOR = declare("not_a_distributor", "No such (active) distributor in this workspace.")
NOT_AN_APPLICATION = declare(
    "not_an_application",
    "That distributor is not an application waiting for a decision.",
)
UNKNOWN_DISTRIBUTOR_CODE = declare("unknown_distributor_code", "No active distributor has that code.")
SELF_BINDING = declare("self_binding", "A member cannot be bound to (or recruited by) themselves.")
ALREADY_BOUND = declare(
    "already_bound",
    "The member is bound to another distributor already (the first binding stays).",
)
BELOW_MINIMUM_WITHDRAWAL = declare(
    "below_minimum_withdrawal",
    "The withdrawal is below the workspace's minimum.",
)
INSUFFICIENT_COMMISSION = declare(
    "insufficient_commission",
    "The withdrawal is more than the distributor has available.",
)
UNKNOWN_WITHDRAWAL = declare("unknown_withdrawal", "No such withdrawal in this workspace.")
WITHDRAWAL_DECIDED = declare("withdrawal_decided", "The withdrawal was already paid or rejected.")
