"""Segments: a JSON filter language over members, compiled to one SQL ``WHERE`` clause.

A filter is a tree. Inner nodes combine: ``{"and": [f, …]}``, ``{"or": [f, …]}``,
``{"not": f}``. Leaves compare a field: ``{"field": "points_balance", "op": "gte",
"value": 1000}``. Fields and their operators:

========================  ============================================  ===============
field                     meaning                                       operators
========================  ============================================  ===============
``tag``                   holds the tag (id or ``"group/name"``)         has, not_has
``attribute.<name>``      a custom attribute                             eq, ne, in, gt,
                                                                         gte, lt, lte,
                                                                         exists
``tier``                  tier id (``null``: no tier)                    eq, ne, in
``points_balance``        available points                               numeric
``total_spent_cents``     spend net of refunds                           numeric
``order_count``           orders not fully refunded                      numeric
``last_order_at``         time of the latest order                       time
``last_active_at``        last activity (join, order, check-in …)        time
``joined_at``             when they joined                               time
``source_channel``        channel id they came from                      eq, ne, in
``owner``                 console user id of their staff (导购)           eq, ne, in
``status``                active / blocked / erased                      eq, ne, in
``gender``                unknown / male / female                        eq, ne, in
``birthday_month``        1–12                                           eq, in
========================  ============================================  ===============

numeric: eq, ne, gt, gte, lt, lte, between ([lo, hi]). time: before, after (ISO date or
time), within_days (n: in the last n days), not_within_days (n: not in the last n days,
or never). The compiled clause runs in the database; nothing is filtered in Python.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    and_,
    delete,
    exists,
    extract,
    false,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    true,
)

from yutang.kit import audit, lookup
from yutang.kit.context import Ctx
from yutang.kit.errors import BadRequest, Conflict
from yutang.members.errors import (
    INVALID_FILTER,
    SEGMENT_IN_USE,
    SEGMENT_IS_LIST,
    SEGMENT_TAKEN,
    UNKNOWN_SEGMENT,
    UNKNOWN_TAG,
)
from yutang.models.base import utcnow
from yutang.models.members import Member, MemberTag, Segment, SegmentMember, Tag, TagGroup

MAX_DEPTH = 8
MAX_LEAVES = 100
NUMERIC = {
    "points_balance": Member.points_balance,
    "total_spent_cents": Member.total_spent_cents,
    "order_count": Member.order_count,
}
TIMES = {
    "last_order_at": Member.last_order_at,
    "last_active_at": Member.last_active_at,
    "joined_at": Member.joined_at,
}
CHOICES: dict[str, Any] = {
    "source_channel": Member.source_channel_id,
    "status": Member.status,
    "gender": Member.gender,
    "tier": Member.tier_id,
    "owner": Member.owner_user_id,
}


def _bad(message: str, path: str) -> BadRequest:
    return BadRequest(message, code=INVALID_FILTER, details={"at": path})


class Compiler:
    """Compiles one filter for one workspace; tag names are resolved through ``tag_ids``."""

    def __init__(self, tag_ids: dict[str, int], now: datetime | None = None) -> None:
        self.tag_ids = tag_ids
        self.now = now or utcnow()
        self.leaves = 0

    def compile(self, node: Any, path: str = "$", depth: int = 0) -> ColumnElement[bool]:
        if depth > MAX_DEPTH:
            raise _bad(f"Filters nest at most {MAX_DEPTH} levels.", path)
        if not isinstance(node, dict):
            raise _bad("Each filter node is an object.", path)
        if "and" in node or "or" in node:
            key = "and" if "and" in node else "or"
            parts = node[key]
            if len(node) != 1 or not isinstance(parts, list) or not parts:
                raise _bad(f"'{key}' takes a non-empty list and nothing else.", path)
            clauses = [self.compile(p, f"{path}.{key}[{i}]", depth + 1) for i, p in enumerate(parts)]
            return and_(*clauses) if key == "and" else or_(*clauses)
        if "not" in node:
            if len(node) != 1:
                raise _bad("'not' takes one filter and nothing else.", path)
            return not_(self.compile(node["not"], f"{path}.not", depth + 1))
        self.leaves += 1
        if self.leaves > MAX_LEAVES:
            raise _bad(f"A filter has at most {MAX_LEAVES} conditions.", path)
        return self._leaf(node, path)

    def _leaf(self, node: dict[str, Any], path: str) -> ColumnElement[bool]:
        field, op, value = node.get("field"), node.get("op"), node.get("value")
        if not isinstance(field, str) or not isinstance(op, str):
            raise _bad("A condition is {field, op, value}.", path)
        if field == "tag":
            tag_id = self._tag(value, path)
            has = exists(
                select(MemberTag.member_id).where(
                    MemberTag.member_id == Member.id, MemberTag.tag_id == tag_id
                )
            )
            if op == "has":
                return has
            if op == "not_has":
                return not_(has)
        elif field.startswith("attribute."):
            return self._attribute(field[len("attribute.") :], op, value, path)
        elif field in NUMERIC:
            return self._numeric(NUMERIC[field], op, value, path)
        elif field in TIMES:
            return self._time(TIMES[field], op, value, path)
        elif field in CHOICES:
            return self._choice(CHOICES[field], op, value, path)
        elif field == "birthday_month":
            months = value if op == "in" else [value]
            if (
                op in ("eq", "in")
                and isinstance(months, list)
                and all(isinstance(m, int) and 1 <= m <= 12 for m in months)
            ):
                return extract("month", Member.birthday).in_(months)
            raise _bad("birthday_month takes eq or in with months 1-12.", path)
        else:
            raise _bad(f"Unknown field {field!r}.", path)
        raise _bad(f"The field {field!r} has no operator {op!r}.", path)

    def _tag(self, value: Any, path: str) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            if value not in self.tag_ids.values():
                raise BadRequest(f"No tag {value}.", code=UNKNOWN_TAG, details={"at": path})
            return value
        if isinstance(value, str) and value in self.tag_ids:
            return self.tag_ids[value]
        raise BadRequest(f"No tag {value!r}.", code=UNKNOWN_TAG, details={"at": path})

    def _numeric(self, col: Any, op: str, value: Any, path: str) -> ColumnElement[bool]:
        def num(v: Any) -> int | float:
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise _bad("A number is expected.", path)
            return v

        if op == "between":
            if not (isinstance(value, list) and len(value) == 2):
                raise _bad("between takes [low, high].", path)
            return cast(ColumnElement[bool], col.between(num(value[0]), num(value[1])))
        ops = {
            "eq": col.__eq__,
            "ne": col.__ne__,
            "gt": col.__gt__,
            "gte": col.__ge__,
            "lt": col.__lt__,
            "lte": col.__le__,
        }
        if op not in ops:
            raise _bad(f"Numeric fields have no operator {op!r}.", path)
        return cast(ColumnElement[bool], ops[op](num(value)))

    def _time(self, col: Any, op: str, value: Any, path: str) -> ColumnElement[bool]:
        if op in ("within_days", "not_within_days"):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise _bad("within_days takes a whole number of days.", path)
            since = self.now - timedelta(days=value)
            return (
                cast(ColumnElement[bool], col >= since)
                if op == "within_days"
                else or_(col.is_(None), col < since)
            )
        if op in ("before", "after"):
            at = _instant(value, path)
            return cast(ColumnElement[bool], col < at if op == "before" else col >= at)
        raise _bad(f"Time fields have no operator {op!r}.", path)

    def _choice(self, col: Any, op: str, value: Any, path: str) -> ColumnElement[bool]:
        if op == "in":
            if not isinstance(value, list):
                raise _bad("in takes a list.", path)
            values = [v for v in value if v is not None]
            clause = cast(ColumnElement[bool], col.in_(values) if values else false())
            return or_(clause, col.is_(None)) if None in value else clause
        if op in ("eq", "ne"):
            clause = cast(ColumnElement[bool], col.is_(None) if value is None else col == value)
            return (
                clause if op == "eq" else not_(clause) if value is None else or_(col != value, col.is_(None))
            )
        raise _bad(f"This field has no operator {op!r}.", path)

    def _attribute(self, name: str, op: str, value: Any, path: str) -> ColumnElement[bool]:
        if not (1 <= len(name) <= 64):
            raise _bad("Attribute names are 1-64 characters.", path)
        element = Member.attributes[name]
        if op == "exists":
            present = cast(ColumnElement[bool], element.as_string().is_not(None))
            return present if value is not False else not_(present)
        if op in ("gt", "gte", "lt", "lte") or (
            op in ("eq", "ne") and isinstance(value, int | float) and not isinstance(value, bool)
        ):
            return self._numeric(element.as_float(), op, value, path)
        if op in ("eq", "ne") and isinstance(value, bool):
            flag = cast(ColumnElement[bool], element.as_boolean() == value)
            return flag if op == "eq" else or_(not_(flag), element.as_string().is_(None))
        if op == "eq":
            return cast(ColumnElement[bool], element.as_string() == _text(value, path))
        if op == "ne":
            return or_(element.as_string() != _text(value, path), element.as_string().is_(None))
        if op == "in":
            if not isinstance(value, list) or not value:
                raise _bad("in takes a non-empty list.", path)
            return cast(ColumnElement[bool], element.as_string().in_([_text(v, path) for v in value]))
        raise _bad(f"Attributes have no operator {op!r}.", path)


#: Numbers in a filter: within what every JSON parser holds exactly (and far inside the
#: 64-bit columns they are compared with); days of `within_days` up to a century.
MAX_FILTER_NUMBER = 2**53 - 1
MAX_DAYS = 36_500


def _check_numbers(node: Any, path: str) -> None:
    """Refuse, anywhere in the filter, a number no column could be compared with."""
    if isinstance(node, dict):
        days = node.get("value")
        if node.get("op") in ("within_days", "not_within_days") and isinstance(days, int) and days > MAX_DAYS:
            raise _bad(f"{node['op']} takes at most {MAX_DAYS} days.", f"{path}.value")
        for key, value in node.items():
            _check_numbers(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _check_numbers(value, f"{path}[{i}]")
    elif isinstance(node, int) and not isinstance(node, bool) and abs(node) > MAX_FILTER_NUMBER:
        raise _bad(f"Numbers in a filter are at most {MAX_FILTER_NUMBER} in size.", path)
    elif isinstance(node, float) and not math.isfinite(node):
        raise _bad("NaN and Infinity are not numbers.", path)


def _text(value: Any, path: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    raise _bad("A string is expected.", path)


def _instant(value: Any, path: str) -> datetime:
    if not isinstance(value, str):
        raise _bad("An ISO date or time is expected.", path)
    try:
        if len(value) == 10:
            d = date.fromisoformat(value)
            return datetime(d.year, d.month, d.day, tzinfo=UTC)
        at = datetime.fromisoformat(value)
    except ValueError as exc:
        raise _bad(f"{value!r} is not an ISO date or time.", path) from exc
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def tag_index(session: Any, workspace_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(TagGroup.name, Tag.name, Tag.id)
        .join(TagGroup, TagGroup.id == Tag.group_id)
        .where(Tag.workspace_id == workspace_id)
    )
    return {f"{g}/{t}": i for g, t, i in rows.all()}


async def compile_filter(
    session: Any, workspace_id: int, node: Any, now: datetime | None = None
) -> ColumnElement[bool]:
    _check_numbers(node, "$")
    clause = Compiler(await tag_index(session, workspace_id), now).compile(node)
    return and_(Member.workspace_id == workspace_id, clause if clause is not None else true())


# --- segments -------------------------------------------------------------------------------


async def preview(ctx: Ctx, node: Any, sample: int = 10) -> tuple[int, list[int]]:
    """How many members the filter selects now, and the ids of the newest few."""
    where = await compile_filter(ctx.session, ctx.workspace_id, node)
    count = int(await ctx.session.scalar(select(func.count()).select_from(Member).where(where)) or 0)
    ids = (
        await ctx.session.scalars(select(Member.id).where(where).order_by(Member.id.desc()).limit(sample))
    ).all()
    return count, list(ids)


async def create_segment(ctx: Ctx, name: str, node: Any, *, static: bool = False) -> Segment:
    if (
        await ctx.session.scalar(
            select(Segment.id).where(Segment.workspace_id == ctx.workspace_id, Segment.name == name)
        )
        is not None
    ):
        raise Conflict(f"A segment named {name!r} exists.", code=SEGMENT_TAKEN)
    await compile_filter(ctx.session, ctx.workspace_id, node)  # refuse a bad filter now, not at use
    segment = Segment(
        workspace_id=ctx.workspace_id, name=name, kind="static" if static else "dynamic", filter=node
    )
    ctx.session.add(segment)
    await ctx.session.flush()
    if static:
        await freeze(ctx, segment)
    audit.record(ctx, "segment.created", "segment", segment.id, {"name": name, "kind": segment.kind})
    return segment


#: The most members a list segment holds (a report's figure is rarely larger; a bigger
#: audience is a filter's job).
MAX_LIST = 1_000_000


async def create_list(ctx: Ctx, name: str, member_ids: Sequence[int], source: dict[str, Any]) -> Segment:
    """A segment of exactly these members (of this workspace; others' ids are dropped), as
    picked from a report: kind ``list``, no filter. ``source`` (the report and its
    selection) goes into the audit record."""
    if (
        await ctx.session.scalar(
            select(Segment.id).where(Segment.workspace_id == ctx.workspace_id, Segment.name == name)
        )
        is not None
    ):
        raise Conflict(f"A segment named {name!r} exists.", code=SEGMENT_TAKEN, details={"field": "name"})
    segment = Segment(workspace_id=ctx.workspace_id, name=name, kind="list", filter={})
    ctx.session.add(segment)
    await ctx.session.flush()
    ids = sorted(set(member_ids))[:MAX_LIST]
    for start in range(0, len(ids), 5_000):
        chunk = ids[start : start + 5_000]
        await ctx.session.execute(
            insert(SegmentMember).from_select(
                ["segment_id", "member_id"],
                select(literal(segment.id), Member.id).where(
                    Member.workspace_id == ctx.workspace_id, Member.id.in_(chunk)
                ),
            )
        )
    segment.frozen_count = int(
        await ctx.session.scalar(
            select(func.count()).select_from(SegmentMember).where(SegmentMember.segment_id == segment.id)
        )
        or 0
    )
    segment.frozen_at = utcnow()
    await ctx.session.flush()
    audit.record(
        ctx,
        "segment.created",
        "segment",
        segment.id,
        {"name": name, "kind": "list", "count": segment.frozen_count, "source": source},
    )
    return segment


async def update_segment(ctx: Ctx, segment_id: int, *, name: str | None = None, node: Any = None) -> Segment:
    """Rename a segment or give it a new filter (checked now). A static segment keeps its
    frozen members until frozen again."""
    segment = await get_segment(ctx, segment_id)
    if name is not None and name != segment.name:
        taken = await ctx.session.scalar(
            select(Segment.id).where(Segment.workspace_id == ctx.workspace_id, Segment.name == name)
        )
        if taken is not None:
            raise Conflict(f"A segment named {name!r} exists.", code=SEGMENT_TAKEN, details={"field": "name"})
        segment.name = name
    if node is not None:
        if segment.kind == "list":
            raise BadRequest(
                "A list segment has no filter.", code=SEGMENT_IS_LIST, details={"field": "filter"}
            )
        await compile_filter(ctx.session, ctx.workspace_id, node)
        segment.filter = node
    await ctx.session.flush()
    audit.record(
        ctx, "segment.updated", "segment", segment.id, {"name": segment.name, "filter": node is not None}
    )
    return segment


async def uses_of(ctx: Ctx, segment_id: int) -> list[tuple[str, int]]:
    """What refers to the segment: earn rules (``conditions.segment_id``) and referral
    campaigns (``eligibility.segment_id``), as (kind, id). Their tables are read here,
    below their domains, for this one reference check."""
    from yutang.models.loyalty import EarnRule
    from yutang.models.referrals import ReferralCampaign

    uses: list[tuple[str, int]] = []
    for rule_id, conditions in await ctx.session.execute(
        select(EarnRule.id, EarnRule.conditions).where(EarnRule.workspace_id == ctx.workspace_id)
    ):
        if (conditions or {}).get("segment_id") == segment_id:
            uses.append(("earn_rule", rule_id))
    for campaign_id, eligibility in await ctx.session.execute(
        select(ReferralCampaign.id, ReferralCampaign.eligibility).where(
            ReferralCampaign.workspace_id == ctx.workspace_id
        )
    ):
        if (eligibility or {}).get("segment_id") == segment_id:
            uses.append(("campaign", campaign_id))
    return uses


async def delete_segment(ctx: Ctx, segment_id: int) -> None:
    """Delete a segment nothing uses (``segment_in_use`` names what does); its frozen list
    goes with it, the members stay."""
    segment = await get_segment(ctx, segment_id)
    uses = await uses_of(ctx, segment_id)
    if uses:
        raise Conflict(
            "Earn rules or referral campaigns use this segment.",
            code=SEGMENT_IN_USE,
            details={"uses": [{"kind": k, "id": i} for k, i in uses]},
        )
    await ctx.session.execute(delete(SegmentMember).where(SegmentMember.segment_id == segment.id))
    await ctx.session.delete(segment)
    await ctx.session.flush()
    audit.record(ctx, "segment.deleted", "segment", segment_id, {"name": segment.name})


async def get_segment(ctx: Ctx, segment_id: int) -> Segment:
    return await lookup.one(ctx, Segment, segment_id, code=UNKNOWN_SEGMENT, what="segment")


async def freeze(ctx: Ctx, segment: Segment) -> int:
    """Snapshot who matches now into a static segment (one INSERT … SELECT). A list
    segment has nothing to match: refused with ``segment_is_list``."""
    if segment.kind == "list":
        raise BadRequest("A list segment has no filter to freeze.", code=SEGMENT_IS_LIST)
    where = await compile_filter(ctx.session, ctx.workspace_id, segment.filter)
    await ctx.session.execute(delete(SegmentMember).where(SegmentMember.segment_id == segment.id))
    await ctx.session.execute(
        insert(SegmentMember).from_select(
            ["segment_id", "member_id"], select(literal(segment.id), Member.id).where(where)
        )
    )
    count = int(
        await ctx.session.scalar(
            select(func.count()).select_from(SegmentMember).where(SegmentMember.segment_id == segment.id)
        )
        or 0
    )
    segment.kind = "static"
    segment.frozen_count = count
    segment.frozen_at = utcnow()
    await ctx.session.flush()
    return count


async def members_clause(ctx: Ctx, segment: Segment) -> ColumnElement[bool]:
    if segment.kind in ("static", "list"):
        return and_(
            Member.workspace_id == ctx.workspace_id,
            Member.id.in_(select(SegmentMember.member_id).where(SegmentMember.segment_id == segment.id)),
        )
    return await compile_filter(ctx.session, ctx.workspace_id, segment.filter)


async def contains(ctx: Ctx, segment_id: int, member_id: int) -> bool:
    segment = await get_segment(ctx, segment_id)
    where = await members_clause(ctx, segment)
    return bool(await ctx.session.scalar(select(exists().where(where, Member.id == member_id))))


async def count(ctx: Ctx, segment: Segment) -> int:
    where = await members_clause(ctx, segment)
    return int(await ctx.session.scalar(select(func.count()).select_from(Member).where(where)) or 0)
