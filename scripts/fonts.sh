#!/usr/bin/env bash
# A CJK font for share posters: WenQuanYi Micro Hei from Debian's fonts-wqy-microhei,
# unpacked into .tools/fonts (the system is left as it is; no root needed when the
# package lists are present). Safe to run again; a warning, not a failure, if offline.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=.tools/fonts/wqy-microhei.ttc
[ -s "$DEST" ] && exit 0
mkdir -p .tools/fonts
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fetch() { (cd "$WORK" && apt-get download fonts-wqy-microhei >/dev/null 2>&1); }
if ! fetch && [ "$(id -u)" = 0 ]; then
  apt-get update -qq >/dev/null 2>&1 || true
  fetch || true
fi
DEB=$(ls "$WORK"/fonts-wqy-microhei_*.deb 2>/dev/null | head -1 || true)
if [ -z "$DEB" ]; then
  echo "fonts: could not fetch fonts-wqy-microhei; posters need a CJK font (YUTANG_POSTER_FONT)" >&2
  exit 0
fi
dpkg-deb -x "$DEB" "$WORK/x"
cp "$WORK/x/usr/share/fonts/truetype/wqy/wqy-microhei.ttc" "$DEST"
echo "fonts: installed $DEST" >&2
