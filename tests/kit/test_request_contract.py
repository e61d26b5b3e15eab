"""Every request is strict: bounded integers, no unknown fields, no NUL bytes, a body limit.

The first tests walk the whole OpenAPI document and every route's body model, so a new
endpoint that forgets a bound fails here, not in production. The rest send the requests
that once gave 500 or were silently accepted, and check that nothing was written.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from yutang.app import create_app
from yutang.config import Settings
from yutang.kit.db import unit_of_work
from yutang.kit.schemas import MAX_INT, In
from yutang.links.redirect import RedirectApp
from yutang.models.links import Link
from yutang.models.members import Member

#: Bounded elsewhere, on purpose: a bulk request answers `bulk_too_large` (with the row
#: count) above 1,000 rows, a clearer answer than a schema error.
UNBOUNDED_BY_DESIGN = {"BulkIn.links"}


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    var = tmp_path_factory.mktemp("var")
    app = create_app(
        Settings(database_url=f"sqlite+aiosqlite:///{var}/x.db", secret_key="x", var_dir=var),
        run_worker=False,
    )
    return app.app.openapi()  # type: ignore[attr-defined, no-any-return]


def _request_schemas(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, schema) for every parameter and request body of every operation."""
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for p in op.get("parameters", []):
                yield f"{method.upper()} {path} ?{p['name']}", p["schema"]
            for content in (op.get("requestBody") or {}).get("content", {}).values():
                yield f"{method.upper()} {path} body", content["schema"]


def _unbounded(spec: dict[str, Any]) -> set[str]:
    comps = spec["components"]["schemas"]
    found: set[str] = set()

    def walk(schema: dict[str, Any], where: str, seen: frozenset[str]) -> None:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                walk(comps[name], name.rsplit("__", 1)[-1], seen | {name})
            return
        kind = schema.get("type")
        fixed = "enum" in schema or "const" in schema
        if kind == "integer" and not fixed:
            lo, hi = schema.get("minimum"), schema.get("maximum")
            if lo is None or hi is None or lo < -MAX_INT or hi > MAX_INT:
                found.add(f"integer {where}")
        if kind == "string" and not fixed and not {"maxLength", "format", "pattern"} & schema.keys():
            found.add(f"string {where}")
        if kind == "array" and "maxItems" not in schema and where not in UNBOUNDED_BY_DESIGN:
            found.add(f"array {where}")
        if kind == "object" and "properties" not in schema and "maxProperties" not in schema:
            found.add(f"object {where}")
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in schema.get(key, []):
                walk(sub, where, seen)
        for name, sub in schema.get("properties", {}).items():
            walk(sub, f"{where}.{name}", seen)
        if isinstance(schema.get("items"), dict):
            walk(schema["items"], f"{where}[]", seen)
        if isinstance(schema.get("additionalProperties"), dict):
            walk(schema["additionalProperties"], f"{where}{{}}", seen)

    for where, schema in _request_schemas(spec):
        walk(schema, where, frozenset())
    return found


def test_every_number_text_list_and_map_a_request_takes_is_bounded(spec: dict[str, Any]) -> None:
    assert sorted(_unbounded(spec)) == []


def test_the_walk_finds_an_unbounded_field() -> None:
    """The check above is not vacuous: a schema without bounds is reported."""
    spec = {
        "paths": {"/x": {"post": {"requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "properties": {"n": {"type": "integer"}, "s": {"type": "string"}},
        }}}}}}},
        "components": {"schemas": {}},
    }  # fmt: skip
    assert _unbounded(spec) == {"integer POST /x body.n", "string POST /x body.s"}


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        yield annotation
        for field in annotation.model_fields.values():
            yield from _models(field.annotation)
    for arg in typing.get_args(annotation):
        yield from _models(arg)


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if hasattr(route, "original_router"):
            yield from _routes(route.original_router.routes)
        elif isinstance(route, APIRoute):
            yield route


