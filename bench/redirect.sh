#!/usr/bin/env bash
# nginx `return 302` vs Yutang's redirect path (wrk, 100k links, click capture on).
# Usage: bash bench/redirect.sh [options of bench/redirect.py, e.g. --duration 10 --keep]
# Everything listens on 127.0.0.1 and lives in a temporary directory under /tmp; the run
# stops by itself (redirect.py aborts after --deadline seconds, `timeout` backs it up).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
need=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
if [ "${#need[@]}" -gt 0 ]; then
  echo "bench: installing ${need[*]} from Debian's packages" >&2
  # Don't let the package's postinst start a system nginx on port 80 (on all interfaces).
  made_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  trap '[ -n "$made_policy" ] && $SUDO rm -f /usr/sbin/policy-rc.d' EXIT
  $SUDO apt-get update -qq
  pkgs=()
  for tool in "${need[@]}"; do
    if [ "$tool" = nginx ]; then
      if apt-cache show nginx-light >/dev/null 2>&1; then pkgs+=(nginx-light); else pkgs+=(nginx); fi
    else
      pkgs+=("$tool")
    fi
  done
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
  if [ -n "$made_policy" ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
  trap - EXIT
fi
export PATH="$PATH:/usr/sbin:/sbin"

# redirect.py cleans up after itself on exit, error, SIGINT, SIGTERM, SIGHUP and its own
# deadline; forward those signals to it and wait for its cleanup.
pid=""
forward() {
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  exit 130
}
trap forward INT TERM HUP
timeout -k 10 180 .venv/bin/python bench/redirect.py "$@" &
pid=$!
wait "$pid"
