"""Members: joining (with de-duplication by identity), profiles, tags.

Export and erasure of a member span domains: :mod:`yutang.privacy` composes them
(the members' part is :mod:`yutang.members.privacy`).

PII goes through :mod:`yutang.kit.crypto` on the way in and out; nothing here logs it
and audit entries name fields, never their values.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, select, true
from sqlalchemy.exc import IntegrityError

from yutang.kit import audit, crypto, events
from yutang.kit.context import Ctx
from yutang.kit.errors import BadRequest, Conflict, NotFound
from yutang.kit.pagination import page_of, paginate
from yutang.links import repository as links_repository
from yutang.links.errors import UNKNOWN_CHANNEL
from yutang.members import identities, repository
from yutang.members.errors import (
    IDENTITY_CONFLICT,
    IDENTITY_REQUIRED,
    IDENTITY_TAKEN,
    INVALID_ATTRIBUTES,
    INVALID_TAG,
    MEMBER_ERASED,
    MEMBER_INACTIVE,
    TAG_GROUP_TAKEN,
    UNKNOWN_MEMBER,
    UNKNOWN_TAG,
)
from yutang.members.events import MemberJoined, MemberTagged, MemberUpdated
from yutang.members.schemas import Address, MemberIn, MemberPatch
from yutang.models.base import utcnow
from yutang.models.members import Member, MemberIdentity, MemberTag, Tag, TagGroup
from yutang.models.workspaces import WorkspaceMember
from yutang.workspaces.errors import UNKNOWN_USER

IDENTITY_KINDS = ("phone", "email", "openid", "unionid", "customer_id")


@dataclass
class MemberView:
    """A member with its identities and tags, PII opened (or masked)."""

    member: Member
    identities: dict[str, str]
    tags: list[tuple[Tag, str]]
    name: str | None
    address: dict[str, Any] | None
    id_number: str | None
    pii_visible: bool


# --- identities -------------------------------------------------------------------------


def identity_hash(workspace_id: int, kind: str, normalized: str) -> str:
    return crypto.keyring().blind_index(workspace_id, kind, normalized)


def _normalized(given: dict[str, str]) -> dict[str, str]:
    return {kind: identities.normalize_identity(kind, value) for kind, value in given.items()}


async def find_by_identity(ctx: Ctx, kind: str, value: str) -> Member | None:
    norm = identities.normalize_identity(kind, value)
    key = (kind, identity_hash(ctx.workspace_id, kind, norm))
    found = await repository.members_by_hashes(ctx.session, ctx.workspace_id, [key])
    if key not in found:
        return None
    member = await repository.member(ctx.session, ctx.workspace_id, found[key])
    return member if member is not None and _sees(ctx, member) else None


async def _owners_of(ctx: Ctx, idents: dict[str, str]) -> set[int]:
    pairs = [(k, identity_hash(ctx.workspace_id, k, v)) for k, v in idents.items()]
    return set((await repository.members_by_hashes(ctx.session, ctx.workspace_id, pairs)).values())


def _add_identities(ctx: Ctx, member_id: int, idents: dict[str, str]) -> None:
    keys = crypto.keyring()
    for kind, value in idents.items():
        ctx.session.add(
            MemberIdentity(
                workspace_id=ctx.workspace_id,
                member_id=member_id,
                kind=kind,
                value_hash=keys.blind_index(ctx.workspace_id, kind, value),
                value_sealed=keys.seal(f"identity.{kind}", value),
            )
        )


# --- joining ----------------------------------------------------------------------------


async def create_member(ctx: Ctx, data: MemberIn, *, via: str = "api") -> Member:
    """A new member; refused when one of the identities already belongs to someone."""
    member, _created = await join(ctx, data, via=via, merge=False)
    return member


async def join(ctx: Ctx, data: MemberIn, *, via: str = "api", merge: bool = True) -> tuple[Member, bool]:
    """Create the member, or (``merge``) find them by any identity and fill in what is new.

    Returns ``(member, created)``. Identities that match two different members are
    refused (``identity_conflict``): merging people is a decision for an operator.
    """
    idents = _normalized(data.given())
    id_number = identities.check_cn_id_number(data.id_number) if data.id_number else None
    # Checked for a returning member too: the answer never depends on whether they exist.
    await _check_refs(ctx, data.source_channel_id, data.owner_user_id)
    owners = await _owners_of(ctx, idents)
    if len(owners) > 1:
        raise Conflict(
            "These identities belong to different members.",
            code=IDENTITY_CONFLICT,
            details={"member_ids": sorted(owners)},
        )
    if owners:
        if not merge:
            raise Conflict(
                "A member with one of these identities exists.",
                code=IDENTITY_TAKEN,
                details={"member_id": next(iter(owners))},
            )
        member = await repository.member(ctx.session, ctx.workspace_id, owners.pop(), lock=True)
        assert member is not None
        if member.status == "erased":
            raise Conflict("That member was erased.", code=MEMBER_ERASED, details={"member_id": member.id})
        await _fill_in(ctx, member, data, idents, id_number)
        return member, False

    if not idents:
        raise BadRequest(
            "A member needs at least one identity (phone, email, openid, unionid or customer_id).",
            code=IDENTITY_REQUIRED,
        )
    now = utcnow()
    member = Member(
        workspace_id=ctx.workspace_id,
        anonymous_id=secrets.token_hex(16),
        name_sealed=crypto.seal("member.name", data.name.strip()) if data.name else None,
        address_sealed=_seal_address(data.address),
        id_number_sealed=crypto.seal("member.id_number", id_number),
        gender=data.gender,
        birthday=data.birthday,
        attributes=_clean_attributes(data.attributes),
        source_channel_id=data.source_channel_id,
        visitor_id=data.visitor_id,
        owner_user_id=data.owner_user_id,
        consents={k: {"granted": v, "at": now.isoformat()} for k, v in data.consents.items()},
        joined_at=now,
        last_active_at=now,
    )
    if data.visitor_id:
        click = await repository.first_click_of(ctx.session, ctx.workspace_id, data.visitor_id)
        if click is not None:
            member.first_link_id = click.link_id
            if member.source_channel_id is None:
                member.source_channel_id = click.channel_id
    ctx.session.add(member)
    try:
        async with ctx.session.begin_nested():
            await ctx.session.flush()
            _add_identities(ctx, member.id, idents)
            await ctx.session.flush()
    except IntegrityError as exc:
        # Someone else joined with the same identity a moment ago.
        raise Conflict(
            "A member with one of these identities was just created.", code=IDENTITY_TAKEN
        ) from exc
    if data.tags:
        await _apply_tags(ctx, member.id, data.tags, [])
    audit.record(ctx, "member.created", "member", member.id, {"via": via, "identities": sorted(idents)})
    events.emit(
        ctx,
        MemberJoined(
            member_id=member.id,
            via=via,
            source_channel_id=member.source_channel_id,
            first_link_id=member.first_link_id,
        ),
    )
    return member, True


async def _fill_in(
    ctx: Ctx, member: Member, data: MemberIn, idents: dict[str, str], id_number: str | None
) -> None:
    """A returning member: add what we did not know, overwrite nothing."""
    have = {i.kind for i in (await repository.identities(ctx.session, [member.id]))[member.id]}
    new = {k: v for k, v in idents.items() if k not in have}
    if new:
        _add_identities(ctx, member.id, new)
    changed = sorted(new)
    if data.name and member.name_sealed is None:
        member.name_sealed = crypto.seal("member.name", data.name.strip())
        changed.append("name")
    if data.address and member.address_sealed is None:
        member.address_sealed = _seal_address(data.address)
        changed.append("address")
    if id_number and member.id_number_sealed is None:
        member.id_number_sealed = crypto.seal("member.id_number", id_number)
        changed.append("id_number")
    if data.birthday and member.birthday is None:
        member.birthday = data.birthday
        changed.append("birthday")
    if data.gender != "unknown" and member.gender == "unknown":
        member.gender = data.gender
        changed.append("gender")
    extra = {k: v for k, v in _clean_attributes(data.attributes).items() if k not in member.attributes}
    if extra:
        member.attributes = {**member.attributes, **extra}
        changed.append("attributes")
    if data.consents:
        now = utcnow().isoformat()
        member.consents = {
            **member.consents,
            **{k: {"granted": v, "at": now} for k, v in data.consents.items()},
        }
        changed.append("consents")
    member.last_active_at = utcnow()
    if data.tags:
        await _apply_tags(ctx, member.id, data.tags, [])
    if changed:
        audit.record(ctx, "member.merged", "member", member.id, {"fields": changed})
    await ctx.session.flush()


async def _check_refs(ctx: Ctx, channel_id: int | None, owner_user_id: int | None) -> None:
    if (
        channel_id is not None
        and await links_repository.channel(ctx.session, ctx.workspace_id, channel_id) is None
    ):
        raise BadRequest(f"No channel {channel_id} in this workspace.", code=UNKNOWN_CHANNEL)
    if owner_user_id is not None:
        found = await ctx.session.scalar(
            select(WorkspaceMember.user_id).where(
                WorkspaceMember.workspace_id == ctx.workspace_id, WorkspaceMember.user_id == owner_user_id
            )
        )
        if found is None:
            raise BadRequest(f"No user {owner_user_id} in this workspace.", code=UNKNOWN_USER)


def _seal_address(address: Address | None) -> str | None:
    if address is None:
        return None
    return crypto.seal(
        "member.address", json.dumps(address.model_dump(exclude_none=True), ensure_ascii=False)
    )


MAX_ATTRIBUTE_TEXT = 1000
MAX_ATTRIBUTE_ITEMS = 100
_INT64 = 2**63 - 1


def _small_value(value: Any, *, nested: bool = False) -> bool:
    if isinstance(value, str):
        return len(value) <= MAX_ATTRIBUTE_TEXT
    if isinstance(value, float):
        return math.isfinite(value)  # NaN and Infinity are not JSON
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return -_INT64 <= value <= _INT64
    if isinstance(value, list) and not nested:
        return len(value) <= MAX_ATTRIBUTE_ITEMS and all(_small_value(v, nested=True) for v in value)
    return False


def _clean_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    if len(attributes) > 100:
        raise BadRequest("At most 100 custom attributes.", code=INVALID_ATTRIBUTES)
    for key, value in attributes.items():
        if not (1 <= len(key) <= 64):
            raise BadRequest("Attribute names are 1-64 characters.", code=INVALID_ATTRIBUTES)
        if not (value is None or isinstance(value, str | int | float | bool | list)):
            raise BadRequest(
                f"Attribute {key!r} must be a string, number, boolean or list.", code=INVALID_ATTRIBUTES
            )
        if not _small_value(value):
            raise BadRequest(
                f"Attribute {key!r} is too large: text up to {MAX_ATTRIBUTE_TEXT} characters, lists up "
                f"to {MAX_ATTRIBUTE_ITEMS} items of text, numbers or booleans, whole numbers within 64 bits.",
                code=INVALID_ATTRIBUTES,
            )
    return {k: v for k, v in attributes.items() if v is not None}


# --- reading ----------------------------------------------------------------------------


def visible(ctx: Ctx) -> ColumnElement[bool]:
    """The members the caller may see: store staff (导购) signed in to the console see the
    members they own; every other caller sees the workspace's."""
    if ctx.actor.type == "user" and ctx.actor.role == "staff":
        return Member.owner_user_id == int(ctx.actor.id or 0)
    return true()


