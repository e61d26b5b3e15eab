"""Helpers for the referral tests: campaigns, members and participants made through
the services, and "devices" — HTTP clients with their own cookie jar and address."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.factories import in_tx
from yutang.kit.context import Ctx
from yutang.models.base import utcnow
from yutang.referrals import service
from yutang.referrals.schemas import CampaignIn

__all__ = ["campaign_data", "device", "make_campaign", "take_part"]


def campaign_data(**overrides: Any) -> dict[str, Any]:
    now = utcnow()
    data: dict[str, Any] = {
        "name": "邀请好友领好礼",
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=14)).isoformat(),
        "stages": [
            {"threshold": 2, "name": "两位好友", "rewards": [{"kind": "points", "amount": 100}]},
            {"threshold": 3, "name": "三位好友", "rewards": [{"kind": "points", "amount": 300}]},
        ],
    }
    data.update(overrides)
    return data


async def make_campaign(engine: AsyncEngine, tenant: Tenant, **overrides: Any) -> int:
    async def make(ctx: Ctx) -> int:
        return (await service.create_campaign(ctx, CampaignIn.model_validate(campaign_data(**overrides)))).id

    return await in_tx(engine, tenant, make)


async def take_part(engine: AsyncEngine, tenant: Tenant, campaign_id: int, member_id: int) -> tuple[int, str]:
    """(participant id, invite code)."""

    async def go(ctx: Ctx) -> tuple[int, str]:
        p, _ = await service.take_part(ctx, campaign_id, member_id)
        return p.id, p.code

    return await in_tx(engine, tenant, go)


PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47"
)


@asynccontextmanager
async def device(app: Any, host: str, ip: str) -> AsyncIterator[httpx.AsyncClient]:
    """A phone: its own cookies, its own address, talking to the link domain."""
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    async with httpx.AsyncClient(
        transport=transport, base_url=f"http://{host}", headers={"User-Agent": PHONE}
    ) as c:
        yield c
