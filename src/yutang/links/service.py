"""Link domains, channels, short links and live codes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from yutang.kit import audit, events
from yutang.kit.context import Ctx
from yutang.kit.db import after_commit
from yutang.kit.errors import (
    BULK_INVALID,
    BULK_TOO_LARGE,
    INVALID_RANGE,
    VALIDATION_ERROR,
    BadRequest,
    Conflict,
    NotFound,
    YutangError,
)
from yutang.kit.pagination import page_of, paginate
from yutang.links import addresses, repository
from yutang.links.cache import link_cache
from yutang.links.errors import (
    CHANNEL_NAME_TAKEN,
    DESTINATION_TOO_LONG,
    DOMAIN_TAKEN,
    INVALID_LIVE_CODE,
    SLUG_TAKEN,
    UNKNOWN_CHANNEL,
    UNKNOWN_DOMAIN,
    WRONG_LINK_KIND,
)
from yutang.links.events import ChannelCreated, LinkArchived, LinkCreated, LinkUpdated
from yutang.links.schemas import ChannelIn, ChannelPatch, LinkIn, LinkPatch, LinkStatus, TargetIn
from yutang.models.base import utcnow
from yutang.models.links import Channel, Link, LinkDomain, LiveCodeTarget
from yutang.models.workspaces import Workspace

BULK_LIMIT = 1000


# --- link domains -----------------------------------------------------------------------


async def add_domain(ctx: Ctx, host: str, *, is_default: bool = False, https: bool = False) -> LinkDomain:
    norm = addresses.check_host(host)
    if await repository.domain_by_host(ctx.session, norm) is not None:
        # Same answer whichever workspace holds it: hosts are global, but whose they are is not told.
        raise Conflict(f"The host {norm!r} is already a link domain.", code=DOMAIN_TAKEN)
    existing = await repository.domains(ctx.session, ctx.workspace_id)
    if is_default or not existing:
        for d in existing:
            d.is_default = False
        is_default = True
    domain = LinkDomain(workspace_id=ctx.workspace_id, host=norm, is_default=is_default, https=https)
    ctx.session.add(domain)
    try:
        await ctx.session.flush()
    except IntegrityError as exc:
        raise Conflict(f"The host {norm!r} is already a link domain.", code=DOMAIN_TAKEN) from exc
    audit.record(ctx, "link_domain.added", "link_domain", domain.id, {"host": norm})
    after_commit(ctx.session, link_cache.invalidate_domains)
    return domain


async def list_domains(ctx: Ctx) -> list[LinkDomain]:
    return await repository.domains(ctx.session, ctx.workspace_id)


async def _domain_for(ctx: Ctx, host: str | None, domains: Sequence[LinkDomain]) -> LinkDomain:
    if host is None:
        for d in domains:
            if d.is_default:
                return d
        if domains:
            return domains[0]
        raise BadRequest("The workspace has no link domain.", code=UNKNOWN_DOMAIN)
    norm = addresses.normalize_host(host)
    for d in domains:
        if d.host == norm:
            return d
    raise BadRequest(f"{host!r} is not a link domain of this workspace.", code=UNKNOWN_DOMAIN)


# --- channels ---------------------------------------------------------------------------


async def create_channel(ctx: Ctx, data: ChannelIn) -> Channel:
    name = data.name.strip()
    if await repository.channel_by_name(ctx.session, ctx.workspace_id, name) is not None:
        raise Conflict(
            f"A channel named {name!r} exists.", code=CHANNEL_NAME_TAKEN, details={"field": "name"}
        )
    ch = Channel(workspace_id=ctx.workspace_id, name=name, type=data.type, exposures=data.exposures)
    ctx.session.add(ch)
    await ctx.session.flush()
    audit.record(ctx, "channel.created", "channel", ch.id, data.model_dump())
    events.emit(ctx, ChannelCreated(channel_id=ch.id, name=name, type=ch.type))
    return ch


async def get_channel(ctx: Ctx, channel_id: int) -> Channel:
    ch = await repository.channel(ctx.session, ctx.workspace_id, channel_id)
    if ch is None:
        raise NotFound("No such channel.", code=UNKNOWN_CHANNEL)
    return ch


async def update_channel(ctx: Ctx, channel_id: int, data: ChannelPatch) -> Channel:
    ch = await get_channel(ctx, channel_id)
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is not None:
        name = changes["name"].strip()
        other = await repository.channel_by_name(ctx.session, ctx.workspace_id, name)
        if other is not None and other.id != ch.id:
            raise Conflict(
                f"A channel named {name!r} exists.", code=CHANNEL_NAME_TAKEN, details={"field": "name"}
            )
        changes["name"] = name
    for key, value in changes.items():
        if value is None and key != "exposures":
            continue
        setattr(ch, key, value)
    audit.record(ctx, "channel.updated", "channel", ch.id, changes)
    return ch


async def list_channels(
    ctx: Ctx, cursor: str | None, limit: int, include_archived: bool = False
) -> tuple[list[Channel], str | None]:
    stmt = paginate(repository.channels_query(ctx.workspace_id, include_archived), Channel.id, cursor, limit)
    rows = (await ctx.session.scalars(stmt)).all()
    return page_of(rows, limit, lambda c: c.id)


# --- links ------------------------------------------------------------------------------


@dataclass
class _Env:
    """What validating a batch of links needs, loaded once per call."""

    domains: list[LinkDomain]
    own_hosts: set[str]
    channels: set[int]


async def _env(ctx: Ctx, channel_ids: set[int]) -> _Env:
    domains = await repository.domains(ctx.session, ctx.workspace_id)
    channels = await repository.channel_ids(ctx.session, ctx.workspace_id, channel_ids)
    return _Env(domains, {d.host for d in domains}, channels)


async def repeat_of(ctx: Ctx, data: LinkIn) -> tuple[tuple[Any, ...], Link | None]:
    """What makes a link given again the same link — so that an import run twice creates
    nothing new: its custom slug on its domain or, without a slug, its destination (the
    URL with its UTM fields), title and channel. Returns that identity and the link that
    exists with it (for a slug: only if it leads to the same destination), or None.

    A row that does not validate gets an identity of its own: creating it reports why."""
    env = await _env(ctx, set())
    try:
        domain = await _domain_for(ctx, data.domain, env.domains)
        if data.url is None or data.targets is not None:
            return ("row", id(data)), None
        destination = addresses.with_utm(addresses.check_destination(data.url, env.own_hosts), _utm(data.utm))
    except YutangError:
        return ("row", id(data)), None
    if data.slug is not None:
        found = await repository.link_by_slug(ctx.session, domain.id, data.slug)
        same = found is not None and found.destination == destination
        # The destination is part of the identity: the same slug to another destination
        # is no repeat but a conflict, and creating it says so (`slug_taken`).
        return ("slug", domain.id, data.slug, destination), found if same else None
    title = data.title.strip()
    found = await repository.link_like(ctx.session, domain.id, destination, title, data.channel_id)
    return ("link", domain.id, destination, title, data.channel_id), found


def _utm(data: Any) -> dict[str, str]:
    return {k: v for k, v in data.model_dump().items() if v}


def _check_targets(targets: list[TargetIn], own_hosts: set[str]) -> list[TargetIn]:
    if not targets or not any(t.weight > 0 and t.enabled for t in targets):
        raise BadRequest(
            "A live code needs at least one enabled target with a positive weight.",
            code=INVALID_LIVE_CODE,
        )
    return [
        t.model_copy(
            update={
                "destination": addresses.check_destination(
                    t.destination, own_hosts, field=f"targets[{i}].destination"
                )
            }
        )
        for i, t in enumerate(targets)
    ]


async def _prepare(ctx: Ctx, data: LinkIn, env: _Env) -> tuple[Link, LinkDomain, list[TargetIn]]:
    """Validate one link and build it (not yet added to the session)."""
    domain = await _domain_for(ctx, data.domain, env.domains)
    targets: list[TargetIn] = []
    if data.targets is not None:
        if data.url is not None:
            raise BadRequest("Give either url or targets, not both.", code=VALIDATION_ERROR)
        kind = "live"
        targets = _check_targets(data.targets, env.own_hosts)
        url = destination = ""
    else:
        if data.url is None:
            raise BadRequest("A link needs a url (or targets for a live code).", code=VALIDATION_ERROR)
        kind = "link"
        url = addresses.check_destination(data.url, env.own_hosts)
        utm = _utm(data.utm)
        destination = addresses.with_utm(url, utm)
        if len(destination) > addresses.MAX_DESTINATION:
            raise BadRequest(
                "The destination with its UTM parameters is longer than 2,048 characters.",
                code=DESTINATION_TOO_LONG,
                details={"field": "utm", "length": len(destination)},
            )
    fallbacks: dict[str, str | None] = {}
    for field in ("expired_url", "exhausted_url", "fallback_url"):
        value = getattr(data, field)
        checked = None if value is None else addresses.check_destination(value, env.own_hosts, field=field)
        fallbacks[field] = checked
    if data.channel_id is not None and data.channel_id not in env.channels:
        raise BadRequest(
            "No such channel in this workspace.", code=UNKNOWN_CHANNEL, details={"field": "channel_id"}
        )
    slug = addresses.check_slug(data.slug) if data.slug is not None else ""
    link = Link(
        workspace_id=ctx.workspace_id,
        domain_id=domain.id,
        slug=slug,
        kind=kind,
        url=url,
        destination=destination,
        title=data.title.strip(),
        tags=addresses.clean_tags(data.tags),
        channel_id=data.channel_id,
        utm=_utm(data.utm) if kind == "link" else {},
        expires_at=data.expires_at,
        expired_url=fallbacks["expired_url"],
        max_clicks=data.max_clicks,
        exhausted_url=fallbacks["exhausted_url"],
        fallback_url=fallbacks["fallback_url"],
        redirect_status=data.redirect_status,
    )
    return link, domain, targets


async def _assign_slugs(ctx: Ctx, links: list[Link]) -> None:
    """Generated slugs for links without one, avoiding every slug already taken."""
    for _ in range(10):
        missing = [lk for lk in links if not lk.slug]
        if not missing:
            return
        for lk in missing:
            lk.slug = addresses.generate_slug()
        taken = await repository.taken_slugs(ctx.session, [(lk.domain_id, lk.slug) for lk in missing])
        # Slugs of this batch that are not in the database yet: custom ones, and those
        # generated on an earlier round.
        fresh = {id(lk) for lk in missing}
        seen = {(lk.domain_id, lk.slug) for lk in links if id(lk) not in fresh}
        for lk in missing:
            key = (lk.domain_id, lk.slug)
            if key in taken or key in seen:
                lk.slug = ""
            seen.add(key)
    raise Conflict("Could not find a free slug; try again.")


async def _insert(ctx: Ctx, prepared: list[tuple[Link, LinkDomain, list[TargetIn]]]) -> None:
    links = [p[0] for p in prepared]
    await _assign_slugs(ctx, links)
    ctx.session.add_all(links)
    try:
        await ctx.session.flush()
    except IntegrityError as exc:
        raise Conflict("A slug was taken meanwhile; nothing was written.", code=SLUG_TAKEN) from exc
    for link, domain, targets in prepared:
        for t in targets:
            ctx.session.add(_target(link, t))
        audit.record(ctx, "link.created", "link", link.id, {"slug": link.slug, "url": link.url})
        events.emit(
            ctx,
            LinkCreated(link_id=link.id, slug=link.slug, kind=link.kind, channel_id=link.channel_id),
        )
        after_commit(ctx.session, _invalidator(domain.host, link.slug))
    await ctx.session.flush()


def _target(link: Link, t: TargetIn) -> LiveCodeTarget:
    return LiveCodeTarget(
        link_id=link.id,
        workspace_id=link.workspace_id,
        label=t.label,
        destination=t.destination,
        weight=t.weight,
        daily_cap=t.daily_cap,
        enabled=t.enabled,
    )


def _invalidator(host: str, slug: str) -> Any:
    return lambda: link_cache.invalidate(host, slug)


async def _check_custom_slugs_free(
    ctx: Ctx, prepared: list[tuple[Link, LinkDomain, list[TargetIn]]]
) -> set[int]:
    """Indices (into ``prepared``) whose custom slug is taken or repeated in the batch."""
    custom = [(i, p[0].domain_id, p[0].slug) for i, p in enumerate(prepared) if p[0].slug]
    taken = await repository.taken_slugs(ctx.session, [(d, s) for _, d, s in custom])
    bad: set[int] = set()
    seen: set[tuple[int, str]] = set()
    for i, d, s in custom:
        if (d, s) in taken or (d, s) in seen:
            bad.add(i)
        seen.add((d, s))
    return bad


async def create_link(ctx: Ctx, data: LinkIn) -> Link:
    env = await _env(ctx, {data.channel_id} if data.channel_id else set())
    prepared = [await _prepare(ctx, data, env)]
    if await _check_custom_slugs_free(ctx, prepared):
        raise Conflict(
            f"The slug {data.slug!r} is already used on this domain.",
            code=SLUG_TAKEN,
            details={"field": "slug", "slug": data.slug},
        )
    await _insert(ctx, prepared)
    return prepared[0][0]


async def create_links_bulk(ctx: Ctx, rows: list[LinkIn]) -> list[Link]:
    """All or nothing: either every row is created, or none and every bad row is reported."""
    if len(rows) > BULK_LIMIT:
        raise BadRequest(
            f"A bulk request holds at most {BULK_LIMIT} links; this one has {len(rows)}.",
            code=BULK_TOO_LARGE,
        )
    env = await _env(ctx, {r.channel_id for r in rows if r.channel_id})
    prepared: list[tuple[Link, LinkDomain, list[TargetIn]]] = []
    row_of: list[int] = []  # prepared[j] is rows[row_of[j]]
    errors: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        try:
            prepared.append(await _prepare(ctx, row, env))
            row_of.append(i)
        except YutangError as exc:
            errors.append({"row": i, "code": exc.code, "message": exc.message, **_field(exc)})
    # Taken and repeated slugs are reported together with the other refused rows.
    for j in sorted(await _check_custom_slugs_free(ctx, prepared)):
        i = row_of[j]
        errors.append(
            {
                "row": i,
                "code": SLUG_TAKEN,
                "message": f"The slug {rows[i].slug!r} is taken.",
                "field": "slug",
            }
        )
    if errors:
        raise BadRequest(
            f"{len(errors)} of {len(rows)} rows were refused; nothing was written.",
            code=BULK_INVALID,
            details={"errors": sorted(errors, key=lambda e: e["row"])},
        )
    await _insert(ctx, prepared)
    return [p[0] for p in prepared]


def _field(exc: YutangError) -> dict[str, Any]:
    field = exc.details.get("field")
    return {"field": field} if field else {}


async def get_link(ctx: Ctx, link_id: int) -> Link:
    link = await repository.link(ctx.session, ctx.workspace_id, link_id)
    if link is None:
        raise NotFound("No such link.")
    return link


async def update_link(ctx: Ctx, link_id: int, data: LinkPatch) -> Link:
    link = await get_link(ctx, link_id)
    changes = data.model_dump(exclude_unset=True)
    env = await _env(ctx, {data.channel_id} if data.channel_id else set())
    if "url" in changes or "utm" in changes:
        if link.kind != "link":
            raise BadRequest("A live code has targets, not a url.", code=WRONG_LINK_KIND)
        url = addresses.check_destination(data.url or link.url, env.own_hosts)
        utm = _utm(data.utm) if data.utm is not None else dict(link.utm)
        destination = addresses.with_utm(url, utm)
        if len(destination) > addresses.MAX_DESTINATION:
            raise BadRequest(
                "The destination with its UTM parameters is longer than 2,048 characters.",
                code=DESTINATION_TOO_LONG,
            )
        link.url, link.utm, link.destination = url, utm, destination
    for field in ("expired_url", "exhausted_url", "fallback_url"):
        if changes.get(field) is not None:
            changes[field] = addresses.check_destination(changes[field], env.own_hosts, field=field)
    if "channel_id" in changes and data.channel_id is not None and data.channel_id not in env.channels:
        raise BadRequest(
            "No such channel in this workspace.", code=UNKNOWN_CHANNEL, details={"field": "channel_id"}
        )
    for field in (
        "title",
        "channel_id",
        "expires_at",
        "expired_url",
        "max_clicks",
        "exhausted_url",
        "fallback_url",
        "redirect_status",
        "disabled",
    ):
        if field in changes:
            value = changes[field]
            if value is None and field in ("title", "redirect_status", "disabled"):
                continue
            setattr(link, field, value.strip() if field == "title" else value)
    if data.tags is not None:
        link.tags = addresses.clean_tags(data.tags)
    if data.targets is not None:
        if link.kind != "live":
            raise BadRequest("Only a live code has targets.", code=WRONG_LINK_KIND)
        targets = _check_targets(data.targets, env.own_hosts)
        await _replace_targets(ctx, link, targets)
    link.updated_at = utcnow()
    audit.record(ctx, "link.updated", "link", link.id, changes)
    events.emit(ctx, LinkUpdated(link_id=link.id, fields=sorted(changes)))
    domain = await ctx.session.get(LinkDomain, link.domain_id)
    assert domain is not None
    after_commit(ctx.session, _invalidator(domain.host, link.slug))
    await ctx.session.flush()
    return link


async def _replace_targets(ctx: Ctx, link: Link, targets: list[TargetIn]) -> None:
    """Targets are matched by label so that today's counters survive an edit."""
    current = (await repository.targets(ctx.session, [link.id]))[link.id]
    by_label = {t.label: t for t in current}
    keep: set[int] = set()
    for t in targets:
        existing = by_label.get(t.label)
        if existing is None:
            ctx.session.add(_target(link, t))
        else:
            keep.add(existing.id)
            existing.destination, existing.weight = t.destination, t.weight
            existing.daily_cap, existing.enabled = t.daily_cap, t.enabled
    for old in current:
        if old.id not in keep:
            # Disabled, not deleted: its clicks and counters still point at it.
            old.enabled = False
            old.weight = 0


