"""Error codes of members, identities, tags, segments and forms.

Each is declared once, with what it means; see :mod:`yutang.kit.errors`.
"""

from yutang.kit.errors import declare

UNKNOWN_MEMBER = declare("unknown_member", "No such member in this workspace.")
IDENTITY_REQUIRED = declare(
    "identity_required",
    "A member needs at least one identity (phone, email, openid, unionid, customer_id).",
)
INVALID_IDENTITY = declare(
    "invalid_identity",
    "The identity (phone, email, openid …) is not valid for its kind.",
)
IDENTITY_TAKEN = declare("identity_taken", "Another member already has that identity.")
IDENTITY_CONFLICT = declare("identity_conflict", "The identities given belong to different members.")
INVALID_ID_NUMBER = declare(
    "invalid_id_number",
    "The Chinese ID number has a wrong length, birth date or check character.",
)
INVALID_ATTRIBUTES = declare(
    "invalid_attributes",
    "Custom attributes are at most 100 names of 1-64 chars with simple values.",
)
MEMBER_ERASED = declare("member_erased", "The member was erased; nothing about them can change.")
MEMBER_INACTIVE = declare("member_inactive", "The member is blocked or erased and cannot earn or spend.")
TAG_GROUP_TAKEN = declare("tag_group_taken", "A tag group of that name exists.")
INVALID_TAG = declare("invalid_tag", "A tag is `group/name` with both parts 1-64 characters.")
UNKNOWN_TAG = declare("unknown_tag", "No such tag in this workspace.")
INVALID_FILTER = declare(
    "invalid_filter",
    "The segment filter has an unknown field or operator, or a value of the wrong type.",
)
UNKNOWN_SEGMENT = declare("unknown_segment", "No such segment in this workspace.")
SEGMENT_TAKEN = declare("segment_taken", "A segment of that name exists.")
SEGMENT_IS_LIST = declare(
    "segment_is_list",
    "The segment is a list of members picked from a report: it has no filter to change or freeze.",
)
INVALID_FORM = declare(
    "invalid_form",
    "The form definition is not valid (fields, keys, types, options or maps_to).",
)
FORM_TAKEN = declare("form_taken", "A form with that slug exists.")
UNKNOWN_FORM = declare("unknown_form", "No such form in this workspace.")
FORM_CLOSED = declare("form_closed", "The form no longer takes answers.")
INVALID_ANSWERS = declare(
    "invalid_answers",
    "Some answers are not valid; details.errors lists each field and why.",
)

# Why one answer of a form was refused (in details.errors of invalid_answers).
REQUIRED = declare("required", "A required answer is missing.")
INVALID_OPTION = declare("invalid_option", "The answer is not one of the field's options.")
INVALID_NUMBER = declare("invalid_number", "The answer is not a number.")
OUT_OF_RANGE = declare("out_of_range", "The number is outside the field's min and max.")
INVALID_DATE = declare("invalid_date", "The answer is not a date (YYYY-MM-DD).")
TOO_LONG = declare("too_long", "The answer is longer than the field allows.")
INVALID_ADDRESS = declare("invalid_address", "The answer is not an address.")
UNKNOWN_FIELD = declare("unknown_field", "The form has no field of that key.")
SEGMENT_IN_USE = declare(
    "segment_in_use", "Earn rules or referral campaigns use the segment; change them before deleting it."
)
