"""The CLI end to end on a fresh database: migrate, workspace, keys, demo data."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner, Result

from yutang.analytics import store as analytics_store
from yutang.cli import app
from yutang.config import reset_settings
from yutang.kit.db import create_engine, dispose_engines, unit_of_work
from yutang.models.commerce import Order
from yutang.models.distribution import Commission
from yutang.models.links import Channel, ChannelCost, Click, Link
from yutang.models.loyalty import PointsEntry, Tier
from yutang.models.members import Member
from yutang.models.platform import AuditEntry
from yutang.models.referrals import Invitation, ReferralParticipant
from yutang.models.workspaces import ApiKey

runner = CliRunner()


@pytest.fixture
def cli_env(engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("YUTANG_DATABASE_URL", url)
    monkeypatch.setenv("YUTANG_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("YUTANG_SECRET_KEY", "cli-test")
    monkeypatch.delenv("YUTANG_WORKSPACE", raising=False)
    reset_settings()
    yield url
    reset_settings()


def cli_env_var_dir() -> str:
    return os.environ["YUTANG_VAR_DIR"]


async def invoke(*args: str) -> Result:
    result = await asyncio.to_thread(runner.invoke, app, list(args))
    await dispose_engines()
    return result


async def test_db_upgrade_on_a_fresh_sqlite_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("YUTANG_DATABASE_URL", url)
    reset_settings()
    result = await invoke("db", "upgrade")
    assert result.exit_code == 0, result.output
    engine = create_engine(url)
    async with unit_of_work(readonly=True, engine=engine) as s:
        assert await s.scalar(select(func.count()).select_from(Link)) == 0
    await engine.dispose()


async def test_workspace_and_keys_lifecycle(cli_env: str, engine: AsyncEngine) -> None:
    made = await invoke(
        "workspace",
        "create",
        "acme",
        "--name",
        "Acme",
        "--domain",
        "go.acme.test",
        "--owner-email",
        "boss@acme.example",
        "--owner-password",
        "long-enough",
    )
    assert made.exit_code == 0, made.output
    created = await invoke("keys", "create", "shop", "--role", "operator")
    assert created.exit_code == 0, created.output
    match = re.search(r"key (\d+) \(operator\): (yt_\S+)", created.output)
    assert match is not None
    key_id = match.group(1)
    listed = await invoke("keys", "list")
    assert "shop" in listed.output and "operator" in listed.output
    revoked = await invoke("keys", "revoke", key_id)
    assert revoked.exit_code == 0
    async with unit_of_work(readonly=True, engine=engine) as s:
        key = await s.get(ApiKey, int(key_id))
        audit = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "api_key.revoked"))).all()
    assert key is not None and key.revoked_at is not None
    assert [a.actor_type for a in audit] == ["cli"]


async def test_domain_errors_exit_1_with_the_code(cli_env: str) -> None:
    await invoke("workspace", "create", "acme", "--domain", "go.acme.test")
    dup = await invoke("workspace", "create", "acme", "--domain", "go.other.test")
    assert dup.exit_code == 1
    assert "workspace_taken" in dup.output
    bad_role = await invoke("keys", "create", "x", "--role", "emperor")
    assert bad_role.exit_code == 1
    assert "forbidden" in bad_role.output


async def test_demo_loads_a_brand_with_clicks_over_the_days(cli_env: str, engine: AsyncEngine) -> None:
    result = await invoke("demo", "--days", "60", "--clicks", "3000", "--members", "40")
    assert result.exit_code == 0, result.output
    assert "40 members" in result.output and "a referral campaign (8 participants" in result.output
    assert re.search(r"demo API key .*: yt_\S+", result.output)
    async with unit_of_work(readonly=True, engine=engine) as s:
        channels = await s.scalar(select(func.count()).select_from(Channel))
        entered = await s.scalar(select(func.count()).select_from(ChannelCost))
        personal = select(ReferralParticipant.link_id)
        participants = await s.scalar(select(func.count()).select_from(ReferralParticipant))
        links = await s.scalar(select(func.count()).select_from(Link).where(Link.id.not_in(personal)))
        clicks = await s.scalar(select(func.count()).select_from(Click).where(Click.link_id.not_in(personal)))
        shares = await s.scalar(select(func.count()).select_from(Click).where(Click.link_id.in_(personal)))
        new_by_invite = await s.scalar(
            select(func.count()).select_from(Invitation).where(Invitation.via == "cookie")
        )
        commissions = await s.scalar(select(func.count()).select_from(Commission))
        first = await s.scalar(select(func.min(Click.occurred_at)))
        last = await s.scalar(select(func.max(Click.occurred_at)))
        counted = await s.scalar(select(func.sum(Link.click_count)))
        humans = await s.scalar(select(func.count()).select_from(Click).where(Click.is_bot.is_(False)))
    assert channels == 7 + 1  # the touchpoints and the referral campaign's own channel
    assert entered == 7  # their exposures and spend over the period, for the channels report
    assert links == 30 and participants == 8  # and a personal link per participant
    assert clicks == 3000 and shares and new_by_invite and commissions
    assert first is not None and last is not None and (last - first).days >= 50
    assert counted == humans
    async with unit_of_work(readonly=True, engine=engine) as s:
        thresholds = (await s.scalars(select(Tier.threshold).order_by(Tier.rank))).all()
        members = await s.scalar(select(func.count()).select_from(Member))
        attributed = await s.scalar(
            select(func.count()).select_from(Member).where(Member.first_link_id.is_not(None))
        )
        orders = await s.scalar(select(func.count()).select_from(Order))
        earned = await s.scalar(
            select(func.count()).select_from(PointsEntry).where(PointsEntry.kind == "earn")
        )
    assert thresholds == [500_000, 1_000_000, 5_000_000, 10_000_000]  # 5,000 … 100,000 yuan
    assert (
        members == 40 + new_by_invite and attributed and orders and earned and earned >= members
    )  # sign-up points at least
    async with unit_of_work(readonly=True, engine=engine) as s:
        last_orders = (
            await s.execute(select(Order.member_id, func.max(Order.paid_at)).group_by(Order.member_id))
        ).all()
    # buyers who stopped (BG/NBD's drop-outs) beside ones still buying
    stale = [m for m, at in last_orders if (_utc(last) - _utc(at)).days > 14]
    assert stale and len(stale) < len(last_orders)
    doctor = await invoke("doctor")
    assert doctor.exit_code == 0, doctor.output
    # The reports' store was synced by the demo: every paid order is a fact there.
    store_path = Path(cli_env_var_dir()) / "analytics.duckdb"
    with analytics_store.connect(store_path) as con:
        paid = con.execute("SELECT count(*) FROM facts WHERE type = 'order.paid'").fetchall()[0][0]
    async with unit_of_work(readonly=True, engine=engine) as s:
        assert paid == await s.scalar(select(func.count()).select_from(Order))
    status = await invoke("analytics", "status")
    assert status.exit_code == 0 and "outbox:" in status.output and "open gaps" in status.output
    rebuilt = await invoke("analytics", "rebuild")
    assert rebuilt.exit_code == 0 and "clicks added" in rebuilt.output, rebuilt.output
    again = await invoke("demo")
    assert again.exit_code == 0 and "yt_" in again.output  # re-running issues a new key only
    async with unit_of_work(readonly=True, engine=engine) as s:
        assert await s.scalar(select(func.count()).select_from(Link)) == 30 + 8


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def test_serve_refuses_several_processes_without_redis(
    cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("YUTANG_REDIS_URL", raising=False)
    result = await invoke("serve", "--workers", "2", "--no-migrate")
    assert result.exit_code == 1
    assert "YUTANG_REDIS_URL" in result.output
