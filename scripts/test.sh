#!/usr/bin/env bash
# The whole test command: environment, Debian's chromium, PostgreSQL + Redis on loopback,
# ruff, mypy, import contracts, pytest (the console's browser tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/chromium.sh
# shellcheck source=services.sh
source scripts/services.sh
SVC_DIR=$(mktemp -d /tmp/yutang-test-XXXXXX)
trap 'services_down "$SVC_DIR"' EXIT
services_up "$SVC_DIR"
export YUTANG_REQUIRE_SERVICES=1
echo "== ruff" && .venv/bin/ruff check && .venv/bin/ruff format --check
echo "== mypy" && .venv/bin/mypy
echo "== import contracts (docs/architecture.md)" && .venv/bin/lint-imports
echo "== pytest (SQLite + PostgreSQL + Redis)"
# Two workers (the machines have two cores), each test file on one of them (a file's
# module fixtures — the browser's site — are built once); each worker has its own
# PostgreSQL and Redis databases (tests/conftest.py).
.venv/bin/pytest -q -n 2 --dist loadfile "$@"
