"""Schema fuzzing: schemathesis sends every operation of the OpenAPI description a bounded
number of generated requests, against a real server on loopback, on SQLite and on
PostgreSQL. No answer may be a 5xx, and every answer must match what the description
says (status code, media type, body schema, headers).

The examples are derandomized (a fixed seed), so a failure is reproducible; the number per
operation is ``YUTANG_FUZZ_EXAMPLES`` (default 8 on PostgreSQL and 4 on SQLite, where the
same requests meet a simpler engine; raise it locally to dig deeper).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode, checks
from schemathesis.core.result import Ok
from sqlalchemy import text

from tests.conftest import in_thread, truncate_all
from tests.servers import Server, free_port
from yutang.auth import service as auth_service
from yutang.kit.context import SYSTEM, Ctx
from yutang.kit.db import create_engine, unit_of_work
from yutang.models.workspaces import ApiKey
from yutang.workspaces import service as ws_service

pytestmark = pytest.mark.server

#: No 5xx, and every answer as described. Not checked: that every schema-valid request
#: is accepted (a well-formed request may still be refused with a domain code, such as a
#: cursor that is not one of ours), and the stateful checks (they need links between
#: operations, which the description does not declare).
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]
EXAMPLES = {
    db: int(os.environ.get("YUTANG_FUZZ_EXAMPLES", default))
    for db, default in (("postgresql", "8"), ("sqlite", "4"))
}
#: The fuzzer's own key has an id no generated request is likely to name, so that
#: `DELETE /api-keys/{id}` does not revoke it half-way.
KEY_ID = 7_777_777_777


async def _seed(url: str, host: str) -> str:
    engine = create_engine(url)
    try:
        await truncate_all(engine)
        async with unit_of_work(engine=engine) as s:
            ws = await ws_service.create_workspace(s, "Fuzz", "fuzz", link_domain=host)
            issued = await auth_service.create_api_key(Ctx(s, ws.id, SYSTEM), "fuzz", "owner")
            await s.flush()
            await s.execute(
                text("UPDATE api_keys SET id = :new WHERE id = :old"), {"new": KEY_ID, "old": issued.key.id}
            )
            assert isinstance(issued.key, ApiKey)
        return issued.secret
    finally:
        await engine.dispose()


def _fuzz(base_url: str, headers: dict[str, str], examples: int) -> list[str]:
    schema = schemathesis.openapi.from_url(f"{base_url}/api/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # every operation of the description is valid
        operation = result.ok()
        operations += 1
        # Valid requests and invalid ones (wrong types, out of range, missing fields):
        # both must answer as described, the invalid ones with a 4xx.
        cases = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
            GenerationMode.NEGATIVE
        )

        @given(case=cases)
        @settings(
            max_examples=examples,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=30)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # collect every operation's failure, report all
            failures.append(f"{operation.label}: {type(exc).__name__}: {str(exc)[:1500]}")
    assert operations > 100
    return failures


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_every_operation_survives_generated_requests(
    db: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = request.getfixturevalue("sqlite_url" if db == "sqlite" else "pg_url")
    port = free_port()
    box: list[str] = []
    in_thread(lambda: box.append(asyncio.run(_seed(url, f"127.0.0.1:{port}"))))
    server = Server(url, port, tmp_path, interval=0.25)
    try:
        failures = _fuzz(f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {box[0]}"}, EXAMPLES[db])
    finally:
        server.kill()
    assert failures == [], "\n\n".join(failures)
