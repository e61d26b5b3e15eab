"""Error shape, pagination, idempotency and OpenAPI: the conventions every endpoint follows."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from yutang.kit.db import unit_of_work
from yutang.kit.errors import ERROR_CODES
from yutang.models.platform import AuditEntry


async def test_unknown_route_and_method_use_the_error_shape(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.json() == {"error": {"code": "not_found", "message": "Not Found", "details": {}}}
    r = await client.put("/api/v1/links")
    assert r.status_code == 405
    assert r.json()["error"]["code"] == "method_not_allowed"


async def test_validation_errors_are_422_with_details(client: httpx.AsyncClient, tenant: Tenant) -> None:
    r = await client.post("/api/v1/channels", json={"name": "", "type": "billboard"}, headers=tenant.headers)
    assert r.status_code == 422
    body = r.json()["error"]
    assert body["code"] == "validation_error"
    assert {tuple(e["loc"]) for e in body["details"]["errors"]} == {("body", "name"), ("body", "type")}


async def test_cursor_pagination_walks_every_row_once(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for i in range(7):
        r = await client.post("/api/v1/channels", json={"name": f"ch{i}"}, headers=tenant.headers)
        assert r.status_code == 201
    names: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/v1/channels", params=params, headers=tenant.headers)).json()
        names += [c["name"] for c in page["data"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert names == [f"ch{i}" for i in reversed(range(7))]


async def test_bad_cursor_is_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    r = await client.get("/api/v1/channels", params={"cursor": "!!nope"}, headers=tenant.headers)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_cursor"


async def test_idempotency_key_replays_and_refuses_reuse(client: httpx.AsyncClient, tenant: Tenant) -> None:
    headers = tenant.headers | {"Idempotency-Key": "abc-1"}
    first = await client.post("/api/v1/channels", json={"name": "cards"}, headers=headers)
    again = await client.post("/api/v1/channels", json={"name": "cards"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = await client.post("/api/v1/channels", json={"name": "posters"}, headers=headers)
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    listed = (await client.get("/api/v1/channels", headers=tenant.headers)).json()["data"]
    assert [c["name"] for c in listed] == ["cards"]


async def test_idempotency_keys_are_per_workspace(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    a = await client.post(
        "/api/v1/channels", json={"name": "cards"}, headers=tenant.headers | {"Idempotency-Key": "k"}
    )
    b = await client.post(
        "/api/v1/channels", json={"name": "cards"}, headers=other_tenant.headers | {"Idempotency-Key": "k"}
    )
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


async def test_openapi_is_served_and_documents_error_codes(client: httpx.AsyncClient) -> None:
    docs = await client.get("/api/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    spec = (await client.get("/api/openapi.json")).json()
    for code in ERROR_CODES:
        assert f"`{code}`" in spec["info"]["description"]
    assert "/api/v1/links" in spec["paths"]
    assert "ErrorOut" in spec["components"]["schemas"]


async def test_changes_through_the_api_are_audited_with_the_actor(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    r = await client.post(
        "/api/v1/links", json={"url": "https://a.example/", "slug": "aud"}, headers=tenant.headers
    )
    link_id = r.json()["id"]
    await client.patch(f"/api/v1/links/{link_id}", json={"title": "New"}, headers=tenant.headers)
    async with unit_of_work(readonly=True, engine=engine) as s:
        rows = (
            await s.scalars(
                select(AuditEntry).where(AuditEntry.target_type == "link").order_by(AuditEntry.id)
            )
        ).all()
    assert [(a.action, a.actor_type) for a in rows] == [
        ("link.created", "api_key"),
        ("link.updated", "api_key"),
    ]
    assert rows[1].changes == {"title": "New"}
    listed = await client.get("/api/v1/audit-log", params={"action": "link.updated"}, headers=tenant.headers)
    assert [a["target_id"] for a in listed.json()["data"]] == [str(link_id)]


async def test_every_list_answers_a_page(client: httpx.AsyncClient) -> None:
    """23 lists answered a bare array and 2 `{items, next_cursor}`, while the docs promised
    `{data, next_cursor}`."""
    spec = (await client.get("/api/openapi.json")).json()
    odd = []
    lists = 0
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            ok = op["responses"].get("200", {}).get("content", {}).get("application/json", {})
            schema = ok.get("schema", {})
            name = schema.get("$ref", "").rsplit("/", 1)[-1]
            props = spec["components"]["schemas"].get(name, {}).get("properties", {})
            # a page: {data, next_cursor}, maybe with a summary beside (a drill-down's count)
            page = {"data", "next_cursor"} <= set(props) and props["data"].get("type") == "array"
            if page:
                lists += 1
                names = {p["name"] for p in op.get("parameters", [])}
                assert {"cursor", "limit"} <= names, f"{method.upper()} {path}"
            elif schema.get("type") == "array" or "next_cursor" in props:
                odd.append(f"{method.upper()} {path}")  # a bare array, or a page of another shape
    assert odd == []
    assert lists >= 34


async def test_a_short_list_walks_in_its_own_order(client: httpx.AsyncClient, tenant: Tenant) -> None:
    """Tiers come by rank, in pages, each tier once."""
    for rank, name in ((3, "gold"), (1, "silver"), (4, "diamond"), (2, "bronze"), (5, "black")):
        body = {"name": name, "rank": rank, "threshold": rank * 1000}
        assert (await client.post("/api/v1/tiers", json=body, headers=tenant.headers)).status_code == 201
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/v1/tiers", params=params, headers=tenant.headers)).json()
        seen += [t["name"] for t in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["silver", "bronze", "gold", "diamond", "black"]
    r = await client.get("/api/v1/tiers", params={"cursor": "aWQ6Mw"}, headers=tenant.headers)  # an id cursor
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_cursor")


async def test_a_cursor_past_a_64_bit_id_is_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    import base64

    cursor = base64.urlsafe_b64encode(b"id:99999999999999999999").decode().rstrip("=")
    r = await client.get("/api/v1/channels", params={"cursor": cursor}, headers=tenant.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_cursor")


async def test_a_missing_row_answers_404_with_a_documented_not_found_code(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    """Every GET of one row by id: an id that does not exist and an id of another
    workspace's row answer alike — 404, with `not_found` or the `unknown_<kind>` code
    whose documented meaning is "No such … in this workspace"."""
    import re

    # A row of the other workspace under id 1 of most tables.
    await client.post("/api/v1/channels", json={"name": "theirs"}, headers=other_tenant.headers)
    spec = (await client.get("/api/openapi.json")).json()
    checked = 0
    for path, ops in spec["paths"].items():
        if "get" not in ops or not re.search(r"\{\w+_id\}", path):
            continue
        for missing in ("1", "987654321"):
            r = await client.get(re.sub(r"\{\w+\}", missing, path), headers=tenant.headers)
            assert r.status_code == 404, (path, r.text)
            code = r.json()["error"]["code"]
            assert ERROR_CODES[code].startswith("No such"), (path, code)
            checked += 1
    assert checked > 40
