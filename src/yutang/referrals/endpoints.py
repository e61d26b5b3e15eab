"""HTTP API of referral campaigns (任务宝): campaigns, share kits, invitations, review,
progress, leaderboard and figures. POSTs that pay or attribute take an
``Idempotency-Key``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query, Request, Response

from yutang.auth.dependencies import idempotent, require
from yutang.kit.context import Ctx
from yutang.kit.errors import VALIDATION_ERROR, BadRequest
from yutang.kit.http import CSV_RESPONSE, ErrorOut, also_200, api_router, csv_file
from yutang.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, page_list, page_of
from yutang.kit.schemas import ParamId
from yutang.models.referrals import INVITATION_STATUSES, ReferralCampaign, ReferralParticipant
from yutang.referrals import figures, repository, service, share
from yutang.referrals.errors import INVALID_ART
from yutang.referrals.schemas import (
    BoardRow,
    CampaignIn,
    CampaignOut,
    CampaignPatch,
    ClaimIn,
    ClaimInvitationIn,
    Figures,
    InvitationOut,
    ParticipantOut,
    ProgressOut,
    ReviewIn,
    StageOut,
    TakePartIn,
)

#: How many ranks the leaderboard shows, over its pages.
BOARD_SIZE = 100
router = api_router(prefix="/api/v1/referrals", tags=["referrals"])


async def _campaign_out(ctx: Ctx, c: ReferralCampaign) -> CampaignOut:
    stages = await service.stages_of(ctx, c.id)
    has_art = await repository.has_art(ctx.session, c.id)
    return CampaignOut(
        id=c.id,
        name=c.name,
        status=c.status,
        live=service.is_live(c),
        starts_at=c.starts_at,
        ends_at=c.ends_at,
        eligibility=c.eligibility,
        goal=c.goal,
        goal_days=c.goal_days,
        stages=[StageOut.model_validate(s) for s in stages],
        invitee_rewards=c.invitee_rewards,
        max_per_inviter=c.max_per_inviter,
        revoke_days=c.revoke_days,
        clawback=c.clawback,
        fraud=c.fraud,
        point_cost_centi=c.point_cost_centi,
        channel_id=c.channel_id,
        poster=c.poster,
        has_art=bool(has_art),
        created_at=c.created_at,
    )


async def _participant_out(ctx: Ctx, p: ReferralParticipant) -> ParticipantOut:
    urls = await share.share_urls(ctx, p)
    return ParticipantOut(
        id=p.id,
        campaign_id=p.campaign_id,
        member_id=p.member_id,
        code=p.code,
        display_name=p.display_name,
        counted=p.counted,
        link_id=p.link_id,
        short_url=urls["short_url"],
        progress_url=urls["progress_url"],
        poster_url=f"/api/v1/referrals/participants/{p.id}/poster.png",
        created_at=p.created_at,
    )


@router.post("/campaigns", status_code=201, response_model=CampaignOut)
async def create_campaign(
    body: CampaignIn, ctx: Ctx = Depends(idempotent("referrals:manage"))
) -> CampaignOut:
    """Create a referral campaign (任务宝): window, the goal an invitee must reach, reward stages
    by qualified invitations, fraud thresholds, poster; without `channel_id` a poster channel is
    made for it. Refused: `unknown_segment`, `unknown_tier`, `unknown_form`, `unknown_channel`,
    `unknown_coupon_template`, `unknown_reward`, `unknown_lottery`. A replay answers the first result."""
    campaign = await service.create_campaign(ctx, body)
    return await _campaign_out(ctx, campaign)


@router.get("/campaigns", response_model=Page[CampaignOut])
async def list_campaigns(
    ctx: Ctx = Depends(require("members:read")),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[CampaignOut]:
    """Referral campaigns, with their window, state, stages and poster settings."""
    part, nxt = page_list(await service.list_campaigns(ctx), cursor, limit)
    return Page[CampaignOut](data=[await _campaign_out(ctx, c) for c in part], next_cursor=nxt)


@router.get("/campaigns/{campaign_id}", response_model=CampaignOut)
async def get_campaign(campaign_id: ParamId, ctx: Ctx = Depends(require("members:read"))) -> CampaignOut:
    """One campaign with its stages, rules and whether it is live now (active and inside its
    window); `unknown_campaign` otherwise."""
    return await _campaign_out(ctx, await service.get_campaign(ctx, campaign_id))


@router.patch("/campaigns/{campaign_id}", response_model=CampaignOut)
async def update_campaign(
    campaign_id: ParamId, body: CampaignPatch, ctx: Ctx = Depends(require("referrals:manage"))
) -> CampaignOut:
    """Rename, pause, resume, end early, extend, change the poster or the fraud thresholds — at
    any time before the campaign ends (`campaign_ended`). While nobody has taken part yet, also
    the rules: `starts_at`, `eligibility`, `goal`, `goal_days`, `stages` (the whole list,
    replaced; checked as on creation), `invitee_rewards`, `max_per_inviter`; once someone has,
    those are refused with `campaign_started` (409, `details.fields` names them) and nothing
    is changed. Refused as on creation: `unknown_coupon_template`, `unknown_reward`,
    `unknown_lottery`, `unknown_segment`, `unknown_tier`, `unknown_form`."""
    return await _campaign_out(ctx, await service.update_campaign(ctx, campaign_id, body))


@router.put("/campaigns/{campaign_id}/art", response_model=CampaignOut)
async def put_art(
    campaign_id: ParamId, request: Request, ctx: Ctx = Depends(require("referrals:manage"))
) -> CampaignOut:
    """The poster's background: send the PNG or JPEG bytes as the body (at most 2 MB)."""
    body = await request.body()
    if not body:
        raise BadRequest("Send the picture as the request body.", code=INVALID_ART)
    return await _campaign_out(ctx, await service.set_art(ctx, campaign_id, body))


