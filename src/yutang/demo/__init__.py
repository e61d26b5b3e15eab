"""The demo brand 鲜豆咖啡 FreshBean Coffee: one module per domain, each writing through
that domain's own services (and the outbox handlers), as production does — channels and
links with half a year (180 days) of clicks, members who came in through them, their orders, the
loyalty programme and what it pays in, a referral campaign and distribution.

:func:`load` runs the steps of :data:`STEPS` in order and reports each to ``progress``
(the CLI draws a bar); loading it again only issues a new API key.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from yutang.analytics import sync as analytics_sync
from yutang.analytics.engines import target_of
from yutang.auth import service as auth_service
from yutang.config import get_settings
from yutang.demo import commerce, coupons, distribution, links, loyalty, membership, referrals, rewards
from yutang.demo import members as members_demo
from yutang.kit.context import Actor, Ctx
from yutang.kit.db import get_engine, unit_of_work
from yutang.kit.events import dispatch_pending
from yutang.loyalty import tasks as loyalty_tasks
from yutang.models.members import Member
from yutang.workspaces import repository as ws_repo
from yutang.workspaces import service as ws_service

SLUG = "demo"
OWNER_EMAIL = "owner@demo.yutang.local"
OWNER_PASSWORD = "yutang-demo"  # noqa: S105 - documented demo credential

#: What :func:`load` does, in order; ``progress`` is called with each before it starts.
STEPS = (
    "workspace, channels and links",
    "clicks",
    "loyalty programme, coupons, rewards, membership",
    "members",
    "orders",
    "check-ins, redemptions, wallets",
    "referral campaign",
    "distribution and commissions",
    "event store of the reports",
)

#: Told the step about to start (one of :data:`STEPS`).
Progress = Callable[[str], None]


@dataclass
class DemoResult:
    workspace_slug: str
    channels: int
    links: int
    clicks: int
    api_key: str
    members: int = 0
    orders: int = 0
    #: "a referral campaign (8 participants, 32 friends invited), 6 distributors"
    fission: str = ""


async def load(
    *,
    days: int = 180,
    clicks: int = 40_000,
    members: int = 150,
    seed: int = 7,
    actor: Actor,
    progress: Progress | None = None,
) -> DemoResult:
    step = progress or (lambda _: None)
    rng = random.Random(seed)
    step(STEPS[0])
    async with unit_of_work() as s:
        ws = await ws_repo.by_slug(s, SLUG)
        if ws is not None:
            key = await auth_service.create_api_key(Ctx(s, ws.id, actor), "demo key", "admin")
            return DemoResult(SLUG, 0, 0, 0, key.secret)
        ws = await ws_service.create_workspace(
            s,
            "鲜豆咖啡 FreshBean Coffee",
            SLUG,
            link_domain=get_settings().default_link_domain,
            timezone="Asia/Shanghai",
            actor=actor,
        )
        ctx = Ctx(s, ws.id, actor)
        owner = await ws_service.create_user(s, OWNER_EMAIL, OWNER_PASSWORD, "Demo Owner")
        await ws_service.set_member_role(ctx, owner, "owner")
        key = await auth_service.create_api_key(ctx, "demo key", "admin")
        channels, weighted = await links.touchpoints(ctx, rng, days, clicks)
    workspace_id = ws.id

    step(STEPS[1])
    written, visitors = await links.clicks(workspace_id, weighted, days, clicks, rng)

    step(STEPS[2])
    async with unit_of_work() as s:
        ctx = Ctx(s, workspace_id, actor)
        await loyalty.programme(ctx)
        voucher, big = await coupons.templates(ctx)
        coupon_reward, wheel = await rewards.catalogue(ctx, voucher)
        black_card = await membership.plan(ctx, big)
        await commerce.top_up_rule(ctx)

    step(STEPS[3])
    people = await members_demo.join(
        workspace_id, actor, visitors, [c.id for c in channels], days=days, rng=rng, count=members
    )
    await dispatch_pending()  # sign-up points

    step(STEPS[4])
    orders = await commerce.orders(workspace_id, actor, people, rng)
    await dispatch_pending()  # order points, tier upgrades, claw-backs

    step(STEPS[5])
    await loyalty.checkins(workspace_id, actor, people, rng)
    await dispatch_pending()
    await loyalty_tasks.maintain()  # release the pending points whose refund window has passed
    engaged = rng.sample([m for m, _ in people], min(40, len(people)))
    for i, member_id in enumerate(engaged):  # each member's requests, a transaction each
        async with unit_of_work() as s:
            ctx = Ctx(s, workspace_id, actor)
            await rewards.engage(ctx, i, member_id, coupon_reward, wheel)
            await membership.purchase(ctx, i, member_id, black_card)
            await commerce.wallet_use(ctx, i, member_id, rng)
    await dispatch_pending()

    step(STEPS[6])
    async with unit_of_work(readonly=True) as s:
        by_spend = list(
            (
                await s.scalars(
                    select(Member.id)
                    .where(Member.workspace_id == workspace_id, Member.status == "active")
                    .order_by(Member.total_spent_cents.desc(), Member.id)
                )
            ).all()
        )
    await distribution.setup(workspace_id, actor, by_spend)
    participants, invitations = await referrals.load_campaign(workspace_id, actor, by_spend, rng)
    await dispatch_pending()  # rewards, bindings of invitees to the KOLs

    step(STEPS[7])
    distributors = await distribution.commissions_flow(workspace_id, actor, by_spend[0], rng)
    await dispatch_pending()

    step(STEPS[8])
    settings = get_settings()
    await analytics_sync.sync(get_engine(), target_of(settings))
    fission = (
        f"a referral campaign ({participants} participants, {invitations} friends invited), "
        f"{distributors} distributors"
    )
    return DemoResult(SLUG, len(channels), len(weighted), written, key.secret, len(people), orders, fission)
