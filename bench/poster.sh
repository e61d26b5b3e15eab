#!/usr/bin/env bash
# Share posters: draw time against the PNG-encode floor of the same size, same run.
# Usage: bash bench/poster.sh [--seconds 5]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec timeout 300 .venv/bin/python bench/poster.py "$@"
