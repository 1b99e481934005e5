# shellcheck shell=bash
# Shared by the benchmarks in bench/: settings, helpers, the scratch database and
# the service. Source it after `set -euo pipefail`, with BENCH_NAME set to the
# script's name (for messages):
#
#   BENCH_NAME=bench/progress.sh
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Then: need_tools, need_positive, bench_init, build_service, create_db,
# seed_db, start_service, http, field, sign_in.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

export PGHOST=${PGHOST:-127.0.0.1}
export PGPORT=${PGPORT:-5432}
export PGUSER=${PGUSER:-postgres}
DB=${BENCH_DB:-onpace_bench}
PORT=${BENCH_PORT:-18790}
RUNS=${RUNS:-1}
BASE=http://127.0.0.1:$PORT
ADMIN_EMAIL=bench@example.com
ADMIN_PASSWORD=bench-admin-password-2026
# ONPACE_BIN=path runs that binary instead (build_service then builds nothing).
BIN=${ONPACE_BIN:-${CARGO_TARGET_DIR:-target}/release/onpace}

say() { printf '==> %s\n' "$*"; }
fail() { printf '%s: error: %s\n' "${BENCH_NAME:-bench}" "$*" >&2; exit 1; }
pq() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now)"; }

# need_tools TOOL...: fails naming the first tool that is not on PATH.
need_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || fail "'$tool' is not on PATH; this benchmark needs $*"
  done
}

# need_positive VAR...: fails unless each named variable holds a positive integer.
need_positive() {
  local v
  for v in "$@"; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || fail "$v must be a positive integer, got '${!v}'"
  done
}

# bench_init: the work directory, the exit trap (stops the service, drops the
# database unless KEEP_DB=1), and the checks that PostgreSQL answers and the
# port is free. Exports DATABASE_URL for the service.
bench_init() {
  need_positive RUNS PORT
  [[ $DB =~ ^[a-z_][a-z0-9_]*$ ]] || fail "BENCH_DB must be a plain lower-case identifier, got '$DB'"
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/onpace-bench.XXXXXX")
  SERVER_PID=
  BENCH_PIDS=()  # other processes the script starts, stopped at exit
  DB_CREATED=0
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  if ! pq -d postgres -Atc 'SELECT 1' >/dev/null 2>"$WORK/pg.err"; then
    fail "cannot reach PostgreSQL as $PGUSER at $PGHOST:$PGPORT: $(head -n 3 "$WORK/pg.err"). Start it (scripts/ensure-postgres.sh) or set PGHOST/PGPORT/PGUSER."
  fi
  if curl -s -o /dev/null --max-time 2 "$BASE/healthz"; then
    fail "something already answers on $BASE; stop it or set BENCH_PORT to a free port"
  fi

  # DATABASE_URL for the service, from the same settings psql uses.
  DATABASE_URL=$(python3 - "$PGUSER" "${PGPASSWORD:-}" "$PGHOST" "$PGPORT" "$DB" <<'PY'
import sys
from urllib.parse import quote
user, password, host, port, db = sys.argv[1:]
auth = quote(user, safe="") + (":" + quote(password, safe="") if password else "")
print(f"postgres://{auth}@{host}:{port}/{db}")
PY
  )
  export DATABASE_URL
}

bench_cleanup() {
  local status=$?
  set +e
  if [ -n "${SERVER_PID:-}" ]; then
    if [ "$status" -ne 0 ] && [ -s "$WORK/server.log" ]; then
      echo "--- last lines of the server log ---" >&2
      tail -n 20 "$WORK/server.log" >&2
    fi
    kill "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  local pid
  for pid in "${BENCH_PIDS[@]+"${BENCH_PIDS[@]}"}"; do
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  if [ "${DB_CREATED:-0}" = 1 ]; then
    if [ "${KEEP_DB:-0}" = 1 ]; then
      echo "KEEP_DB=1: database $DB kept" >&2
    else
      pq -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 \
        || echo "warning: could not drop database $DB" >&2
    fi
  fi
  [ -n "${WORK:-}" ] && rm -rf "$WORK"
  exit "$status"
}

build_service() {
  if [ -n "${ONPACE_BIN:-}" ]; then
    [ -x "$BIN" ] || fail "ONPACE_BIN=$BIN is not an executable file"
    say "using $BIN (ONPACE_BIN; not building)"
    return
  fi
  say "building the service (cargo build --release --bin onpace)"
  cargo build --release --bin onpace || fail "cargo build --release failed (see above)"
  [ -x "$BIN" ] || fail "no binary at $BIN after the build (CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-unset})"
}

