#!/usr/bin/env bash
# The event store's sync against DuckDB's bulk load of the same rows, same run.
# Usage: bash bench/sync.sh [--events 200000]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec timeout 900 .venv/bin/python bench/sync.py "$@"
