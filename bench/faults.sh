#!/usr/bin/env bash
# Fault suite: what the service does when PostgreSQL restarts under load, when
# it is killed mid-batch, when clients push overlapping batches at once, and
# under a sign-in flood. Starts its own PostgreSQL cluster on a free port (in a
# temporary directory, removed at the end) and the release binary; prints one
# line per case with its figures and a verdict (ok / FAIL), and exits 1 when a
# case fails. Not part of `cargo test`. See bench/FAULTS.md.
#
#   bash bench/faults.sh
#   ONPACE_BIN=target/debug/onpace bash bench/faults.sh   # another binary, no build
#
# Needs: cargo, psql, curl, python3 (standard library only), and PostgreSQL 15+
# server binaries (initdb, pg_ctl) in PG_BIN (default /usr/lib/postgresql/15/bin).
# Run as root, the cluster runs as the user `postgres`.
set -euo pipefail

BENCH_NAME=bench/faults.sh
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
DB=onpace_faults
PORT=${BENCH_PORT:-$(free_port)}
BASE=http://127.0.0.1:$PORT
FLOOD_CLIENTS=${FAULTS_FLOOD_CLIENTS:-48}
FLOOD_SECS=${FAULTS_FLOOD_SECS:-30}
CASES=${FAULTS_CASES:-1 2 3 4}  # which cases to run, e.g. FAULTS_CASES="2 3"

py() { python3 "$ROOT/bench/faults.py" "$@"; }

# as_pg CMD...: runs a PostgreSQL server command, as `postgres` when we are root
# (initdb and the server refuse to run as root).
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# ---------------------------------------------------------------- preconditions
need_tools psql curl python3
[ -n "${ONPACE_BIN:-}" ] || need_tools cargo
need_positive PORT FLOOD_CLIENTS FLOOD_SECS
[[ $CASES =~ ^[1-4\ ]+$ ]] || fail "FAULTS_CASES lists case numbers 1 to 4, got '$CASES'"
for tool in initdb pg_ctl; do
  [ -x "$PG_BIN/$tool" ] || fail "no $PG_BIN/$tool; set PG_BIN to the directory of PostgreSQL's server binaries"
done
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  fail "running as root needs a user 'postgres' to run the cluster as"
fi
if curl -s -o /dev/null --max-time 2 "$BASE/healthz"; then
  fail "something already answers on $BASE; set BENCH_PORT to a free port"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/onpace-faults.XXXXXX")
chmod 755 "$WORK"
PG_DIR=$WORK/pg                # the cluster's data, log and socket; owned by its user
PGDATA_DIR=$PG_DIR/data
PG_LOG=$PG_DIR/postgres.log
SERVER_PID=
PG_STARTED=0
SUITE_DONE=0 # set once every case has run: a failing case is no error of the suite
STARTED_AT=$(now)

faults_cleanup() {
  local status=$?
  set +e
  if [ "$status" -ne 0 ] && [ "$SUITE_DONE" = 0 ] && [ -s "$WORK/server.log" ]; then
    echo "--- last lines of the server log ---" >&2
    tail -n 20 "$WORK/server.log" >&2
  fi
  stop_service
  if [ "$PG_STARTED" = 1 ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m immediate -w stop >/dev/null 2>&1 \
      || echo "warning: could not stop the cluster in $PGDATA_DIR" >&2
  fi
  if [ "${KEEP_WORK:-0}" = 1 ]; then
    echo "KEEP_WORK=1: $WORK kept (server logs, PostgreSQL's log)" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap faults_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------- 1. build
build_service

# ------------------------------------------------- 2. the cluster, on a free port
PG_PORT=${FAULTS_PG_PORT:-$(free_port)}
say "starting a PostgreSQL cluster on 127.0.0.1:$PG_PORT in $PG_DIR"
mkdir -p "$PG_DIR"
[ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
as_pg "$PG_BIN/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 -N \
  >"$WORK/initdb.log" 2>&1 || fail "initdb failed: $(tail -n 5 "$WORK/initdb.log")"
PG_STARTED=1
as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PG_LOG" -w -t 60 \
  -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null \
  || fail "the cluster did not start: $(tail -n 5 "$PG_LOG" 2>/dev/null)"
export PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=postgres
unset PGPASSWORD PGDATABASE PGSERVICE PGSSLMODE
export DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/$DB
RESTART_CMD="$(printf '%q ' "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PG_LOG" -w -t 60 -m fast restart)"
[ "$(id -u)" = 0 ] && RESTART_CMD="runuser -u postgres -- $RESTART_CMD"

# --------------------------------------- 3. database, organisation, people, client
create_db
DB_CREATED=0 # the cluster goes as a whole

# fresh_service: (re)starts the service, so that each case begins with a new process.
fresh_service() {
  stop_service
  [ -s "$WORK/server.log" ] && cat "$WORK/server.log" >>"$WORK/server-earlier.log"
  start_service
}

want() { [[ " $CASES " == *" $1 "* ]]; }
want 4 || FLOOD_CLIENTS=0

fresh_service
say "creating salespeople, accounts, an integration client and $FLOOD_CLIENTS people for the sign-in flood (through the API)"
py setup --url "$BASE" --state "$WORK/state.json" --org "$ORG" --admin-email "$ADMIN_EMAIL" \
  --admin-password "$ADMIN_PASSWORD" --flood-people "$FLOOD_CLIENTS" || fail "setting up failed (see above)"

# ------------------------------------------------------------------- 4. cases
LINES=()
FAILED=0
# record RC LINE: keeps the case's line; RC 0 ok, 1 FAIL, anything else stops the suite.
record() {
  local rc=$1 line=$2
  case "$rc" in
    0) ;;
    1) FAILED=$((FAILED + 1)) ;;
    *) fail "a case could not be measured (see above)" ;;
  esac
  echo "$line"
  LINES+=("$line")
}

