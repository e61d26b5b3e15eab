"""设置 Settings in the console: the workspace's profile and link domains, console users
and invitations, API keys, the shop webhook's secret and the PII key status. Each action
writes what the API would (read back through the API or the database), a refused form
writes nothing and says why beside the field, roles without the API's permission get
the 403 page, another workspace's ids are refused, and secrets are shown once."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.factories import api_member
from tests.web import browser
from yutang.commerce import service as commerce_service
from yutang.config import Settings
from yutang.kit import crypto
from yutang.kit.db import unit_of_work
from yutang.links.redirect import RedirectApp
from yutang.models.links import LinkDomain
from yutang.models.workspaces import ApiKey, Workspace, WorkspaceInvitation, WorkspaceMember
from yutang.web.i18n.errors import ERROR_WORDS
from yutang.web.i18n.pages.settings import STRINGS

TABS = (
    "/console/settings",
    "/console/settings/users",
    "/console/settings/keys",
    "/console/settings/webhook",
    "/console/settings/pii",
)


async def _as(client: httpx.AsyncClient, engine: AsyncEngine, tenant: Tenant, role: str) -> int:
    """Sign in as a user with ``role`` in the tenant's workspace; their id."""
    email = f"{role}@{tenant.slug}.example"
    user_id = await browser.make_user(engine, tenant.id, email, role)
    assert (await browser.login(client, email)).status_code == 303
    return user_id


async def _submit(client: httpx.AsyncClient, path: str, data: dict[str, Any], page: str) -> httpx.Response:
    return await browser.post(client, path, data, page=page)


def _field_error(html: str, name: str) -> str:
    found = re.search(rf'id="e-{re.escape(name)}"[^>]*>([^<]+)<', html)
    assert found, f"no error beside {name}"
    return found.group(1)


def _words(key: str, lang: str = "zh-CN") -> str:
    return STRINGS[key][lang]


async def _count(engine: AsyncEngine, model: Any, *where: Any) -> int:
    async with unit_of_work(readonly=True, engine=engine) as s:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


# --- profile and link domains -------------------------------------------------------------


