"""Data-subject requests and the doctor are composed from one function shape per domain:
every domain's ``privacy.py`` and ``checks.py`` is listed where it is composed, and the
export keeps the section order its readers rely on."""

from __future__ import annotations

import importlib
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

import yutang
from tests.conftest import Tenant
from yutang import doctor
from yutang.kit.db import unit_of_work
from yutang.models.platform import OutboxEvent
from yutang.privacy import service as privacy

SRC = Path(yutang.__file__).parent


def _domain_modules(name: str) -> list[str]:
    return sorted(f"yutang.{p.parent.name}.{name}" for p in SRC.glob(f"*/{name}.py"))


def test_every_domain_privacy_module_is_composed() -> None:
    modules = _domain_modules("privacy")
    assert (
        len(modules) >= 8
    )  # members, commerce, loyalty, coupons, rewards, membership, referrals, distribution
    for name in modules:
        module = importlib.import_module(name)
        assert module.export in privacy.EXPORTS, name
        if hasattr(module, "erase"):
            assert module.erase in privacy.ERASURES, name
    assert privacy.EXPORTS[0] is importlib.import_module("yutang.members.privacy").export


def test_every_domain_check_is_run_by_the_doctor() -> None:
    modules = _domain_modules("checks")
    assert {"yutang.loyalty.checks", "yutang.commerce.checks", "yutang.distribution.checks"} <= set(modules)
    for name in modules:
        for check in importlib.import_module(name).CHECKS:
            assert check in doctor.CHECKS, f"{name}.{check.__name__}"


async def test_export_sections_in_their_declared_order(client: httpx.AsyncClient, tenant: Tenant) -> None:
    m = (await client.post("/api/v1/members", json={"phone": "13800138000"}, headers=tenant.headers)).json()
    export = (await client.get(f"/api/v1/members/{m['id']}/export", headers=tenant.headers)).json()
    assert list(export) == [
        "exported_at",
        "member",
        "orders",
        "points_entries",
        "points_lots",
        "form_submissions",
        "clicks",
        "wallet",
        "tier_changes",
        "coupons",
        "redemptions",
        "lottery_draws",
        "auction_bids",
        "subscriptions",
        "referrals",
        "distribution",
    ]
    unknown = await client.get("/api/v1/members/999999/export", headers=tenant.headers)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_member"


async def test_erasing_twice_announces_once(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    m = (await client.post("/api/v1/members", json={"phone": "13800138000"}, headers=tenant.headers)).json()
    for _ in range(2):
        r = await client.post(f"/api/v1/members/{m['id']}/erase", headers=tenant.headers)
        assert r.status_code == 200 and r.json()["status"] == "erased"
    async with unit_of_work(engine=engine, readonly=True) as s:
        erased = await s.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.type == "member.erased")
        )
    assert erased == 1
