"""Every query of the members domain."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.kit import locks
from yutang.kit.pagination import paginate
from yutang.models.links import Click
from yutang.models.members import Form, Member, MemberIdentity, MemberTag, Segment, Tag, TagGroup


async def member(
    session: AsyncSession, workspace_id: int, member_id: int, *, lock: bool = False
) -> Member | None:
    stmt = select(Member).where(Member.workspace_id == workspace_id, Member.id == member_id)
    if lock:
        stmt = locks.for_update(session, stmt, "members", member_id)
    return await session.scalar(stmt)


async def members_by_hashes(
    session: AsyncSession, workspace_id: int, pairs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """{(kind, value_hash): member_id} for the identities that exist."""
    wanted = list(pairs)
    if not wanted:
        return {}
    hashes = [h for _, h in wanted]
    rows = await session.execute(
        select(MemberIdentity.kind, MemberIdentity.value_hash, MemberIdentity.member_id).where(
            MemberIdentity.workspace_id == workspace_id, MemberIdentity.value_hash.in_(hashes)
        )
    )
    found = {(k, h): m for k, h, m in rows.all()}
    return {p: found[p] for p in wanted if p in found}


async def identities(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, list[MemberIdentity]]:
    out: dict[int, list[MemberIdentity]] = {m: [] for m in member_ids}
    if not member_ids:
        return out
    rows = await session.scalars(
        select(MemberIdentity).where(MemberIdentity.member_id.in_(member_ids)).order_by(MemberIdentity.id)
    )
    for ident in rows.all():
        out[ident.member_id].append(ident)
    return out


async def delete_identities(
    session: AsyncSession, member_id: int, kinds: Iterable[str] | None = None
) -> None:
    stmt = delete(MemberIdentity).where(MemberIdentity.member_id == member_id)
    if kinds is not None:
        stmt = stmt.where(MemberIdentity.kind.in_(list(kinds)))
    await session.execute(stmt)


async def member_tags(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, list[tuple[Tag, str]]]:
    out: dict[int, list[tuple[Tag, str]]] = {m: [] for m in member_ids}
    if not member_ids:
        return out
    rows = await session.execute(
        select(MemberTag.member_id, Tag, TagGroup.name)
        .join(Tag, Tag.id == MemberTag.tag_id)
        .join(TagGroup, TagGroup.id == Tag.group_id)
        .where(MemberTag.member_id.in_(member_ids))
        .order_by(TagGroup.name, Tag.name)
    )
    for member_id, tag, group in rows.all():
        out[member_id].append((tag, group))
    return out


async def tag_group(session: AsyncSession, workspace_id: int, name: str) -> TagGroup | None:
    return await session.scalar(
        select(TagGroup).where(TagGroup.workspace_id == workspace_id, TagGroup.name == name)
    )


async def tag_in_group(session: AsyncSession, workspace_id: int, group_id: int, name: str) -> Tag | None:
    return await session.scalar(
        select(Tag).where(Tag.workspace_id == workspace_id, Tag.group_id == group_id, Tag.name == name)
    )


async def tags_by_id(session: AsyncSession, workspace_id: int, ids: Iterable[int]) -> dict[int, Tag]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = await session.scalars(select(Tag).where(Tag.workspace_id == workspace_id, Tag.id.in_(wanted)))
    return {t.id: t for t in rows.all()}


async def tag_groups(session: AsyncSession, workspace_id: int) -> list[tuple[TagGroup, list[Tag]]]:
    groups = list(
        (
            await session.scalars(
                select(TagGroup).where(TagGroup.workspace_id == workspace_id).order_by(TagGroup.name)
            )
        ).all()
    )
    tags = (
        await session.scalars(select(Tag).where(Tag.workspace_id == workspace_id).order_by(Tag.name))
    ).all()
    by_group: dict[int, list[Tag]] = {g.id: [] for g in groups}
    for t in tags:
        by_group[t.group_id].append(t)
    return [(g, by_group[g.id]) for g in groups]


async def tag_ids_of(session: AsyncSession, member_id: int) -> set[int]:
    rows = await session.scalars(select(MemberTag.tag_id).where(MemberTag.member_id == member_id))
    return set(rows.all())


async def group_tag_ids(session: AsyncSession, group_id: int) -> set[int]:
    return set((await session.scalars(select(Tag.id).where(Tag.group_id == group_id))).all())


async def remove_tags(session: AsyncSession, member_id: int, tag_ids: Iterable[int] | None = None) -> None:
    stmt = delete(MemberTag).where(MemberTag.member_id == member_id)
    if tag_ids is not None:
        stmt = stmt.where(MemberTag.tag_id.in_(list(tag_ids)))
    await session.execute(stmt)


def members_query(workspace_id: int, status: str | None, tag_id: int | None) -> Select[Any]:
    stmt = select(Member).where(Member.workspace_id == workspace_id)
    if status is not None:
        stmt = stmt.where(Member.status == status)
    if tag_id is not None:
        stmt = stmt.where(Member.id.in_(select(MemberTag.member_id).where(MemberTag.tag_id == tag_id)))
    return stmt


async def first_click_of(session: AsyncSession, workspace_id: int, visitor_id: str) -> Click | None:
    return await session.scalar(
        select(Click)
        .where(Click.workspace_id == workspace_id, Click.visitor_id == visitor_id, Click.is_bot.is_(False))
        .order_by(Click.occurred_at, Click.id)
        .limit(1)
    )


async def clicks_of(session: AsyncSession, workspace_id: int, visitor_id: str) -> list[Click]:
    rows = await session.scalars(
        select(Click)
        .where(Click.workspace_id == workspace_id, Click.visitor_id == visitor_id)
        .order_by(Click.occurred_at, Click.id)
    )
    return list(rows.all())


async def segments(session: AsyncSession, workspace_id: int) -> Sequence[Segment]:
    """The workspace's segments, oldest first."""
    rows = await session.scalars(
        select(Segment).where(Segment.workspace_id == workspace_id).order_by(Segment.id)
    )
    return rows.all()


async def members_page(session: AsyncSession, where: Any, cursor: str | None, limit: int) -> Sequence[Member]:
    """One page of the members ``where`` selects (a segment's clause), newest first, one
    row more than ``limit``."""
    return (await session.scalars(paginate(select(Member).where(where), Member.id, cursor, limit))).all()


async def forms(session: AsyncSession, workspace_id: int) -> Sequence[Form]:
    """The workspace's forms, oldest first."""
    rows = await session.scalars(select(Form).where(Form.workspace_id == workspace_id).order_by(Form.id))
    return rows.all()
