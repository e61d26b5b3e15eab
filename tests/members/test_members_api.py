"""Members through the API: joining, de-duplication, PII at rest, masking, tags, DSR."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, add_key
from yutang.kit.db import unit_of_work
from yutang.members.identities import id_check_char
from yutang.models.links import Click
from yutang.models.members import Member, MemberIdentity

ID17 = "11010519491231002"
ID_NUMBER = ID17 + id_check_char(ID17)
PHONE = "13800138000"


def member_body(**extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "phone": "+86 138-0013-8000",
        "email": "Zhang.San@Example.com",
        "name": "张三",
        "gender": "male",
        "birthday": "1990-05-17",
        "address": {"province": "浙江省", "city": "杭州市", "district": "西湖区", "detail": "文三路 90 号"},
        "id_number": ID_NUMBER,
        "attributes": {"skin_type": "dry", "followers": 12000},
        "tags": ["life stage/new parent", "interest/skincare"],
        "consents": {"marketing": True},
    }
    body.update(extra)
    return body


async def count(engine: AsyncEngine, model: type) -> int:
    async with unit_of_work(readonly=True, engine=engine) as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def test_create_member_and_read_back(client: httpx.AsyncClient, tenant: Tenant):
    r = await client.post("/api/v1/members", json=member_body(), headers=tenant.headers)
    assert r.status_code == 201, r.text
    m = r.json()
    assert m["phone"] == PHONE  # normalised: +86, spaces and dashes dropped
    assert m["email"] == "zhang.san@example.com"
    assert m["name"] == "张三"
    assert m["id_number"] == ID_NUMBER
    assert m["address"]["detail"] == "文三路 90 号"
    assert m["pii_visible"] is True  # an owner key
    assert sorted(f"{t['group']}/{t['name']}" for t in m["tags"]) == [
        "interest/skincare",
        "life stage/new parent",
    ]
    assert m["consents"]["marketing"]["granted"] is True
    got = await client.get(f"/api/v1/members/{m['id']}", headers=tenant.headers)
    assert got.json() == m


async def test_pii_is_not_in_the_database_in_clear(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
):
    r = await client.post("/api/v1/members", json=member_body(), headers=tenant.headers)
    assert r.status_code == 201
    async with engine.connect() as conn:
        rows = []
        for table in ("members", "member_identities", "audit_log", "outbox_events"):
            rows += [
                " ".join(str(v) for v in row)
                for row in (await conn.execute(text(f"SELECT * FROM {table}"))).all()
            ]
    dump = "\n".join(rows)
    for secret in (PHONE, "8000", "张三", "文三路", ID_NUMBER, "zhang.san", "example.com"):
        assert secret not in dump, secret
    # …while the values do open with the key.
    assert "v1.k0." in dump


async def test_lookup_by_identity_in_any_format(client: httpx.AsyncClient, tenant: Tenant):
    created = (await client.post("/api/v1/members", json=member_body(), headers=tenant.headers)).json()
    for kind, value in [
        ("phone", "13800138000"),
        ("phone", "0086 13800138000"),
        ("email", "ZHANG.san@example.com"),
    ]:
        r = await client.get(
            "/api/v1/members/lookup", params={"kind": kind, "value": value}, headers=tenant.headers
        )
        assert r.status_code == 200, (kind, value, r.text)
        assert r.json()["id"] == created["id"]
    r = await client.get(
        "/api/v1/members/lookup", params={"kind": "phone", "value": "13900000000"}, headers=tenant.headers
    )
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_member"


async def test_operators_see_pii_masked(client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine):
    created = (await client.post("/api/v1/members", json=member_body(), headers=tenant.headers)).json()
    operator = await add_key(engine, tenant, "operator")
    m = (await client.get(f"/api/v1/members/{created['id']}", headers=operator)).json()
    assert m["pii_visible"] is False
    assert m["phone"] == "138****8000"
    assert m["name"] == "张*"
    assert m["id_number"] == ID_NUMBER[:4] + "*" * 10 + ID_NUMBER[-4:]
    assert m["address"] == {
        "province": "浙江省",
        "city": "杭州市",
        "district": None,
        "detail": None,
        "postcode": None,
    }
    assert m["email"] == "z***@example.com"
    r = await client.get(f"/api/v1/members/{created['id']}/export", headers=operator)
    assert r.status_code == 403


async def test_duplicate_identity_is_refused_and_nothing_written(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
):
    await client.post("/api/v1/members", json=member_body(), headers=tenant.headers)
    before = (await count(engine, Member), await count(engine, MemberIdentity))
    r = await client.post(
        "/api/v1/members", json={"phone": "13800138000", "openid": "oABC123456789"}, headers=tenant.headers
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "identity_taken"
    assert (await count(engine, Member), await count(engine, MemberIdentity)) == before


async def test_join_merges_into_the_existing_member(client: httpx.AsyncClient, tenant: Tenant):
    first = (await client.post("/api/v1/members", json={"phone": PHONE}, headers=tenant.headers)).json()
    r = await client.post(
        "/api/v1/members/join",
        json={"phone": PHONE, "openid": "oWx_1234567890", "name": "张三", "tags": ["source/poster"]},
        headers=tenant.headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["created"] is False
    assert body["member"]["id"] == first["id"]
    assert body["member"]["identities"]["openid"] == "oWx_1234567890"
    assert body["member"]["name"] == "张三"
    # A second join with the same data changes nothing more.
    again = await client.post(
        "/api/v1/members/join", json={"phone": PHONE, "name": "别名"}, headers=tenant.headers
    )
    assert again.json()["member"]["name"] == "张三"  # known fields are not overwritten
    new = await client.post("/api/v1/members/join", json={"email": "new@x.cn"}, headers=tenant.headers)
    assert new.status_code == 201 and new.json()["created"] is True


async def test_join_with_identities_of_two_members_is_a_conflict(client: httpx.AsyncClient, tenant: Tenant):
    await client.post("/api/v1/members", json={"phone": PHONE}, headers=tenant.headers)
    await client.post("/api/v1/members", json={"email": "b@x.cn"}, headers=tenant.headers)
    r = await client.post(
        "/api/v1/members/join", json={"phone": PHONE, "email": "b@x.cn"}, headers=tenant.headers
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "identity_conflict"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "identity_required"),
        ({"phone": "12345"}, "invalid_identity"),
        ({"email": "not-an-email"}, "invalid_identity"),
        ({"openid": "x y"}, "invalid_identity"),
        ({"phone": PHONE, "id_number": ID17 + ("0" if ID_NUMBER[-1] != "0" else "1")}, "invalid_id_number"),
        ({"phone": PHONE, "id_number": "110105194913310021"}, "invalid_id_number"),
        ({"phone": PHONE, "source_channel_id": 999999}, "unknown_channel"),
        ({"phone": PHONE, "tags": ["no-slash"]}, "invalid_tag"),
        ({"phone": PHONE, "tags": [424242]}, "unknown_tag"),
    ],
)
async def test_bad_member_input(client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine, body, code):
    r = await client.post("/api/v1/members", json=body, headers=tenant.headers)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == code
    assert await count(engine, Member) == 0
    assert await count(engine, MemberIdentity) == 0


async def test_tags_exclusive_groups_and_filter(client: httpx.AsyncClient, tenant: Tenant):
    g = await client.post(
        "/api/v1/tag-groups", json={"name": "stage", "exclusive": True}, headers=tenant.headers
    )
    assert g.status_code == 201
    a = (
        await client.post(
            "/api/v1/members", json={"phone": PHONE, "tags": ["stage/new"]}, headers=tenant.headers
        )
    ).json()
    b = (await client.post("/api/v1/members", json={"phone": "13900139000"}, headers=tenant.headers)).json()
    r = await client.post(
        f"/api/v1/members/{a['id']}/tags", json={"add": ["stage/loyal", "hobby/tea"]}, headers=tenant.headers
    )
    names = sorted(f"{t['group']}/{t['name']}" for t in r.json()["tags"])
    assert names == ["hobby/tea", "stage/loyal"]  # "stage/new" left: the group is exclusive
    groups = (await client.get("/api/v1/tag-groups", headers=tenant.headers)).json()["data"]
    tea = next(t for grp in groups for t in grp["tags"] if t["name"] == "tea")
    listed = (
        await client.get("/api/v1/members", params={"tag_id": tea["id"]}, headers=tenant.headers)
    ).json()
    assert [m["id"] for m in listed["data"]] == [a["id"]]
    await client.post(f"/api/v1/members/{a['id']}/tags", json={"remove": [tea["id"]]}, headers=tenant.headers)
    listed = (
        await client.get("/api/v1/members", params={"tag_id": tea["id"]}, headers=tenant.headers)
    ).json()
    assert listed["data"] == []
    everyone = (await client.get("/api/v1/members", headers=tenant.headers)).json()
    assert [m["id"] for m in everyone["data"]] == [b["id"], a["id"]]


async def test_pagination(client: httpx.AsyncClient, tenant: Tenant):
    ids = []
    for i in range(5):
        ids.append(
            (
                await client.post("/api/v1/members", json={"customer_id": f"C{i}"}, headers=tenant.headers)
            ).json()["id"]
        )
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/members", params=params, headers=tenant.headers)).json()
        seen += [m["id"] for m in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)


async def test_joining_from_a_link_attributes_channel_and_first_link(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
):
    ch = (
        await client.post(
            "/api/v1/channels", json={"name": "快递卡", "type": "package_card"}, headers=tenant.headers
        )
    ).json()
    link = (
        await client.post(
            "/api/v1/links",
            json={"url": "https://shop.example/", "channel_id": ch["id"]},
            headers=tenant.headers,
        )
    ).json()
    async with unit_of_work(engine=engine) as s:
        for at, bot in (
            (datetime(2026, 11, 1, tzinfo=UTC), True),
            (datetime(2026, 11, 2, tzinfo=UTC), False),
        ):
            s.add(
                Click(
                    workspace_id=tenant.id,
                    link_id=link["id"],
                    channel_id=ch["id"],
                    occurred_at=at,
                    visitor_id="v" * 22,
                    is_bot=bot,
                )
            )
    r = await client.post(
        "/api/v1/members/join", json={"phone": PHONE, "visitor_id": "v" * 22}, headers=tenant.headers
    )
    m = r.json()["member"]
    assert m["source_channel_id"] == ch["id"]
    assert m["first_link_id"] == link["id"]


async def test_update_member(client: httpx.AsyncClient, tenant: Tenant):
    m = (await client.post("/api/v1/members", json=member_body(), headers=tenant.headers)).json()
    r = await client.patch(
        f"/api/v1/members/{m['id']}",
        json={
            "name": "张小三",
            "attributes": {"skin_type": None, "size": "M"},
            "status": "blocked",
            "identities": {"email": None, "unionid": "uABCDEF123456"},
        },
        headers=tenant.headers,
    )
    assert r.status_code == 200, r.text
    u = r.json()
    assert u["name"] == "张小三"
    assert u["attributes"] == {"followers": 12000, "size": "M"}
    assert u["status"] == "blocked"
    assert "email" not in u["identities"] and u["identities"]["unionid"] == "uABCDEF123456"
    other = (
        await client.post("/api/v1/members", json={"phone": "13900139000"}, headers=tenant.headers)
    ).json()
    r = await client.patch(
        f"/api/v1/members/{other['id']}",
        json={"identities": {"unionid": "uABCDEF123456"}},
        headers=tenant.headers,
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "identity_taken"


async def test_export_and_erase(client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine):
    m = (await client.post("/api/v1/members", json=member_body(), headers=tenant.headers)).json()
    await client.post(
        "/api/v1/orders",
        json={
            "external_id": "T1",
            "member_id": m["id"],
            "paid_at": "2026-11-20T10:00:00+08:00",
            "items": [{"product_id": "P1", "quantity": 2, "price_cents": 5000}],
        },
        headers=tenant.headers,
    )
    await client.post(
        f"/api/v1/members/{m['id']}/points/adjust",
        json={"delta": 100, "reason": "welcome"},
        headers=tenant.headers,
    )
    export = (await client.get(f"/api/v1/members/{m['id']}/export", headers=tenant.headers)).json()
    assert export["member"]["name"] == "张三"
    assert export["member"]["identities"]["phone"] == PHONE
    assert export["member"]["id_number"] == ID_NUMBER
    assert [o["external_id"] for o in export["orders"]] == ["T1"]
    assert export["orders"][0]["items"][0]["quantity"] == 2
    assert [e["amount"] for e in export["points_entries"]] == [100]

    r = await client.post(f"/api/v1/members/{m['id']}/erase", headers=tenant.headers)
    assert r.status_code == 200
    erased = r.json()
    assert erased["status"] == "erased"
    assert erased["name"] is None and erased["identities"] == {} and erased["tags"] == []
    assert erased["anonymous_id"] == m["anonymous_id"]
    assert erased["points_balance"] == 100  # the ledger stays consistent
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT name_sealed, address_sealed, id_number_sealed, birthday, attributes "
                    "FROM members WHERE id = :i"
                ),
                {"i": m["id"]},
            )
        ).one()
        idents = (await conn.execute(text("SELECT count(*) FROM member_identities"))).scalar()
        orders = (await conn.execute(text("SELECT member_id FROM orders"))).scalars().all()
    assert row[:4] == (None, None, None, None)
    assert idents == 0
    assert orders == [m["id"]]
    r = await client.get(
        "/api/v1/members/lookup", params={"kind": "phone", "value": PHONE}, headers=tenant.headers
    )
    assert r.status_code == 404
    # The same person may join again, as a new member.
    again = await client.post("/api/v1/members/join", json={"phone": PHONE}, headers=tenant.headers)
    assert again.status_code == 201 and again.json()["member"]["id"] != m["id"]
    r = await client.patch(f"/api/v1/members/{m['id']}", json={"name": "x"}, headers=tenant.headers)
    assert r.json()["error"]["code"] == "member_erased"


async def test_members_are_isolated_between_workspaces(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
):
    m = (await client.post("/api/v1/members", json=member_body(), headers=tenant.headers)).json()
    h = other_tenant.headers
    for method, path, body in [
        ("GET", f"/api/v1/members/{m['id']}", None),
        ("PATCH", f"/api/v1/members/{m['id']}", {"name": "x"}),
        ("POST", f"/api/v1/members/{m['id']}/tags", {"add": ["a/b"]}),
        ("GET", f"/api/v1/members/{m['id']}/export", None),
        ("POST", f"/api/v1/members/{m['id']}/erase", None),
        ("GET", f"/api/v1/members/{m['id']}/points", None),
        ("POST", f"/api/v1/members/{m['id']}/points/adjust", {"delta": 5, "reason": "x"}),
        ("POST", f"/api/v1/members/{m['id']}/points/spend", {"points": 1}),
    ]:
        r = await client.request(method, path, json=body, headers=h)
        assert r.status_code == 404, (method, path, r.text)
    r = await client.get("/api/v1/members/lookup", params={"kind": "phone", "value": PHONE}, headers=h)
    assert r.status_code == 404
    # The same phone may join the other brand: identities are unique per workspace.
    r = await client.post("/api/v1/members", json={"phone": PHONE}, headers=h)
    assert r.status_code == 201
    assert (await client.get("/api/v1/members", headers=h)).json()["data"][0]["id"] != m["id"]
    assert (await client.get(f"/api/v1/members/{m['id']}", headers=tenant.headers)).json()["name"] == "张三"
