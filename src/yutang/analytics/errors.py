"""Error codes of the reports."""

from yutang.kit.errors import declare

UNKNOWN_EVENT_TYPE = declare("unknown_event_type", "A funnel step names a type of fact that does not exist.")
INVALID_FUNNEL = declare(
    "invalid_funnel", "A funnel's drill-down names no step of it, or its definition is not a funnel."
)
NOT_ENOUGH_DATA = declare(
    "not_enough_data",
    "Too few buyers, or buyers with a repeat purchase, to fit the customer-value models (422).",
)
FIT_FAILED = declare("fit_failed", "The customer-value models could not be fitted to these purchases (422).")
