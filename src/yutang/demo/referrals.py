"""The demo brand's referral campaign (任务宝): eight participants with their posters and
personal links, friends who came through those links — a device farm held for review, a
self-invite and a known member rejected — and the shares of people who looked and did
not join, written through the links' click writer."""

from __future__ import annotations

import random
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from yutang.demo import links as demo_links
from yutang.kit.context import Actor, Ctx
from yutang.kit.db import unit_of_work
from yutang.links.clicks import ClickRow, click_row, ip_hash
from yutang.members import service as members
from yutang.members.schemas import MemberIn
from yutang.models.members import Member
from yutang.models.referrals import ReferralCampaign, ReferralParticipant
from yutang.models.rewards import CouponTemplate, Lottery
from yutang.referrals import service as referrals
from yutang.referrals.schemas import CampaignIn

FRIENDS = ["晓晓", "阿杰", "小鱼", "大壮", "糖糖", "阿宁", "小满", "一一", "豆豆", "阿凯", "米粒", "小北"]
#: The user agents of shares opened in WeChat on a phone.
WECHAT = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN",
    "Mozilla/5.0 (Linux; Android 14; V2309A Build/UP1A.231005.007; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/122.0.6261.120 Mobile Safari/537.36 XWEB/1220067 "
    "MMWEBSDK/20240301 MicroMessenger/8.0.48.2580(0x28003036) WeChat/arm64 Weixin NetType/5G "
    "Language/zh_CN ABI/arm64",
]


async def load_campaign(
    workspace_id: int, actor: Actor, member_ids: list[int], rng: random.Random
) -> tuple[int, int]:
    """The campaign, its participants and their friends; returns (participants, invitations)."""
    now = datetime.now(UTC)
    async with unit_of_work() as s:
        ctx = Ctx(s, workspace_id, actor)
        coupon = await s.scalar(select(CouponTemplate.id).where(CouponTemplate.workspace_id == workspace_id))
        box = await s.scalar(select(Lottery.id).where(Lottery.workspace_id == workspace_id))
        stages = [{"threshold": 2, "name": "100 积分", "rewards": [{"kind": "points", "amount": 100}]}]
        if coupon:
            stages.append(
                {"threshold": 5, "name": "好礼券", "rewards": [{"kind": "coupon", "template_id": coupon}]}
            )
        if box:
            stages.append(
                {"threshold": 8, "name": "盲盒", "rewards": [{"kind": "lottery", "lottery_id": box}]}
            )
        campaign = await referrals.create_campaign(
            ctx,
            CampaignIn.model_validate(
                {
                    "name": "邀请好友 · 一起喝好咖啡",
                    "starts_at": (now - timedelta(days=21)).isoformat(),
                    "ends_at": (now + timedelta(days=9)).isoformat(),
                    "goal": {"kind": "join"},
                    "stages": stages,
                    "invitee_rewards": [{"kind": "points", "amount": 50}],
                    "revoke_days": 7,
                    "clawback": True,
                    "poster": {
                        "title": "邀请好友 一起喝好咖啡",
                        "subtitle": "好友入会即得 50 积分",
                        "color": "#7c4a1e",
                    },
                }
            ),
        )
        seeds = member_ids[:8]
        kits = []
        for m in seeds:
            participant, _ = await referrals.take_part(ctx, campaign.id, m, now=now - timedelta(days=20))
            kits.append(participant)
        await s.execute(update(Member).where(Member.id.in_(seeds)).values(joined_at=now - timedelta(days=60)))

    invitations = 0
    friend_no = 0
    farm = secrets.token_urlsafe(12)
    sqlite = await demo_links.sqlite_database()
    clicks: list[ClickRow] = []
    for k, kit in enumerate(kits):
        count = [9, 6, 4, 3, 2, 2, 1, 0][k]
        for j in range(count + (3 if k == 2 else 0)):
            friend_no += 1
            at = now - timedelta(days=rng.uniform(1, 19), minutes=rng.uniform(0, 600))
            on_farm = k == 2 and j >= count  # three accounts from one phone
            visitor = farm if on_farm else secrets.token_urlsafe(12)
            async with unit_of_work() as s:
                ctx = Ctx(s, workspace_id, actor)
                invitee = await members.create_member(
                    ctx,
                    MemberIn(
                        phone=f"136{rng.randrange(10**8):08d}",
                        name=FRIENDS[friend_no % len(FRIENDS)],
                        visitor_id=visitor,
                    ),
                    via="invite",
                )
                await s.execute(update(Member).where(Member.id == invitee.id).values(joined_at=at))
                campaign = await referrals.get_campaign(ctx, kit.campaign_id)
                await referrals.record_visit(ctx, kit, visitor, f"ip{rng.randrange(10**6)}", now=at)
                await referrals.attach(
                    ctx, campaign, kit, invitee, new_member=True, via="cookie", visitor_id=visitor, now=at
                )
                invitations += 1
            for _ in range(rng.randint(1, 3)):
                clicks.append(
                    _click(kit, campaign, at - timedelta(minutes=rng.uniform(1, 90)), visitor, rng, sqlite)
                )
    # People who looked and did not join: shares without a join.
    for kit in kits:
        for _ in range(rng.randint(2, 12)):
            at = now - timedelta(days=rng.uniform(0, 20))
            clicks.append(_click(kit, campaign, at, secrets.token_urlsafe(12), rng, sqlite))
    # A member who was already in the pond claims a code (not a new member), and a
    # participant tries their own code: two requests, two transactions.
    for claimant, code in ((member_ids[-1], kits[0].code), (kits[1].member_id, kits[1].code)):
        async with unit_of_work() as s:
            await referrals.claim_code(Ctx(s, workspace_id, actor), campaign.id, claimant, code)
    await demo_links.write(clicks)
    return len(kits), invitations


def _click(
    kit: ReferralParticipant,
    campaign: ReferralCampaign,
    at: datetime,
    visitor: str,
    rng: random.Random,
    sqlite: bool,
) -> ClickRow:
    """A click on a participant's personal link, from a phone in WeChat."""
    assert kit.link_id is not None
    ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"
    return click_row(
        kit.workspace_id,
        kit.link_id,
        campaign.channel_id,
        None,
        at,
        visitor,
        ip_hash(b"demo", ip),
        None,
        rng.choice(WECHAT),
        False,
        sqlite,
    )