def _sees(ctx: Ctx, member: Member) -> bool:
    return not (ctx.actor.type == "user" and ctx.actor.role == "staff") or member.owner_user_id == int(
        ctx.actor.id or 0
    )


async def get_member(ctx: Ctx, member_id: int, *, lock: bool = False) -> Member:
    member = await repository.member(ctx.session, ctx.workspace_id, member_id, lock=lock)
    if member is None or not _sees(ctx, member):
        raise NotFound(f"No member {member_id}.", code=UNKNOWN_MEMBER)
    return member


async def active_member(ctx: Ctx, member_id: int, *, lock: bool = False) -> Member:
    """A member who may earn and spend (not blocked, not erased)."""
    member = await get_member(ctx, member_id, lock=lock)
    if member.status != "active":
        raise Conflict(
            f"Member {member_id} is {member.status}.",
            code=MEMBER_INACTIVE,
            details={"status": member.status},
        )
    return member


async def list_members(
    ctx: Ctx, *, cursor: str | None, limit: int, status: str | None = None, tag_id: int | None = None
) -> tuple[list[Member], str | None]:
    stmt = paginate(
        repository.members_query(ctx.workspace_id, status, tag_id).where(visible(ctx)),
        Member.id,
        cursor,
        limit,
    )
    rows = (await ctx.session.scalars(stmt)).all()
    return page_of(rows, limit, lambda m: m.id)


