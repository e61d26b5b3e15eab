"""分销 Distribution in the console: what an operator does there lands through the
distribution services exactly as through the API, ticked rows change all or none, a
refused form keeps nothing and says why beside the field, in the operator's language,
roles are enforced on every action and another workspace's rows are not found."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.distribution.conftest import appoint, bind, dist, plan
from tests.factories import in_tx, member, order, refund
from tests.web import browser
from yutang.auth.permissions import ROLE_ORDER, allowed
from yutang.distribution import commissions, service
from yutang.kit.context import Ctx
from yutang.kit.db import unit_of_work
from yutang.models.base import utcnow
from yutang.models.distribution import Distributor, Withdrawal
from yutang.models.platform import AuditEntry
from yutang.web.console import router
from yutang.web.console.frame import RoleCheck
from yutang.web.i18n.errors import ERROR_WORDS
from yutang.web.i18n.pages.distribution import STRINGS

API = "/api/v1/distribution"


async def _as(client: httpx.AsyncClient, engine: AsyncEngine, tenant: Tenant, role: str = "operator") -> int:
    """Sign in as a console user of that role; their user id."""
    email = f"{role}@acme.example"
    user_id = await browser.make_user(engine, tenant.id, email, role)
    assert (await browser.login(client, email)).status_code == 303
    return user_id


async def _post(
    client: httpx.AsyncClient, path: str, data: dict[str, Any], page: str = "/console/distribution"
) -> httpx.Response:
    return await browser.post(client, path, data, page=page)


def _field_error(html: str, name: str) -> str:
    found = re.search(rf'id="e-{re.escape(name)}"[^>]*>([^<]+)<', html)
    assert found, f"no error beside {name}"
    return found.group(1)


async def _distributors(engine: AsyncEngine, workspace_id: int) -> list[Distributor]:
    async with unit_of_work(readonly=True, engine=engine) as s:
        rows = await s.scalars(
            select(Distributor).where(Distributor.workspace_id == workspace_id).order_by(Distributor.id)
        )
        return list(rows.all())


async def _applicant(engine: AsyncEngine, tenant: Tenant, phone: str, parent: int | None = None) -> int:
    """A member who applied to become a distributor (pending); the distributor's id."""
    member_id = await member(engine, tenant, phone)

    async def apply(ctx: Ctx) -> int:
        up = await service.get_distributor(ctx, parent) if parent else None
        d, _ = await service.become(ctx, member_id, "approved", parent=up, pending=True)
        return d.id

    return await in_tx(engine, tenant, apply)


# --- step 1: distributors ------------------------------------------------------------------


async def test_an_operator_appoints_by_phone_records_applications_and_approves_them_in_bulk(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _as(client, engine, tenant)
    kol = await member(engine, tenant, "13800000001")
    r = await _post(client, "/console/distribution/appoint", {"phone": "138 0000 0001"})
    assert r.status_code == 303 and r.headers["location"] == "/console/distribution?done=appointed"
    (made,) = await _distributors(engine, tenant.id)
    assert (made.member_id, made.status, made.entry, made.parent_id) == (kol, "active", "approved", None)
    page = await client.get(r.headers["location"])
    assert STRINGS["dist_done_appointed"]["zh-CN"] in page.text and made.code in page.text
    assert "正常" in page.text and "审核通过" in page.text  # status and entry in words

    # Twelve members apply under the KOL's code; the operator approves them at once.
    for k in range(12):
        await member(engine, tenant, f"1390000{k:04d}")
        applied = await _post(
            client,
            "/console/distribution/appoint",
            {"phone": f"1390000{k:04d}", "parent_code": made.code, "apply_only": "on"},
        )
        assert applied.headers["location"] == "/console/distribution?status=pending&done=applied"
    again = await _post(client, "/console/distribution/appoint", {"phone": "13800000001"})
    assert again.headers["location"] == "/console/distribution?done=already"
    pending = await client.get("/console/distribution?status=pending")
    assert pending.text.count('name="distributor_id" value=') == 12 and "待审核" in pending.text
    assert 'aria-current="page">待审核申请' in pending.text
    ids = [d.id for d in await _distributors(engine, tenant.id) if d.status == "pending"]
    r = await _post(
        client,
        "/console/distribution/bulk",
        {
            "action": "approve",
            "distributor_id": [str(i) for i in ids],
            "note": "粉丝过万",
            "status": "pending",
        },
    )
    assert (
        r.status_code == 303
        and r.headers["location"] == "/console/distribution?done=approve:12&status=pending"
    )
    assert "已通过 12 份申请" in (await client.get(r.headers["location"])).text
    rows = await _distributors(engine, tenant.id)
    assert [d.status for d in rows] == ["active"] * 13
    assert {d.parent_id for d in rows[1:]} == {made.id}
    async with unit_of_work(readonly=True, engine=engine) as s:
        approved = await s.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "distributor.approved")
        )
    assert approved == 12
    team = (await client.get(f"{API}/distributors/{made.id}/team", headers=tenant.headers)).json()
    assert team["team_size"] == 12  # the API sees what the console did


