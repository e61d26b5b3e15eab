#!/usr/bin/env bash
# pgbench -N vs Yutang's points earn+redeem through its service layer, same PostgreSQL server.
# Usage: bash bench/points.sh [options of bench/points.py, e.g. --clients 8 --duration 10 --procs 2]
# PostgreSQL (and, since scripts/services.sh starts both, an idle Redis) run on 127.0.0.1
# in a temporary directory under /tmp that is removed on exit; the run stops by itself
# (points.py aborts after --deadline seconds, `timeout` backs it up).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh

# shellcheck source=../scripts/services.sh
source scripts/services.sh

BENCH_DIR=$(mktemp -d /tmp/yutang-bench-points-XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=""
  fi
  services_down "$BENCH_DIR" || true
}
trap cleanup EXIT
# points.py cleans up after itself on SIGINT, SIGTERM, SIGHUP and its own deadline:
# forward those signals to it, wait for it, then stop the servers (EXIT trap).
forward() {
  cleanup
  exit 130
}
trap forward INT TERM HUP

# Installs postgresql (which ships pgbench) and redis-server from Debian's packages when
# missing, starts both on 127.0.0.1 with the Unix socket in BENCH_DIR.
services_up "$BENCH_DIR"
pg_bin=$(_svc_find_pg_bin)
pgbench=$(_svc_pg_tool "$pg_bin" pgbench) || {
  echo "bench: pgbench not found next to $pg_bin or on PATH (Debian: package postgresql)" >&2
  exit 1
}

timeout -k 10 "${BENCH_POINTS_TIMEOUT:-300}" .venv/bin/python bench/points.py \
  --pg-url "$YUTANG_TEST_PG_URL" --pgbench "$pgbench" "$@" &
pid=$!
rc=0
wait "$pid" || rc=$?
pid=""
exit "$rc"