async def matching(
    ctx: Ctx, where: ColumnElement[bool] | None, cursor: str | None, limit: int
) -> tuple[list[Member], str | None, int]:
    """A page of the members ``where`` selects (a compiled filter; None: every member not
    erased) that the caller may see, newest first, and how many there are in all."""
    clause = (where if where is not None else Member.status != "erased") & visible(ctx)
    clause = clause & (Member.workspace_id == ctx.workspace_id)
    rows = await repository.members_page(ctx.session, clause, cursor, limit)
    items, nxt = page_of(rows, limit, lambda m: m.id)
    total = int(await ctx.session.scalar(select(func.count()).select_from(Member).where(clause)) or 0)
    return list(items), nxt, total


async def views(ctx: Ctx, members: list[Member], *, pii: bool) -> list[MemberView]:
    ids = [m.id for m in members]
    idents = await repository.identities(ctx.session, ids)
    tags = await repository.member_tags(ctx.session, ids)
    keys = crypto.keyring()
    out = []
    for m in members:
        opened = {i.kind: keys.open(f"identity.{i.kind}", i.value_sealed) for i in idents[m.id]}
        name = keys.open("member.name", m.name_sealed) if m.name_sealed else None
        id_number = keys.open("member.id_number", m.id_number_sealed) if m.id_number_sealed else None
        address = json.loads(keys.open("member.address", m.address_sealed)) if m.address_sealed else None
        if not pii:
            opened = {k: identities.mask(k, v) or "" for k, v in opened.items()}
            name = identities.mask("name", name)
            id_number = identities.mask("id_number", id_number)
            if address is not None:
                address = {k: v for k, v in address.items() if k in ("province", "city")}
        out.append(MemberView(m, opened, tags[m.id], name, address, id_number, pii))
    return out


