"""Error codes of referral campaigns (任务宝).

Each is declared once, with what it means; see :mod:`yutang.kit.errors`.
"""

from yutang.kit.errors import declare

UNKNOWN_CAMPAIGN = declare("unknown_campaign", "No such referral campaign in this workspace.")
CAMPAIGN_ENDED = declare("campaign_ended", "The referral campaign has ended.")
CAMPAIGN_PAUSED = declare("campaign_paused", "The referral campaign is paused.")
CAMPAIGN_NOT_STARTED = declare("campaign_not_started", "The referral campaign has not started yet.")
NOT_ELIGIBLE = declare("not_eligible", "The member may not take part in this campaign (segment or tier).")
NO_LINK_DOMAIN = declare("no_link_domain", "The workspace has no link domain to put share links on.")
UNKNOWN_PARTICIPANT = declare("unknown_participant", "No such campaign participant (or progress page).")
UNKNOWN_INVITE_CODE = declare("unknown_invite_code", "No such invite code in this campaign.")
UNKNOWN_INVITATION = declare("unknown_invitation", "No such invitation in this workspace.")
ALREADY_INVITED = declare(
    "already_invited",
    "The member was invited by someone else first (first touch wins).",
)
INVITATION_TAKEN = declare("invitation_taken", "The invitation belongs to another member.")
INVITATION_NOT_HELD = declare(
    "invitation_not_held",
    "Only invitations held for review can be approved or rejected.",
)
INVALID_ART = declare("invalid_art", "The poster art is not a PNG or JPEG picture of sane size.")
ART_TOO_LARGE = declare("art_too_large", "The poster art is larger than 2 MB.")
POSTER_FONT_MISSING = declare(
    "poster_font_missing",
    "No CJK font is installed for posters (run scripts/fonts.sh).",
)
CODE_EXHAUSTED = declare("code_exhausted", "No free invite code was found (retry).")
CAMPAIGN_STARTED = declare(
    "campaign_started",
    "Someone has taken part in the campaign: its rules (start, eligibility, goal, stages, "
    "rewards, cap) no longer change.",
)
