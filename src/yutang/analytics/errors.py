"""Error codes of the reports."""

from yutang.kit.errors import declare

UNKNOWN_EVENT_TYPE = declare("unknown_event_type", "A funnel step names a type of fact that does not exist.")
INVALID_FUNNEL = declare(
    "invalid_funnel", "A funnel's drill-down names no step of it, or its definition is not a funnel."
)
