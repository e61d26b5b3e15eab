#!/usr/bin/env bash
# One command to see Yutang: environment, SQLite database, demo brand, server.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --no-dev
export YUTANG_DEFAULT_LINK_DOMAIN="${YUTANG_DEFAULT_LINK_DOMAIN:-127.0.0.1:${YUTANG_PORT:-8000}}"
.venv/bin/yutang db upgrade
.venv/bin/yutang demo
echo "Console and API: http://127.0.0.1:${YUTANG_PORT:-8000}   (API docs at /api/docs)"
echo "Try a short link: curl -i http://127.0.0.1:${YUTANG_PORT:-8000}/add-staff"
exec .venv/bin/yutang serve --no-migrate