async def archive_link(ctx: Ctx, link_id: int) -> Link:
    """Links are archived, never deleted: the slug stays taken and its clicks stay."""
    link = await get_link(ctx, link_id)
    if not link.archived:
        link.archived = True
        link.disabled = True
        audit.record(ctx, "link.archived", "link", link.id, {"slug": link.slug})
        events.emit(ctx, LinkArchived(link_id=link.id))
        domain = await ctx.session.get(LinkDomain, link.domain_id)
        assert domain is not None
        after_commit(ctx.session, _invalidator(domain.host, link.slug))
    return link


async def list_links(
    ctx: Ctx,
    cursor: str | None,
    limit: int,
    *,
    channel_id: int | None = None,
    tag: str | None = None,
    q: str | None = None,
    kind: str | None = None,
    include_archived: bool = False,
    status: LinkStatus | None = None,
    created_from: date | None = None,
    created_to: date | None = None,
) -> tuple[list[Link], str | None]:
    """A page of links, newest first. ``created_from`` / ``created_to`` are days of the
    workspace's calendar, both included."""
    if created_from and created_to and created_to < created_from:
        raise BadRequest("created_to is before created_from.", code=INVALID_RANGE)
    zone = await _zone(ctx) if created_from or created_to else None
    stmt = repository.links_query(
        ctx.workspace_id,
        dialect=ctx.session.get_bind().dialect.name,
        channel_id=channel_id,
        tag=tag,
        q=q,
        kind=kind,
        include_archived=include_archived,
        status=status,
        created_from=None if created_from is None or zone is None else _day_start(created_from, zone),
        created_before=None
        if created_to is None or zone is None
        else _day_start(created_to + timedelta(days=1), zone),
    )
    rows = (await ctx.session.scalars(paginate(stmt, Link.id, cursor, limit))).all()
    return page_of(rows, limit, lambda lk: lk.id)