# --- changing ---------------------------------------------------------------------------


async def update_member(ctx: Ctx, member_id: int, patch: MemberPatch) -> Member:
    member = await get_member(ctx, member_id, lock=True)
    if member.status == "erased":
        raise Conflict("An erased member cannot be changed.", code=MEMBER_ERASED)
    given = patch.model_fields_set
    changed: list[str] = []
    if "name" in given:
        member.name_sealed = crypto.seal("member.name", patch.name.strip()) if patch.name else None
        changed.append("name")
    if "address" in given:
        member.address_sealed = _seal_address(patch.address)
        changed.append("address")
    if "id_number" in given:
        value = identities.check_cn_id_number(patch.id_number) if patch.id_number else None
        member.id_number_sealed = crypto.seal("member.id_number", value)
        changed.append("id_number")
    for field in ("gender", "birthday", "status"):
        if field in given:
            value = getattr(patch, field)
            if value is None and field in ("gender", "status"):
                continue
            setattr(member, field, value)
            changed.append(field)
    if "owner_user_id" in given:
        await _check_refs(ctx, None, patch.owner_user_id)
        member.owner_user_id = patch.owner_user_id
        changed.append("owner_user_id")
    if patch.attributes is not None:
        merged = {**member.attributes, **patch.attributes}
        member.attributes = _clean_attributes(merged)
        changed.append("attributes")
    if patch.consents is not None:
        now = utcnow().isoformat()
        member.consents = {
            **member.consents,
            **{k: {"granted": v, "at": now} for k, v in patch.consents.items()},
        }
        changed.append("consents")
    if patch.identities is not None:
        await _replace_identities(ctx, member, patch.identities.model_dump(exclude_unset=True))
        changed.append("identities")
    try:
        await ctx.session.flush()
    except IntegrityError as exc:
        raise Conflict("Another member has one of these identities.", code=IDENTITY_TAKEN) from exc
    audit.record(ctx, "member.updated", "member", member.id, {"fields": changed})
    events.emit(ctx, MemberUpdated(member_id=member.id, fields=changed))
    return member


async def _replace_identities(ctx: Ctx, member: Member, given: dict[str, str | None]) -> None:
    set_now = {k: v for k, v in given.items() if v}
    norm = _normalized(set_now)
    others = await _owners_of(ctx, norm) - {member.id}
    if others:
        raise Conflict("Another member has one of these identities.", code=IDENTITY_TAKEN)
    await repository.delete_identities(ctx.session, member.id, list(given))
    await ctx.session.flush()
    _add_identities(ctx, member.id, norm)
    remaining = {i.kind for i in (await repository.identities(ctx.session, [member.id]))[member.id]}
    if not remaining and not norm:
        raise BadRequest("A member keeps at least one identity.", code=IDENTITY_REQUIRED)


