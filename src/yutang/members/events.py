"""Events of members and forms. Declared once here; see :mod:`yutang.kit.events`."""

from __future__ import annotations

from yutang.kit.events import Event


class MemberJoined(Event, type_name="member.joined"):
    """A new member: ``via`` says how (api, import, form, h5 …)."""

    member_id: int
    via: str
    source_channel_id: int | None
    first_link_id: int | None


class MemberUpdated(Event, type_name="member.updated"):
    """A member's profile changed; ``fields`` names what changed."""

    member_id: int
    fields: list[str]


class MemberTagged(Event, type_name="member.tagged"):
    """A member's tags changed."""

    member_id: int


class MemberErased(Event, type_name="member.erased"):
    """A member's personal data was erased for good."""

    member_id: int
    anonymous_id: str


class FormSubmitted(Event, type_name="form.submitted"):
    """A member submitted a form (``external_id`` makes the earning once-only)."""

    member_id: int
    form_id: int
    submission_id: int
    external_id: str
