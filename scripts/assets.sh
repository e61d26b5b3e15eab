#!/usr/bin/env bash
# Front-end packages from the npm registry (package.json + package-lock.json), copied into
# src/yutang/web/static/vendor/ where Yutang serves them itself: no page loads anything
# from a CDN. Runs `npm ci` only when the lock file changed since the last copy.
set -euo pipefail
cd "$(dirname "$0")/.."
VENDOR=src/yutang/web/static/vendor
STAMP="$VENDOR/.lock-sha256"
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "assets: npm is missing; installing Debian's nodejs and npm" >&2
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo -n"
  $sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs npm >/dev/null
fi
echo "assets: npm ci (package-lock.json)" >&2
# --ignore-scripts: no package runs code at install (swagger-ui-dist's analytics hook).
SCARF_ANALYTICS=false npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2
rm -rf "$VENDOR"
mkdir -p "$VENDOR/htmx" "$VENDOR/echarts" "$VENDOR/swagger-ui"
cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx.org/LICENSE "$VENDOR/htmx/"
cp node_modules/echarts/dist/echarts.min.js node_modules/echarts/LICENSE "$VENDOR/echarts/"
for f in swagger-ui-bundle.js swagger-ui.css favicon-32x32.png oauth2-redirect.html LICENSE; do
  cp "node_modules/swagger-ui-dist/$f" "$VENDOR/swagger-ui/"
done
echo "$want" >"$STAMP"