def test_every_body_model_refuses_unknown_fields(app: RedirectApp) -> None:
    loose = set()
    bodies = 0
    for route in _routes(app.app.routes):  # type: ignore[attr-defined]
        for param in route.dependant.body_params:
            for model in _models(param.field_info.annotation):
                bodies += 1
                if not issubclass(model, In) or model.model_config.get("extra") != "forbid":
                    loose.add(f"{model.__module__}.{model.__name__}")
    assert bodies > 50
    assert sorted(loose) == []


# --- what was accepted or broke before, over HTTP ---------------------------------------------

LINKS = "/api/v1/links"


async def _count(engine: AsyncEngine, model: Any) -> int:
    async with unit_of_work(engine=engine, readonly=True) as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
async def posted(client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine) -> AsyncIterator[Any]:
    """POST helper that also checks that a refused request wrote no link."""
    before = await _count(engine, Link)

    async def post(body: dict[str, Any], path: str = LINKS) -> httpx.Response:
        return await client.post(path, json=body, headers=tenant.headers)

    yield post
    assert await _count(engine, Link) == before


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/links/9223372036854775808",
        "/api/v1/links/9007199254740992",
        "/api/v1/links/99999999999999999999999",
        "/api/v1/links/0",
        "/api/v1/links/-1",
        "/api/v1/members/9223372036854775808",
        "/api/v1/members/9223372036854775808/points",
        "/api/v1/segments/9223372036854775808",
        "/api/v1/referrals/campaigns/9223372036854775808",
    ],
)
async def test_ids_out_of_range_answer_422(client: httpx.AsyncClient, tenant: Tenant, path: str) -> None:
    r = await client.get(path, headers=tenant.headers)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "validation_error"


async def test_the_largest_id_is_simply_not_found(client: httpx.AsyncClient, tenant: Tenant) -> None:
    r = await client.get(f"/api/v1/links/{MAX_INT}", headers=tenant.headers)
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"max_clicks": 2**63}, "max_clicks"),
        ({"max_clicks": 10**10}, "max_clicks"),
        ({"max_clicks": "12"}, "max_clicks"),
        ({"max_clicks": True}, "max_clicks"),
        ({"max_clicks": 12.5}, "max_clicks"),
        ({"channel_id": 2**63}, "channel_id"),
        ({"channel_id": "1"}, "channel_id"),
        ({"disabled": "yes"}, "disabled"),
    ],
)
async def test_integers_and_booleans_are_strict_and_bounded(
    posted: Any, body: dict[str, Any], field: str
) -> None:
    r = await posted({"url": "https://example.com/", **body})
    assert r.status_code == 422, r.text
    assert [e["loc"] for e in r.json()["error"]["details"]["errors"]] == [["body", field]]


async def test_unknown_fields_are_refused_by_name(posted: Any) -> None:
    r = await posted({"url": "https://example.com/", "utm": {"source": "a", "sauce": "b"}})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["message"] == "Unknown field: utm.sauce."
    assert err["details"]["errors"][0]["type"] == "extra_forbidden"

    r = await posted({"url": "https://example.com/", "channel": "短信 SMS", "titel": "x"})
    assert r.status_code == 422
    assert r.json()["error"]["message"] == "Unknown fields: channel, titel."


async def test_nul_bytes_and_nan_are_refused(posted: Any) -> None:
    r = await posted({"url": "https://example.com/", "title": "a\x00b"})
    assert r.status_code == 422
    assert "NUL" in r.json()["error"]["details"]["errors"][0]["msg"]


