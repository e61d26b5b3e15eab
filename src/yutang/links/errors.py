"""Error codes of links, link domains, channels and live codes.

Each is declared once, with what it means; see :mod:`yutang.kit.errors`.
"""

from yutang.kit.errors import declare

INVALID_DESTINATION = declare("invalid_destination", "The destination is not an absolute http(s) URL.")
DESTINATION_TOO_LONG = declare("destination_too_long", "The destination is longer than 2,048 characters.")
DESTINATION_LOOP = declare(
    "destination_loop",
    "The destination points at one of the workspace's link domains.",
)
INVALID_SLUG = declare("invalid_slug", "The slug has characters outside [A-Za-z0-9_-] or is too long.")
RESERVED_SLUG = declare("reserved_slug", "The slug is reserved for Yutang's own paths.")
SLUG_TAKEN = declare("slug_taken", "The slug is already used on this link domain.")
UNKNOWN_DOMAIN = declare("unknown_domain", "No such link domain in this workspace.")
DOMAIN_TAKEN = declare("domain_taken", "The host is already a link domain.")
INVALID_HOST = declare("invalid_host", "The host is not a valid host name.")
UNKNOWN_CHANNEL = declare("unknown_channel", "No such channel in this workspace.")
CHANNEL_NAME_TAKEN = declare("channel_name_taken", "A channel of that name exists.")
COST_PERIOD_OVERLAPS = declare(
    "cost_period_overlaps",
    "The channel (or the link) already has exposures and spend for some of those days.",
)
INVALID_LIVE_CODE = declare(
    "invalid_live_code",
    "A live code needs at least one target with a positive weight.",
)
WRONG_LINK_KIND = declare(
    "wrong_link_kind",
    "That applies to the other kind of link (a url for links, targets for live codes).",
)
