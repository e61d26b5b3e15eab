"""The shop webhook cannot be used to probe slugs: an unknown slug, a workspace without
a webhook secret and a wrong signature get the same answer (status and body), after
the same work (one look-up, one decryption, one HMAC)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, make_tenant
from yutang.commerce import service
from yutang.kit import crypto

BODY = json.dumps({"type": "order.paid", "order": {"external_id": "T1"}}).encode()


def _headers(signature: str) -> dict[str, str]:
    return {"X-Yutang-Signature": signature, "Content-Type": "application/json"}


SIGNATURES: dict[str, Callable[[], str]] = {
    "signed with a guess": lambda: service.sign("whsec_guess", BODY, int(time.time())),
    "stale": lambda: service.sign("whsec_guess", BODY, int(time.time()) - 3600),
    "malformed": lambda: "junk",
    "missing": lambda: "",
}


@pytest.mark.parametrize("signature", sorted(SIGNATURES))
async def test_unknown_slug_and_workspace_without_secret_answer_alike(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine, signature: str, monkeypatch: Any
):
    with_secret = await make_tenant(engine, "globex", "go.globex.test")
    made = await client.post("/api/v1/webhooks/shop/secret", headers=with_secret.headers)
    assert made.status_code == 201
    work: list[str] = []
    real_open, real_sign = crypto.Keyring.open, service.sign

    def counting_open(self: crypto.Keyring, field: str, sealed: str) -> str:
        work.append("decrypt")
        return real_open(self, field, sealed)

    def counting_sign(secret: str, body: bytes, timestamp: int) -> str:
        work.append("hmac")
        return real_sign(secret, body, timestamp)

    answers = {}
    header = SIGNATURES[signature]()
    for who, slug in (("unknown", "no-such-brand"), ("no secret", tenant.slug), ("secret", with_secret.slug)):
        monkeypatch.setattr(crypto.Keyring, "open", counting_open)
        monkeypatch.setattr(service, "sign", counting_sign)
        r = await client.post(f"/api/v1/webhooks/shop/{slug}", content=BODY, headers=_headers(header))
        monkeypatch.undo()
        answers[who] = (r.status_code, r.json(), tuple(work))
        work.clear()
    assert answers["unknown"] == answers["no secret"] == answers["secret"], answers
    status, body, done = answers["unknown"]
    assert status == 401 and body["error"]["code"] == "invalid_signature"
    assert done[:1] == ("decrypt",)  # the same work for all three
