"""Referral campaigns (任务宝): invite friends who reach a goal, earn staged rewards.

The life of an invitation::

    clicked ─▶ joined ─▶ qualified ─▶ rewarded
       │          │  ╲         │
       │          │   held ─▶ (approve → joined/qualified, reject → rejected)
       │          ▼             ▼
       └──────▶ rejected    revoked (invitee blocked/erased within revoke_days)

* **clicked** — the landing page ``/invite/<code>`` saw a visitor (cookie + IP hash).
* **joined** — the visitor became a member (through that page, the ``/join`` page with
  the same cookie, or an explicit code); the anti-fraud rules ran (:mod:`.fraud`).
* **qualified** — the invitee reached the campaign's goal within ``goal_days``; it
  counts toward the inviter's stages (``ordinal`` is its place).
* **rewarded** — a paid stage covers it (its ordinal ≤ the highest paid threshold).

First touch wins within a campaign: an invitee has at most one invitation there.
Qualifications lock the participant's row, so the count and the stage awards move
one at a time; the unique ``(stage, inviter)`` key backs that up. Nothing is paid
by a rejected or held invitation.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.exc import IntegrityError

from yutang.coupons import service as coupons
from yutang.kit import audit, crypto, events, lookup
from yutang.kit.context import Ctx
from yutang.kit.errors import VALIDATION_ERROR, BadRequest, Conflict, Forbidden, NotFound
from yutang.links import addresses
from yutang.links import service as links
from yutang.links.schemas import ChannelIn, LinkIn
from yutang.loyalty import tiers
from yutang.members import forms, identities, segments
from yutang.members import service as members
from yutang.models.base import utcnow
from yutang.models.links import Channel, LinkDomain
from yutang.models.members import Member
from yutang.models.referrals import (
    LIVE_STATUSES,
    Invitation,
    ReferralCampaign,
    ReferralParticipant,
    ReferralStage,
    StageAward,
)
from yutang.referrals import fraud, payouts
from yutang.referrals.errors import (
    ALREADY_INVITED,
    ART_TOO_LARGE,
    CAMPAIGN_ENDED,
    CAMPAIGN_NOT_STARTED,
    CAMPAIGN_PAUSED,
    CAMPAIGN_STARTED,
    CODE_EXHAUSTED,
    INVITATION_NOT_HELD,
    INVITATION_TAKEN,
    NO_LINK_DOMAIN,
    NOT_ELIGIBLE,
    UNKNOWN_CAMPAIGN,
    UNKNOWN_INVITATION,
    UNKNOWN_INVITE_CODE,
    UNKNOWN_PARTICIPANT,
)
from yutang.referrals.events import (
    InvitationHeld,
    InvitationJoined,
    InvitationQualified,
    InvitationRejected,
    InvitationRevoked,
    ReferralParticipantJoined,
    ReferralStageReached,
)
from yutang.referrals.schemas import CampaignIn, CampaignPatch, Eligibility, Goal, RewardSpec, StageIn
from yutang.rewards import lottery
from yutang.rewards import service as rewards

CODE_LENGTH = 8
MAX_ART_BYTES = 2 * 1024 * 1024


# --- campaigns --------------------------------------------------------------------------


def is_live(campaign: ReferralCampaign, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return campaign.status == "active" and campaign.starts_at <= now < campaign.ends_at


def _check_open(campaign: ReferralCampaign, now: datetime) -> None:
    if campaign.status == "ended" or now >= campaign.ends_at:
        raise Conflict("This campaign has ended.", code=CAMPAIGN_ENDED, details={"campaign_id": campaign.id})
    if campaign.status == "paused":
        raise Conflict("This campaign is paused.", code=CAMPAIGN_PAUSED, details={"campaign_id": campaign.id})
    if now < campaign.starts_at:
        raise Conflict(
            "This campaign has not started yet.",
            code=CAMPAIGN_NOT_STARTED,
            details={"starts_at": campaign.starts_at.isoformat()},
        )


async def _check_specs(ctx: Ctx, specs: Sequence[RewardSpec], where: str) -> None:
    """Every row a reward names is the workspace's — whatever its kind, since what is
    given is stored (a points reward with another workspace's template id is refused).
    A refusal names the reward (``details.field``: ``stages[0].rewards[1]``)."""
    for n, spec in enumerate(specs):
        try:
            if spec.template_id is not None:
                await coupons.get_template(ctx, spec.template_id)
            if spec.reward_id is not None:
                await rewards.get_reward(ctx, spec.reward_id)
            if spec.lottery_id is not None:
                await lottery.get_lottery(ctx, spec.lottery_id)
        except NotFound as exc:
            exc.details.setdefault("field", f"{where}[{n}]")
            raise


async def _campaign_channel(ctx: Ctx, name: str) -> int:
    label = f"任务宝 · {name}"[:110]
    taken = await ctx.session.scalar(
        select(func.count())
        .select_from(Channel)
        .where(Channel.workspace_id == ctx.workspace_id, Channel.name.startswith(label))
    )
    channel = await links.create_channel(
        ctx, ChannelIn(name=label if not taken else f"{label} #{int(taken or 0) + 1}", type="poster")
    )
    return channel.id


async def _check_rules(
    ctx: Ctx,
    *,
    stages: Sequence[StageIn] = (),
    invitee_rewards: Sequence[RewardSpec] = (),
    eligibility: Eligibility | None = None,
    goal: Goal | None = None,
) -> None:
    """Every row the rules name is the workspace's (on creation and on a patch alike)."""
    for n, stage in enumerate(stages):
        await _check_specs(ctx, stage.rewards, f"stages[{n}].rewards")
    await _check_specs(ctx, invitee_rewards, "invitee_rewards")
    if eligibility is not None:
        if eligibility.segment_id is not None:
            await segments.get_segment(ctx, eligibility.segment_id)
        for tier_id in eligibility.tier_ids or []:
            await tiers.get_tier(ctx, tier_id)
    if goal is not None and goal.form_id is not None:
        await forms.get_form(ctx, goal.form_id)


def _stage_rows(stages: Sequence[StageIn]) -> list[dict[str, Any]]:
    """The stages as stored: by increasing threshold, a blank name being the threshold."""
    return [
        {
            "threshold": stage.threshold,
            "name": stage.name.strip() or f"{stage.threshold}",
            "rewards": [s.model_dump(exclude_none=True) for s in stage.rewards],
        }
        for stage in sorted(stages, key=lambda s: s.threshold)
    ]


async def create_campaign(ctx: Ctx, data: CampaignIn) -> ReferralCampaign:
    await _check_rules(
        ctx,
        stages=data.stages,
        invitee_rewards=data.invitee_rewards,
        eligibility=data.eligibility,
        goal=data.goal,
    )
    if data.channel_id is not None:
        await links.get_channel(ctx, data.channel_id)
    channel_id = data.channel_id or await _campaign_channel(ctx, data.name)
    campaign = ReferralCampaign(
        workspace_id=ctx.workspace_id,
        name=data.name.strip(),
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        eligibility=data.eligibility.model_dump(exclude_none=True),
        goal=data.goal.model_dump(exclude_none=True),
        goal_days=data.goal_days,
        invitee_rewards=[s.model_dump(exclude_none=True) for s in data.invitee_rewards],
        max_per_inviter=data.max_per_inviter,
        revoke_days=data.revoke_days,
        clawback=data.clawback,
        fraud=data.fraud.model_dump(),
        point_cost_centi=data.point_cost_centi,
        channel_id=channel_id,
        poster=data.poster.model_dump(),
    )
    ctx.session.add(campaign)
    await ctx.session.flush()
    for row in _stage_rows(data.stages):
        ctx.session.add(ReferralStage(campaign_id=campaign.id, **row))
    await ctx.session.flush()
    audit.record(
        ctx, "referral_campaign.created", "referral_campaign", campaign.id, data.model_dump(mode="json")
    )
    return campaign


async def get_campaign(ctx: Ctx, campaign_id: int, *, lock: bool = False) -> ReferralCampaign:
    return await lookup.one(
        ctx, ReferralCampaign, campaign_id, code=UNKNOWN_CAMPAIGN, what="referral campaign", lock=lock
    )


async def stages_of(ctx: Ctx, campaign_id: int) -> list[ReferralStage]:
    rows = await ctx.session.scalars(
        select(ReferralStage)
        .where(ReferralStage.campaign_id == campaign_id)
        .order_by(ReferralStage.threshold)
    )
    return list(rows.all())


async def list_campaigns(ctx: Ctx) -> list[ReferralCampaign]:
    rows = await ctx.session.scalars(
        select(ReferralCampaign)
        .where(ReferralCampaign.workspace_id == ctx.workspace_id)
        .order_by(ReferralCampaign.id.desc())
    )
    return list(rows.all())


async def taken_part(ctx: Ctx, campaign_id: int) -> bool:
    """Whether anyone has taken part in the campaign (a participant, or a stage award
    left by one): from then on its rules stay as they are."""
    found = await ctx.session.scalar(
        select(
            or_(
                exists().where(ReferralParticipant.campaign_id == campaign_id),
                exists().where(StageAward.campaign_id == campaign_id),
            )
        )
    )
    return bool(found)


async def _replace_stages(ctx: Ctx, campaign_id: int, stages: Sequence[StageIn]) -> None:
    """The campaign's stages become ``stages`` (rows kept when nothing changed). Only
    before anyone took part, so no stage award names a stage removed here."""
    wanted = _stage_rows(stages)
    current = await stages_of(ctx, campaign_id)
    if [{"threshold": s.threshold, "name": s.name, "rewards": s.rewards} for s in current] == wanted:
        return
    await ctx.session.execute(delete(ReferralStage).where(ReferralStage.campaign_id == campaign_id))
    await ctx.session.flush()
    for row in wanted:
        ctx.session.add(ReferralStage(campaign_id=campaign_id, **row))
    await ctx.session.flush()


async def update_campaign(ctx: Ctx, campaign_id: int, patch: CampaignPatch) -> ReferralCampaign:
    """Change what the patch names. The rules (start, eligibility, goal, stages, rewards,
    cap) change only while nobody has taken part: afterwards ``campaign_started``, and
    nothing of the patch is written."""
    campaign = await get_campaign(ctx, campaign_id, lock=True)
    if campaign.status == "ended":
        raise Conflict("An ended campaign cannot be changed.", code=CAMPAIGN_ENDED)
    rules = patch.rules()
    if rules and await taken_part(ctx, campaign.id):
        raise Conflict(
            "Someone has taken part in this campaign: its rules no longer change.",
            code=CAMPAIGN_STARTED,
            details={"field": rules[0], "fields": rules},
        )
    await _check_rules(
        ctx,
        stages=patch.stages or (),
        invitee_rewards=patch.invitee_rewards or (),
        eligibility=patch.eligibility,
        goal=patch.goal,
    )
    starts_at, ends_at = patch.starts_at or campaign.starts_at, patch.ends_at or campaign.ends_at
    if ends_at <= starts_at:
        field = "ends_at" if patch.ends_at else "starts_at"
        raise BadRequest("ends_at must be after starts_at.", code=VALIDATION_ERROR, details={"field": field})
    for name in patch.model_fields_set:
        value = getattr(patch, name)
        if value is None and name != "max_per_inviter":
            continue
        if name == "stages":
            await _replace_stages(ctx, campaign.id, value)
            continue
        if name in ("poster", "fraud"):
            value = value.model_dump()
        elif name in ("eligibility", "goal"):
            value = value.model_dump(exclude_none=True)
        elif name == "invitee_rewards":
            value = [s.model_dump(exclude_none=True) for s in value]
        elif name == "name":
            value = value.strip()
        setattr(campaign, name, value)
    await ctx.session.flush()
    audit.record(
        ctx,
        "referral_campaign.updated",
        "referral_campaign",
        campaign.id,
        patch.model_dump(mode="json", exclude_unset=True),
    )
    return campaign


async def set_art(ctx: Ctx, campaign_id: int, data: bytes) -> ReferralCampaign:
    """The poster's background picture (PNG or JPEG, at most 2 MB, checked by Pillow)."""
    from yutang.referrals import poster

    campaign = await get_campaign(ctx, campaign_id, lock=True)
    if len(data) > MAX_ART_BYTES:
        raise BadRequest("The picture is larger than 2 MB.", code=ART_TOO_LARGE)
    poster.check_art(data)
    campaign.art = data
    await ctx.session.flush()
    audit.record(ctx, "referral_campaign.art_set", "referral_campaign", campaign.id, {"bytes": len(data)})
    return campaign


# --- taking part ------------------------------------------------------------------------


async def participant_by_code(ctx: Ctx, code: str) -> ReferralParticipant:
    found = await ctx.session.scalar(
        select(ReferralParticipant).where(
            ReferralParticipant.workspace_id == ctx.workspace_id, ReferralParticipant.code == code.strip()
        )
    )
    if found is None:
        raise NotFound("No such invite code.", code=UNKNOWN_INVITE_CODE)
    return found


async def participant_by_token(ctx: Ctx, token: str) -> ReferralParticipant:
    found = await ctx.session.scalar(
        select(ReferralParticipant).where(
            ReferralParticipant.workspace_id == ctx.workspace_id, ReferralParticipant.token == token
        )
    )
    if found is None:
        raise NotFound("No such progress page.", code=UNKNOWN_PARTICIPANT)
    return found


async def get_participant(ctx: Ctx, participant_id: int, *, lock: bool = False) -> ReferralParticipant:
    return await lookup.one(
        ctx, ReferralParticipant, participant_id, code=UNKNOWN_PARTICIPANT, what="participant", lock=lock
    )


async def participant_of(ctx: Ctx, campaign_id: int, member_id: int) -> ReferralParticipant | None:
    found: ReferralParticipant | None = await ctx.session.scalar(
        select(ReferralParticipant).where(
            ReferralParticipant.campaign_id == campaign_id, ReferralParticipant.member_id == member_id
        )
    )
    return found


async def _eligible(ctx: Ctx, campaign: ReferralCampaign, member: Member) -> bool:
    rules = campaign.eligibility or {}
    if rules.get("tier_ids") and member.tier_id not in rules["tier_ids"]:
        return False
    if rules.get("segment_id"):
        return await segments.contains(ctx, int(rules["segment_id"]), member.id)
    return True


def default_display_name(member: Member) -> str:
    name = crypto.unseal("member.name", member.name_sealed)
    return identities.mask("name", name) or f"会员{member.id % 10000:04d}"


async def default_domain(ctx: Ctx) -> LinkDomain:
    domains = await links.list_domains(ctx)
    for d in domains:
        if d.is_default:
            return d
    if domains:
        return domains[0]
    raise Conflict("The workspace has no link domain to share links on.", code=NO_LINK_DOMAIN)


def page_url(domain: LinkDomain, path: str) -> str:
    return f"{'https' if domain.https else 'http'}://{domain.host}{path}"


async def take_part(
    ctx: Ctx,
    campaign_id: int,
    member_id: int,
    display_name: str | None = None,
    *,
    now: datetime | None = None,
) -> tuple[ReferralParticipant, bool]:
    """The member's share kit for the campaign: invite code, personal short link (on the
    campaign's channel, so its clicks count per inviter), progress page. Idempotent."""
    now = now or utcnow()
    campaign = await get_campaign(ctx, campaign_id)
    member = await members.active_member(ctx, member_id)
    existing = await participant_of(ctx, campaign.id, member.id)
    if existing is not None:
        return existing, False
    _check_open(campaign, now)
    if not await _eligible(ctx, campaign, member):
        raise Forbidden(
            "This member may not take part in the campaign.",
            code=NOT_ELIGIBLE,
            details={"eligibility": campaign.eligibility},
        )
    domain = await default_domain(ctx)
    for _attempt in range(5):
        code = addresses.random_code(CODE_LENGTH)
        participant = ReferralParticipant(
            workspace_id=ctx.workspace_id,
            campaign_id=campaign.id,
            member_id=member.id,
            code=code,
            token=secrets.token_urlsafe(24),
            display_name=(display_name or default_display_name(member)).strip()[:20],
            counted=0,
        )
        try:
            async with ctx.session.begin_nested():
                ctx.session.add(participant)
                await ctx.session.flush()
            break
        except IntegrityError:
            existing = await participant_of(ctx, campaign.id, member.id)
            if existing is not None:  # the same member, a moment ago
                return existing, False
    else:  # pragma: no cover - 56^8 codes
        raise Conflict("Could not find a free invite code.", code=CODE_EXHAUSTED)
    link = await links.create_link(
        ctx,
        LinkIn(
            url=page_url(domain, f"/invite/{participant.code}"),
            domain=domain.host,
            title=f"{campaign.name} · {participant.display_name}"[:200],
            tags=["referral", f"campaign-{campaign.id}"],
            channel_id=campaign.channel_id,
        ),
    )
    participant.link_id = link.id
    await ctx.session.flush()
    events.emit(
        ctx,
        ReferralParticipantJoined(
            campaign_id=campaign.id,
            member_id=member.id,
            participant_id=participant.id,
            share_link_id=link.id,
        ),
    )
    return participant, True


# --- invitations ------------------------------------------------------------------------


async def record_visit(
    ctx: Ctx,
    participant: ReferralParticipant,
    visitor_id: str | None,
    ip_hash: str | None,
    *,
    now: datetime | None = None,
) -> Invitation | None:
    """The landing page saw a visitor: a ``clicked`` invitation, unless the visitor
    already clicked some inviter's link of this campaign (first touch wins) or is
    the inviter."""
    now = now or utcnow()
    campaign = await get_campaign(ctx, participant.campaign_id)
    if not visitor_id or not is_live(campaign, now):
        return None
    inviter = await members.get_member(ctx, participant.member_id)
    if inviter.visitor_id == visitor_id:
        return None
    first = await _first_click(ctx, campaign.id, visitor_id, unclaimed=False)
    if first is not None:
        return first
    inv = Invitation(
        workspace_id=ctx.workspace_id,
        campaign_id=campaign.id,
        participant_id=participant.id,
        inviter_id=participant.member_id,
        status="clicked",
        via="cookie",
        visitor_id=visitor_id,
        ip_hash=ip_hash,
        clicked_at=now,
    )
    ctx.session.add(inv)
    await ctx.session.flush()
    return inv


async def _first_click(ctx: Ctx, campaign_id: int, visitor_id: str, *, unclaimed: bool) -> Invitation | None:
    stmt = select(Invitation).where(
        Invitation.campaign_id == campaign_id, Invitation.visitor_id == visitor_id
    )
    if unclaimed:
        stmt = stmt.where(Invitation.invitee_id.is_(None), Invitation.status == "clicked")
    found: Invitation | None = await ctx.session.scalar(stmt.order_by(Invitation.id).limit(1))
    return found


async def _of_invitee(ctx: Ctx, campaign_id: int, member_id: int) -> Invitation | None:
    found: Invitation | None = await ctx.session.scalar(
        select(Invitation).where(Invitation.campaign_id == campaign_id, Invitation.invitee_id == member_id)
    )
    return found


async def attach(
    ctx: Ctx,
    campaign: ReferralCampaign,
    participant: ReferralParticipant | None,
    invitee: Member,
    *,
    new_member: bool,
    via: str,
    visitor_id: str | None = None,
    ip_hash: str | None = None,
    invitation: Invitation | None = None,
    now: datetime | None = None,
) -> Invitation | None:
    """Make ``invitee`` someone's invitee in ``campaign`` (first touch wins): the clicked
    invitation of their visitor cookie when there is one, else a new one for
    ``participant``. Runs the anti-fraud rules and, for a ``join`` goal, qualifies."""
    now = now or utcnow()
    existing = await _of_invitee(ctx, campaign.id, invitee.id)
    if existing is not None:
        return existing
    inv = invitation
    if inv is None and visitor_id:
        inv = await _first_click(ctx, campaign.id, visitor_id, unclaimed=True)
    if inv is not None:
        # Lock order everywhere: the participant, then the invitation. Reloaded under
        # the lock, a clicked invitation another joiner took a moment ago is seen taken.
        participant = await _lock_participant(ctx, inv.participant_id)
        inv = await _lock_invitation(ctx, inv.id)
        if inv.invitee_id is not None:
            if inv.invitee_id == invitee.id:
                return inv
            inv = None  # a second person on the same device: an invitation of their own
    elif participant is not None:
        participant = await _lock_participant(ctx, participant.id)
    if inv is None:
        if participant is None:
            return None
        inv = Invitation(
            workspace_id=ctx.workspace_id,
            campaign_id=campaign.id,
            participant_id=participant.id,
            inviter_id=participant.member_id,
            via=via,
            visitor_id=visitor_id,
            ip_hash=ip_hash,
        )
        ctx.session.add(inv)
    inv.invitee_id = invitee.id
    inv.joined_at = now
    inv.ip_hash = inv.ip_hash or ip_hash
    try:
        async with ctx.session.begin_nested():
            await ctx.session.flush()
    except IntegrityError:
        # The same invitee was attached a moment ago by another request.
        return await _of_invitee(ctx, campaign.id, invitee.id)
    inviter = await members.get_member(ctx, inv.inviter_id)
    verdict = await fraud.judge(ctx, campaign, inv, inviter, invitee, new_member=new_member, now=now)
    if verdict.reject:
        inv.status, inv.reasons, inv.ended_at = "rejected", [*verdict.reject, *verdict.hold], now
        decided: type[InvitationJoined | InvitationHeld | InvitationRejected] = InvitationRejected
    else:
        inv.reasons = verdict.hold
        inv.status = "held" if verdict.hold else "joined"
        decided = InvitationHeld if verdict.hold else InvitationJoined
    await ctx.session.flush()
    events.emit(
        ctx,
        decided(
            invitation_id=inv.id,
            campaign_id=campaign.id,
            inviter_id=inv.inviter_id,
            invitee_id=invitee.id,
            reasons=inv.reasons,
        ),
    )
    if verdict.reject:
        return inv
    if (campaign.goal or {}).get("kind", "join") == "join":
        await _goal_met(ctx, campaign, inv, now)
    return inv


async def claim_code(ctx: Ctx, campaign_id: int, member_id: int, code: str) -> Invitation:
    """An invitee names an inviter's code. Only members who joined after the inviter
    took part count as new; an invitee already attributed keeps their first inviter."""
    now = utcnow()
    campaign = await get_campaign(ctx, campaign_id)
    _check_open(campaign, now)
    participant = await participant_by_code(ctx, code)
    if participant.campaign_id != campaign.id:
        raise NotFound("No such invite code in this campaign.", code=UNKNOWN_INVITE_CODE)
    invitee = await members.active_member(ctx, member_id)
    existing = await _of_invitee(ctx, campaign.id, invitee.id)
    if existing is not None:
        if existing.participant_id == participant.id:
            return existing
        raise Conflict(
            "This member was invited by someone else first.",
            code=ALREADY_INVITED,
            details={"invitation_id": existing.id},
        )
    inv = await attach(
        ctx,
        campaign,
        participant,
        invitee,
        new_member=invitee.joined_at >= participant.created_at,
        via="code",
        now=now,
    )
    assert inv is not None
    return inv


async def claim_invitation(ctx: Ctx, invitation_id: int, member_id: int) -> Invitation:
    """Bind a clicked invitation (seen by the shop's own page) to the member who joined."""
    now = utcnow()
    peek = await get_invitation(ctx, invitation_id)
    await _lock_participant(ctx, peek.participant_id)
    inv = await _lock_invitation(ctx, invitation_id)
    campaign = await get_campaign(ctx, inv.campaign_id)
    if inv.invitee_id is not None:
        if inv.invitee_id == member_id:
            return inv
        raise Conflict("This invitation belongs to another member.", code=INVITATION_TAKEN)
    _check_open(campaign, now)
    invitee = await members.active_member(ctx, member_id)
    existing = await _of_invitee(ctx, campaign.id, invitee.id)
    if existing is not None:
        raise Conflict(
            "This member was invited by someone else first.",
            code=ALREADY_INVITED,
            details={"invitation_id": existing.id},
        )
    participant = await get_participant(ctx, inv.participant_id)
    new = inv.clicked_at is not None and invitee.joined_at >= inv.clicked_at
    got = await attach(
        ctx, campaign, participant, invitee, new_member=new, via=inv.via, invitation=inv, now=now
    )
    assert got is not None
    return got


async def get_invitation(ctx: Ctx, invitation_id: int, *, lock: bool = False) -> Invitation:
    return await lookup.one(
        ctx, Invitation, invitation_id, code=UNKNOWN_INVITATION, what="invitation", lock=lock
    )


async def on_member_joined(ctx: Ctx, member_id: int, now: datetime) -> int:
    """A member joined anywhere with a visitor cookie that clicked invite links: they
    become the invitee of the first click, in every live campaign. Returns how many."""
    member = await ctx.session.get(Member, member_id)
    if member is None or member.workspace_id != ctx.workspace_id or not member.visitor_id:
        return 0
    clicked = (
        await ctx.session.scalars(
            select(Invitation)
            .where(
                Invitation.workspace_id == ctx.workspace_id,
                Invitation.visitor_id == member.visitor_id,
                Invitation.status == "clicked",
                Invitation.invitee_id.is_(None),
            )
            .order_by(Invitation.id)
        )
    ).all()
    done = 0
    seen: set[int] = set()
    for inv in clicked:
        if inv.campaign_id in seen:
            continue
        seen.add(inv.campaign_id)
        campaign = await get_campaign(ctx, inv.campaign_id)
        if not is_live(campaign, now):
            continue
        got = await attach(
            ctx, campaign, None, member, new_member=True, via="cookie", invitation=inv, now=now
        )
        done += got is not None
    return done


# --- goals and qualification ------------------------------------------------------------


def goal_matches(goal: dict[str, Any], kind: str, facts: dict[str, Any]) -> bool:
    if goal.get("kind", "join") != kind:
        return False
    if kind == "form" and goal.get("form_id") is not None and facts.get("form_id") != goal["form_id"]:
        return False
    if kind == "order":
        if int(facts.get("total_cents") or 0) < int(goal.get("min_total_cents") or 0):
            return False
        if goal.get("first_order") and not facts.get("first_order"):
            return False
    if kind == "event":
        payload = facts.get("payload") or {}
        if facts.get("type") != (goal.get("event_type") or "member.activity"):
            return False
        if goal.get("event_name") and payload.get("name") != goal["event_name"]:
            return False
        if any(payload.get(k) != v for k, v in (goal.get("where") or {}).items()):
            return False
        for k, v in (goal.get("at_least") or {}).items():
            value = payload.get(k)
            if not isinstance(value, int | float) or isinstance(value, bool) or value < v:
                return False
    return True


async def goal_reached(ctx: Ctx, invitee_id: int, kind: str, facts: dict[str, Any], at: datetime) -> int:
    """The invitee did something: invitations whose goal it is become qualified (held
    ones remember it for the review). Returns how many invitations moved."""
    invs = (
        await ctx.session.scalars(
            select(Invitation)
            .where(
                Invitation.workspace_id == ctx.workspace_id,
                Invitation.invitee_id == invitee_id,
                Invitation.status.in_(("joined", "held")),
                Invitation.goal_met_at.is_(None),
            )
            .order_by(Invitation.id)
        )
    ).all()
    moved = 0
    for inv in invs:
        campaign = await get_campaign(ctx, inv.campaign_id)
        if not goal_matches(campaign.goal or {}, kind, facts) or not is_live(campaign, at):
            continue
        assert inv.joined_at is not None
        # Only what the invitee does after joining, within the campaign's goal_days.
        if at < inv.joined_at or at > inv.joined_at + timedelta(days=campaign.goal_days):
            continue
        await _goal_met(ctx, campaign, inv, at)
        moved += 1
    return moved


async def _goal_met(ctx: Ctx, campaign: ReferralCampaign, inv: Invitation, now: datetime) -> None:
    await _lock_participant(ctx, inv.participant_id)
    inv = await _lock_invitation(ctx, inv.id)
    if inv.goal_met_at is not None or inv.status not in ("joined", "held"):
        return  # handled meanwhile (a review, a twin delivery, a revocation)
    inv.goal_met_at = now
    if inv.status == "joined":
        await qualify(ctx, campaign, inv, now)
    else:
        await ctx.session.flush()


async def _lock_participant(ctx: Ctx, participant_id: int) -> ReferralParticipant:
    """Every path that changes invitations locks the participant first, then them."""
    return await get_participant(ctx, participant_id, lock=True)


async def _lock_invitation(ctx: Ctx, invitation_id: int) -> Invitation:
    return await get_invitation(ctx, invitation_id, lock=True)


async def qualify(ctx: Ctx, campaign: ReferralCampaign, inv: Invitation, now: datetime) -> None:
    """Count the invitation and pay (the caller holds the participant's lock)."""
    participant = await _lock_participant(ctx, inv.participant_id)
    inv = await _lock_invitation(ctx, inv.id)
    if inv.status != "joined":  # a concurrent twin handled it while we waited
        return
    if campaign.max_per_inviter is not None and participant.counted >= campaign.max_per_inviter:
        inv.status, inv.reasons, inv.ended_at = "rejected", [*inv.reasons, "cap_reached"], now
        await ctx.session.flush()
        return
    participant.counted += 1
    inv.status, inv.qualified_at, inv.ordinal = "qualified", now, participant.counted
    await ctx.session.flush()
    assert inv.invitee_id is not None
    if campaign.invitee_rewards:
        inv.invitee_payouts = await payouts.pay(
            ctx,
            campaign,
            inv.invitee_id,
            campaign.invitee_rewards,
            key=f"inv:{inv.id}",
            reason=f"{campaign.name}: welcome",
            now=now,
        )
    events.emit(
        ctx,
        InvitationQualified(
            member_id=inv.inviter_id,
            invitee_id=inv.invitee_id,
            campaign_id=campaign.id,
            invitation_id=inv.id,
            external_id=f"invitation:{inv.id}",
        ),
    )
    await settle_stages(ctx, campaign, participant, now)


async def settle_stages(
    ctx: Ctx, campaign: ReferralCampaign, participant: ReferralParticipant, now: datetime
) -> list[StageAward]:
    """Pay every stage the participant's count has reached and that is not paid (the
    participant's row is locked by the caller). Returns the awards paid now."""
    paid_now: list[StageAward] = []
    top = 0
    for stage in await stages_of(ctx, campaign.id):
        if stage.threshold > participant.counted:
            break
        top = stage.threshold
        award = await ctx.session.scalar(
            select(StageAward).where(
                StageAward.stage_id == stage.id, StageAward.inviter_id == participant.member_id
            )
        )
        if award is not None and award.status == "paid":
            continue
        specs = stage.rewards
        if award is None:
            award = StageAward(
                workspace_id=ctx.workspace_id,
                campaign_id=campaign.id,
                stage_id=stage.id,
                inviter_id=participant.member_id,
                round=1,
                payouts=[],
            )
            ctx.session.add(award)
        else:  # clawed back earlier; the count came back: a new round pays back what was recovered
            previous = [p for p in award.payouts if p.get("round", 1) == award.round]
            specs = payouts.to_repay(previous)
            award.round += 1
            award.status, award.clawed_back_at = "paid", None
        await ctx.session.flush()
        paid = await payouts.pay(
            ctx,
            campaign,
            participant.member_id,
            specs,
            key=f"stage:{stage.id}:{participant.member_id}:{award.round}",
            reason=f"{campaign.name}: {stage.name}",
            now=now,
        )
        award.payouts = [*award.payouts, *({**p, "round": award.round} for p in paid)]
        await ctx.session.flush()
        paid_now.append(award)
        events.emit(
            ctx,
            ReferralStageReached(
                campaign_id=campaign.id,
                member_id=participant.member_id,
                stage_id=stage.id,
                threshold=stage.threshold,
                award_id=award.id,
            ),
        )
    if top:
        covered = await ctx.session.scalars(
            select(Invitation).where(
                Invitation.participant_id == participant.id,
                Invitation.status == "qualified",
                Invitation.ordinal <= top,
            )
        )
        for inv in covered:
            inv.status, inv.rewarded_at = "rewarded", now
        await ctx.session.flush()
    return paid_now


# --- review and revocation --------------------------------------------------------------


async def review(ctx: Ctx, invitation_id: int, decision: str, note: str = "") -> Invitation:
    peek = await get_invitation(ctx, invitation_id)
    await _lock_participant(ctx, peek.participant_id)
    inv = await _lock_invitation(ctx, invitation_id)
    if inv.status != "held":
        raise Conflict(
            f"Only held invitations are reviewed; this one is {inv.status}.",
            code=INVITATION_NOT_HELD,
            details={"status": inv.status},
        )
    now = utcnow()
    inv.reviewed_by = ctx.actor.label[:80]
    campaign = await get_campaign(ctx, inv.campaign_id)
    if decision == "reject":
        inv.status, inv.ended_at = "rejected", now
        inv.reasons = [*inv.reasons, "rejected_by_review"]
        await ctx.session.flush()
    else:
        inv.status = "joined"
        await ctx.session.flush()
        events.emit(
            ctx,
            InvitationJoined(
                invitation_id=inv.id,
                campaign_id=campaign.id,
                inviter_id=inv.inviter_id,
                invitee_id=inv.invitee_id,
                reasons=inv.reasons,
            ),
        )
        if inv.goal_met_at is not None:
            await qualify(ctx, campaign, inv, now)
    audit.record(ctx, f"invitation.{decision}d", "invitation", inv.id, {"note": note, "reasons": inv.reasons})
    return inv


async def revoke_for_member(ctx: Ctx, member_id: int, reason: str, now: datetime) -> int:
    """The invitee was blocked or erased: invitations younger than the campaign's
    ``revoke_days`` stop counting; with ``clawback`` what they earned is taken back."""
    invs = (
        await ctx.session.scalars(
            select(Invitation).where(
                Invitation.workspace_id == ctx.workspace_id,
                Invitation.invitee_id == member_id,
                Invitation.status.in_(LIVE_STATUSES),
            )
        )
    ).all()
    revoked = 0
    for inv in invs:
        campaign = await get_campaign(ctx, inv.campaign_id)
        assert inv.joined_at is not None
        if now > inv.joined_at + timedelta(days=campaign.revoke_days):
            continue
        participant = await _lock_participant(ctx, inv.participant_id)
        inv = await _lock_invitation(ctx, inv.id)
        if inv.status not in LIVE_STATUSES:
            continue
        was_counted = inv.status in ("qualified", "rewarded")
        inv.status, inv.ended_at, inv.reasons = "revoked", now, [*inv.reasons, reason]
        revoked += 1
        if was_counted:
            participant.counted -= 1
            await _renumber(ctx, participant)
        if campaign.clawback:
            if inv.invitee_payouts and reason != "invitee_erased":
                inv.invitee_payouts = await payouts.take_back(
                    ctx, campaign, member_id, inv.invitee_payouts, key=f"inv:{inv.id}"
                )
            await _claw_stages(ctx, campaign, participant, now)
        await ctx.session.flush()
        events.emit(
            ctx,
            InvitationRevoked(
                invitation_id=inv.id, campaign_id=campaign.id, inviter_id=inv.inviter_id, reason=reason
            ),
        )
    return revoked


async def _renumber(ctx: Ctx, participant: ReferralParticipant) -> None:
    counted = (
        await ctx.session.scalars(
            select(Invitation)
            .where(
                Invitation.participant_id == participant.id, Invitation.status.in_(("qualified", "rewarded"))
            )
            .order_by(Invitation.ordinal, Invitation.id)
        )
    ).all()
    for n, inv in enumerate(counted, start=1):
        inv.ordinal = n


async def _claw_stages(
    ctx: Ctx, campaign: ReferralCampaign, participant: ReferralParticipant, now: datetime
) -> None:
    for stage in await stages_of(ctx, campaign.id):
        if stage.threshold <= participant.counted:
            continue
        award = await ctx.session.scalar(
            select(StageAward).where(
                StageAward.stage_id == stage.id,
                StageAward.inviter_id == participant.member_id,
                StageAward.status == "paid",
            )
        )
        if award is None:
            continue
        current = [p for p in award.payouts if p.get("round", 1) == award.round]
        earlier = [p for p in award.payouts if p.get("round", 1) != award.round]
        taken = await payouts.take_back(
            ctx,
            campaign,
            participant.member_id,
            current,
            key=f"stage:{stage.id}:{participant.member_id}:{award.round}",
        )
        award.payouts = [*earlier, *taken]
        award.status, award.clawed_back_at = "clawed_back", now
    await ctx.session.flush()
    # Invitations are "rewarded" only as far as a stage still paid covers them.
    top = await ctx.session.scalar(
        select(func.max(ReferralStage.threshold))
        .join(StageAward, StageAward.stage_id == ReferralStage.id)
        .where(StageAward.inviter_id == participant.member_id, StageAward.campaign_id == campaign.id)
        .where(StageAward.status == "paid")
    )
    uncovered = await ctx.session.scalars(
        select(Invitation).where(
            Invitation.participant_id == participant.id,
            Invitation.status == "rewarded",
            Invitation.ordinal > int(top or 0),
        )
    )
    for inv in uncovered:
        inv.status, inv.rewarded_at = "qualified", None
