"""Error codes of the reports."""

from yutang.kit.errors import declare

UNKNOWN_EVENT_TYPE = declare("unknown_event_type", "A funnel step names a type of fact that does not exist.")
