#!/usr/bin/env bash
# The funnel and the retention report over 10 million generated events against one
# DuckDB scan-aggregate of the same rows, same run (DuckDB, and ClickHouse's engine chdb).
# Usage: bash bench/reports.sh [--events 10000000] [--runs 3] [--engines duckdb,chdb] [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec timeout 3600 .venv/bin/python bench/reports.py "$@"