async def test_an_owner_renames_the_workspace_moves_its_zone_and_adds_a_domain(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _as(client, engine, tenant, "owner")
    page = await client.get("/console/settings")
    assert page.status_code == 200
    options = re.findall(r'<option value="([^"]+)"', page.text)
    assert options[0] == "Asia/Shanghai" and "Europe/Paris" in options
    assert "北京时间（中国大陆） · Asia/Shanghai · UTC+08:00" in page.text
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d CST", page.text)  # the local time, zone shown

    saved = await _submit(
        client,
        "/console/settings/profile",
        {"name": "山茶花护肤", "timezone": "Europe/Paris"},
        "/console/settings",
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/console/settings?done=saved"
    api = (await client.get("/api/v1/workspace", headers=tenant.headers)).json()
    assert (api["name"], api["timezone"]) == ("山茶花护肤", "Europe/Paris")
    page = await client.get("/console/settings?done=saved")
    assert _words("st_done_saved") in page.text and "巴黎 · Europe/Paris" in page.text
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d CES?T", page.text)  # times now in Paris

    added = await _submit(
        client,
        "/console/settings/domains",
        {"host": "S.Camellia.CN", "https": "on", "is_default": "on"},
        "/console/settings",
    )
    assert added.status_code == 303 and added.headers["location"] == "/console/settings?done=domain_added"
    domains = (await client.get("/api/v1/link-domains", headers=tenant.headers)).json()["data"]
    assert {(d["host"], d["is_default"], d["https"]) for d in domains} == {
        (tenant.host, False, False),
        ("s.camellia.cn", True, True),
    }
    listed = await client.get("/console/settings")
    assert "https://s.camellia.cn/…" in listed.text and "http://go.acme.test/…" in listed.text
    plain = await _submit(client, "/console/settings/domains", {"host": "t.camellia.cn"}, "/console/settings")
    assert plain.status_code == 303
    domains = (await client.get("/api/v1/link-domains", headers=tenant.headers)).json()["data"]
    assert [(d["is_default"], d["https"]) for d in domains if d["host"] == "t.camellia.cn"] == [
        (False, False)
    ]


async def test_refused_profile_and_domain_forms_keep_nothing_and_say_why(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    await _as(client, engine, tenant, "owner")
    empty = await _submit(
        client, "/console/settings/profile", {"name": " ", "timezone": "Europe/Paris"}, "/console/settings"
    )
    assert empty.status_code == 422 and _field_error(empty.text, "name") == "此项不能为空"
    mars = await _submit(
        client,
        "/console/settings/profile",
        {"name": "新名字", "timezone": "Mars/Olympus"},
        "/console/settings",
    )
    assert mars.status_code == 422 and _field_error(mars.text, "timezone") == "内容不正确"
    assert 'value="新名字"' in mars.text  # what was typed stays
    api = (await client.get("/api/v1/workspace", headers=tenant.headers)).json()
    assert (api["name"], api["timezone"]) == ("Acme", "Asia/Shanghai")

    bad = await _submit(client, "/console/settings/domains", {"host": "not a host!"}, "/console/settings")
    assert bad.status_code == 400
    assert _field_error(bad.text, "host") == ERROR_WORDS["invalid_host"]["zh-CN"]
    taken = await _submit(
        client,
        "/console/settings/domains?lang=en",
        {"host": other_tenant.host, "is_default": "on"},
        "/console/settings",
    )
    assert taken.status_code == 409
    assert _field_error(taken.text, "host") == ERROR_WORDS["domain_taken"]["en"]
    assert 'id="e-name"' not in taken.text  # the profile form is not blamed
    async with unit_of_work(readonly=True, engine=engine) as s:
        mine = (await s.scalars(select(LinkDomain).where(LinkDomain.workspace_id == tenant.id))).all()
    assert [(d.host, d.is_default) for d in mine] == [(tenant.host, True)]


@pytest.mark.parametrize("role", ["admin", "operator", "staff", "analyst"])
async def test_only_owners_change_the_profile_and_only_admins_add_domains(
    role: str, client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _as(client, engine, tenant, role)
    page = await client.get("/console/settings")
    assert page.status_code == 200 and "go.acme.test" in page.text  # everyone reads it
    assert 'action="/console/settings/profile"' not in page.text
    assert ('action="/console/settings/domains"' in page.text) is (role == "admin")
    r = await _submit(
        client, "/console/settings/profile", {"name": "x", "timezone": "UTC"}, "/console/settings"
    )
    assert r.status_code == 403 and "你的角色不允许" in r.text
    r = await _submit(client, "/console/settings/domains", {"host": "x.acme.test"}, "/console/settings")
    assert r.status_code == (303 if role == "admin" else 403)
    api = (await client.get("/api/v1/workspace", headers=tenant.headers)).json()
    assert (api["name"], api["timezone"]) == ("Acme", "Asia/Shanghai")
    assert await _count(engine, LinkDomain, LinkDomain.workspace_id == tenant.id) == (
        2 if role == "admin" else 1
    )
    # The tabs a role may not open are not offered, and refused when asked for.
    for path in TABS[1:4]:
        assert (f'href="{path}"' in page.text) is (role == "admin")
        assert (await client.get(path)).status_code == (200 if role == "admin" else 403)


# --- users, roles and invitations -------------------------------------------------------------


async def test_an_invitation_is_made_shown_once_listed_and_revoked(
    client: httpx.AsyncClient, app: RedirectApp, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _as(client, engine, tenant, "admin")
    r = await _submit(
        client,
        "/console/settings/users/invite",
        {"email": " Li.Lei@Brand.CN ", "name": "李雷", "role": "operator"},
        "/console/settings/users",
    )
    assert r.status_code == 200 and _words("st_accept_url_once") in r.text
    url = re.search(r'id="accept-url"[^>]*value="([^"]+)"', r.text)
    assert url and url.group(1).startswith("http://api.test/console/invitations/")
    token = url.group(1).rsplit("/", 1)[1]
    async with unit_of_work(readonly=True, engine=engine) as s:
        inv = (await s.scalars(select(WorkspaceInvitation))).one()
    assert inv.token_hash == hashlib.sha256(token.encode()).hexdigest()
    async with engine.connect() as conn:
        dump = " ".join(
            str(row) for row in (await conn.execute(text("SELECT * FROM workspace_invitations"))).all()
        )
    assert token not in dump
    api = (await client.get("/api/v1/invitations", headers=tenant.headers)).json()["data"]
    assert [(i["email"], i["name"], i["role"], i["status"]) for i in api] == [
        ("li.lei@brand.cn", "李雷", "operator", "pending")
    ]
    page = await client.get("/console/settings/users")
    assert token not in page.text and "li.lei@brand.cn" in page.text and "待接受" in page.text
    async with browser.browser(app) as stranger:
        assert (await stranger.get(f"/console/invitations/{token}")).status_code == 200

    assert (
        f'data-confirm="{_words("st_confirm_revoke_invitation").replace("{email}", "li.lei@brand.cn")}"'
        in page.text
    )
    revoked = await _submit(
        client,
        "/console/settings/invitations/revoke",
        {"invitation_id": str(inv.id)},
        "/console/settings/users",
    )
    assert revoked.status_code == 303
    api = (await client.get("/api/v1/invitations", headers=tenant.headers)).json()["data"]
    assert api[0]["status"] == "revoked"
    async with browser.browser(app) as stranger:
        assert (await stranger.get(f"/console/invitations/{token}")).status_code == 404


async def test_refused_invitations_write_nothing(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    await _as(client, engine, tenant, "admin")
    bad = await _submit(
        client,
        "/console/settings/users/invite",
        {"email": "nobody", "role": "operator"},
        "/console/settings/users",
    )
    assert (
        bad.status_code == 422 and _field_error(bad.text, "email") == ERROR_WORDS["validation_error"]["zh-CN"]
    )
    assert 'value="nobody"' in bad.text and _words("st_accept_url_once") not in bad.text
    above = await _submit(
        client,
        "/console/settings/users/invite?lang=en",
        {"email": "boss@brand.cn", "role": "owner"},
        "/console/settings/users",
    )
    assert above.status_code == 403 and _field_error(above.text, "role") == ERROR_WORDS["forbidden"]["en"]
    page = await client.get("/console/settings/users")
    roles = re.search(r'<select id="f-role" name="role"[^>]*>(.*?)</select>', page.text, re.S)
    assert roles and 'value="owner"' not in roles.group(1)  # not offered either
    assert await _count(engine, WorkspaceInvitation) == 0

    theirs = await client.post(
        "/api/v1/invitations", json={"email": "x@globex.example"}, headers=other_tenant.headers
    )
    refused = await _submit(
        client,
        "/console/settings/invitations/revoke",
        {"invitation_id": str(theirs.json()["id"])},
        "/console/settings/users",
    )
    assert refused.status_code == 404
    api = (await client.get("/api/v1/invitations", headers=other_tenant.headers)).json()["data"]
    assert api[0]["status"] == "pending"


async def test_roles_change_and_users_leave_by_the_apis_rules(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    owner_id = await browser.make_user(engine, tenant.id, "owner@acme.example", "owner")
    op_id = await browser.make_user(engine, tenant.id, "op@acme.example", "operator")
    stranger_id = await browser.make_user(engine, other_tenant.id, "x@globex.example", "operator")
    admin_id = await _as(client, engine, tenant, "admin")

    page = await client.get("/console/settings/users")
    assert page.status_code == 200
    assert (
        f'id="role-{op_id}"' in page.text and f'id="role-{owner_id}"' not in page.text
    )  # admins leave owners be
    promoted = await _submit(
        client,
        "/console/settings/users/role",
        {"user_id": str(op_id), "role": "admin"},
        "/console/settings/users",
    )
    assert promoted.status_code == 303
    users = {
        u["id"]: u["role"] for u in (await client.get("/api/v1/users", headers=tenant.headers)).json()["data"]
    }
    assert users == {owner_id: "owner", op_id: "admin", admin_id: "admin"}

    for data, status in (
        ({"user_id": str(owner_id), "role": "analyst"}, 403),  # only owners touch owners
        ({"user_id": str(op_id), "role": "owner"}, 403),  # nobody grants above their own
        ({"user_id": str(op_id), "role": "king"}, 422),
    ):
        r = await _submit(client, "/console/settings/users/role", data, "/console/settings/users")
        assert r.status_code == status, data
        assert _field_error(r.text, f"user-{data['user_id']}")
    r = await _submit(
        client, "/console/settings/users/remove", {"user_id": str(owner_id)}, "/console/settings/users"
    )
    assert (
        r.status_code == 403 and _field_error(r.text, f"user-{owner_id}") == ERROR_WORDS["forbidden"]["zh-CN"]
    )
    for path in ("/console/settings/users/role", "/console/settings/users/remove"):
        r = await _submit(
            client, path, {"user_id": str(stranger_id), "role": "analyst"}, "/console/settings/users"
        )
        assert r.status_code == 404, path
    for bad_id in ("", "abc", "0"):
        r = await _submit(
            client, "/console/settings/users/remove", {"user_id": bad_id}, "/console/settings/users"
        )
        assert r.status_code == 404
    after = {
        u["id"]: u["role"] for u in (await client.get("/api/v1/users", headers=tenant.headers)).json()["data"]
    }
    assert after == users
    theirs = (await client.get("/api/v1/users", headers=other_tenant.headers)).json()["data"]
    assert [(u["id"], u["role"]) for u in theirs] == [(stranger_id, "operator")]

    assert f'data-confirm="{_words("st_confirm_remove").replace("{email}", "op@acme.example")}"' in page.text
    removed = await _submit(
        client, "/console/settings/users/remove", {"user_id": str(op_id)}, "/console/settings/users"
    )
    assert removed.status_code == 303 and removed.headers["location"].endswith("done=user_removed")
    left = {u["id"] for u in (await client.get("/api/v1/users", headers=tenant.headers)).json()["data"]}
    assert left == {owner_id, admin_id}


async def test_the_last_owner_stays_an_owner(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    me = await _as(client, engine, tenant, "owner")
    for path in ("/console/settings/users/role", "/console/settings/users/remove"):
        r = await _submit(client, path, {"user_id": str(me), "role": "admin"}, "/console/settings/users")
        assert r.status_code == 409, path
        assert _field_error(r.text, f"user-{me}") == ERROR_WORDS["last_owner"]["zh-CN"]
    assert (
        await _count(engine, WorkspaceMember, WorkspaceMember.user_id == me, WorkspaceMember.role == "owner")
        == 1
    )
    second = await browser.make_user(engine, tenant.id, "second@acme.example", "owner")
    demoted = await _submit(
        client,
        "/console/settings/users/role",
        {"user_id": str(second), "role": "admin"},
        "/console/settings/users",
    )
    assert demoted.status_code == 303
    users = {
        u["id"]: u["role"] for u in (await client.get("/api/v1/users", headers=tenant.headers)).json()["data"]
    }
    assert users == {me: "owner", second: "admin"}


# --- API keys ------------------------------------------------------------------------------


async def test_an_api_key_is_shown_once_stored_hashed_and_revoked(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _as(client, engine, tenant, "admin")
    made = await _submit(
        client,
        "/console/settings/keys?lang=en",
        {"name": "有赞商城同步", "role": "operator"},
        "/console/settings/keys",
    )
    assert made.status_code == 200
    assert _words("st_key_once", "en") in made.text and "will not be shown again" in made.text
    found = re.search(r'id="new-secret"[^>]*value="(yt_[^"]+)"', made.text)
    assert found
    secret = found.group(1)
    assert made.text.count(secret) == 1
    async with unit_of_work(readonly=True, engine=engine) as s:
        key = (await s.scalars(select(ApiKey).where(ApiKey.name == "有赞商城同步"))).one()
    assert (key.role, key.key_hash, key.workspace_id) == (
        "operator",
        hashlib.sha256(secret.encode()).hexdigest(),
        tenant.id,
    )
    async with engine.connect() as conn:
        dump = " ".join(str(row) for row in (await conn.execute(text("SELECT * FROM api_keys"))).all())
    assert secret not in dump
    listed = await client.get("/console/settings/keys")
    assert secret not in listed.text, listed.text[listed.text.find(secret) - 300 :]
    assert "有赞商城同步" in listed.text and _words("st_never_used", "en") in listed.text
    headers = {"Authorization": f"Bearer {secret}"}
    assert (await client.get("/api/v1/links", headers=headers)).status_code == 200
    listed = await client.get("/console/settings/keys")
    assert _words("st_never_used", "en") not in listed.text.split("有赞商城同步", 1)[1].split("</tr>", 1)[0]

    assert (
        f'data-confirm="{_words("st_confirm_revoke_key", "en").replace("{name}", "有赞商城同步")}"'
        in listed.text
    )
    revoked = await _submit(
        client, "/console/settings/keys/revoke", {"key_id": str(key.id)}, "/console/settings/keys"
    )
    assert revoked.status_code == 303
    assert (await client.get("/api/v1/links", headers=headers)).status_code == 401
    api = (await client.get("/api/v1/api-keys", headers=tenant.headers)).json()["data"]
    assert [k["revoked_at"] is not None for k in api if k["id"] == key.id] == [True]
    page = await client.get("/console/settings/keys")
    assert _words("st_revoked_at", "en") in page.text


async def test_refused_keys_write_nothing_and_another_workspaces_key_stays(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    await _as(client, engine, tenant, "admin")
    before = await _count(engine, ApiKey)
    empty = await _submit(
        client, "/console/settings/keys", {"name": "", "role": "operator"}, "/console/settings/keys"
    )
    assert empty.status_code == 422 and _field_error(empty.text, "name") == "此项不能为空"
    above = await _submit(
        client, "/console/settings/keys", {"name": "x", "role": "owner"}, "/console/settings/keys"
    )
    assert above.status_code == 403 and _field_error(above.text, "role") == ERROR_WORDS["forbidden"]["zh-CN"]
    assert 'id="new-secret"' not in above.text
    assert await _count(engine, ApiKey) == before
    async with unit_of_work(readonly=True, engine=engine) as s:
        theirs = (await s.scalars(select(ApiKey).where(ApiKey.workspace_id == other_tenant.id))).one()
    r = await _submit(
        client, "/console/settings/keys/revoke", {"key_id": str(theirs.id)}, "/console/settings/keys"
    )
    assert r.status_code == 404
    assert (await client.get("/api/v1/links", headers=other_tenant.headers)).status_code == 200


async def test_many_keys_are_paged(client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine) -> None:
    for i in range(55):
        await client.post("/api/v1/api-keys", json={"name": f"key {i:02d}"}, headers=tenant.headers)
    await _as(client, engine, tenant, "owner")
    first = await client.get("/console/settings/keys")
    assert "key 54" in first.text and "key 05" in first.text and "key 04" not in first.text
    nxt = re.search(r'href="(/console/settings/keys\?cursor=[^"]+)"', first.text)
    assert nxt
    second = await client.get(nxt.group(1))
    assert "key 04" in second.text and "key 05" not in second.text and "acme key" in second.text


@pytest.mark.parametrize("role", ["operator", "staff", "analyst"])
async def test_roles_without_the_permission_are_refused_every_write(
    role: str, client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    target = await browser.make_user(engine, tenant.id, "someone@acme.example", "analyst")
    await _as(client, engine, tenant, role)
    keys, invitations = await _count(engine, ApiKey), await _count(engine, WorkspaceInvitation)
    for path, data in (
        ("/console/settings/users/invite", {"email": "a@b.cn", "role": "analyst"}),
        ("/console/settings/users/role", {"user_id": str(target), "role": "staff"}),
        ("/console/settings/users/remove", {"user_id": str(target)}),
        ("/console/settings/invitations/revoke", {"invitation_id": "1"}),
        ("/console/settings/keys", {"name": "x", "role": "analyst"}),
        ("/console/settings/keys/revoke", {"key_id": "1"}),
        ("/console/settings/webhook", {}),
    ):
        r = await _submit(client, path, data, "/console/settings")
        assert r.status_code == 403 and "你的角色不允许" in r.text, path
    assert (await _count(engine, ApiKey), await _count(engine, WorkspaceInvitation)) == (keys, invitations)
    users = {
        u["email"]: u["role"]
        for u in (await client.get("/api/v1/users", headers=tenant.headers)).json()["data"]
    }
    assert users["someone@acme.example"] == "analyst"
    async with unit_of_work(readonly=True, engine=engine) as s:
        assert (await s.get(Workspace, tenant.id)).shop_webhook_secret_sealed is None  # type: ignore[union-attr]


# --- the shop webhook ----------------------------------------------------------------------------


async def test_the_webhook_secret_is_set_shown_once_and_rotated(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _as(client, engine, tenant, "admin")
    page = await client.get("/console/settings/webhook")
    assert (
        _words("st_secret_not_set") in page.text and "http://api.test/api/v1/webhooks/shop/acme" in page.text
    )
    assert "data-confirm" not in page.text.split('action="/console/settings/webhook"', 1)[1].split(">", 1)[0]

    async def secret_of(response: httpx.Response) -> str:
        found = re.search(r'id="new-secret"[^>]*value="(whsec_[^"]+)"', response.text)
        assert found, "no secret shown"
        return found.group(1)

    body = json.dumps({"type": "order.paid", "order": {"external_id": "T1"}}).encode()

    async def hook(secret: str) -> int:
        headers = {
            "X-Yutang-Signature": commerce_service.sign(secret, body, int(time.time())),
            "Content-Type": "application/json",
        }
        return (await client.post("/api/v1/webhooks/shop/acme", content=body, headers=headers)).status_code

    made = await _submit(client, "/console/settings/webhook", {}, "/console/settings/webhook")
    assert made.status_code == 200 and _words("st_secret_once") in made.text
    first = await secret_of(made)
    assert await hook(first) == 422  # the signature passed; the order itself is incomplete
    async with unit_of_work(readonly=True, engine=engine) as s:
        sealed = (await s.get(Workspace, tenant.id)).shop_webhook_secret_sealed  # type: ignore[union-attr]
    assert sealed and first not in sealed
    page = await client.get("/console/settings/webhook")
    assert first not in page.text and _words("st_secret_set") in page.text
    assert f'data-confirm="{_words("st_confirm_rotate")}"' in page.text

    rotated = await _submit(client, "/console/settings/webhook", {}, "/console/settings/webhook")
    second = await secret_of(rotated)
    assert second != first and await hook(second) == 422 and await hook(first) == 401


# --- PII key status --------------------------------------------------------------------------------


@pytest.fixture
def restore_keys() -> Iterator[None]:
    yield
    crypto.configure(Settings(secret_key="test-secret"))


async def test_the_pii_page_tells_the_key_and_what_waits_for_rotation(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine, restore_keys: None
) -> None:
    old, new = crypto.new_key_spec("old"), crypto.new_key_spec("new")
    crypto.configure(Settings(secret_key="test-secret", pii_keys=old))
    await api_member(client, tenant, phone="13800138000", name="张三")
    await api_member(client, other_tenant, phone="13900139000", name="李四")
    await client.post("/api/v1/webhooks/shop/secret", headers=tenant.headers)
    await _as(client, engine, tenant, "analyst")  # reading it is workspace:read
    page = await client.get("/console/settings/pii")
    assert (
        page.status_code == 200 and "<code>old</code>" in page.text and _words("st_pii_current") in page.text
    )
    assert old.split(":", 1)[1] not in page.text  # never the key itself

    crypto.configure(Settings(secret_key="test-secret", pii_keys=f"{new},{old}"))
    page = await client.get("/console/settings/pii?lang=en")
    pending = _words("st_pii_pending", "en").replace("{n}", "3")  # name, phone, webhook secret
    assert pending in page.text and "<code>new</code>, <code>old</code>" in page.text
    cells = re.findall(r'<td class="n">([^<]+)</td>', page.text)
    assert cells == ["1", "1", "1"]

    await api_member(client, tenant, phone="13700137000", name="王五")  # sealed with the new key
    page = await client.get("/console/settings/pii?lang=en")
    assert _words("st_pii_pending", "en").replace("{n}", "3") in page.text


# --- both languages ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_every_tab_renders_in_both_languages(
    lang: str, client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await client.post(
        "/api/v1/invitations", json={"email": "a@brand.cn", "role": "staff"}, headers=tenant.headers
    )
    await client.post("/api/v1/api-keys", json={"name": "同步", "role": "analyst"}, headers=tenant.headers)
    await _as(client, engine, tenant, "owner")
    for path in TABS:
        r = await client.get(path, params={"lang": lang})
        assert r.status_code == 200, path
        assert r.text.count("<h1>") == 1 and f'<html lang="{lang}">' in r.text
        assert 'aria-current="page"' in r.text
        for control in re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', r.text):
            assert f'for="{control}"' in r.text, (path, control)
    users = await client.get("/console/settings/users", params={"lang": lang})
    assert ("导购" if lang == "zh-CN" else "Staff") in users.text
    assert ("待接受" if lang == "zh-CN" else "Pending") in users.text