@router.post(
    "/campaigns/{campaign_id}/participants",
    status_code=201,
    response_model=ParticipantOut,
    responses=also_200(ParticipantOut, "The member takes part already: their share kit"),
)
async def take_part(
    response: Response,
    campaign_id: ParamId,
    body: TakePartIn,
    ctx: Ctx = Depends(idempotent("members:write")),
) -> ParticipantOut:
    """The member's share kit: invite code, personal short link, poster, progress page
    (201 the first time, 200 with the same kit after)."""
    participant, created = await service.take_part(ctx, campaign_id, body.member_id, body.display_name)
    response.status_code = 201 if created else 200
    return await _participant_out(ctx, participant)


@router.get("/participants/{participant_id}", response_model=ParticipantOut)
async def get_participant(
    participant_id: ParamId, ctx: Ctx = Depends(require("members:read"))
) -> ParticipantOut:
    """One participant's share kit: invite code, short link, progress page and poster address,
    with the invitations counted so far (`unknown_participant` otherwise)."""
    return await _participant_out(ctx, await service.get_participant(ctx, participant_id))


@router.get("/participants/{participant_id}/progress", response_model=ProgressOut)
async def get_progress(
    participant_id: ParamId, lang: Literal["zh", "en"] = "zh", ctx: Ctx = Depends(require("members:read"))
) -> ProgressOut:
    """ "2 of 3, 1 pending": counted invitations, pending ones and every stage."""
    return await figures.progress(ctx, await service.get_participant(ctx, participant_id), lang)


@router.get(
    "/participants/{participant_id}/poster.png",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}}},
        503: {"model": ErrorOut, "description": "`poster_font_missing`: no CJK font is installed"},
    },
)
async def get_poster(participant_id: ParamId, ctx: Ctx = Depends(require("members:read"))) -> Response:
    """The participant's share poster as PNG: campaign art, title, stages, their name and the QR
    code of their personal short link (scans count as their clicks). Sent with an ETag."""
    participant = await service.get_participant(ctx, participant_id)
    png, etag = await share.poster_png(ctx, participant)
    return Response(png, media_type="image/png", headers={"etag": f'"{etag}"'})


