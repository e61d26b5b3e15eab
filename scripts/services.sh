#!/usr/bin/env bash
# Throwaway PostgreSQL + Redis servers for the test suite (loopback only).
#
# Sourced:
#   source scripts/services.sh
#   services_up "$DIR"     # starts both, exports YUTANG_TEST_PG_URL,
#                          # YUTANG_TEST_PG_ADMIN_URL, YUTANG_TEST_REDIS_URL
#   services_down "$DIR"   # stops both, removes DIR (idempotent)
#
# Executed:
#   eval "$(scripts/services.sh up DIR)"   # prints export lines on stdout
#                                          # (on failure: cleans up, prints `false`, exit 1)
#   scripts/services.sh down DIR
#
# All messages go to stderr. When run as root, initdb/postgres run as the
# `postgres` system user (created if missing) and DIR is chowned to it,
# because the postgres Unix socket lives in DIR.
#
# The code is safe under `set -euo pipefail` but does not change the options
# of a shell that sources it; functions return non-zero on failure.

_svc_msg() { printf '%s\n' "services: $*" >&2; }

_svc_is_root() { [[ "$(id -u)" == "0" ]]; }

# Print the tail of the given log files to stderr.
_svc_tail_logs() {
    local f
    for f in "$@"; do
        if [[ -s "$f" ]]; then
            printf -- '--- last lines of %s ---\n' "$f" >&2
            tail -n 30 -- "$f" >&2 || true
        fi
    done
}

# Directory holding initdb, pg_ctl, postgres (highest /usr/lib/postgresql/N, else PATH).
_svc_find_pg_bin() {
    local d best=""
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
        if [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]]; then
            best="$d"
        fi
    done
    if [[ -z "$best" ]]; then
        local p
        if p="$(command -v initdb 2>/dev/null)"; then
            d="$(dirname -- "$(readlink -f -- "$p")")"
            if [[ -x "$d/pg_ctl" && -x "$d/postgres" ]]; then
                best="$d"
            fi
        fi
    fi
    [[ -n "$best" ]] || return 1
    printf '%s\n' "$best"
}

# A client tool: prefer the one next to the server binaries, else PATH.
_svc_pg_tool() {
    local bin="$1" tool="$2"
    if [[ -x "$bin/$tool" ]]; then
        printf '%s\n' "$bin/$tool"
    else
        command -v "$tool" 2>/dev/null || return 1
    fi
}

_svc_have_all() {
    _svc_find_pg_bin >/dev/null 2>&1 &&
        command -v redis-server >/dev/null 2>&1 &&
        command -v redis-cli >/dev/null 2>&1
}

# Install postgresql + redis-server with apt if anything is missing.
_svc_ensure_installed() {
    local dir="$1"
    _svc_have_all && return 0

    local sudo=()
    if ! _svc_is_root; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo -n)
        else
            _svc_msg "PostgreSQL/Redis missing and not root (no sudo); install postgresql and redis-server"
            return 1
        fi
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        _svc_msg "PostgreSQL/Redis missing and apt-get not available; install postgresql and redis-server"
        return 1
    fi

    _svc_msg "installing postgresql and redis-server with apt-get (log: $dir/apt.log)"
    # Keep the packages' own system-wide services from being started
    # (only if no policy-rc.d exists already; removed afterwards).
    local policy=/usr/sbin/policy-rc.d made_policy=0
    if [[ ! -e "$policy" ]]; then
        if printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null 2>&1 &&
            "${sudo[@]}" chmod 755 "$policy" 2>/dev/null; then
            made_policy=1
        fi
    fi
    local rc=0
    {
        "${sudo[@]}" apt-get update &&
            "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y \
                -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
                postgresql redis-server
    } >>"$dir/apt.log" 2>&1 || rc=$?
    if [[ "$made_policy" == 1 ]]; then
        "${sudo[@]}" rm -f "$policy" || true
    fi
    if [[ "$rc" != 0 ]]; then
        _svc_msg "apt-get failed (exit $rc)"
        _svc_tail_logs "$dir/apt.log"
        return 1
    fi
    if ! _svc_have_all; then
        _svc_msg "PostgreSQL/Redis binaries still missing after apt-get install"
        return 1
    fi
}

