#!/usr/bin/env bash
# Create .venv with the locked dependencies (uv from PyPI if it is not installed).
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.8
if command -v uv >/dev/null 2>&1; then
  UV=uv
else
  if [ ! -x .tools/bin/uv ]; then
    echo "bootstrap: installing uv $UV_VERSION into .tools/" >&2
    python3 -m venv .tools
    .tools/bin/pip install --quiet "uv==$UV_VERSION"
  fi
  UV=.tools/bin/uv
fi
"$UV" sync --frozen --quiet --python python3.11 "$@"
bash scripts/fonts.sh
bash scripts/assets.sh
