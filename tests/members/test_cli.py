"""CLI: member and order imports (twice), export/erase, points, doctor and key rotation."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.test_cli import invoke
from yutang.config import Settings
from yutang.kit import crypto
from yutang.kit.context import SYSTEM, Ctx
from yutang.kit.db import unit_of_work
from yutang.members import forms
from yutang.members.identities import id_check_char
from yutang.models.commerce import Order, OrderItem
from yutang.models.members import FormSubmission, Member, MemberIdentity

ID17 = "44030419851020351"
MEMBERS_CSV = (
    "phone,email,name,gender,birthday,city,address,id_number,tags,attr.skin_type,consent_marketing\n"
    f"13800138000,a@x.cn,张三,男,1985-10-20,深圳市,南山区科技园,{ID17}{id_check_char(ID17)},stage/new;hobby/tea,dry,yes\n"
    "13900139000,,李四,female,,,,,,,\n"
    "not-a-phone,,王五,,,,,,,,\n"
    "+86 138 0013 8000,,张三 again,,,,,,stage/loyal,,\n"  # the same person as line 2
    f"13700137000,,赵六,,,,,{ID17}0,,,\n"  # wrong check character
)


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


async def counts(engine: AsyncEngine) -> tuple[int, int]:
    async with unit_of_work(readonly=True, engine=engine) as s:
        members = int(await s.scalar(select(func.count()).select_from(Member)) or 0)
        idents = int(await s.scalar(select(func.count()).select_from(MemberIdentity)) or 0)
    return members, idents


async def test_members_import_twice(cli_env: str, engine: AsyncEngine, tenant: Tenant, tmp_path: Path):
    path = write(tmp_path, "members.csv", MEMBERS_CSV)
    first = await invoke("members", "import", str(path), "-w", tenant.slug)
    assert first.exit_code == 2, first.output  # some rows refused
    assert "5 records: 2 created, 0 updated, 1 already there, 2 refused" in first.output
    with (tmp_path / "members.errors.csv").open(encoding="utf-8-sig") as fh:
        report = list(csv.DictReader(fh))
    assert [(r["line"], r["code"]) for r in report] == [("4", "invalid_identity"), ("6", "invalid_id_number")]
    assert await counts(engine) == (2, 3)
    second = await invoke("members", "import", str(path), "-w", tenant.slug)
    assert "5 records: 0 created, 0 updated, 3 already there, 2 refused" in second.output
    assert await counts(engine) == (2, 3)
    async with unit_of_work(readonly=True, engine=engine) as s:
        zhang = (await s.scalars(select(Member).order_by(Member.id))).first()
        assert zhang is not None
        assert zhang.attributes == {"skin_type": "dry"}
        assert zhang.consents["marketing"]["granted"] is True
        assert zhang.gender == "male"


async def test_orders_import_twice(cli_env: str, engine: AsyncEngine, tenant: Tenant, tmp_path: Path):
    await invoke(
        "members", "import", str(write(tmp_path, "m.csv", "phone\n13800138000\n")), "-w", tenant.slug
    )
    orders = write(
        tmp_path,
        "orders.csv",
        "external_id,paid_at,phone,product_id,name,category,quantity,price_cents\n"
        "T1,2026-11-20 10:00,13800138000,SKU-1,精华液,skincare,2,19900\n"
        "T1,2026-11-20 10:00,13800138000,SKU-2,面膜,mask,1,9900\n"
        "T2,2026-11-21T09:00:00+08:00,13999999999,SKU-1,精华液,skincare,1,19900\n"
        "T3,yesterday,13800138000,SKU-1,,,1,100\n"
        "T4,2026-11-21 09:00,13800138000,SKU-1,,,1,-100\n",
    )
    first = await invoke("orders", "import", str(orders), "-w", tenant.slug)
    assert "4 records: 2 created, 0 updated, 0 already there, 2 refused" in first.output, first.output
    second = await invoke("orders", "import", str(orders), "-w", tenant.slug)
    assert "4 records: 0 created, 0 updated, 2 already there, 2 refused" in second.output
    async with unit_of_work(readonly=True, engine=engine) as s:
        rows = (
            await s.execute(
                select(Order.external_id, Order.total_cents, Order.paid_at, Order.member_id).order_by(
                    Order.id
                )
            )
        ).all()
        assert int(await s.scalar(select(func.count()).select_from(OrderItem)) or 0) == 3
    assert [(r[0], r[1]) for r in rows] == [("T1", 49700), ("T2", 19900)]
    assert rows[0][2].isoformat() == "2026-11-20T02:00:00+00:00"  # read in Asia/Shanghai
    assert rows[0][3] is not None and rows[1][3] is None
    with (tmp_path / "orders.errors.csv").open(encoding="utf-8-sig") as fh:
        assert [(r["line"], r["code"]) for r in csv.DictReader(fh)] == [
            ("5", "validation_error"),
            ("6", "invalid_amount"),
        ]


async def test_points_commands_and_doctor(cli_env: str, engine: AsyncEngine, tenant: Tenant, tmp_path: Path):
    await invoke(
        "members", "import", str(write(tmp_path, "m.csv", "phone\n13800138000\n")), "-w", tenant.slug
    )
    async with unit_of_work(readonly=True, engine=engine) as s:
        mid = await s.scalar(select(Member.id))
    added = await invoke("points", "adjust", str(mid), "250", "--reason", "migration", "-w", tenant.slug)
    assert added.exit_code == 0 and "balance now 250" in added.output
    refused = await invoke("points", "adjust", "--reason", "x", "-w", tenant.slug, "--", str(mid), "-300")
    assert refused.exit_code == 1 and "insufficient_points" in refused.output
    balance = await invoke("points", "balance", str(mid), "-w", tenant.slug)
    assert "250 available" in balance.output
    assert (await invoke("points", "maintain")).exit_code == 0
    ok = await invoke("doctor")
    assert ok.exit_code == 0 and "ok" in ok.output
    async with unit_of_work(engine=engine) as s:
        await s.execute(update(Member).values(points_balance=999, total_spent_cents=5))
    bad = await invoke("doctor")
    assert bad.exit_code == 1
    assert "points_balance" in bad.output and "points_lots" in bad.output and "member_spend" in bad.output


async def test_export_and_erase(cli_env: str, engine: AsyncEngine, tenant: Tenant, tmp_path: Path):
    await invoke(
        "members",
        "import",
        str(write(tmp_path, "m.csv", "phone,name\n13800138000,张三\n")),
        "-w",
        tenant.slug,
    )
    async with unit_of_work(readonly=True, engine=engine) as s:
        mid = await s.scalar(select(Member.id))
    out = tmp_path / "export.json"
    assert (await invoke("members", "export", str(mid), "-o", str(out), "-w", tenant.slug)).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["member"]["name"] == "张三"
    erased = await invoke("members", "erase", str(mid), "--yes", "-w", tenant.slug)
    assert erased.exit_code == 0 and "erased" in erased.output
    assert await counts(engine) == (1, 0)


@pytest.fixture
def restore_keys():
    yield
    crypto.configure(Settings(secret_key="test-secret"))


async def test_pii_rotation(cli_env: str, engine: AsyncEngine, tenant: Tenant, tmp_path: Path, restore_keys):
    old, new = crypto.new_key_spec("old"), crypto.new_key_spec("new")
    crypto.configure(Settings(secret_key="test-secret", pii_keys=old))
    await invoke(
        "members",
        "import",
        str(write(tmp_path, "m.csv", "phone,name\n13800138000,张三\n")),
        "-w",
        tenant.slug,
    )
    async with unit_of_work(engine=engine) as s:  # a form answer, sealed with the old key
        ctx = Ctx(s, tenant.id, SYSTEM)
        form = await forms.create_form(
            ctx,
            {
                "slug": "survey",
                "title": "问卷",
                "fields": [
                    {"key": "phone", "label": "手机", "type": "phone", "maps_to": "phone", "required": True},
                    {"key": "note", "label": "备注", "type": "text"},
                ],
            },
        )
        member_id = (await s.scalars(select(Member.id))).one()
        answer = FormSubmission(
            workspace_id=tenant.id,
            form_id=form.id,
            member_id=member_id,
            data_sealed=crypto.keyring().seal("form.submission", '{"note": "住在望京"}'),
        )
        s.add(answer)
    crypto.configure(
        Settings(secret_key="test-secret", pii_keys=f"{new},{old}", pii_index_key="a-new-index-key")
    )
    result = await invoke("pii", "rotate")
    assert result.exit_code == 0, result.output
    assert "3 values re-sealed, 1 look-up hashes renewed" in result.output
    async with engine.connect() as conn:
        sealed = (await conn.execute(text("SELECT name_sealed FROM members"))).scalar_one()
        ident = (await conn.execute(text("SELECT value_sealed FROM member_identities"))).scalar_one()
        answered = (await conn.execute(text("SELECT data_sealed FROM form_submissions"))).scalar_one()
    assert sealed.startswith("v1.new.") and ident.startswith("v1.new.") and answered.startswith("v1.new.")
    # The old key can go now: everything opens, and look-ups use the new index key.
    crypto.configure(Settings(secret_key="test-secret", pii_keys=new, pii_index_key="a-new-index-key"))
    found = await invoke("members", "export", "1", "-w", tenant.slug)
    assert found.exit_code == 0 and "张三" in found.output and "13800138000" in found.output
    assert "住在望京" in crypto.keyring().open("form.submission", answered)  # the answers open without it
    again = await invoke("pii", "rotate")
    assert "0 values re-sealed, 0 look-up hashes renewed" in again.output


async def test_imports_run_twice_move_nothing_twice(
    cli_env: str, engine: AsyncEngine, tenant: Tenant, tmp_path: Path
):
    """Beyond the rows: the second run of both imports emits no event, so no points,
    spend, order count or welcome points are counted twice."""
    from tests.conftest import run_events
    from yutang.kit.context import SYSTEM, Ctx
    from yutang.loyalty import earning
    from yutang.loyalty.schemas import RuleIn
    from yutang.models.platform import OutboxEvent

    async with unit_of_work(engine=engine) as s:
        ctx = Ctx(s, tenant.id, SYSTEM)
        await earning.create_rule(ctx, RuleIn(name="welcome", trigger="signup", points=20))
        await earning.create_rule(
            ctx, RuleIn(name="spend", trigger="order_paid", amount_type="per_unit", points=1, unit_cents=100)
        )
    members_csv = write(tmp_path, "m.csv", "phone,name\n13800138000,甲\n13900139000,乙\n")
    orders_csv = write(
        tmp_path,
        "o.csv",
        "external_id,paid_at,phone,product_id,name,quantity,price_cents\n"
        "T1,2026-11-20 10:00,13800138000,SKU-1,精华液,1,10000\n"
        "T2,2026-11-20 11:00,13900139000,SKU-1,精华液,2,10000\n",
    )

    async def snapshot() -> list[tuple[int, ...]]:
        await run_events(engine)
        async with unit_of_work(readonly=True, engine=engine) as s:
            rows = await s.execute(
                select(
                    Member.points_balance, Member.total_spent_cents, Member.order_count, Member.id
                ).order_by(Member.id)
            )
            events = int(await s.scalar(select(func.count()).select_from(OutboxEvent)) or 0)
        return [*(tuple(r) for r in rows.all()), (events,)]

    for args in (("members", "import", str(members_csv)), ("orders", "import", str(orders_csv))):
        assert (await invoke(*args, "-w", tenant.slug)).exit_code == 0
    once = await snapshot()
    assert [r[:3] for r in once[:2]] == [(120, 10000, 1), (220, 20000, 1)]
    for args in (("members", "import", str(members_csv)), ("orders", "import", str(orders_csv))):
        again = await invoke(*args, "-w", tenant.slug)
        assert again.exit_code == 0 and "0 created" in again.output, again.output
    assert await snapshot() == once