# Two distinct free TCP ports on 127.0.0.1, space separated.
_svc_free_ports() {
    python3 - <<'EOF'
import socket
socks = []
for _ in range(2):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
EOF
}

# Run a command as the postgres server user (root -> `postgres`), cwd=DIR.
_svc_as_pg() {
    local dir="$1"
    shift
    if _svc_is_root; then
        (cd -- "$dir" && runuser -u postgres -- "$@")
    else
        (cd -- "$dir" && "$@")
    fi
}

_svc_state_get() {
    # _svc_state_get DIR KEY -> value from DIR/services.state (empty if none)
    local file="$1/services.state" key="$2" line
    [[ -f "$file" ]] || return 0
    while IFS= read -r line || [[ -n "$line" ]]; do
        if [[ "$line" == "$key="* ]]; then
            printf '%s\n' "${line#*=}"
            return 0
        fi
    done <"$file"
}

services_up() {
    local dir="${1:-}"
    if [[ -z "$dir" ]]; then
        _svc_msg "usage: services_up DIR"
        return 2
    fi
    mkdir -p -- "$dir" || { _svc_msg "cannot create $dir"; return 1; }
    dir="$(cd -- "$dir" && pwd -P)" || return 1
    if [[ -e "$dir/pg" || -e "$dir/services.state" ]]; then
        # Return 3 = nothing was touched (the direct `up` must not clean up).
        _svc_msg "$dir is already in use (services already up? run services_down first)"
        return 3
    fi

    _svc_ensure_installed "$dir" || return 1

    local pg_bin
    pg_bin="$(_svc_find_pg_bin)" || { _svc_msg "PostgreSQL server binaries not found"; return 1; }
    local pg_ctl="$pg_bin/pg_ctl" initdb="$pg_bin/initdb" psql pg_isready
    psql="$(_svc_pg_tool "$pg_bin" psql)" || { _svc_msg "psql not found"; return 1; }
    pg_isready="$(_svc_pg_tool "$pg_bin" pg_isready)" || { _svc_msg "pg_isready not found"; return 1; }
    local redis_server redis_cli
    redis_server="$(command -v redis-server)" || { _svc_msg "redis-server not found"; return 1; }
    redis_cli="$(command -v redis-cli)" || { _svc_msg "redis-cli not found"; return 1; }

    local pg_version
    pg_version="$("$pg_bin/postgres" --version 2>/dev/null | sed -n 's/.*PostgreSQL) *\([0-9]*\).*/\1/p')" || pg_version=""
    [[ -n "$pg_version" ]] || pg_version="?"

    # Server user + ownership (postgres refuses to run as root).
    if _svc_is_root; then
        if ! id -u postgres >/dev/null 2>&1; then
            useradd --system --user-group --no-create-home --home-dir /nonexistent \
                --shell /usr/sbin/nologin postgres ||
                { _svc_msg "cannot create system user postgres"; return 1; }
        fi
        # The Unix socket goes into DIR, so the server user must own it.
        chown postgres -- "$dir" && chmod 755 -- "$dir" ||
            { _svc_msg "cannot chown $dir to postgres"; return 1; }
        if ! runuser -u postgres -- test -x "$dir" -a -w "$dir"; then
            _svc_msg "$dir is not reachable by user postgres (a parent directory is not traversable?)"
            return 1
        fi
    fi

    local ports pg_port redis_port
    ports="$(_svc_free_ports)" || { _svc_msg "cannot pick free ports (python3)"; return 1; }
    read -r pg_port redis_port <<<"$ports"
    if [[ -z "${pg_port:-}" || -z "${redis_port:-}" ]]; then
        _svc_msg "cannot pick free ports"
        return 1
    fi
    printf 'pg_bin=%s\npg_port=%s\nredis_port=%s\nredis_cli=%s\n' \
        "$pg_bin" "$pg_port" "$redis_port" "$redis_cli" >"$dir/services.state"

    # --- PostgreSQL ---------------------------------------------------------
    local pgdata="$dir/pg" pglog="$dir/postgres.log"
    if ! _svc_as_pg "$dir" "$initdb" -D "$pgdata" --username=postgres --auth=trust \
        --encoding=UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1; then
        _svc_msg "initdb failed"
        _svc_tail_logs "$dir/initdb.log"
        return 1
    fi
    # Settings go into postgresql.conf (no shell quoting issues with DIR).
    local sockdir_q="${dir//\'/\'\'}"
    cat >>"$pgdata/postgresql.conf" <<EOF || { _svc_msg "cannot write postgresql.conf"; return 1; }

# --- throwaway test server (scripts/services.sh) ---
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$sockdir_q'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    if ! _svc_as_pg "$dir" "$pg_ctl" -D "$pgdata" -l "$pglog" -w -t 30 start \
        >"$dir/pg_ctl.log" 2>&1; then
        _svc_msg "postgres failed to start"
        _svc_tail_logs "$dir/pg_ctl.log" "$pglog"
        return 1
    fi
    local i ok=0
    for ((i = 0; i < 60; i++)); do
        if "$pg_isready" -q -h 127.0.0.1 -p "$pg_port" -d postgres -U postgres; then
            ok=1
            break
        fi
        sleep 0.5
    done
    if [[ "$ok" != 1 ]]; then
        _svc_msg "postgres not accepting connections on 127.0.0.1:$pg_port after 30 s"
        _svc_tail_logs "$pglog"
        return 1
    fi
    if ! "$psql" -X -q -h "$dir" -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE yutang LOGIN CREATEDB" \
        -c "CREATE DATABASE yutang_test OWNER yutang" >"$dir/psql-setup.log" 2>&1; then
        _svc_msg "cannot create role/database"
        _svc_tail_logs "$dir/psql-setup.log" "$pglog"
        return 1
    fi
    _svc_msg "postgres $pg_version on 127.0.0.1:$pg_port"

    # --- Redis --------------------------------------------------------------
    local redislog="$dir/redis.log"
    if ! "$redis_server" --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
        --daemonize yes --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$redislog" \
        >"$dir/redis-start.log" 2>&1; then
        _svc_msg "redis-server failed to start"
        _svc_tail_logs "$dir/redis-start.log" "$redislog"
        return 1
    fi
    ok=0
    for ((i = 0; i < 60; i++)); do
        if [[ "$("$redis_cli" -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null || true)" == "PONG" ]]; then
            ok=1
            break
        fi
        sleep 0.5
    done
    if [[ "$ok" != 1 ]]; then
        _svc_msg "redis not answering PING on 127.0.0.1:$redis_port after 30 s"
        _svc_tail_logs "$dir/redis-start.log" "$redislog"
        return 1
    fi
    local redis_version
    redis_version="$("$redis_server" --version 2>/dev/null | sed -n 's/.* v=\([0-9.]*\).*/\1/p')" || redis_version=""
    _svc_msg "redis ${redis_version:-?} on 127.0.0.1:$redis_port"

    export YUTANG_TEST_PG_URL="postgresql+asyncpg://yutang@127.0.0.1:$pg_port/yutang_test"
    export YUTANG_TEST_PG_ADMIN_URL="postgresql://yutang@127.0.0.1:$pg_port/yutang_test"
    export YUTANG_TEST_REDIS_URL="redis://127.0.0.1:$redis_port/0"
}

