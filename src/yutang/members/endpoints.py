"""HTTP API of members: join, profiles, tags, look-up by identity. Export and erasure
span domains: their routes are in :mod:`yutang.privacy.endpoints`, same paths."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response

from yutang.auth.dependencies import idempotent, require
from yutang.auth.permissions import allowed
from yutang.kit.context import Ctx
from yutang.kit.http import api_router
from yutang.kit.pagination import (
    DEFAULT_LIMIT,
    Cursor,
    Limit,
    Page,
    decode_cursor,
    encode_cursor,
    page_list,
    page_of,
)
from yutang.kit.schemas import ParamId
from yutang.links import service as links_service
from yutang.members import forms, repository, segments, service
from yutang.members.errors import UNKNOWN_MEMBER
from yutang.members.repository import tag_groups
from yutang.members.schemas import (
    Address,
    FilterIn,
    FormIn,
    FormOut,
    FormPatch,
    IdentityKind,
    JoinOut,
    MemberIn,
    MemberOut,
    MemberPatch,
    PreviewOut,
    SegmentIn,
    SegmentOut,
    SegmentPatch,
    SubmissionIn,
    SubmissionOut,
    TaggingIn,
    TagGroupIn,
    TagGroupOut,
    TagIn,
    TagOut,
)
from yutang.models.members import Form, FormSubmission, Member, Segment

router = api_router(prefix="/api/v1")


def _pii(ctx: Ctx) -> bool:
    return allowed(ctx.actor.role, "members:pii")


def _out(view: service.MemberView) -> MemberOut:
    m = view.member
    return MemberOut(
        id=m.id,
        status=m.status,
        anonymous_id=m.anonymous_id,
        name=view.name,
        phone=view.identities.get("phone"),
        email=view.identities.get("email"),
        identities=view.identities,
        gender=m.gender,
        birthday=m.birthday,
        address=Address(**view.address) if view.address else None,
        id_number=view.id_number,
        attributes=m.attributes,
        tags=[TagOut(id=t.id, group=g, name=t.name) for t, g in view.tags],
        source_channel_id=m.source_channel_id,
        first_link_id=m.first_link_id,
        owner_user_id=m.owner_user_id,
        consents=m.consents,
        joined_at=m.joined_at,
        last_active_at=m.last_active_at,
        points_balance=m.points_balance,
        points_pending=m.points_pending,
        total_spent_cents=m.total_spent_cents,
        order_count=m.order_count,
        last_order_at=m.last_order_at,
        pii_visible=view.pii_visible,
    )


async def present(ctx: Ctx, members: list[Member]) -> list[MemberOut]:
    return [_out(v) for v in await service.views(ctx, members, pii=_pii(ctx))]


@router.post("/members", tags=["members"], status_code=201, response_model=MemberOut)
async def create_member(body: MemberIn, ctx: Ctx = Depends(idempotent("members:write"))) -> MemberOut:
    """Create a member. Refused with `identity_taken` if an identity is already someone's."""
    member = await service.create_member(ctx, body)
    return (await present(ctx, [member]))[0]


@router.post(
    "/members/join",
    tags=["members"],
    response_model=JoinOut,
    responses={201: {"model": JoinOut, "description": "A new member was created"}},
)
async def join(
    response: Response, body: MemberIn, ctx: Ctx = Depends(idempotent("members:write"))
) -> JoinOut:
    """Create the member or, when an identity matches, return them with what is new filled in."""
    member, created = await service.join(ctx, body)
    out = JoinOut(member=(await present(ctx, [member]))[0], created=created)
    response.status_code = 201 if created else 200
    return out


