"""Events of links and channels. Declared once here; see :mod:`yutang.kit.events`."""

from __future__ import annotations

from yutang.kit.events import Event


class ChannelCreated(Event, type_name="channel.created"):
    """A channel (touchpoint) was created."""

    channel_id: int
    name: str
    type: str


class LinkCreated(Event, type_name="link.created"):
    """A short link or live code was created."""

    link_id: int
    slug: str
    kind: str
    channel_id: int | None


class LinkUpdated(Event, type_name="link.updated"):
    """A link was edited; ``fields`` names what changed."""

    link_id: int
    fields: list[str]


class LinkArchived(Event, type_name="link.archived"):
    """A link was archived."""

    link_id: int
