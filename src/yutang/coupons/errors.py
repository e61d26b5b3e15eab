"""Error codes of coupon templates and coupons.

Each is declared once, with what it means; see :mod:`yutang.kit.errors`.
"""

from yutang.kit.errors import declare

INVALID_COUPON_TEMPLATE = declare(
    "invalid_coupon_template",
    "A coupon template needs a validity (valid_days or valid_until) and its gift.",
)
UNKNOWN_COUPON_TEMPLATE = declare("unknown_coupon_template", "No such coupon template in this workspace.")
COUPON_TEMPLATE_ISSUED = declare(
    "coupon_template_issued",
    "Codes of the template exist: its kind, value, gift and minimum spend no longer change.",
)
COUPON_TEMPLATE_INACTIVE = declare("coupon_template_inactive", "The coupon template is switched off.")
UNKNOWN_COUPON = declare("unknown_coupon", "No such coupon code in this workspace.")
COUPON_TAKEN = declare("coupon_taken", "The code was already claimed by a member.")
COUPON_UNCLAIMED = declare("coupon_unclaimed", "The code has not been claimed by a member yet.")
COUPON_NOT_YOURS = declare("coupon_not_yours", "The coupon belongs to another member.")
COUPON_NOT_YET_VALID = declare("coupon_not_yet_valid", "The coupon's validity has not begun.")
COUPON_EXPIRED = declare("coupon_expired", "The coupon (or its template) has expired.")
COUPON_REDEEMED = declare("coupon_redeemed", "The coupon was already used.")
COUPON_VOIDED = declare("coupon_voided", "The coupon was voided.")
OUT_OF_STOCK = declare("out_of_stock", "Nothing is left of it.")
LIMIT_REACHED = declare("limit_reached", "The member has reached the per-member limit.")