# --- tags -------------------------------------------------------------------------------


async def create_tag_group(ctx: Ctx, name: str, exclusive: bool = False) -> TagGroup:
    if await repository.tag_group(ctx.session, ctx.workspace_id, name.strip()) is not None:
        raise Conflict(f"A tag group named {name!r} exists.", code=TAG_GROUP_TAKEN)
    group = TagGroup(workspace_id=ctx.workspace_id, name=name.strip(), exclusive=exclusive)
    ctx.session.add(group)
    await ctx.session.flush()
    audit.record(ctx, "tag_group.created", "tag_group", group.id, {"name": group.name})
    return group


async def ensure_tag(ctx: Ctx, group_name: str, tag_name: str) -> Tag:
    group_name, tag_name = group_name.strip(), tag_name.strip()
    if not (1 <= len(group_name) <= 64 and 1 <= len(tag_name) <= 64):
        raise BadRequest("Tag and group names are 1-64 characters.", code=INVALID_TAG)
    group = await repository.tag_group(ctx.session, ctx.workspace_id, group_name)
    if group is None:
        group = TagGroup(workspace_id=ctx.workspace_id, name=group_name)
        ctx.session.add(group)
        await ctx.session.flush()
    tag = await repository.tag_in_group(ctx.session, ctx.workspace_id, group.id, tag_name)
    if tag is None:
        tag = Tag(workspace_id=ctx.workspace_id, group_id=group.id, name=tag_name)
        ctx.session.add(tag)
        await ctx.session.flush()
    return tag


async def _resolve_tags(ctx: Ctx, refs: list[str | int], *, create: bool) -> list[Tag]:
    ids = [r for r in refs if isinstance(r, int)]
    found = await repository.tags_by_id(ctx.session, ctx.workspace_id, ids)
    missing = [i for i in ids if i not in found]
    if missing:
        raise BadRequest(f"No tags {missing} in this workspace.", code=UNKNOWN_TAG, details={"ids": missing})
    out = [found[i] for i in ids]
    for ref in refs:
        if isinstance(ref, int):
            continue
        group, sep, name = ref.partition("/")
        if not sep:
            raise BadRequest(f"Tag {ref!r} is not `group/name`.", code=INVALID_TAG)
        if create:
            out.append(await ensure_tag(ctx, group, name))
        else:
            g = await repository.tag_group(ctx.session, ctx.workspace_id, group.strip())
            tag = (
                None
                if g is None
                else await repository.tag_in_group(ctx.session, ctx.workspace_id, g.id, name.strip())
            )
            if tag is None:
                raise BadRequest(f"No tag {ref!r}.", code=UNKNOWN_TAG)
            out.append(tag)
    return out


async def _apply_tags(ctx: Ctx, member_id: int, add: list[str | int], remove: list[str | int]) -> None:
    to_add = await _resolve_tags(ctx, add, create=True)
    to_remove = await _resolve_tags(ctx, remove, create=False)
    if to_remove:
        await repository.remove_tags(ctx.session, member_id, [t.id for t in to_remove])
    have = await repository.tag_ids_of(ctx.session, member_id)
    groups = {g.id: g for g, _ in await repository.tag_groups(ctx.session, ctx.workspace_id)}
    for tag in to_add:
        if tag.id in have:
            continue
        if groups[tag.group_id].exclusive:
            siblings = await repository.group_tag_ids(ctx.session, tag.group_id)
            await repository.remove_tags(ctx.session, member_id, siblings & have)
            have -= siblings
        ctx.session.add(MemberTag(member_id=member_id, tag_id=tag.id))
        have.add(tag.id)
    await ctx.session.flush()


async def tag_member(ctx: Ctx, member_id: int, add: list[str | int], remove: list[str | int]) -> Member:
    member = await get_member(ctx, member_id)
    if member.status == "erased":
        raise Conflict("An erased member cannot be tagged.", code=MEMBER_ERASED)
    await _apply_tags(ctx, member_id, add, remove)
    events.emit(ctx, MemberTagged(member_id=member_id))
    return member


