"""Domain errors with stable codes, rendered as ``{"error": {code, message, details}}``.

The code is the contract: clients branch on it, messages may change. Every code
used anywhere is listed in :data:`ERROR_CODES` (and so documented in OpenAPI).
"""

from __future__ import annotations

from typing import Any

ERROR_CODES: dict[str, str] = {
    "validation_error": "The payload did not validate (422).",
    "bad_request": "The request is malformed.",
    "unauthenticated": "No valid credentials were given.",
    "forbidden": "The caller's role does not allow this.",
    "not_found": "No such resource in this workspace.",
    "conflict": "The request conflicts with the current state.",
    "idempotency_key_reused": "The Idempotency-Key was used with a different request.",
    "idempotency_key_invalid": "The Idempotency-Key header is empty or longer than 255 chars.",
    "rate_limited": "Too many requests.",
    "method_not_allowed": "The HTTP method is not allowed on this path.",
    "body_too_large": "The request body is larger than the limit (413; `YUTANG_MAX_BODY_BYTES`).",
    "internal_error": "Something broke on our side; nothing was written.",
    "invalid_destination": "The destination is not an absolute http(s) URL.",
    "destination_too_long": "The destination is longer than 2,048 characters.",
    "destination_loop": "The destination points at one of the workspace's link domains.",
    "invalid_slug": "The slug has characters outside [A-Za-z0-9_-] or is too long.",
    "reserved_slug": "The slug is reserved for Yutang's own paths.",
    "slug_taken": "The slug is already used on this link domain.",
    "unknown_domain": "No such link domain in this workspace.",
    "domain_taken": "The host is already a link domain.",
    "invalid_host": "The host is not a valid host name.",
    "unknown_channel": "No such channel in this workspace.",
    "channel_name_taken": "A channel of that name exists.",
    "invalid_live_code": "A live code needs at least one target with a positive weight.",
    "wrong_link_kind": "That applies to the other kind of link (a url for links, targets for live codes).",
    "bulk_invalid": "At least one row of a bulk request was refused; nothing was written.",
    "bulk_too_large": "A bulk request holds at most 1,000 rows.",
    "invalid_range": "The date range is empty or reversed.",
    "invalid_cursor": "The pagination cursor is not valid.",
    "last_owner": "A workspace keeps at least one owner.",
    "email_taken": "A user with that email exists.",
    "workspace_taken": "A workspace with that slug exists.",
    "unknown_user": "No such user in this workspace.",
    "invitation_invalid": "The workspace invitation was used, declined, revoked or has expired.",
    # members
    "unknown_member": "No such member in this workspace.",
    "identity_required": "A member needs at least one identity (phone, email, openid, unionid, customer_id).",
    "invalid_identity": "The identity (phone, email, openid …) is not valid for its kind.",
    "identity_taken": "Another member already has that identity.",
    "identity_conflict": "The identities given belong to different members.",
    "invalid_id_number": "The Chinese ID number has a wrong length, birth date or check character.",
    "invalid_attributes": "Custom attributes are at most 100 names of 1-64 chars with simple values.",
    "member_erased": "The member was erased; nothing about them can change.",
    "member_inactive": "The member is blocked or erased and cannot earn or spend.",
    "tag_group_taken": "A tag group of that name exists.",
    "invalid_tag": "A tag is `group/name` with both parts 1-64 characters.",
    "unknown_tag": "No such tag in this workspace.",
    # orders
    "unknown_order": "No such order in this workspace.",
    "invalid_amount": "The amount (cents, points or quantity) must be a positive whole number.",
    "order_conflict": "An order with that external id was received with other content.",
    "refund_conflict": "A refund with that external id was received with other content.",
    "refund_exceeds_order": "The refund is larger than what is left to refund on the order.",
    "invalid_signature": "The webhook signature is missing, stale or wrong.",
    # points
    "insufficient_points": "The member has fewer available points than needed.",
    "invalid_expiry": "The points would expire before they are credited.",
    "reason_required": "A manual adjustment needs a reason.",
    "unknown_rule": "No such earn rule in this workspace.",
    "dedupe_conflict": "The operation's dedupe key was used before for another member.",
    # segments and tiers
    "invalid_filter": "The segment filter has an unknown field or operator, or a value of the wrong type.",
    "unknown_segment": "No such segment in this workspace.",
    "segment_taken": "A segment of that name exists.",
    "unknown_tier": "No such tier in this workspace.",
    "tier_taken": "A tier of that rank or name exists.",
    "invalid_tier": "Tier thresholds must rise with rank; benefits must be known and in range.",
    "not_reversible": "Only a spend, a hold or a negative adjustment can be reversed.",
    # coupons and rewards
    "invalid_coupon_template": "A coupon template needs a validity (valid_days or valid_until) and its gift.",
    "unknown_coupon_template": "No such coupon template in this workspace.",
    "coupon_template_inactive": "The coupon template is switched off.",
    "unknown_coupon": "No such coupon code in this workspace.",
    "coupon_taken": "The code was already claimed by a member.",
    "coupon_unclaimed": "The code has not been claimed by a member yet.",
    "coupon_not_yours": "The coupon belongs to another member.",
    "coupon_not_yet_valid": "The coupon's validity has not begun.",
    "coupon_expired": "The coupon (or its template) has expired.",
    "coupon_redeemed": "The coupon was already used.",
    "coupon_voided": "The coupon was voided.",
    "out_of_stock": "Nothing is left of it.",
    "limit_reached": "The member has reached the per-member limit.",
    "unknown_reward": "No such reward in this workspace.",
    "invalid_reward": "A coupon reward names an existing coupon template.",
    "reward_unavailable": "The reward is inactive or outside its validity.",
    "unlimited_stock": "The reward has unlimited stock.",
    "unknown_redemption": "No such redemption in this workspace.",
    "already_cancelled": "It was already cancelled.",
    # lotteries and auctions
    "invalid_lottery": "A lottery needs prizes whose chances add up to at most 100 %.",
    "unknown_lottery": "No such lottery in this workspace.",
    "lottery_closed": "The lottery is inactive or outside its dates.",
    "draw_limit_reached": "The member has no draws left today.",
    "invalid_auction": "The auction's end must be after its start.",
    "unknown_auction": "No such auction in this workspace.",
    "auction_closed": "The auction is not taking bids (not started, ended, closed or cancelled).",
    "auction_not_ended": "The auction has not reached its end time.",
    "bid_too_low": "The bid is below the minimum or the leading bid plus the increment.",
    # paid membership
    "invalid_plan": "A plan's period is month, quarter or year; benefits are known ones or yes/no perks.",
    "unknown_plan": "No such membership plan in this workspace.",
    "plan_inactive": "The plan is not on sale.",
    "payment_conflict": "The payment reference was recorded for another purchase.",
    "unknown_subscription": "No such subscription in this workspace.",
    # stored value
    "insufficient_balance": "The wallet holds less than the amount.",
    "refund_exceeds_spend": "The refund is more than is left of the spend.",
    "unknown_wallet_entry": "No such wallet spend in this workspace.",
    "spend_conflict": "The order reference was spent before for another member or amount.",
    # forms
    "invalid_form": "The form definition is not valid (fields, keys, types, options or maps_to).",
    "form_taken": "A form with that slug exists.",
    "unknown_form": "No such form in this workspace.",
    "form_closed": "The form no longer takes answers.",
    "invalid_answers": "Some answers are not valid; details.errors lists each field and why.",
    # why one answer was refused (in details.errors of invalid_answers)
    "required": "A required answer is missing.",
    "invalid_option": "The answer is not one of the field's options.",
    "invalid_number": "The answer is not a number.",
    "out_of_range": "The number is outside the field's min and max.",
    "invalid_date": "The answer is not a date (YYYY-MM-DD).",
    "too_long": "The answer is longer than the field allows.",
    "invalid_address": "The answer is not an address.",
    "unknown_field": "The form has no field of that key.",
    # referral campaigns
    "unknown_campaign": "No such referral campaign in this workspace.",
    "campaign_ended": "The referral campaign has ended.",
    "campaign_paused": "The referral campaign is paused.",
    "campaign_not_started": "The referral campaign has not started yet.",
    "not_eligible": "The member may not take part in this campaign (segment or tier).",
    "no_link_domain": "The workspace has no link domain to put share links on.",
    "unknown_participant": "No such campaign participant (or progress page).",
    "unknown_invite_code": "No such invite code in this campaign.",
    "unknown_invitation": "No such invitation in this workspace.",
    "already_invited": "The member was invited by someone else first (first touch wins).",
    "invitation_taken": "The invitation belongs to another member.",
    "invitation_not_held": "Only invitations held for review can be approved or rejected.",
    "invalid_art": "The poster art is not a PNG or JPEG picture of sane size.",
    "art_too_large": "The poster art is larger than 2 MB.",
    "poster_font_missing": "No CJK font is installed for posters (run scripts/fonts.sh).",
    "code_exhausted": "No free invite code was found (retry).",
    # distribution
    "third_level_forbidden": "Commission is paid on two levels at most; a third rate is refused.",
    "invalid_rate": "Commission rates are 0-10,000 basis points (percent) or cents per unit (fixed).",
    "unknown_commission_plan": "No such commission plan in this workspace.",
    "level_taken": "A distributor level of that rank exists.",
    "not_a_distributor": "No such (active) distributor in this workspace.",
    "not_an_application": "That distributor is not an application waiting for a decision.",
    "unknown_distributor_code": "No active distributor has that code.",
    "self_binding": "A member cannot be bound to (or recruited by) themselves.",
    "already_bound": "The member is bound to another distributor already (the first binding stays).",
    "below_minimum_withdrawal": "The withdrawal is below the workspace's minimum.",
    "insufficient_commission": "The withdrawal is more than the distributor has available.",
    "unknown_withdrawal": "No such withdrawal in this workspace.",
    "withdrawal_decided": "The withdrawal was already paid or rejected.",
}


class YutangError(Exception):
    """Base of every error a client may see. ``code`` must be in ERROR_CODES."""

    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        elif self.code == "validation_error":
            self.status_code = 422  # payload validation, wherever it is detected
        if self.code not in ERROR_CODES:
            raise AssertionError(f"undocumented error code {self.code!r}")
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class BadRequest(YutangError):
    status_code = 400


class Unauthenticated(YutangError):
    status_code = 401
    code = "unauthenticated"


class Forbidden(YutangError):
    status_code = 403
    code = "forbidden"


class NotFound(YutangError):
    status_code = 404
    code = "not_found"


class Conflict(YutangError):
    status_code = 409
    code = "conflict"