@router.get("/members", tags=["members"], response_model=Page[MemberOut])
async def list_members(
    ctx: Ctx = Depends(require("members:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
    status: Annotated[str | None, Query(pattern="^(active|blocked|erased)$")] = None,
    tag_id: ParamId | None = None,
) -> Page[MemberOut]:
    """Members, newest first; filter by `status` (`active`, `blocked`, `erased`) or `tag_id`.
    PII (name, identities, address, ID number) is masked unless the caller has `members:pii`
    (`"pii_visible": false`)."""
    rows, nxt = await service.list_members(ctx, cursor=cursor, limit=limit, status=status, tag_id=tag_id)
    return Page(data=await present(ctx, rows), next_cursor=nxt)


@router.get("/members/lookup", tags=["members"], response_model=MemberOut)
async def lookup(
    kind: IdentityKind,
    value: Annotated[str, Query(min_length=1, max_length=254)],
    ctx: Ctx = Depends(require("members:read")),
) -> MemberOut:
    """Exact look-up by an identity (through its keyed hash; nothing is decrypted to search)."""
    member = await service.find_by_identity(ctx, kind, value)
    if member is None:
        from yutang.kit.errors import NotFound

        raise NotFound("No member with that identity.", code=UNKNOWN_MEMBER)
    return (await present(ctx, [member]))[0]


@router.get("/members/{member_id}", tags=["members"], response_model=MemberOut)
async def get_member(member_id: ParamId, ctx: Ctx = Depends(require("members:read"))) -> MemberOut:
    """One member's profile, tags and figures (points, spend, orders); `unknown_member` if not
    this workspace's. PII is masked unless the caller has `members:pii`."""
    return (await present(ctx, [await service.get_member(ctx, member_id)]))[0]


@router.patch("/members/{member_id}", tags=["members"], response_model=MemberOut)
async def update_member(
    member_id: ParamId, body: MemberPatch, ctx: Ctx = Depends(require("members:write"))
) -> MemberOut:
    """Change the fields given (attributes merge, a null attribute is removed; `identities`
    replace the kinds named, null removes one, one must stay). Refused: `member_erased`, `identity_taken`,
    `identity_required`, `invalid_identity`, `invalid_id_number`, `invalid_attributes`,
    `unknown_user`."""
    member = await service.update_member(ctx, member_id, body)
    return (await present(ctx, [member]))[0]


@router.post("/members/{member_id}/tags", tags=["members"], response_model=MemberOut)
async def tag_member(
    member_id: ParamId, body: TaggingIn, ctx: Ctx = Depends(require("members:write"))
) -> MemberOut:
    """Add tags (`group/name`, created when missing, or ids) and remove tags."""
    member = await service.tag_member(ctx, member_id, body.add, body.remove)
    return (await present(ctx, [member]))[0]


@router.get("/tag-groups", tags=["members"], response_model=Page[TagGroupOut])
async def list_tag_groups(
    ctx: Ctx = Depends(require("members:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[TagGroupOut]:
    """Tag groups with their tags (an exclusive group allows one tag per member)."""
    return Page[TagGroupOut].of(
        await tag_groups(ctx.session, ctx.workspace_id),
        cursor,
        limit,
        lambda row: TagGroupOut(
            id=row[0].id,
            name=row[0].name,
            exclusive=row[0].exclusive,
            tags=[TagOut(id=t.id, group=row[0].name, name=t.name) for t in row[1]],
        ),
    )


@router.post("/tag-groups", tags=["members"], status_code=201, response_model=TagGroupOut)
async def create_tag_group(body: TagGroupIn, ctx: Ctx = Depends(require("members:write"))) -> TagGroupOut:
    """Create a tag group; an `exclusive` one lets a member hold only one of its tags (adding
    another replaces it). `tag_group_taken` if the name is used."""
    group = await service.create_tag_group(ctx, body.name, body.exclusive)
    return TagGroupOut(id=group.id, name=group.name, exclusive=group.exclusive)


@router.post("/tags", tags=["members"], status_code=201, response_model=TagOut)
async def create_tag(body: TagIn, ctx: Ctx = Depends(require("members:write"))) -> TagOut:
    """Create a tag in a group (the group is created when missing). Idempotent: an existing
    tag of that name is answered as it is, still with 201. `invalid_tag` for blank names."""
    tag = await service.ensure_tag(ctx, body.group, body.name)
    return TagOut(id=tag.id, group=body.group.strip(), name=tag.name)


# --- segments ---------------------------------------------------------------------------


async def segment_out(ctx: Ctx, seg: Segment) -> SegmentOut:
    return SegmentOut(
        id=seg.id,
        name=seg.name,
        kind=seg.kind,
        filter=seg.filter,
        count=await segments.count(ctx, seg),
        frozen_at=seg.frozen_at,
        created_at=seg.created_at,
    )


@router.post("/segments/preview", tags=["segments"], response_model=PreviewOut)
async def preview_segment(body: FilterIn, ctx: Ctx = Depends(require("members:read"))) -> PreviewOut:
    """How many members a filter selects now (compiled to SQL), and the newest ten."""
    count, ids = await segments.preview(ctx, body.filter)
    return PreviewOut(count=count, sample_ids=ids)


@router.post("/segments", tags=["segments"], status_code=201, response_model=SegmentOut)
async def create_segment(body: SegmentIn, ctx: Ctx = Depends(require("members:write"))) -> SegmentOut:
    """Save a filter as a segment: dynamic (evaluated at each use) or `static` (the members
    matching now are frozen in). Refused: `invalid_filter` (`details.at` points into it),
    `unknown_tag`, `segment_taken`."""
    seg = await segments.create_segment(ctx, body.name, body.filter, static=body.static)
    return await segment_out(ctx, seg)


@router.get("/segments", tags=["segments"], response_model=Page[SegmentOut])
async def list_segments(
    ctx: Ctx = Depends(require("members:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[SegmentOut]:
    """Segments, oldest first, each with its member count."""
    rows = await repository.segments(ctx.session, ctx.workspace_id)
    part, nxt = page_list(rows, cursor, limit)
    return Page[SegmentOut](data=[await segment_out(ctx, s) for s in part], next_cursor=nxt)


@router.get("/segments/{segment_id}", tags=["segments"], response_model=SegmentOut)
async def get_segment(segment_id: ParamId, ctx: Ctx = Depends(require("members:read"))) -> SegmentOut:
    """One segment with its filter and how many members it holds now (`unknown_segment`
    otherwise)."""
    return await segment_out(ctx, await segments.get_segment(ctx, segment_id))


@router.patch("/segments/{segment_id}", tags=["segments"], response_model=SegmentOut)
async def update_segment(
    segment_id: ParamId, body: SegmentPatch, ctx: Ctx = Depends(require("members:write"))
) -> SegmentOut:
    """Rename a segment (`segment_taken`) or give it a new filter (`invalid_filter`); a
    static one keeps its frozen members until frozen again."""
    segment = await segments.update_segment(ctx, segment_id, name=body.name, node=body.filter)
    return await segment_out(ctx, segment)


@router.delete("/segments/{segment_id}", tags=["segments"], status_code=204)
async def delete_segment(segment_id: ParamId, ctx: Ctx = Depends(require("members:write"))) -> Response:
    """Delete a segment that no earn rule or referral campaign uses (`segment_in_use`,
    with `details.uses`); the members stay."""
    await segments.delete_segment(ctx, segment_id)
    return Response(status_code=204)


@router.post("/segments/{segment_id}/freeze", tags=["segments"], response_model=SegmentOut)
async def freeze_segment(segment_id: ParamId, ctx: Ctx = Depends(require("members:write"))) -> SegmentOut:
    """Turn the segment static: the members matching now, kept as they are."""
    seg = await segments.get_segment(ctx, segment_id)
    await segments.freeze(ctx, seg)
    return await segment_out(ctx, seg)


@router.get("/segments/{segment_id}/members", tags=["segments"], response_model=Page[MemberOut])
async def segment_members(
    segment_id: ParamId,
    ctx: Ctx = Depends(require("members:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[MemberOut]:
    """The segment's members, newest first: a dynamic segment's as they match now, a static
    one's as frozen. PII masked unless the caller has `members:pii`; `unknown_segment`."""
    seg = await segments.get_segment(ctx, segment_id)
    where = await segments.members_clause(ctx, seg)
    rows = await repository.members_page(ctx.session, where & service.visible(ctx), cursor, limit)
    items, nxt = page_of(rows, limit, lambda m: m.id)
    return Page(data=await present(ctx, items), next_cursor=nxt)


# --- forms ----------------------------------------------------------------------------------


async def _form_out(ctx: Ctx, form: Form) -> FormOut:
    domains = await links_service.domain_hosts(ctx)
    default = next((d for d in domains.values() if d.is_default), None)
    url = f"{'https' if default.https else 'http'}://{default.host}/forms/{form.slug}" if default else None
    return FormOut(
        id=form.id,
        slug=form.slug,
        title=form.title,
        title_en=form.title_en,
        description=form.description,
        fields=form.fields,
        active=form.active,
        submissions=await forms.count(ctx, form.id),
        public_url=url,
    )


def _submission_out(ctx: Ctx, sub: FormSubmission) -> SubmissionOut:
    return SubmissionOut(
        id=sub.id,
        form_id=sub.form_id,
        member_id=sub.member_id,
        via=sub.via,
        created_at=sub.created_at,
        answers=forms.opened(sub) if _pii(ctx) else None,
    )


@router.post("/forms", tags=["forms"], status_code=201, response_model=FormOut)
async def create_form(body: FormIn, ctx: Ctx = Depends(require("members:write"))) -> FormOut:
    """Define an info-collection form with typed fields mapped onto the profile; it must map a
    phone or an email. Refused: `invalid_form` (with the field in `details`), `form_taken`
    (slug used). The answer gives its public H5 address."""
    data = body.model_dump()
    data["fields"] = [f.model_dump(exclude_none=True) for f in body.fields]
    return await _form_out(ctx, await forms.create_form(ctx, data))


@router.patch("/forms/{form_id}", tags=["forms"], response_model=FormOut)
async def update_form(
    form_id: ParamId, body: FormPatch, ctx: Ctx = Depends(require("members:write"))
) -> FormOut:
    """Change the title, description or fields (checked as on creation: `invalid_form`), or
    close the form (`active: false`) and open it again. Answers already given are kept as
    they were; `unknown_form` otherwise."""
    changes = body.model_dump(exclude_unset=True)
    if body.fields is not None:
        changes["fields"] = [f.model_dump(exclude_none=True) for f in body.fields]
    return await _form_out(ctx, await forms.update_form(ctx, form_id, changes))


@router.get("/forms", tags=["forms"], response_model=Page[FormOut])
async def list_forms(
    ctx: Ctx = Depends(require("members:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[FormOut]:
    """Info-collection forms, oldest first, with their fields and fill-in address."""
    rows = await repository.forms(ctx.session, ctx.workspace_id)
    part, nxt = page_list(rows, cursor, limit)
    return Page[FormOut](data=[await _form_out(ctx, f) for f in part], next_cursor=nxt)


@router.get("/forms/{form_id}", tags=["forms"], response_model=FormOut)
async def get_form(form_id: ParamId, ctx: Ctx = Depends(require("members:read"))) -> FormOut:
    """One form with its fields, submission count and public URL (`unknown_form` otherwise)."""
    return await _form_out(ctx, await forms.get_form(ctx, form_id))


@router.post("/forms/{form_id}/submissions", tags=["forms"], status_code=201, response_model=SubmissionOut)
async def submit_form(
    form_id: ParamId, body: SubmissionIn, ctx: Ctx = Depends(idempotent("members:write"))
) -> SubmissionOut:
    """Submit answers for a member: checked by type (`invalid_answers` lists each bad field),
    mapped onto the profile, kept sealed, announced as `form.submitted`."""
    form = await forms.get_form(ctx, form_id)
    sub = await forms.submit(ctx, form, body.answers, visitor_id=body.visitor_id)
    return _submission_out(ctx, sub)


@router.get("/forms/{form_id}/submissions", tags=["forms"], response_model=Page[SubmissionOut])
async def list_submissions(
    form_id: ParamId,
    ctx: Ctx = Depends(require("members:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[SubmissionOut]:
    """The form's submissions, newest first. The answers are given only to callers with
    `members:pii` (`null` otherwise); `unknown_form`."""
    await forms.get_form(ctx, form_id)
    rows = await forms.submissions(
        ctx, form_id, cursor_id=decode_cursor(cursor) if cursor else None, limit=limit
    )
    nxt = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return Page(data=[_submission_out(ctx, s) for s in rows[:limit]], next_cursor=nxt)
