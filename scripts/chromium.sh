#!/usr/bin/env bash
# Debian's Chromium for the console's browser tests (Playwright drives it; no browser is
# downloaded by a test tool), with a CJK font so that screenshots show the Chinese pages.
# Prints nothing and does nothing when both are installed.
set -euo pipefail
command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q . && exit 0
sudo=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "chromium: missing and not root (no sudo); install Debian's chromium" >&2; exit 1; }
  sudo=(sudo -n)
fi
command -v apt-get >/dev/null 2>&1 || { echo "chromium: missing and apt-get not available; install chromium" >&2; exit 1; }
echo "chromium: installing Debian's chromium and fonts-wqy-microhei with apt-get" >&2
log=$(mktemp /tmp/yutang-chromium-XXXXXX.log)
if ! { "${sudo[@]}" apt-get update && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-wqy-microhei; } >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  exit 1
fi
rm -f "$log"
