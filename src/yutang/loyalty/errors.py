"""Error codes of points, earn rules and tiers.

Each is declared once, with what it means; see :mod:`yutang.kit.errors`.
"""

from yutang.kit.errors import declare

INSUFFICIENT_POINTS = declare("insufficient_points", "The member has fewer available points than needed.")
INVALID_EXPIRY = declare("invalid_expiry", "The points would expire before they are credited.")
UNKNOWN_RULE = declare("unknown_rule", "No such earn rule in this workspace.")
UNKNOWN_TIER = declare("unknown_tier", "No such tier in this workspace.")
TIER_TAKEN = declare("tier_taken", "A tier of that rank or name exists.")
INVALID_TIER = declare(
    "invalid_tier",
    "Tier thresholds must rise with rank; benefits must be known and in range.",
)
NOT_REVERSIBLE = declare("not_reversible", "Only a spend, a hold or a negative adjustment can be reversed.")