@dataclass(frozen=True)
class GroupTagging:
    """What :func:`assign_group_tags` did to one tag group."""

    group_id: int
    #: Tag name → its id (every tag of ``tag_names``, created when missing).
    tag_ids: dict[str, int]
    added: int
    removed: int
    #: Members whose tags changed (each got one ``member.tagged`` event).
    changed: int
    #: Tag name → how many members hold it now.
    held: dict[str, int]


#: Ids per ``IN (…)`` list and rows per insert (well under PostgreSQL's 32,767 parameters).
_CHUNK = 5_000


async def assign_group_tags(
    ctx: Ctx, group_name: str, tag_names: Sequence[str], wanted: Mapping[int, str]
) -> GroupTagging:
    """Make one tag group hold exactly ``wanted`` (member id → one of ``tag_names``):
    each of those members carries that tag of the group and no other of it, every other
    member of the workspace none of the group's tags. For groups a job keeps (RFM).

    The group is created when missing and kept exclusive (one tag a member, also when
    tagged by hand); the tags of ``tag_names`` are created when missing. Members that are
    not the workspace's, or erased, are skipped. No other group is touched. Each member
    whose tags changed gets one ``member.tagged`` event, as with :func:`tag_member`, so
    running it again with the same ``wanted`` changes nothing and emits nothing.
    """
    names = list(dict.fromkeys(n.strip() for n in tag_names))
    group_name = group_name.strip()
    if not all(1 <= len(n) <= 64 for n in [group_name, *names]):
        raise BadRequest("Tag and group names are 1-64 characters.", code=INVALID_TAG)
    unknown = {n.strip() for n in wanted.values()} - set(names)
    if unknown:
        raise BadRequest(f"No tags {sorted(unknown)} in the group.", code=UNKNOWN_TAG)
    session = ctx.session
    group = await repository.tag_group(session, ctx.workspace_id, group_name)
    if group is None:
        group = TagGroup(workspace_id=ctx.workspace_id, name=group_name, exclusive=True)
        session.add(group)
        await session.flush()
        audit.record(ctx, "tag_group.created", "tag_group", group.id, {"name": group.name, "exclusive": True})
    elif not group.exclusive:
        group.exclusive = True
        audit.record(ctx, "tag_group.updated", "tag_group", group.id, {"exclusive": True})
    tags = {t.name: t for t in (await session.scalars(select(Tag).where(Tag.group_id == group.id))).all()}
    for name in names:
        if name not in tags:
            tags[name] = Tag(workspace_id=ctx.workspace_id, group_id=group.id, name=name)
            session.add(tags[name])
    await session.flush()

    eligible: set[int] = set()
    ids = sorted(wanted)
    for at in range(0, len(ids), _CHUNK):
        eligible.update(
            (
                await session.scalars(
                    select(Member.id).where(
                        Member.workspace_id == ctx.workspace_id,
                        Member.id.in_(ids[at : at + _CHUNK]),
                        Member.status != "erased",
                    )
                )
            ).all()
        )
    want = {(m, tags[wanted[m].strip()].id) for m in eligible}
    group_tags = [t.id for t in tags.values()]
    rows = await session.execute(
        select(MemberTag.member_id, MemberTag.tag_id).where(MemberTag.tag_id.in_(group_tags))
    )
    have = {(m, t) for m, t in rows.all()}
    drop, add = sorted(have - want), sorted(want - have)
    by_tag: dict[int, list[int]] = {}
    for m, t in drop:
        by_tag.setdefault(t, []).append(m)
    for tag_id, members in by_tag.items():
        for at in range(0, len(members), _CHUNK):
            await session.execute(
                delete(MemberTag).where(
                    MemberTag.tag_id == tag_id, MemberTag.member_id.in_(members[at : at + _CHUNK])
                )
            )
    now = utcnow()
    for at in range(0, len(add), _CHUNK):
        rows_in = [{"member_id": m, "tag_id": t, "created_at": now} for m, t in add[at : at + _CHUNK]]
        await session.execute(insert(MemberTag), rows_in)
    changed = sorted({m for m, _ in drop} | {m for m, _ in add})
    for member_id in changed:
        events.emit(ctx, MemberTagged(member_id=member_id))
    name_of = {t.id: n for n, t in tags.items()}
    held = dict.fromkeys(names, 0)
    for _, t in want:
        held[name_of[t]] += 1
    return GroupTagging(
        group_id=group.id,
        tag_ids={n: tags[n].id for n in names},
        added=len(add),
        removed=len(drop),
        changed=len(changed),
        held=held,
    )