async def test_nan_is_refused_in_a_member_attribute(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    raw = '{"phone": "13800000001", "attributes": {"score": NaN}}'
    r = await client.post(
        "/api/v1/members", content=raw, headers=tenant.headers | {"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert await _count(engine, Member) == 0


async def test_a_body_over_the_limit_is_413_and_writes_nothing(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine, settings: Settings
) -> None:
    big = "x" * (settings.max_body_bytes + 1)
    r = await client.post(
        "/api/v1/members", json={"phone": "13800000001", "attributes": {"bio": big}}, headers=tenant.headers
    )
    assert r.status_code == 413
    assert r.json()["error"] == {
        "code": "body_too_large",
        "message": f"The body may hold at most {settings.max_body_bytes} bytes.",
        "details": {"max_bytes": settings.max_body_bytes},
    }

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"phone": "13800000001", "attributes": {"bio": "'
        for _ in range(settings.max_body_bytes // 65536 + 1):
            yield b"x" * 65536
        yield b'"}}'

    r = await client.post(
        "/api/v1/members", content=chunks(), headers=tenant.headers | {"content-type": "application/json"}
    )
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "body_too_large"
    assert await _count(engine, Member) == 0


async def test_a_member_attribute_has_a_size_limit(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    for attributes in ({"bio": "x" * 1001}, {"list": list(range(101))}, {"deep": [[1]]}, {"n": 2**63}):
        r = await client.post(
            "/api/v1/members", json={"phone": "13800000001", "attributes": attributes}, headers=tenant.headers
        )
        assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_attributes"), attributes
    assert await _count(engine, Member) == 0
    r = await client.post(
        "/api/v1/members",
        json={"phone": "13800000001", "attributes": {"bio": "x" * 1000, "list": list(range(100))}},
        headers=tenant.headers,
    )
    assert r.status_code == 201


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/distribution/commissions", {"status": "pending\x00"}),
        ("/api/v1/members", {"cursor": "\x00"}),
        ("/api/v1/coupons/AB%00CD", {}),
    ],
)
async def test_a_nul_in_a_query_or_path_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, path: str, params: dict[str, str]
) -> None:
    """PostgreSQL refuses NUL in text: it answered 500 before."""
    r = await client.get(path, params=params, headers=tenant.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "validation_error")


async def test_405_names_every_method_the_path_serves(client: httpx.AsyncClient, tenant: Tenant) -> None:
    """Starlette named only the first matching route's methods (`Allow: GET` on /links)."""
    r = await client.put(LINKS, headers=tenant.headers)
    assert (r.status_code, r.headers["allow"]) == (405, "GET, POST")
    assert r.json()["error"] == {
        "code": "method_not_allowed",
        "message": "Method Not Allowed",
        "details": {"allowed": ["GET", "POST"]},
    }
    r = await client.post(f"{LINKS}/1", headers=tenant.headers)
    assert (r.status_code, r.headers["allow"]) == (405, "GET, PATCH, DELETE")


@pytest.mark.parametrize(
    "node",
    [
        {"field": "points_balance", "op": "gte", "value": 2**63},
        {"field": "total_spent_cents", "op": "between", "value": [0, 2**64]},
        {"field": "tier_id", "op": "eq", "value": -(2**63) - 1},
        {"field": "last_order_at", "op": "within_days", "value": 10**9},
        {"and": [{"attribute": "score", "op": "gt", "value": 2**70}]},
    ],
)
async def test_numbers_in_a_segment_filter_are_bounded(
    client: httpx.AsyncClient, tenant: Tenant, node: dict[str, Any]
) -> None:
    """The filter language is JSON inside a body: its numbers overflowed a 64-bit bind
    parameter (500 on PostgreSQL) or a date computation (500 on both)."""
    r = await client.post("/api/v1/segments/preview", json={"filter": node}, headers=tenant.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_filter"), r.text


async def test_money_past_32_bits_is_kept(client: httpx.AsyncClient, tenant: Tenant) -> None:
    """Plain integer columns were 32-bit on PostgreSQL: a price of ¥10 billion (within
    the documented bound) answered 500, and ¥21.5 million of spend could not be summed."""
    r = await client.post(
        "/api/v1/membership-plans",
        json={"name": "终身黑卡", "price_cents": 10**12, "period": "month"},
        headers=tenant.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["price_cents"] == 10**12
    member = await client.post("/api/v1/members", json={"phone": "13800000009"}, headers=tenant.headers)
    mid = member.json()["id"]
    for n in range(2):
        order = {
            "external_id": f"B2B-{n}",
            "member_id": mid,
            "paid_at": "2026-12-01T10:00:00+08:00",
            "items": [{"product_id": "ERP", "quantity": 1, "price_cents": 2_000_000_000}],
        }
        assert (await client.post("/api/v1/orders", json=order, headers=tenant.headers)).status_code == 201
    got = (await client.get(f"/api/v1/members/{mid}", headers=tenant.headers)).json()
    assert got["total_spent_cents"] == 4_000_000_000