def status_of(link: Link, now: datetime | None = None) -> LinkStatus:
    """What the link does now (the same rules as the redirect path and
    :func:`repository.status_condition`)."""
    now = now or utcnow()
    if link.archived:
        return "archived"
    if link.disabled:
        return "disabled"
    if link.expires_at is not None and link.expires_at <= now:
        return "expired"
    if link.max_clicks is not None and link.click_count >= link.max_clicks:
        return "exhausted"
    return "active"


async def domain_hosts(ctx: Ctx) -> dict[int, LinkDomain]:
    return {d.id: d for d in await repository.domains(ctx.session, ctx.workspace_id)}


async def link_targets(ctx: Ctx, links: Sequence[Link]) -> dict[int, list[LiveCodeTarget]]:
    return await repository.targets(ctx.session, [lk.id for lk in links if lk.kind == "live"])


async def find_link_by_slug(ctx: Ctx, slug: str, host: str | None = None) -> Link:
    domains = await repository.domains(ctx.session, ctx.workspace_id)
    domain = await _domain_for(ctx, host, domains)
    link = await repository.link_by_slug(ctx.session, domain.id, slug)
    if link is None:
        raise NotFound("No such link.")
    return link


async def _zone(ctx: Ctx) -> ZoneInfo:
    ws = await ctx.session.get(Workspace, ctx.workspace_id)
    return ZoneInfo(ws.timezone if ws else "UTC")


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone).astimezone(UTC)


async def local_today(ctx: Ctx) -> date:
    return datetime.now(await _zone(ctx)).date()
