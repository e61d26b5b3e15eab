"""Error codes of workspaces, their users and invitations.

Each is declared once, with what it means; see :mod:`yutang.kit.errors`.
"""

from yutang.kit.errors import declare

LAST_OWNER = declare("last_owner", "A workspace keeps at least one owner.")
EMAIL_TAKEN = declare("email_taken", "A user with that email exists.")
WORKSPACE_TAKEN = declare("workspace_taken", "A workspace with that slug exists.")
UNKNOWN_USER = declare("unknown_user", "No such user in this workspace.")
INVITATION_INVALID = declare(
    "invitation_invalid",
    "The workspace invitation was used, declined, revoked or has expired.",
)