# Wait up to ~N tenths of a second for a pid to disappear.
_svc_wait_gone() {
    local pid="$1" n="$2" i
    for ((i = 0; i < n; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    ! kill -0 "$pid" 2>/dev/null
}

_svc_read_pid() {
    local f="$1" pid=""
    [[ -f "$f" ]] || return 1
    IFS= read -r pid <"$f" 2>/dev/null || true
    [[ "$pid" =~ ^[0-9]+$ && "$pid" -gt 1 ]] || return 1
    printf '%s\n' "$pid"
}

services_down() {
    local dir="${1:-}"
    if [[ -z "$dir" ]]; then
        _svc_msg "usage: services_down DIR"
        return 2
    fi
    [[ -d "$dir" ]] || return 0
    dir="$(cd -- "$dir" && pwd -P)" || return 0
    if [[ "$dir" == "/" ]]; then
        _svc_msg "refusing to remove /"
        return 1
    fi

    local pg_bin redis_cli redis_port pid
    pg_bin="$(_svc_state_get "$dir" pg_bin)" || pg_bin=""
    redis_cli="$(_svc_state_get "$dir" redis_cli)" || redis_cli=""
    redis_port="$(_svc_state_get "$dir" redis_port)" || redis_port=""
    [[ -n "$pg_bin" ]] || pg_bin="$(_svc_find_pg_bin 2>/dev/null)" || pg_bin=""
    [[ -n "$redis_cli" ]] || redis_cli="$(command -v redis-cli 2>/dev/null)" || redis_cli=""

    # PostgreSQL
    if pid="$(_svc_read_pid "$dir/pg/postmaster.pid")" && kill -0 "$pid" 2>/dev/null; then
        if [[ -n "$pg_bin" && -x "$pg_bin/pg_ctl" ]]; then
            _svc_as_pg "$dir" "$pg_bin/pg_ctl" -D "$dir/pg" -m fast -w -t 20 stop \
                >>"$dir/pg_ctl.log" 2>&1 || true
        fi
        if kill -0 "$pid" 2>/dev/null; then
            kill -INT "$pid" 2>/dev/null || true # fast shutdown
            _svc_wait_gone "$pid" 100 || { kill -KILL "$pid" 2>/dev/null || true; }
        fi
    fi

    # Redis
    if pid="$(_svc_read_pid "$dir/redis.pid")" && kill -0 "$pid" 2>/dev/null; then
        if [[ -n "$redis_cli" && -n "$redis_port" ]]; then
            "$redis_cli" -h 127.0.0.1 -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
        fi
        if ! _svc_wait_gone "$pid" 50; then
            kill -TERM "$pid" 2>/dev/null || true
            _svc_wait_gone "$pid" 50 || { kill -KILL "$pid" 2>/dev/null || true; }
        fi
    fi

    rm -rf -- "$dir" || { _svc_msg "cannot remove $dir"; return 1; }
}

# --- executed directly --------------------------------------------------------
if [[ "${BASH_SOURCE[0]}" == "${0}" ]]; then
    set -euo pipefail
    case "${1:-}" in
    up)
        [[ $# -eq 2 ]] || { _svc_msg "usage: $0 up DIR"; exit 2; }
        rc=0
        services_up "$2" >&2 || rc=$?
        if [[ "$rc" != 0 ]]; then
            # Make `eval "$(scripts/services.sh up DIR)"` fail too, and do not
            # leave half-started servers behind (unless DIR was already in use).
            if [[ "$rc" != 3 ]]; then
                services_down "$2" >&2 || true
            fi
            echo false
            exit 1
        fi
        printf 'export YUTANG_TEST_PG_URL=%q\n' "$YUTANG_TEST_PG_URL"
        printf 'export YUTANG_TEST_PG_ADMIN_URL=%q\n' "$YUTANG_TEST_PG_ADMIN_URL"
        printf 'export YUTANG_TEST_REDIS_URL=%q\n' "$YUTANG_TEST_REDIS_URL"
        ;;
    down)
        [[ $# -eq 2 ]] || { _svc_msg "usage: $0 down DIR"; exit 2; }
        services_down "$2"
        ;;
    *)
        _svc_msg "usage: $0 up DIR | down DIR"
        exit 2
        ;;
    esac
fi