# kill_mid_batch: case 2's first half; the service is killed and started again.
kill_mid_batch() {
  local rc=0
  # bash reports a child killed by a signal ("Killed") on its own stderr: not here.
  exec 3>&2 2>/dev/null
  # (python3 itself, not the function py: a function's redirections are the shell's.)
  python3 "$ROOT/bench/faults.py" kill-batch --url "$BASE" --state "$WORK/state.json" --db "$DB" \
    --pid "$SERVER_PID" --out "$WORK/killed.json" 2>&3 || rc=$?
  wait "$SERVER_PID" || true
  exec 2>&3 3>&-
  SERVER_PID=
  [ "$rc" = 0 ] || fail "case 2: the kill failed (see above)"
  fresh_service
}

# restart_idle: case 1's first part, on the service just started; then a fresh one.
restart_idle() {
  py restart-idle --url "$BASE" --state "$WORK/state.json" --db "$DB" --restart-cmd "$RESTART_CMD" \
    --out "$WORK/restart-idle.json" || fail "case 1: the restart in a quiet hour failed (see above)"
  fresh_service
}

# run_case N TITLE BEFORE SUBCOMMAND [ARGS...]: when case N is chosen, runs it on a
# freshly started service: the function BEFORE (or `:`), then `faults.py
# SUBCOMMAND`, and keeps the line it prints.
run_case() {
  local n=$1 title=$2 before=$3 rc=0 line
  shift 3
  want "$n" || return 0
  say "case $n: $title"
  fresh_service
  "$before"
  line=$(py "$@" --url "$BASE" --state "$WORK/state.json" --db "$DB" --pid "$SERVER_PID") || rc=$?
  record "$rc" "$line"
}

run_case 1 "PostgreSQL restarted (pg_ctl restart -m fast) in a quiet hour, then under reads and writes" \
  restart_idle restart --restart-cmd "$RESTART_CMD" --idle "$WORK/restart-idle.json"
run_case 2 "the service killed (SIGKILL) mid-batch, restarted, the batch replayed with its key" kill_mid_batch \
  replay --killed "$WORK/killed.json"
run_case 3 "8 clients pushing overlapping batches at once" : \
  overlap --pg-log "$PG_LOG"
run_case 4 "$FLOOD_CLIENTS clients signing in for $FLOOD_SECS s, a probe on GET /v1/me" : \
  flood --clients "$FLOOD_CLIENTS" --seconds "$FLOOD_SECS"
stop_service
SUITE_DONE=1

# ------------------------------------------------------------------ 5. summary
echo
say "summary: $BIN, nproc $(nproc), $(pq -d "$DB" -Atc 'SHOW server_version'), $(since "$STARTED_AT") s in all"
for line in "${LINES[@]}"; do echo "$line"; done
if [ "$FAILED" -gt 0 ]; then
  echo "$FAILED of ${#LINES[@]} cases FAILED"
  exit 1
fi
echo "all ${#LINES[@]} cases ok"
