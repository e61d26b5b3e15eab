"""裂变 Fission: referral campaigns (任务宝) — the list, creating one (window, goal,
eligibility, reward stages, invitee reward, fraud thresholds, poster), a campaign's page
(figures, a funnel whose steps never increase, rejection reasons in words, leaderboard,
the poster with its art and a live preview, editing), and the review queue of held
invitations, one by one or in bulk. Distribution has its own module."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from yutang.coupons import repository as coupon_rows
from yutang.distribution import figures as dist_figures
from yutang.kit.context import Ctx
from yutang.kit.errors import YutangError
from yutang.links import service as links
from yutang.loyalty import tiers
from yutang.members import repository as members_repo
from yutang.models.referrals import GOAL_KINDS, REWARD_KINDS
from yutang.models.workspaces import Workspace
from yutang.referrals import figures as ref_figures
from yutang.referrals import poster, repository, service, share
from yutang.referrals.schemas import RULES, CampaignIn, CampaignPatch
from yutang.rewards import repository as reward_rows
from yutang.web.console.frame import (
    Submitted,
    can,
    header,
    may,
    refused,
    render,
    router,
    submitted,
)
from yutang.web.i18n import pick_language, translator

PAGE = 50


async def _campaign_rows(ctx: Ctx) -> list[dict[str, Any]]:
    rows = []
    for c in await service.list_campaigns(ctx):
        f = await ref_figures.figures(ctx, c.id)
        rows.append({"campaign": c, "live": service.is_live(c), "figures": f})
    return rows


@router.get("/console/fission", response_class=HTMLResponse)
async def fission_page(request: Request, ctx: Ctx = Depends(can("stats:read"))) -> HTMLResponse:
    rows = await dist_figures.per_distributor(ctx)
    held, _ = await _held(ctx, None, None)
    return render(
        request,
        "console/fission/index.html",
        campaigns=await _campaign_rows(ctx),
        held_count=len(held),
        distributors=sorted(rows, key=lambda r: -r.sales_cents)[:10],
        overall=dist_figures.overall(rows),
        may=may(ctx),
        **await header(ctx),
    )


# --- creating and editing a campaign -------------------------------------------------------

#: Rows the form offers at least: stages, rewards per stage, invitee rewards (one more
#: than a campaign has, up to the schema's limits, when it has more).
STAGE_ROWS = 4
REWARD_ROWS = 3
INVITEE_ROWS = 2
#: The schema's limits: how many rows of each the form is read for.
MAX_STAGES = 20
MAX_REWARDS = 10
#: Which id a reward of each kind names (its row's "ref" select says "coupon:5").
REF_KEYS = {"coupon": "template_id", "reward": "reward_id", "lottery": "lottery_id"}


def _reward(form: Submitted, prefix: str) -> dict[str, Any] | None:
    """One reward row (kind, amount, the coupon / reward / lottery chosen); None when empty."""
    kind = form.text(f"{prefix}.kind")
    amount = form.number(f"{prefix}.amount")
    ref_kind, _, ref_id = (form.text(f"{prefix}.ref") or "").partition(":")
    if kind is None and amount is None and not ref_kind:
        return None
    spec: dict[str, Any] = {"kind": kind or ref_kind}
    if spec["kind"] in ("points", "wallet"):
        spec["amount"] = amount
    elif ref_kind in REF_KEYS:
        spec[REF_KEYS[ref_kind]] = int(ref_id) if ref_id.isdigit() else ref_id
    return spec


def _rewards(form: Submitted, prefix: str) -> list[dict[str, Any]]:
    rows = (_reward(form, f"{prefix}.{j}") for j in range(MAX_REWARDS))
    return [r for r in rows if r is not None]


def _rules(form: Submitted, zone: str) -> dict[str, Any]:
    """What may change only while nobody has taken part: start, goal, stages, rewards,
    eligibility, cap (as the API's fields)."""
    stages = []
    for i in range(MAX_STAGES):
        threshold = form.number(f"stages.{i}.threshold")
        rewards = _rewards(form, f"stages.{i}.rewards")
        if threshold is None and not rewards:
            continue
        stages.append(
            {"threshold": threshold, "name": form.text(f"stages.{i}.name") or "", "rewards": rewards}
        )
    goal: dict[str, Any] = {"kind": form.text("goal.kind") or "join"}
    if goal["kind"] == "order":
        yuan = form.text("goal.min_total")
        if yuan:
            try:
                goal["min_total_cents"] = round(float(yuan.replace(",", "")) * 100)
            except ValueError:
                goal["min_total_cents"] = yuan
        goal["first_order"] = form.flag("goal.first_order")
    if goal["kind"] == "form" and form.number("goal.form_id") is not None:
        goal["form_id"] = form.number("goal.form_id")
    eligibility: dict[str, Any] = {}
    if form.number("eligibility.segment_id") is not None:
        eligibility["segment_id"] = form.number("eligibility.segment_id")
    if form.ids("eligibility.tier_ids"):
        eligibility["tier_ids"] = form.ids("eligibility.tier_ids")
    rules: dict[str, Any] = {
        "starts_at": form.local_time("starts_at", zone),
        "eligibility": eligibility,
        "goal_days": form.number("goal_days") or 30,
        "stages": stages,
        "invitee_rewards": _rewards(form, "invitee_rewards"),
        "max_per_inviter": form.number("max_per_inviter"),
    }
    if goal["kind"] != "event":  # an event goal is the API's to set: kept as it is
        rules["goal"] = goal
    return rules


def _campaign_values(form: Submitted, zone: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        **_rules(form, zone),
        "name": form.text("name") or "",
        "ends_at": form.local_time("ends_at", zone),
        "revoke_days": form.number("revoke_days") if form.text("revoke_days") else 7,
        "clawback": form.flag("clawback"),
        "fraud": _fraud(form),
        "poster": _poster(form),
    }
    if form.number("channel_id") is not None:
        values["channel_id"] = form.number("channel_id")
    return values


def _fraud(form: Submitted) -> dict[str, Any]:
    names = ("device_limit", "ip_limit", "window_hours", "burst_limit", "burst_minutes")
    return {n: form.number(f"fraud.{n}") for n in names if form.text(f"fraud.{n}")}


def _poster(form: Submitted) -> dict[str, Any]:
    return {
        "title": form.text("poster.title") or "",
        "subtitle": form.text("poster.subtitle") or "",
        "color": form.text("poster.color") or "#0e7c66",
    }


async def _catalog(ctx: Ctx) -> dict[str, Any]:
    """What a reward row may name — the workspace's coupon templates, catalog rewards and
    lotteries — and their names by kind and id (to show a reward in words)."""
    items: dict[str, list[Any]] = {
        "coupon": list(await coupon_rows.templates(ctx.session, ctx.workspace_id)),
        "reward": list(await reward_rows.rewards(ctx.session, ctx.workspace_id)),
        "lottery": list(await reward_rows.lotteries(ctx.session, ctx.workspace_id, None, 500)),
    }
    return {
        "ref_items": items,
        "ref_keys": REF_KEYS,
        "ref_names": {kind: {row.id: row.name for row in rows} for kind, rows in items.items()},
    }


async def _form_context(ctx: Ctx) -> dict[str, Any]:
    channels, _ = await links.list_channels(ctx, None, 500)
    return {
        "goal_kinds": GOAL_KINDS,
        "reward_kinds": REWARD_KINDS,
        "segment_list": await members_repo.segments(ctx.session, ctx.workspace_id),
        "tiers": await tiers.tiers(ctx.session, ctx.workspace_id),
        "channels": list(channels),
        "stage_rows": STAGE_ROWS,
        "reward_rows": REWARD_ROWS,
        "invitee_rows": INVITEE_ROWS,
        "max_stages": MAX_STAGES,
        "max_rewards": MAX_REWARDS,
        **await _catalog(ctx),
    }


@router.get("/console/fission/campaigns/new", response_class=HTMLResponse)
async def new_campaign_page(request: Request, ctx: Ctx = Depends(can("referrals:manage"))) -> HTMLResponse:
    values = {
        "goal": {"kind": "join"},
        "goal_days": 30,
        "revoke_days": 7,
        "eligibility": {},
        "fraud": {},
        "poster": {},
        "stages": [],
        "invitee_rewards": [],
    }
    return render(
        request,
        "console/fission/form.html",
        values=values,
        errors={},
        **await _form_context(ctx),
        **await header(ctx),
    )


@router.post("/console/fission/campaigns/new")
async def create_campaign(request: Request, ctx: Ctx = Depends(can("referrals:manage"))) -> Response:
    form = await submitted(request)
    frame = await header(ctx)
    values = _campaign_values(form, frame["workspace"].timezone)
    try:
        campaign = await service.create_campaign(ctx, CampaignIn.model_validate(values))
    except (ValidationError, YutangError) as exc:
        raise refused(
            request, "console/fission/form.html", exc, values=values, **await _form_context(ctx), **frame
        ) from None
    return RedirectResponse(f"/console/fission/campaigns/{campaign.id}?done=created", status_code=303)


@router.get("/console/fission/campaigns/{campaign_id}", response_class=HTMLResponse)
async def campaign_page(
    request: Request, campaign_id: int, ctx: Ctx = Depends(can("stats:read")), done: str | None = None
) -> HTMLResponse:
    return render(
        request,
        "console/fission/campaign.html",
        done=done,
        errors={},
        **await _campaign_context(ctx, campaign_id),
    )


async def _campaign_context(ctx: Ctx, campaign_id: int) -> dict[str, Any]:
    campaign = await service.get_campaign(ctx, campaign_id)
    steps = await ref_figures.funnel(ctx, campaign_id)
    top = steps[0][1] or 1
    return {
        "campaign": campaign,
        "live": service.is_live(campaign),
        "figures": await ref_figures.figures(ctx, campaign_id),
        "funnel": [(step, n, round(100 * n / top, 1)) for step, n in steps],
        "board": await ref_figures.leaderboard(ctx, campaign_id, 10),
        "stages": await service.stages_of(ctx, campaign_id),
        "has_art": bool(await repository.has_art(ctx.session, campaign_id)),
        "may": may(ctx),
        **await _catalog(ctx),
        **await header(ctx),
    }


async def _edit_context(ctx: Ctx, campaign_id: int, values: dict[str, Any] | None = None) -> dict[str, Any]:
    """The edit page: the campaign as it is (or as submitted), whether its rules are
    locked (someone took part), and what its selects offer."""
    campaign = await service.get_campaign(ctx, campaign_id)
    stages = await service.stages_of(ctx, campaign_id)
    current = {
        "name": campaign.name,
        "status": campaign.status,
        "starts_at": campaign.starts_at,
        "ends_at": campaign.ends_at,
        "eligibility": campaign.eligibility or {},
        "goal": campaign.goal or {"kind": "join"},
        "goal_days": campaign.goal_days,
        "stages": [{"threshold": s.threshold, "name": s.name, "rewards": s.rewards} for s in stages],
        "invitee_rewards": campaign.invitee_rewards or [],
        "max_per_inviter": campaign.max_per_inviter,
        "fraud": campaign.fraud,
        "poster": campaign.poster,
    }
    locked = await service.taken_part(ctx, campaign_id)
    submitted_values = {k: v for k, v in (values or {}).items() if not (locked and k in RULES)}
    return {
        "campaign": campaign,
        "values": {**current, **submitted_values},
        "locked": locked,
        "rule_names": RULES,
        "segment_names": {s.id: s.name for s in await members_repo.segments(ctx.session, ctx.workspace_id)},
        **await _form_context(ctx),
        **await header(ctx),
    }


@router.get("/console/fission/campaigns/{campaign_id}/edit", response_class=HTMLResponse)
async def edit_campaign_page(
    request: Request, campaign_id: int, ctx: Ctx = Depends(can("referrals:manage"))
) -> HTMLResponse:
    """Everything about the campaign that may change: its rules only while nobody has
    taken part (afterwards shown, and why they stay)."""
    return render(request, "console/fission/edit.html", errors={}, **await _edit_context(ctx, campaign_id))


@router.post("/console/fission/campaigns/{campaign_id}/edit")
async def edit_campaign(
    request: Request, campaign_id: int, ctx: Ctx = Depends(can("referrals:manage"))
) -> Response:
    """Rename, pause / resume / end, move the end, the poster, the fraud thresholds — and,
    when the form carries them (``rules``), the start, goal, stages, rewards, eligibility
    and cap, which the API refuses (``campaign_started``) once someone took part."""
    form = await submitted(request)
    zone = (await header(ctx))["workspace"].timezone
    patch: dict[str, Any] = {"name": form.text("name") or "", "poster": _poster(form), "fraud": _fraud(form)}
    if form.text("status"):
        patch["status"] = form.text("status")
    if form.text("ends_at"):
        patch["ends_at"] = form.local_time("ends_at", zone)
    if form.text("rules"):
        patch.update(_rules(form, zone))
    try:
        await service.update_campaign(ctx, campaign_id, CampaignPatch.model_validate(patch))
    except (ValidationError, YutangError) as exc:
        context = await _edit_context(ctx, campaign_id, patch)
        raise refused(request, "console/fission/edit.html", exc, **context) from None
    return RedirectResponse(f"/console/fission/campaigns/{campaign_id}?done=saved", status_code=303)


@router.post("/console/fission/campaigns/{campaign_id}/art")
async def upload_art(
    request: Request,
    campaign_id: int,
    ctx: Ctx = Depends(can("referrals:manage")),
    art: UploadFile = File(...),
) -> Response:
    """The poster's background picture (PNG or JPEG, at most 2 MB)."""
    data = await art.read(2 * 1024 * 1024 + 1)
    try:
        await service.set_art(ctx, campaign_id, data)
    except YutangError as exc:
        context = await _campaign_context(ctx, campaign_id)
        raise refused(request, "console/fission/campaign.html", exc, done=None, **context) from None
    return RedirectResponse(f"/console/fission/campaigns/{campaign_id}?done=art", status_code=303)


@router.get("/console/fission/campaigns/{campaign_id}/poster-preview.png")
async def poster_preview(
    request: Request,
    campaign_id: int,
    ctx: Ctx = Depends(can("stats:read")),
    title: str | None = None,
    subtitle: str | None = None,
    color: str | None = None,
) -> Response:
    """What a participant's poster looks like — with the settings typed in the form, not
    yet saved (a sample inviter, link and code)."""
    campaign = await service.get_campaign(ctx, campaign_id)
    workspace = await ctx.session.get(Workspace, ctx.workspace_id)
    stages = await service.stages_of(ctx, campaign_id)
    t = translator(pick_language(request))
    settings = campaign.poster or {}
    chosen = (
        color if color and len(color) == 7 and color.startswith("#") else settings.get("color", "#0e7c66")
    )
    png = poster.render(
        brand=workspace.name if workspace else "",
        title=(title if title is not None else settings.get("title", ""))[:40] or campaign.name,
        subtitle=(subtitle if subtitle is not None else settings.get("subtitle", ""))[:80],
        inviter=t("sample_inviter"),
        stages=share.stage_lines(stages),
        url="https://example.cn/invite/SAMPLE",
        code="SAMPLE",
        color=chosen,
        art=await repository.art_of(ctx.session, campaign_id),
    )
    return Response(png, media_type="image/png", headers={"cache-control": "no-store"})


# --- the review queue ---------------------------------------------------------------------


async def _held(ctx: Ctx, campaign_id: int | None, cursor: str | None) -> tuple[list[Any], str | None]:
    from yutang.kit.pagination import page_of

    rows = await repository.held_invitations(
        ctx.session, ctx.workspace_id, campaign_id=campaign_id, cursor=cursor, limit=PAGE
    )
    items, nxt = page_of(rows, PAGE, lambda r: r.id)
    return list(items), nxt


@router.get("/console/fission/review", response_class=HTMLResponse)
async def review_page(
    request: Request,
    ctx: Ctx = Depends(can("stats:read")),
    campaign: str | None = None,
    cursor: str | None = None,
    done: str | None = None,
) -> HTMLResponse:
    campaign_id = int(campaign) if campaign and campaign.isdigit() else None
    held, nxt = await _held(ctx, campaign_id, cursor)
    names = {c.id: c.name for c in await service.list_campaigns(ctx)}
    return render(
        request,
        "console/fission/review.html",
        held=held,
        next_cursor=nxt,
        campaign_names=names,
        chosen=campaign_id,
        done=done,
        may=may(ctx),
        **await header(ctx),
    )


@router.post("/console/fission/review")
async def review_invitations(request: Request, ctx: Ctx = Depends(can("referrals:manage"))) -> Response:
    """Approve or reject the ticked invitations. Each decision is a transaction of its
    own, as a reviewer deciding one after the other (a decision pays rewards and locks
    the members it pays; several in one transaction would take those locks out of the
    declared order): the decided ones stay decided, one that could not be decided (no
    longer held) is counted apart."""
    form = await submitted(request)
    decision = "reject" if form.text("decision") == "reject" else "approve"
    note = (form.text("note") or "")[:200]
    decided = skipped = 0
    session = ctx.session
    chosen = sorted(set(form.ids("invitation_id")))
    for invitation_id in chosen:  # every one of this workspace, before deciding any
        await service.get_invitation(ctx, invitation_id)
    for invitation_id in chosen:
        await session.commit()  # what came before is kept; this decision starts afresh
        try:
            await service.review(ctx, invitation_id, decision, note)
            await session.commit()
            decided += 1
        except YutangError:
            await session.rollback()
            skipped += 1
    back = form.text("back") or ""
    return RedirectResponse(
        f"/console/fission/review?done={decision}:{decided}:{skipped}"
        + (f"&campaign={back}" if back.isdigit() else ""),
        status_code=303,
    )
