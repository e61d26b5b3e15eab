"""A refusal, a bad address, an unknown page or a failure answers a console or H5 page
with a page in the visitor's language — never raw JSON — and the API keeps its JSON."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant
from tests.web import browser
from yutang.web.i18n.errors import ERROR_WORDS


async def test_console_pages_answer_errors_with_pages(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await browser.make_user(engine, tenant.id, "op@acme.example", "operator")
    await browser.login(client, "op@acme.example")
    cases = {
        "/console/no-such-page": (404, ERROR_WORDS["not_found"]["zh-CN"]),
        "/console/links/999999": (404, ERROR_WORDS["not_found"]["zh-CN"]),
        "/console/links/not-a-number": (422, ERROR_WORDS["validation_error"]["zh-CN"]),
    }
    for path, (status, words) in cases.items():
        r = await client.get(path)
        assert r.status_code == status, path
        assert r.headers["content-type"].startswith("text/html") and words in r.text, path
    en = await client.get("/console/links/999999?lang=en")
    assert ERROR_WORDS["not_found"]["en"] in en.text


async def test_h5_pages_answer_errors_with_pages(client: httpx.AsyncClient, tenant: Tenant) -> None:
    """An old poster's invite code is a page telling the member so, not JSON."""
    r = await client.get("/invite/NO-SUCH-CODE", headers={"host": tenant.host})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "出了点问题" in r.text and "{" not in r.text.split("<main>", 1)[1]
    assert "<strong>Acme</strong>" in r.text  # the brand of the link domain, as on its other pages
    form = await client.get("/forms/no-such-form", headers={"host": tenant.host, "accept-language": "en"})
    assert form.status_code == 404 and "Something went wrong" in form.text


async def test_the_api_keeps_its_json_errors(client: httpx.AsyncClient, tenant: Tenant) -> None:
    r = await client.get("/api/v1/links/999999", headers=tenant.headers)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    bad = await client.get("/api/v1/links/abc", headers=tenant.headers)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"
    unknown = await client.get("/api/v1/nothing-here", headers=tenant.headers)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
