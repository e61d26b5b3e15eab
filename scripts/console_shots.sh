#!/usr/bin/env bash
# The console's main pages as docs/console.md shows them: the browser tests drive
# Debian's chromium through them in both languages and screenshot every page; the main
# ones are copied to docs/img/console/<lang>/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/chromium.sh
OUT=var/test-artifacts/screenshots
YUTANG_SCREENSHOTS="$OUT" .venv/bin/pytest -q -p no:cacheprovider tests/web/test_console_browser.py
for lang in zh-CN en; do
  mkdir -p "docs/img/console/$lang"
  for page in overview links link channels members-filtered member segment fission campaign review; do
    cp "$OUT/$lang/$page.png" "docs/img/console/$lang/$page.png"
  done
done
echo "console-shots: docs/img/console/{zh-CN,en}/ written" >&2
