"""A member's export holds what every domain keeps about them — and nothing of another
member or another workspace; erasure also takes the name they showed on a referral
campaign's leaderboard and in their personal link's title."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.factories import in_tx, member
from tests.referrals.conftest import make_campaign
from yutang.commerce import wallet
from yutang.coupons import service as coupons
from yutang.distribution import service as distribution
from yutang.kit.context import Ctx
from yutang.kit.db import unit_of_work
from yutang.membership import service as membership
from yutang.models.distribution import Distributor
from yutang.models.links import Link
from yutang.models.referrals import ReferralParticipant
from yutang.privacy import service as privacy
from yutang.referrals import figures
from yutang.referrals import service as referrals
from yutang.referrals.privacy import ERASED_NAME


async def _holdings(engine: AsyncEngine, tenant: Tenant, phone: str, name: str) -> tuple[int, int]:
    """A member with a wallet, a coupon, a paid membership, a referral participation and a
    distributor record; returns (member id, campaign id)."""
    mid = await member(engine, tenant, phone)
    campaign_id = await make_campaign(engine, tenant)

    async def hold(ctx: Ctx) -> None:
        await wallet.top_up(ctx, mid, 10_000, payment_ref=f"pay-{phone}")
        template = await coupons.create_template(
            ctx, {"name": f"券 {phone}", "kind": "amount_off", "value": 500, "valid_days": 30}
        )
        await coupons.issue(ctx, template.id, mid)
        plan = await membership.create_plan(
            ctx, {"name": f"卡 {phone}", "price_cents": 9_900, "period": "year", "gift_points": 0}
        )
        await membership.purchase(ctx, mid, plan.id, payment_ref=f"plan-{phone}")
        await referrals.take_part(ctx, campaign_id, mid, name)
        await distribution.become(ctx, mid, "approved")

    await in_tx(engine, tenant, hold)
    return mid, campaign_id


def _ids(rows: list[dict[str, Any]]) -> list[int]:
    return [int(r["id"]) for r in rows]


async def test_the_export_holds_every_domain_and_only_this_member(
    engine: AsyncEngine, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine, _ = await _holdings(engine, tenant, "13800000001", "小明")
    theirs, _ = await _holdings(engine, tenant, "13800000002", "小红")
    elsewhere, _ = await _holdings(engine, other_tenant, "13800000001", "小明")

    async def export(ctx: Ctx) -> dict[str, Any]:
        return await privacy.export_member(ctx, mine)

    found = await in_tx(engine, tenant, export)
    assert list(found)[1:] == list(privacy.SECTIONS)
    assert found["wallet"]["principal_cents"] == 10_000 and len(found["wallet"]["entries"]) == 1
    assert len(found["coupons"]) == 1 and found["coupons"][0]["status"]
    assert len(found["subscriptions"]) == 1 and len(found["subscriptions"][0]["payments"]) == 1
    (participation,) = found["referrals"]["participations"]
    assert participation["display_name"] == "小明" and "token" not in participation
    assert found["distribution"]["distributor"]["entry"] == "approved"
    # Nothing of the other member of the workspace, nor of the same phone elsewhere.
    async with unit_of_work(readonly=True, engine=engine) as s:
        others = select(ReferralParticipant.id).where(ReferralParticipant.member_id.in_([theirs, elsewhere]))
        other_participants = set((await s.scalars(others)).all())
        my_distributor = await s.scalar(select(Distributor.id).where(Distributor.member_id == mine))
    assert not set(_ids(found["referrals"]["participations"])) & other_participants
    assert found["distribution"]["distributor"]["id"] == my_distributor
    text = repr(found)
    assert "小红" not in text and "pay-13800000002" not in text and "plan-13800000002" not in text


async def test_erasure_takes_the_name_off_the_leaderboard_and_the_link(
    engine: AsyncEngine, tenant: Tenant
) -> None:
    mine, campaign_id = await _holdings(engine, tenant, "13800000001", "小明")

    async def erase(ctx: Ctx) -> None:
        await privacy.erase_member(ctx, mine)

    for _ in range(2):  # a second erasure changes nothing
        await in_tx(engine, tenant, erase)

    async def board(ctx: Ctx) -> list[Any]:
        return await figures.leaderboard(ctx, campaign_id)

    rows = await in_tx(engine, tenant, board)
    assert [r.display_name for r in rows if r.member_id == mine] in ([], [ERASED_NAME])
    async with unit_of_work(readonly=True, engine=engine) as s:
        participant = await s.scalar(select(ReferralParticipant).where(ReferralParticipant.member_id == mine))
        assert participant is not None and participant.display_name == ERASED_NAME
        link = await s.get(Link, participant.link_id)
    assert link is not None and "小明" not in link.title and link.title.endswith(ERASED_NAME)