@router.get("/campaigns/{campaign_id}/leaderboard", response_model=Page[BoardRow])
async def leaderboard(
    campaign_id: ParamId,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=BOARD_SIZE)] = 20,
    ctx: Ctx = Depends(require("members:read")),
) -> Page[BoardRow]:
    """The top inviters by friends counted (the first 100 ranks), names masked."""
    board = await figures.leaderboard(ctx, campaign_id, BOARD_SIZE)
    return Page[BoardRow].of(board, cursor, limit, lambda row: row)


@router.get("/campaigns/{campaign_id}/invitations", response_model=Page[InvitationOut])
async def list_invitations(
    campaign_id: ParamId,
    status: Annotated[str | None, Query(max_length=32)] = None,
    inviter_id: ParamId | None = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
    ctx: Ctx = Depends(require("members:read")),
) -> Page[InvitationOut]:
    """Newest first; filter by ``status`` (``held`` is the review queue) or inviter."""
    await service.get_campaign(ctx, campaign_id)
    if status is not None and status not in INVITATION_STATUSES:
        raise BadRequest(f"status is one of {', '.join(INVITATION_STATUSES)}.", code=VALIDATION_ERROR)
    rows = await repository.invitations(
        ctx.session, campaign_id, status=status, inviter_id=inviter_id, cursor=cursor, limit=limit
    )
    items, nxt = page_of(rows, limit, lambda r: r.id)
    return Page[InvitationOut](data=[InvitationOut.model_validate(i) for i in items], next_cursor=nxt)


@router.post("/campaigns/{campaign_id}/claims", response_model=InvitationOut)
async def claim_code(
    campaign_id: ParamId, body: ClaimIn, ctx: Ctx = Depends(idempotent("members:write"))
) -> InvitationOut:
    """The member names an inviter's code. `already_invited` if someone else was first."""
    inv = await service.claim_code(ctx, campaign_id, body.member_id, body.code)
    return InvitationOut.model_validate(inv)


@router.post("/invitations/{invitation_id}/claim", response_model=InvitationOut)
async def claim_invitation(
    invitation_id: ParamId, body: ClaimInvitationIn, ctx: Ctx = Depends(idempotent("members:write"))
) -> InvitationOut:
    """Bind a clicked invitation to the member who joined. `invitation_taken` if it is another's."""
    inv = await service.claim_invitation(ctx, invitation_id, body.member_id)
    return InvitationOut.model_validate(inv)


@router.get("/invitations/{invitation_id}", response_model=InvitationOut)
async def get_invitation(
    invitation_id: ParamId, ctx: Ctx = Depends(require("members:read"))
) -> InvitationOut:
    """One invitation with its status, fraud reasons, milestones and what the invitee was paid
    (`unknown_invitation` otherwise)."""
    return InvitationOut.model_validate(await service.get_invitation(ctx, invitation_id))


@router.post("/invitations/{invitation_id}/review", response_model=InvitationOut)
async def review(
    invitation_id: ParamId, body: ReviewIn, ctx: Ctx = Depends(idempotent("referrals:manage"))
) -> InvitationOut:
    """Approve (it goes on, and qualifies if its goal was met) or reject (it never pays)."""
    inv = await service.review(ctx, invitation_id, body.decision, body.note)
    return InvitationOut.model_validate(inv)


@router.get("/campaigns/{campaign_id}/figures", response_model=Figures, responses=CSV_RESPONSE)
async def campaign_figures(
    campaign_id: ParamId, format: Literal["json", "csv"] = "json", ctx: Ctx = Depends(require("stats:read"))
) -> Response:
    """Participants, shares, joined, qualified, rewarded, rejected by reason, fission
    rate, K-factor, cost per new member, tree depth (``format=csv`` for a file)."""
    row = await figures.figures(ctx, campaign_id)
    if format == "csv":
        return csv_file(figures.figures_csv([row]), f"campaign-{campaign_id}.csv")
    return Response(row.model_dump_json(), media_type="application/json")
