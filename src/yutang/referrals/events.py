"""Events of referral campaigns (任务宝). Declared once here; see :mod:`yutang.kit.events`."""

from __future__ import annotations

from yutang.kit.events import Event


class ReferralParticipantJoined(Event, type_name="referral.participant_joined"):
    """A member joined a campaign as an inviter. ``share_link_id`` is their own short
    link (the reports count clicks on it as shares)."""

    campaign_id: int
    member_id: int
    participant_id: int
    share_link_id: int | None = None


class _Invitation(Event):
    """An invitation judged: its verdict's reasons."""

    invitation_id: int
    campaign_id: int
    inviter_id: int
    invitee_id: int | None
    reasons: list[str]


class InvitationJoined(_Invitation, type_name="invitation.joined"):
    """An invitee joined through an invitation and counts."""


class InvitationHeld(_Invitation, type_name="invitation.held"):
    """An invitation waits for review (the reasons say why)."""


class InvitationRejected(_Invitation, type_name="invitation.rejected"):
    """An invitation was refused (fraud rules)."""


class InvitationQualified(Event, type_name="invitation.qualified"):
    """An invitee met the campaign's goal. ``member_id`` is the inviter: earn rules with the
    ``referral`` trigger pay them."""

    member_id: int
    invitee_id: int
    campaign_id: int
    invitation_id: int
    external_id: str


class InvitationRevoked(Event, type_name="invitation.revoked"):
    """A counted invitation was taken back (invitee blocked or erased …)."""

    invitation_id: int
    campaign_id: int
    inviter_id: int
    reason: str


class ReferralStageReached(Event, type_name="referral.stage_reached"):
    """An inviter reached a stage and was awarded."""

    campaign_id: int
    member_id: int
    stage_id: int
    threshold: int
    award_id: int
