"""Error codes of orders, refunds, payments and stored value.

Each is declared once, with what it means; see :mod:`yutang.kit.errors`.
"""

from yutang.kit.errors import declare

UNKNOWN_ORDER = declare("unknown_order", "No such order in this workspace.")
ORDER_CONFLICT = declare("order_conflict", "An order with that external id was received with other content.")
REFUND_CONFLICT = declare(
    "refund_conflict",
    "A refund with that external id was received with other content.",
)
REFUND_EXCEEDS_ORDER = declare(
    "refund_exceeds_order",
    "The refund is larger than what is left to refund on the order.",
)
INVALID_SIGNATURE = declare("invalid_signature", "The webhook signature is missing, stale or wrong.")
DEDUPE_CONFLICT = declare("dedupe_conflict", "The operation's dedupe key was used before for another member.")
PAYMENT_CONFLICT = declare("payment_conflict", "The payment reference was recorded for another purchase.")
INSUFFICIENT_BALANCE = declare("insufficient_balance", "The wallet holds less than the amount.")
REFUND_EXCEEDS_SPEND = declare("refund_exceeds_spend", "The refund is more than is left of the spend.")
UNKNOWN_TOP_UP_RULE = declare("unknown_top_up_rule", "No such top-up rule in this workspace.")
UNKNOWN_WALLET_ENTRY = declare("unknown_wallet_entry", "No such wallet spend in this workspace.")
SPEND_CONFLICT = declare(
    "spend_conflict",
    "The order reference was spent before for another member or amount.",
)