async def test_a_refused_appointment_keeps_nothing_and_says_why_beside_the_field(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _as(client, engine, tenant)
    await member(engine, tenant, "13800000001")
    blocked = await member(engine, tenant, "13800000002")
    r = await client.patch(f"/api/v1/members/{blocked}", json={"status": "blocked"}, headers=tenant.headers)
    assert r.status_code == 200, r.text
    empty = await _post(client, "/console/distribution/appoint", {"phone": ""})
    assert empty.status_code == 422 and _field_error(empty.text, "appoint-phone") == "此项必填"
    bad = await _post(client, "/console/distribution/appoint", {"phone": "12ab"})
    assert bad.status_code == 422 and _field_error(bad.text, "appoint-phone") == "手机号格式不正确"
    assert 'value="12ab"' in bad.text  # what was typed stays
    unknown = await _post(client, "/console/distribution/appoint?lang=en", {"phone": "13999999999"})
    assert unknown.status_code == 404
    assert _field_error(unknown.text, "appoint-phone") == ERROR_WORDS["unknown_member"]["en"]
    code = await _post(
        client, "/console/distribution/appoint", {"phone": "13800000001", "parent_code": "NOPE1234"}
    )
    assert code.status_code == 404
    assert _field_error(code.text, "appoint-parent_code") == ERROR_WORDS["unknown_distributor_code"]["en"]
    inactive = await _post(client, "/console/distribution/appoint?lang=zh-CN", {"phone": "13800000002"})
    assert inactive.status_code == 409
    assert _field_error(inactive.text, "appoint-phone") == ERROR_WORDS["member_inactive"]["zh-CN"]
    assert await _distributors(engine, tenant.id) == []


async def test_ticked_distributors_change_all_or_none(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _as(client, engine, tenant)
    active = [
        (await appoint(engine, tenant, await member(engine, tenant, f"1380000{k:04d}"))).id for k in range(3)
    ]
    pending = [await _applicant(engine, tenant, f"1390000{k:04d}") for k in range(3)]
    # An active distributor among the applications: nothing is approved.
    r = await _post(
        client, "/console/distribution/bulk", {"action": "approve", "distributor_id": [*pending, active[1]]}
    )
    assert r.status_code == 409
    assert STRINGS["dist_nothing_changed"]["zh-CN"] in r.text and f"#{active[1]}" in r.text
    assert ERROR_WORDS["not_an_application"]["zh-CN"] in r.text
    assert [d.status for d in await _distributors(engine, tenant.id)] == ["active"] * 3 + ["pending"] * 3
    # A pending one among those to suspend: nobody is suspended.
    r = await _post(
        client, "/console/distribution/bulk", {"action": "suspend", "distributor_id": [*active, pending[0]]}
    )
    assert r.status_code == 409
    assert [d.status for d in await _distributors(engine, tenant.id)] == ["active"] * 3 + ["pending"] * 3
    r = await _post(client, "/console/distribution/bulk", {"action": "suspend", "distributor_id": active[:2]})
    assert r.headers["location"] == "/console/distribution?done=suspend:2"
    suspended = await client.get("/console/distribution?status=suspended")
    assert suspended.text.count('name="distributor_id" value=') == 2 and "已暂停" in suspended.text
    r = await _post(client, "/console/distribution/bulk", {"action": "reject", "distributor_id": pending})
    assert r.headers["location"] == "/console/distribution?done=reject:3"
    r = await _post(client, "/console/distribution/bulk", {"action": "resume", "distributor_id": active})
    assert r.headers["location"] == "/console/distribution?done=resume:3"
    assert [d.status for d in await _distributors(engine, tenant.id)] == ["active"] * 3 + ["rejected"] * 3
    nothing = await _post(client, "/console/distribution/bulk", {"action": "approve"})
    assert nothing.headers["location"] == "/console/distribution?done=none"
    too_long = await _post(
        client,
        "/console/distribution/bulk",
        {"action": "reject", "distributor_id": active, "note": "x" * 201},
    )
    assert too_long.status_code == 422 and "最多 200 个字符" in _field_error(too_long.text, "bulk-note")


async def test_an_application_under_a_recruiter_is_approved_with_the_locks_in_order(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    """Approving lifts the recruiter's level: the uplines are locked before, by id."""
    await _as(client, engine, tenant)
    top = await appoint(engine, tenant, await member(engine, tenant, "13800000001"))
    mid = await appoint(engine, tenant, await member(engine, tenant, "13800000002"), top.id)
    first = await _applicant(engine, tenant, "13900000001", mid.id)
    second = await _applicant(engine, tenant, "13900000002", top.id)
    third = await _applicant(engine, tenant, "13900000003", mid.id)
    r = await _post(
        client, "/console/distribution/bulk", {"action": "approve", "distributor_id": [third, first]}
    )
    assert r.status_code == 303
    r = await client.post(
        f"{API}/distributors/{second}/decision", json={"decision": "approve"}, headers=tenant.headers
    )
    assert r.status_code == 200 and r.json()["status"] == "active"
    team = (await client.get(f"{API}/distributors/{top.id}/team", headers=tenant.headers)).json()
    assert sorted(team["level1"]) == sorted([mid.id, second]) and sorted(team["level2"]) == [first, third]


async def test_another_workspaces_distributors_are_not_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    await _as(client, engine, tenant)
    ours = await _applicant(engine, tenant, "13900000001")
    theirs = await _applicant(engine, other_tenant, "13900000001")
    r = await _post(
        client, "/console/distribution/bulk", {"action": "approve", "distributor_id": [ours, theirs]}
    )
    assert r.status_code == 404 and ERROR_WORDS["not_a_distributor"]["zh-CN"] in r.text
    assert [d.status for d in await _distributors(engine, tenant.id)] == ["pending"]
    assert [d.status for d in await _distributors(engine, other_tenant.id)] == ["pending"]
    listed = await client.get("/console/distribution")
    assert f'value="{ours}"' in listed.text and f'value="{theirs}"' not in listed.text


async def test_many_distributors_are_paged(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _as(client, engine, tenant, "analyst")
    for k in range(55):
        await appoint(engine, tenant, await member(engine, tenant, f"1380000{k:04d}"))
    first = await client.get("/console/distribution?lang=en")
    assert first.status_code == 200 and first.text.count('href="/console/distribution/distributors/') == 50
    assert "Active" in first.text and "Approved" in first.text
    cursor = re.search(r'href="/console/distribution\?cursor=([^"&]+)"', first.text)
    assert cursor
    second = await client.get(f"/console/distribution?cursor={cursor.group(1)}")
    assert second.text.count('href="/console/distribution/distributors/') == 5
    assert "/console/distribution?cursor=" not in second.text


@pytest.mark.parametrize("role", ["analyst", "staff"])
async def test_readers_see_distributors_but_may_change_nothing(
    role: str, client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    pending = await _applicant(engine, tenant, "13900000001")
    await _as(client, engine, tenant, role)
    page = await client.get("/console/distribution")
    assert page.status_code == 200 and "#" + str(pending) in page.text
    assert "/console/distribution/appoint" not in page.text and "/console/distribution/bulk" not in page.text
    await member(engine, tenant, "13800000001")
    for path, data in (
        ("/console/distribution/appoint", {"phone": "13800000001"}),
        ("/console/distribution/bulk", {"action": "approve", "distributor_id": pending}),
    ):
        r = await _post(client, path, data)
        assert r.status_code == 403 and "你的角色不允许" in r.text
    assert [(d.member_id != 0, d.status) for d in await _distributors(engine, tenant.id)] == [
        (True, "pending")
    ]


# --- step 2: a distributor's page ---------------------------------------------------------


async def _release(engine: AsyncEngine, tenant: Tenant) -> None:
    """The refund windows of the orders paid long ago end: their commission becomes available."""

    async def go(ctx: Ctx) -> int:
        return await commissions.release_due(ctx)

    await in_tx(engine, tenant, go)


async def test_a_distributors_page_shows_figures_their_team_two_levels_deep_and_the_ledger(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _as(client, engine, tenant)
    await plan(engine, tenant, [1000, 300])  # 10 % and 3 %
    top = await appoint(engine, tenant, await member(engine, tenant, "13800000001"))
    mid = await appoint(engine, tenant, await member(engine, tenant, "13800000002"), top.id)
    side = await appoint(engine, tenant, await member(engine, tenant, "13800000003"), top.id)
    low = await appoint(engine, tenant, await member(engine, tenant, "13800000004"), mid.id)
    deep = await appoint(engine, tenant, await member(engine, tenant, "13800000005"), low.id)
    own = await member(engine, tenant, "13900000001")
    await bind(engine, tenant, own, top.id)
    theirs = await member(engine, tenant, "13900000002")
    await bind(engine, tenant, theirs, mid.id)
    old = await order(engine, tenant, own, 20_000, paid_at=utcnow() - timedelta(days=10))
    await _release(engine, tenant)  # ¥20.00 available
    await order(engine, tenant, theirs, 10_000)  # ¥3.00 pending on level 2
    await refund(engine, tenant, old, 5_000)  # a quarter back: ¥5.00 reversed from available

    async def cash_out(ctx: Ctx) -> None:
        w = await commissions.withdraw(ctx, top.id, 1000)
        await commissions.decide_withdrawal(ctx, w.id, "approve")

    await in_tx(engine, tenant, cash_out)
    page = await client.get(f"/console/distribution/distributors/{top.id}")
    assert page.status_code == 200
    text = page.text
    # figures as money: sales net of refunds, the buckets, what was reversed
    assert "¥250.00" in text  # 200 - 50 + 100
    assert "¥3.00" in text and "¥5.00" in text and "¥10.00" in text  # pending, available after, withdrawn
    # the team: two levels, never the third
    for x in (mid, side, low):
        assert f'href="/console/distribution/distributors/{x.id}"' in text, x.id
    assert f'href="/console/distribution/distributors/{deep.id}"' not in text
    assert text.index(f"#{mid.id}</a>") < text.index(f"#{low.id}</a>")  # low sits under mid
    # commissions and the ledger, kinds and statuses in words
    for words in (
        "一级（自己的客户）",
        "二级（下级的客户）",
        "可提现",
        "待结算",
        "获得佣金",
        "结算",
        "冲回",
        "申请提现",
        "提现到账",
    ):
        assert words in text, words
    en = (await client.get(f"/console/distribution/distributors/{top.id}?lang=en")).text
    for words in ("Level 1 (own customer)", "Available", "Pending", "Earned", "Withdrawal paid", "Reversed"):
        assert words in en, words


async def test_the_commissions_and_ledger_of_a_busy_distributor_are_paged(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _as(client, engine, tenant, "analyst")
    await plan(engine, tenant, [1000])
    top = await appoint(engine, tenant, await member(engine, tenant, "13800000001"))
    buyer = await member(engine, tenant, "13900000001")
    await bind(engine, tenant, buyer, top.id)
    for _ in range(53):
        await order(engine, tenant, buyer, 1_000)
    page = (await client.get(f"/console/distribution/distributors/{top.id}")).text
    assert page.count("<td>#") == 50  # orders of the first page of commissions
    found = re.search(r'\?cursor=([^"#]+)#commissions', page)
    ledger = re.search(r'\?entries_cursor=([^"#]+)#ledger', page)
    assert found and ledger
    rest = (await client.get(f"/console/distribution/distributors/{top.id}?cursor={found.group(1)}")).text
    assert (
        rest.count("<td>#") == 3
        and "#commissions" not in rest.split('id="commissions"')[1].split("</table>")[0]
    )
    more = (
        await client.get(f"/console/distribution/distributors/{top.id}?entries_cursor={ledger.group(1)}")
    ).text
    assert more.split('id="ledger"')[1].count("获得佣金") == 3


async def test_an_operator_decides_suspends_and_reinstates_from_the_page(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _as(client, engine, tenant)
    first = await _applicant(engine, tenant, "13900000001")
    second = await _applicant(engine, tenant, "13900000002")
    page = await client.get(f"/console/distribution/distributors/{first}")
    assert STRINGS["dist_confirm_approve"]["zh-CN"] in page.text  # asks first
    base = f"/console/distribution/distributors/{first}"
    long = await _post(client, f"{base}/approve", {"note": "x" * 201}, base)
    assert long.status_code == 422 and "最多 200 个字符" in _field_error(long.text, "decide-note")
    assert [d.status for d in await _distributors(engine, tenant.id)] == ["pending", "pending"]
    r = await _post(client, f"{base}/approve", {"note": "粉丝过万"}, base)
    assert r.headers["location"] == f"{base}?done=approve"
    assert "已通过申请" in (await client.get(r.headers["location"])).text
    again = await _post(client, f"{base}/approve", {}, base)
    assert again.status_code == 409 and ERROR_WORDS["not_an_application"]["zh-CN"] in again.text
    r = await _post(client, f"{base}/suspend", {}, base)
    assert r.headers["location"] == f"{base}?done=suspend"
    suspended = (await client.get(base)).text
    assert "已暂停" in suspended and STRINGS["dist_confirm_resume"]["zh-CN"] in suspended
    assert (await _post(client, f"{base}/resume", {}, base)).status_code == 303
    other = f"/console/distribution/distributors/{second}"
    assert (await _post(client, f"{other}/reject", {"note": "资料不全"}, other)).status_code == 303
    assert [d.status for d in await _distributors(engine, tenant.id)] == ["active", "rejected"]
    rejected = await _post(client, f"{other}/suspend", {}, other)
    assert rejected.status_code == 409
    async with unit_of_work(readonly=True, engine=engine) as s:
        actions = (await s.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
    assert [a for a in actions if a.startswith("distributor.")][-4:] == [
        "distributor.approved",
        "distributor.suspended",
        "distributor.active",
        "distributor.rejected",
    ]


async def test_another_workspaces_distributor_page_is_not_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    await _as(client, engine, tenant)
    theirs = await appoint(engine, other_tenant, await member(engine, other_tenant, "13800000001"))
    page = await client.get(f"/console/distribution/distributors/{theirs.id}")
    assert page.status_code == 404 and ERROR_WORDS["not_a_distributor"]["zh-CN"] in page.text
    r = await _post(client, f"/console/distribution/distributors/{theirs.id}/suspend", {})
    assert r.status_code == 404
    assert (await dist(engine, theirs.id)).status == "active"


@pytest.mark.parametrize("role", ["analyst", "staff"])
async def test_readers_see_a_distributor_but_change_nothing_and_staff_only_their_members(
    role: str, client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    user_id = await _as(client, engine, tenant, role)
    theirs = await member(engine, tenant, "13800000001", name="王小明")
    r = await client.patch(
        f"/api/v1/members/{theirs}", json={"owner_user_id": user_id}, headers=tenant.headers
    )
    assert r.status_code == 200, r.text
    top = await appoint(engine, tenant, theirs)
    other = await appoint(engine, tenant, await member(engine, tenant, "13800000002", name="李雷"), top.id)
    page = (await client.get(f"/console/distribution/distributors/{top.id}")).text
    assert "/suspend" not in page and '<form class="edit"' not in page
    assert "王*" in page or "王小明" in page  # masked for the roles that do not read personal data
    other_page = (await client.get(f"/console/distribution/distributors/{other.id}")).text
    if role == "staff":
        assert STRINGS["dist_member_hidden"]["zh-CN"] in other_page and "李" not in other_page
    else:
        assert "李*" in other_page
    r = await _post(client, f"/console/distribution/distributors/{top.id}/suspend", {})
    assert r.status_code == 403 and (await dist(engine, top.id)).status == "active"


# --- step 3: withdrawals --------------------------------------------------------------------


async def _earner(engine: AsyncEngine, tenant: Tenant, phone: str, sales: int) -> int:
    """A distributor with 10 % of ``sales`` available to withdraw (a plan of 10 % exists)."""
    d = await appoint(engine, tenant, await member(engine, tenant, phone))
    buyer = await member(engine, tenant, "139" + phone[3:])
    await bind(engine, tenant, buyer, d.id)
    await order(engine, tenant, buyer, sales, paid_at=utcnow() - timedelta(days=10))
    await _release(engine, tenant)
    return d.id


async def _withdraw(engine: AsyncEngine, tenant: Tenant, distributor_id: int, *amounts: int) -> list[int]:
    async def go(ctx: Ctx) -> list[int]:
        return [(await commissions.withdraw(ctx, distributor_id, a)).id for a in amounts]

    return await in_tx(engine, tenant, go)


async def _withdrawal(engine: AsyncEngine, withdrawal_id: int) -> Withdrawal:
    async with unit_of_work(readonly=True, engine=engine) as s:
        w = await s.get(Withdrawal, withdrawal_id)
        assert w is not None
        return w


async def test_an_operator_pays_and_rejects_withdrawals_the_waiting_ones_first(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _as(client, engine, tenant)
    await plan(engine, tenant, [1000])
    earners = [await _earner(engine, tenant, f"1380000{k:04d}", 100_000) for k in range(6)]  # ¥100 each
    ids = [(await _withdraw(engine, tenant, d, 3_000 + 100 * k))[0] for k, d in enumerate(earners)]
    page = (await client.get("/console/distribution/withdrawals")).text
    assert page.count('action="/console/distribution/withdrawals/') == 6
    assert "¥30.00" in page and "¥35.00" in page and "¥70.00" in page  # amounts, what is left available
    assert f"确认已向分销员 #{earners[0]} 转账 ¥30.00" in page  # the question says the amount
    assert "驳回这笔 ¥31.00 的提现" in page
    paid = await _post(
        client,
        f"/console/distribution/withdrawals/{ids[0]}/decision",
        {"decision": "approve", "note": "微信转账"},
        "/console/distribution/withdrawals",
    )
    assert (
        paid.status_code == 303
        and paid.headers["location"] == f"/console/distribution/withdrawals?done=paid:{ids[0]}"
    )
    w = await _withdrawal(engine, ids[0])
    assert (w.status, w.note, w.decided_by is not None) == ("paid", "微信转账", True)
    assert (
        (await dist(engine, earners[0])).withdrawn_cents,
        (await dist(engine, earners[0])).frozen_cents,
    ) == (3_000, 0)
    returned = await _post(
        client,
        f"/console/distribution/withdrawals/{ids[1]}/decision",
        {"decision": "reject", "note": "账户信息有误"},
        "/console/distribution/withdrawals",
    )
    assert returned.headers["location"] == f"/console/distribution/withdrawals?done=rejected:{ids[1]}"
    back = await dist(engine, earners[1])
    assert (back.available_cents, back.frozen_cents, back.withdrawn_cents) == (10_000, 0, 0)
    page = (await client.get(returned.headers["location"])).text
    assert f"提现 #{ids[1]} 已驳回" in page
    waiting, decided = page.split('id="decided"')
    assert waiting.count('action="/console/distribution/withdrawals/') == 4  # the waiting ones first
    assert "已打款" in decided and "已驳回" in decided and "账户信息有误" in decided
    assert decided.count("<td>operator</td>") == 2  # who decided, by name
    en = (await client.get("/console/distribution/withdrawals?lang=en")).text
    assert "Paid" in en and "Rejected" in en and "Waiting for a decision" in en


async def test_a_refused_decision_changes_nothing_and_says_why_beside_the_row(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    await _as(client, engine, tenant)
    await plan(engine, tenant, [1000])
    d = await _earner(engine, tenant, "13800000001", 100_000)
    first, second = await _withdraw(engine, tenant, d, 2_000, 3_000)
    path = f"/console/distribution/withdrawals/{first}/decision"
    why = await _post(client, path, {"decision": "reject"}, "/console/distribution/withdrawals")
    assert why.status_code == 422
    assert _field_error(why.text, f"note-{first}") == STRINGS["dist_reject_reason_needed"]["zh-CN"]
    odd = await _post(client, path, {"decision": "maybe"}, "/console/distribution/withdrawals")
    assert odd.status_code == 422 and "请从选项中选择" in odd.text
    assert (await _withdrawal(engine, first)).status == "requested"
    assert (await dist(engine, d)).frozen_cents == 5_000
    assert (
        await _post(client, path, {"decision": "approve"}, "/console/distribution/withdrawals")
    ).status_code == 303
    twice = await _post(
        client, path, {"decision": "reject", "note": "重复"}, "/console/distribution/withdrawals?lang=en"
    )
    assert twice.status_code == 409 and ERROR_WORDS["withdrawal_decided"]["en"] in twice.text
    assert (await _withdrawal(engine, first)).status == "paid"
    assert (await _withdrawal(engine, second)).status == "requested"
    # another workspace's withdrawal is not found, and stays as it was
    await plan(engine, other_tenant, [1000])
    theirs = await _earner(engine, other_tenant, "13800000001", 100_000)
    (their_w,) = await _withdraw(engine, other_tenant, theirs, 2_000)
    r = await _post(
        client,
        f"/console/distribution/withdrawals/{their_w}/decision",
        {"decision": "approve"},
        "/console/distribution/withdrawals",
    )
    assert r.status_code == 404 and ERROR_WORDS["unknown_withdrawal"]["en"] in r.text
    assert (await _withdrawal(engine, their_w)).status == "requested"
    assert f"<td>{their_w}</td>" not in (await client.get("/console/distribution/withdrawals")).text


async def test_many_withdrawals_are_paged_and_readers_may_not_decide(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await plan(engine, tenant, [1000])
    d = await _earner(engine, tenant, "13800000001", 1_000_000)  # ¥1,000 available
    ids = await _withdraw(engine, tenant, d, *([1_000] * 53))
    for role in ("analyst", "staff"):
        await _as(client, engine, tenant, role)
        page = (await client.get("/console/distribution/withdrawals")).text
        assert page.count(f"<td>{ids[-1]}</td>") == 1 and "/decision" not in page
        nxt = re.search(r'withdrawals\?cursor=([^"]+)"', page)
        assert nxt and page.count("¥10.00") == 50
        rest = (await client.get(f"/console/distribution/withdrawals?cursor={nxt.group(1)}")).text
        assert rest.count("¥10.00") == 3
        r = await _post(
            client,
            f"/console/distribution/withdrawals/{ids[0]}/decision",
            {"decision": "approve"},
            "/console/distribution/withdrawals",
        )
        assert r.status_code == 403
    assert {(await _withdrawal(engine, i)).status for i in ids} == {"requested"}


# --- step 4: commission plans, levels, settings ----------------------------------------------


async def _plans(client: httpx.AsyncClient, tenant: Tenant) -> list[dict[str, Any]]:
    r = await client.get(f"{API}/plans", headers=tenant.headers)
    assert r.status_code == 200
    return list(r.json()["data"])


async def test_an_operator_creates_and_edits_commission_plans_shown_as_percentages_and_money(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _as(client, engine, tenant)
    page = "/console/distribution/plans"
    r = await _post(
        client,
        page,
        {
            "name": "茶叶",
            "kind": "percent",
            "rates.0": "10",
            "rates.1": "2.5",
            "categories": "tea，绿茶",
            "active": "on",
        },
        page,
    )
    assert r.status_code == 303 and r.headers["location"].startswith(f"{page}?done=plan_created#plan-")
    r = await _post(
        client,
        page,
        {"name": "礼盒", "kind": "fixed", "rates.0": "¥15", "product_ids": "GIFT-299", "active": "on"},
        page,
    )
    assert r.status_code == 303
    tea, gift = await _plans(client, tenant)
    assert (tea["rates"], tea["categories"], tea["kind"], tea["active"]) == (
        [1000, 250],
        ["tea", "绿茶"],
        "percent",
        True,
    )
    assert (gift["rates"], gift["product_ids"], gift["kind"]) == ([1500], ["GIFT-299"], "fixed")
    listed = (await client.get(page)).text
    assert (
        "10%" in listed
        and "2.5%" in listed
        and "¥15.00 / 件" in listed
        and "按比例" in listed
        and "固定金额" in listed
    )
    assert STRINGS["dist_confirm_plan"]["zh-CN"] in listed  # asks first
    edit = f"{page}/{tea['id']}"
    form = (await client.get(edit)).text
    assert 'value="10"' in form and 'value="2.5"' in form and 'value="tea, 绿茶"' in form
    assert STRINGS["dist_confirm_plan_edit"]["zh-CN"] in form  # a rate change asks first
    assert STRINGS["dist_confirm_plan_edit"]["en"] in (await client.get(f"{edit}?lang=en")).text
    r = await _post(
        client, edit, {"name": "茶叶", "kind": "percent", "rates.0": "12.5", "categories": "tea"}, edit
    )
    assert r.status_code == 303 and r.headers["location"] == f"{page}?done=plan_saved#plan-{tea['id']}"
    tea, _ = await _plans(client, tenant)
    assert (tea["rates"], tea["categories"], tea["active"]) == ([1250], ["tea"], False)
    en = (await client.get(f"{page}?lang=en")).text
    assert (
        "12.50%" not in en
        and "12.5%" in en
        and "Percentage" in en
        and "Fixed amount" in en
        and "Disabled" in en
    )


async def test_a_refused_plan_keeps_nothing_and_says_why_beside_the_rate(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    await _as(client, engine, tenant)
    page = "/console/distribution/plans"
    bad = await _post(client, page, {"name": "x", "kind": "percent", "rates.0": "ten"}, page)
    assert bad.status_code == 422
    assert _field_error(bad.text, "plan-rates.0") == STRINGS["dist_bad_percent"]["zh-CN"]
    assert 'value="ten"' in bad.text
    much = await _post(client, page, {"name": "x", "kind": "percent", "rates.0": "30", "rates.1": "30"}, page)
    assert (
        much.status_code == 400
        and _field_error(much.text, "plan-rates.0") == ERROR_WORDS["invalid_rate"]["zh-CN"]
    )
    cents = await _post(client, page + "?lang=en", {"name": "x", "kind": "fixed", "rates.0": "1.234"}, page)
    assert _field_error(cents.text, "plan-rates.0") == STRINGS["dist_bad_money"]["en"]
    nameless = await _post(
        client, page + "?lang=zh-CN", {"name": "", "kind": "percent", "rates.0": "5"}, page
    )
    assert nameless.status_code == 422 and _field_error(nameless.text, "plan-name") == "此项不能为空"
    none = await _post(client, page, {"name": "x", "kind": "percent"}, page)
    assert _field_error(none.text, "plan-rates.0") == "此项必填"
    assert await _plans(client, tenant) == []
    made = await plan(engine, tenant, [1000, 300])
    edit = f"{page}/{made}"
    refused = await _post(client, edit, {"name": "默认", "kind": "percent", "rates.0": "0"}, edit)
    assert (
        refused.status_code == 400
        and _field_error(refused.text, "plan-rates.0") == ERROR_WORDS["invalid_rate"]["zh-CN"]
    )
    assert (await _plans(client, tenant))[0]["rates"] == [1000, 300]
    theirs = await plan(engine, other_tenant, [500])
    assert (await client.get(f"{page}/{theirs}")).status_code == 404
    r = await _post(client, f"{page}/{theirs}", {"name": "mine", "kind": "percent", "rates.0": "5"}, page)
    assert r.status_code == 404
    their_plans = (await client.get(f"{API}/plans", headers=other_tenant.headers)).json()["data"]
    assert [(p["name"], p["rates"]) for p in their_plans] == [("默认", [500])]


async def test_an_operator_adds_levels_told_in_money_and_percent(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _as(client, engine, tenant)
    page = "/console/distribution/levels"
    data = {
        "name": "金牌推广员",
        "rank": "2",
        "min_team_size": "20",
        "min_team_sales_cents": "50,000",
        "bonus_bp": "2",
    }
    r = await _post(client, page, data, page)
    assert r.status_code == 303 and r.headers["location"] == f"{page}?done=level_created"
    levels = (await client.get(f"{API}/levels", headers=tenant.headers)).json()["data"]
    assert [
        (lv["name"], lv["rank"], lv["min_team_size"], lv["min_team_sales_cents"], lv["bonus_bp"])
        for lv in levels
    ] == [("金牌推广员", 2, 20, 5_000_000, 200)]
    listed = (await client.get(r.headers["location"])).text
    assert "¥50,000.00" in listed and "+2%" in listed and "等级已创建" in listed
    assert STRINGS["dist_confirm_level"]["zh-CN"] in listed  # asks first
    taken = await _post(client, page, {**data, "name": "银牌"}, page)
    assert (
        taken.status_code == 409
        and _field_error(taken.text, "level-rank") == ERROR_WORDS["level_taken"]["zh-CN"]
    )
    big = await _post(client, page, {**data, "rank": "3", "bonus_bp": "60"}, page)
    assert big.status_code == 422 and _field_error(big.text, "level-bonus_bp") == "不能大于 50%"
    odd = await _post(client, page, {**data, "rank": "3", "min_team_sales_cents": "1.001"}, page)
    assert _field_error(odd.text, "level-min_team_sales_cents") == STRINGS["dist_bad_money"]["zh-CN"]
    assert len((await client.get(f"{API}/levels", headers=tenant.headers)).json()["data"]) == 1


async def test_an_operator_edits_a_level_prefilled_in_money_and_percent_asking_first(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    async def ladder(ctx: Ctx) -> list[int]:
        made = [
            await service.create_level(
                ctx, {"name": f"L{k}", "rank": k, "min_team_size": k * 10, "bonus_bp": k * 50}
            )
            for k in range(1, 13)
        ]
        return [lv.id for lv in made]

    rungs = await in_tx(engine, tenant, ladder)
    theirs = (await in_tx(engine, other_tenant, ladder))[0]
    await _as(client, engine, tenant)
    page = "/console/distribution/levels"
    listed = (await client.get(page)).text
    assert all(f'href="{page}/{i}"' in listed for i in rungs)  # each linked from the list
    edit = f"{page}/{rungs[2]}"
    form = (await client.get(edit)).text
    assert 'value="L3"' in form and 'value="30"' in form and 'value="1.5"' in form and 'value="0"' in form
    assert STRINGS["dist_confirm_level_edit"]["zh-CN"] in form  # asks first
    en = (await client.get(f"{edit}?lang=en")).text
    assert STRINGS["dist_edit_level"]["en"] in en and STRINGS["dist_confirm_level_edit"]["en"] in en
    data = {
        "name": "金牌推广员",
        "rank": "3",
        "min_team_size": "25",
        "min_team_sales_cents": "¥80,000.50",
        "bonus_bp": "2.5",
    }
    r = await _post(client, edit, data, edit)
    assert r.status_code == 303 and r.headers["location"] == f"{page}?done=level_saved"
    assert "等级已保存" in (await client.get(r.headers["location"] + "&lang=zh-CN")).text
    assert "Level saved" in (await client.get(r.headers["location"] + "&lang=en")).text

    async def shown() -> list[tuple[Any, ...]]:
        levels = (await client.get(f"{API}/levels", headers=tenant.headers)).json()["data"]
        return [tuple(lv.values()) for lv in levels]

    saved = await shown()
    assert saved[2] == ("金牌推广员", 3, 25, 8_000_050, 250, rungs[2])
    for field, value, status, words in (
        ("rank", "4", 409, ERROR_WORDS["level_taken"]["zh-CN"]),
        ("bonus_bp", "60", 422, "不能大于 50%"),
        ("min_team_sales_cents", "1.001", 422, STRINGS["dist_bad_money"]["zh-CN"]),
        ("name", "", 422, "此项不能为空"),
    ):
        refused = await _post(client, edit + "?lang=zh-CN", {**data, "bonus_bp": "9", field: value}, edit)
        assert refused.status_code == status, field
        assert _field_error(refused.text, f"level-{field}") == words, field
        assert f'value="{value}"' in refused.text or not value  # kept as typed
    assert await shown() == saved  # nothing of a refused form is kept
    assert (await client.get(f"{page}/{theirs}")).status_code == 404
    assert (await _post(client, f"{page}/{theirs}", data, page)).status_code == 404
    async with unit_of_work(readonly=True, engine=engine) as s:
        audited = await s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "distributor_level.updated")
        )
    assert audited == 1


async def test_an_operator_changes_the_distribution_settings(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _as(client, engine, tenant)
    page = "/console/distribution/settings"
    shown = (await client.get(page)).text
    assert "7 天" in shown and "¥10.00" in shown and "未开启" in shown
    assert STRINGS["dist_confirm_settings"]["zh-CN"] in shown
    data = {
        "self_purchase": "on",
        "refund_window_days": "15",
        "min_withdrawal_cents": "50",
        "task_entry.orders": "3",
        "task_entry.checkin_streak": "",
        "gift_pack_product_ids": "GIFT-199, GIFT-299",
    }
    r = await _post(client, page, data, page)
    assert r.status_code == 303 and r.headers["location"] == f"{page}?done=settings_saved"
    conf = (await client.get(f"{API}/settings", headers=tenant.headers)).json()
    assert conf == {
        "self_purchase": True,
        "refund_window_days": 15,
        "min_withdrawal_cents": 5_000,
        "task_entry": {"orders": 3},
        "gift_pack_product_ids": ["GIFT-199", "GIFT-299"],
        "bind_invitees": False,
    }
    en = (await client.get(f"{page}?lang=en")).text
    assert "15 days" in en and "¥50.00" in en and "3 orders" in en and "GIFT-199, GIFT-299" in en
    for field, value, words in (
        ("refund_window_days", "400", "不能大于 365"),
        ("min_withdrawal_cents", "0", "不能小于 ¥0.01"),
        ("min_withdrawal_cents", "abc", STRINGS["dist_bad_money"]["zh-CN"]),
        ("task_entry.checkin_streak", "0", STRINGS["dist_task_range"]["zh-CN"]),
        ("task_entry.orders", "many", "请输入整数"),
    ):
        refused = await _post(client, page + "?lang=zh-CN", {**data, field: value}, page)
        assert refused.status_code == 422, field
        assert _field_error(refused.text, f"settings-{field}") == words, field
    assert (await client.get(f"{API}/settings", headers=tenant.headers)).json() == conf


@pytest.mark.parametrize("role", ["analyst", "staff"])
async def test_readers_see_plans_levels_and_settings_but_change_nothing(
    role: str, client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    made = await plan(engine, tenant, [1000, 300])

    async def level(ctx: Ctx) -> int:
        return (await service.create_level(ctx, {"name": "金牌", "rank": 1, "bonus_bp": 100})).id

    rung = await in_tx(engine, tenant, level)
    await _as(client, engine, tenant, role)
    for page in (
        "/console/distribution/plans",
        "/console/distribution/levels",
        "/console/distribution/settings",
    ):
        r = await client.get(page)
        assert r.status_code == 200 and 'method="post"' not in r.text.split("<main")[1], page
    assert "10%" in (await client.get("/console/distribution/plans")).text
    assert (await client.get(f"/console/distribution/plans/{made}")).status_code == 403
    assert (await client.get(f"/console/distribution/levels/{rung}")).status_code == 403
    assert (
        f"/console/distribution/levels/{rung}" not in (await client.get("/console/distribution/levels")).text
    )
    for path, data in (
        ("/console/distribution/plans", {"name": "x", "kind": "percent", "rates.0": "5"}),
        (f"/console/distribution/plans/{made}", {"name": "x", "kind": "percent", "rates.0": "5"}),
        ("/console/distribution/levels", {"name": "x", "rank": "1"}),
        (f"/console/distribution/levels/{rung}", {"name": "x", "rank": "1", "bonus_bp": "9"}),
        ("/console/distribution/settings", {"refund_window_days": "1", "min_withdrawal_cents": "1"}),
    ):
        assert (await _post(client, path, data)).status_code == 403, path
    assert [p["rates"] for p in await _plans(client, tenant)] == [[1000, 300]]
    levels = (await client.get(f"{API}/levels", headers=tenant.headers)).json()["data"]
    assert [(lv["name"], lv["bonus_bp"]) for lv in levels] == [("金牌", 100)]


# --- every page, every role ---------------------------------------------------------------


async def _world(engine: AsyncEngine, tenant: Tenant) -> dict[str, str]:
    """A distributor with a team, customers, commissions and withdrawals, an application,
    a plan and a level: what every page has to show. (tests/web/test_console_routes.py
    fills the same path parameters.)"""
    made = await plan(engine, tenant, [1000, 300])

    async def level(ctx: Ctx) -> int:
        gold: dict[str, int | str] = {"name": "金牌", "rank": 1, "min_team_size": 1, "bonus_bp": 100}
        return (await service.create_level(ctx, gold)).id

    rung = await in_tx(engine, tenant, level)
    top = await _earner(engine, tenant, "13800000001", 100_000)
    await appoint(engine, tenant, await member(engine, tenant, "13800000002"), top)
    await _applicant(engine, tenant, "13900000009", top)
    paid, _ = await _withdraw(engine, tenant, top, 2_000, 3_000)

    async def pay(ctx: Ctx) -> None:
        await commissions.decide_withdrawal(ctx, paid, "approve", "已转账")

    await in_tx(engine, tenant, pay)
    return {
        "distributor_id": str(top),
        "plan_id": str(made),
        "level_id": str(rung),
        "withdrawal_id": str(paid),
        "action": "suspend",
    }


def _routes() -> list[Any]:
    return [r for r in router.routes if getattr(r, "path", "").startswith("/console/distribution")]


@pytest.mark.parametrize("role", ROLE_ORDER)
async def test_every_role_reads_the_pages_it_may_in_both_languages(
    role: str, client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    values = await _world(engine, tenant)
    await _as(client, engine, tenant, role)
    walked = 0
    for route in _routes():
        checks = [d.call for d in route.dependant.dependencies if isinstance(d.call, RoleCheck)]
        assert checks, f"{route.path} checks no role"
        if "GET" not in route.methods:
            # binding a customer is the API's bindings: a change to a member
            wanted = "members:write" if route.path.endswith("/customers") else "distribution:manage"
            assert checks[0].permission == wanted, route.path
            continue
        path = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], route.path)
        for lang in ("zh-CN", "en"):
            r = await client.get(path, params={"lang": lang})
            if allowed(role, checks[0].permission):
                assert r.status_code == 200, (role, path, r.status_code)
                assert r.text.count("<h1") == 1, path
            else:
                assert r.status_code == 403 and (
                    "你的角色不允许" in r.text or "Your role does not allow" in r.text
                )
            walked += 1
    # distributors, a distributor, withdrawals, plans, a plan, levels, a level, settings
    assert walked == 2 * 8


async def test_an_operator_binds_customers_to_a_distributor_and_the_first_binding_stays(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    await plan(engine, tenant, [1000])
    first, second = [
        (await appoint(engine, tenant, await member(engine, tenant, f"1380000{i:04d}"))).id for i in range(2)
    ]
    customers = [await member(engine, tenant, f"1390000{i:04d}") for i in range(3)]
    await member(engine, other_tenant, "13700000000")
    await _as(client, engine, tenant)
    page = f"/console/distribution/distributors/{first}"
    for i in range(2):
        r = await _post(client, f"{page}/customers", {"customer_phone": f"1390000{i:04d}"}, page)
        assert r.status_code == 303 and r.headers["location"].endswith("?done=bound")
    again = await _post(client, f"{page}/customers", {"customer_phone": "13900000000"}, page)
    assert again.status_code == 303  # bound to the same one: nothing new
    moved = await _post(
        client,
        f"/console/distribution/distributors/{second}/customers",
        {"customer_phone": "13900000001"},
        page,
    )
    assert moved.status_code == 409
    assert _field_error(moved.text, "customer_phone") == ERROR_WORDS["already_bound"]["zh-CN"]
    theirs = await _post(client, f"{page}/customers", {"customer_phone": "13700000000"}, page)
    assert theirs.status_code == 404
    # The binding pays: an order of a bound customer commissions the first distributor.
    await order(engine, tenant, customers[1], 10_000)
    assert (await dist(engine, first)).pending_cents == 1000
    assert (await dist(engine, second)).pending_cents == 0
    await client.post("/console/logout")
    client.cookies.clear()
    await _as(client, engine, tenant, "analyst")
    refused = await _post(client, f"{page}/customers", {"customer_phone": "13900000002"}, page)
    assert refused.status_code == 403