# create_db: drops and recreates the scratch database, migrates it and bootstraps
# the organisation "Bench" with its admin; sets ORG.
create_db() {
  say "creating the scratch database $DB on $PGHOST:$PGPORT"
  pq -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
  DB_CREATED=1
  ONPACE_LOG=warn "$BIN" migrate || fail "onpace migrate failed (see above)"
  [ "$(pq -d "$DB" -Atc "SELECT to_regclass('public.sales') IS NOT NULL AND to_regclass('public.daily_sales') IS NOT NULL")" = t ] \
    || fail "tables sales and daily_sales are missing after migrate: the migrations of this build are older than the benchmark"
  ORG=$(ONPACE_LOG=warn ONPACE_ADMIN_PASSWORD=$ADMIN_PASSWORD "$BIN" bootstrap \
    --org Bench --currency EUR --admin-email "$ADMIN_EMAIL" | tail -n 1) || fail "onpace bootstrap failed (see above)"
  [[ $ORG =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]] \
    || fail "onpace bootstrap printed '$ORG' where an organisation id was expected"
  say "organisation $ORG"
}

# seed_db SELLERS ACCOUNTS SALES [EXTRA.sql [psql -v options...]]: runs bench/seed.sql
# (salespeople, accounts, sales, daily_sales), then EXTRA.sql in the same session
# (it may use seed.sql's temporary tables and functions), then VACUUM (ANALYZE)
# and CHECKPOINT.
seed_db() {
  local sellers=$1 accounts=$2 sales=$3 extra=${4:-} t0
  shift 3
  if [ $# -gt 0 ]; then shift; fi
  say "seeding $sellers salespeople, $accounts accounts, $sales sales and their daily rollup"
  t0=$(now)
  local files=(-f "$ROOT/bench/seed.sql")
  [ -n "$extra" ] && files+=(-f "$extra")
  pq -d "$DB" -v org="$ORG" -v sellers="$sellers" -v accounts="$accounts" -v seed_sales="$sales" \
    "$@" "${files[@]}" || fail "seeding failed (see above)"
  pq -d "$DB" -c 'VACUUM (ANALYZE)'
  # Write the seed's pages out now, so that the checkpoint it would otherwise
  # cause does not run (for minutes, spread out) under the timed runs.
  pq -d "$DB" -c 'CHECKPOINT' >/dev/null 2>&1 \
    || echo "warning: CHECKPOINT refused (needs superuser or pg_checkpoint); the seed's checkpoint may overlap the runs" >&2
  say "seeded in $(since "$t0") s: $(pq -d "$DB" -Atc "SELECT format('%s sales, %s rollup rows, %s', (SELECT count(*) FROM sales), (SELECT count(*) FROM daily_sales), pg_size_pretty(pg_database_size(current_database())))")"
}

# start_service [VAR=value...]: starts `onpace serve` on BASE (extra environment
# first) and waits for /readyz.
start_service() {
  say "starting the service on $BASE"
  env "$@" ONPACE_LISTEN=127.0.0.1:$PORT ONPACE_ACCESS_TOKEN_TTL_SECS=7200 ONPACE_LOG=warn \
    "$BIN" serve >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  local ready=0
  for _ in $(seq 1 120); do
    if curl -fsS -o /dev/null --max-time 2 "$BASE/readyz" 2>/dev/null; then ready=1; break; fi
    kill -0 "$SERVER_PID" 2>/dev/null || fail "the service exited during start-up"
    sleep 0.5
  done
  [ "$ready" = 1 ] || fail "the service did not answer $BASE/readyz with 2xx within 60 s"
}

# http METHOD PATH EXPECTED_STATUS [curl options...]: prints the body, or fails saying why.
http() {
  local method=$1 path=$2 want=$3 got
  shift 3
  got=$(curl -sS -X "$method" -o "$WORK/http.body" -w '%{http_code}' "$@" "$BASE$path") \
    || fail "$method $path: curl failed"
  [ "$got" = "$want" ] || fail "$method $path: expected $want, got $got: $(head -c 1000 "$WORK/http.body")"
  cat "$WORK/http.body"
}

# field NAME: the top-level field NAME of the JSON object on stdin.
field() { python3 -c 'import sys, json; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# sign_in EMAIL PASSWORD: prints an access token (password grant).
sign_in() {
  http POST /v1/auth/token 200 --data-urlencode grant_type=password \
    --data-urlencode "username=$1" --data-urlencode "password=$2" | field access_token
}

# free_port: prints a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# stop_service: stops the service started by start_service (SIGTERM, then SIGKILL
# after 10 s) and waits for it.
stop_service() {
  [ -n "${SERVER_PID:-}" ] || return 0
  kill "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    # A killed child stays a zombie until waited for: that is stopped too.
    [ "$(ps -o stat= -p "$SERVER_PID" 2>/dev/null | cut -c1)" = Z ] && break
    sleep 0.1
  done
  kill -9 "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}
