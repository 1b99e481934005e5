#!/usr/bin/env bash
# onpace on Citus: starts a Citus cluster of its own (a coordinator and two
# workers, PostgreSQL 15, on free ports in a temporary directory, removed at
# the end), runs `onpace migrate` on it twice (the second run places nothing),
# checks that every table is placed (tenant tables distributed by org_id and
# colocated, the others reference tables) with every foreign key kept, serves
# the demo organisation from the coordinator with the release binary and runs
# scripts/scale-scenario.py against it (a push of 1,000 sales, a transfer, a
# team move, progress and scorecards, with figures worked out by hand). Prints
# EXPLAIN of the progress read for one organisation, routed to a single worker
# ("Task Count: 1"), and of a batch push's two statements, whose rows come from
# their own arrays ("pull to coordinator" over "Function Scan on unnest": the
# coordinator sends each row to the shard of its org_id), and the scenario's
# timings beside the same scenario on one PostgreSQL (a scratch database on
# 127.0.0.1:5432).
#
#   scripts/citus-check.sh
#   CITUS_SOURCE=/path/to/citus-13.2.2.tar.gz scripts/citus-check.sh
#   CITUS_CHECK_KEEP=1 scripts/citus-check.sh   # leaves the cluster running
#
# Needs cargo, psql, curl, python3, PostgreSQL 15's server binaries in PG_BIN
# (default /usr/lib/postgresql/15/bin), PostgreSQL on 127.0.0.1:5432 (user
# postgres, trust), and the Citus extension installed for PostgreSQL 15. When
# it is not installed and CITUS_SOURCE names Citus 13.2.2's source tarball
# (https://github.com/citusdata/citus/archive/refs/tags/v13.2.2.tar.gz), it is
# built and installed from it first (as root: apt-get for the build
# dependencies, then `make install`; a few minutes). Run as root, the clusters
# run as the user `postgres`.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PLAIN_URL_BASE=${PLAIN_URL_BASE:-postgres://postgres@127.0.0.1:5432}
started_at=$(date +%s)

# A step's heading, with the seconds since the start.
say() { printf '\n==> [%s s] %s\n' "$(($(date +%s) - started_at))" "$*"; }
fail() {
  echo "citus-check: $*" >&2
  exit 1
}
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

for tool in cargo psql curl python3; do
  command -v "$tool" >/dev/null || fail "needs $tool"
done
for tool in initdb pg_ctl pg_config; do
  [ -x "$PG_BIN/$tool" ] || fail "no $PG_BIN/$tool; set PG_BIN to PostgreSQL 15's server binaries"
done
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  fail "running as root needs a user 'postgres' to run the clusters as"
fi

# ------------------------------------------------------------- 1. Citus itself
libdir=$("$PG_BIN/pg_config" --pkglibdir)
if [ ! -f "$libdir/citus.so" ]; then
  [ -n "${CITUS_SOURCE:-}" ] || fail "the Citus extension is not installed in $libdir. \
Set CITUS_SOURCE to Citus 13.2.2's source tarball (https://github.com/citusdata/citus/archive/refs/tags/v13.2.2.tar.gz) \
to have it built and installed (as root), or install it yourself"
  [ -f "$CITUS_SOURCE" ] || fail "CITUS_SOURCE=$CITUS_SOURCE: no such file"
  [ "$(id -u)" = 0 ] || fail "building Citus installs it into $libdir: run as root, or install it yourself"
  say "building Citus from $CITUS_SOURCE (a few minutes)"
  pgv=$("$PG_BIN/pg_config" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-server-dev-$pgv" \
    liblz4-dev libzstd-dev libkrb5-dev libssl-dev >/dev/null
  unpacked=$(mktemp -d)
  tar -xzf "$CITUS_SOURCE" -C "$unpacked"
  # GitHub's archive holds one directory (citus-13.2.2/); other tarballs the tree itself.
  build=$unpacked
  if [ ! -f "$build/configure" ]; then
    build=$(find "$unpacked" -mindepth 1 -maxdepth 1 -type d | head -n 1)
    [ -f "$build/configure" ] || fail "no configure script in $CITUS_SOURCE"
  fi
  # PostgreSQL 15.20 declares have_createdb_privilege(), which Citus 13.2.2
  # still defines for itself on PostgreSQL 15: use the server's declaration.
  python3 - "$build/src/include/pg_version_compat.h" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
start = s.find("static inline bool\nhave_createdb_privilege(void)")
if start >= 0:
    end = s.index("\n}\n", start) + 3
    s = s[:start] + '#include "commands/dbcommands.h"\n' + s[end:]
    open(p, "w").write(s)
PY
  (cd "$build" && PG_CONFIG="$PG_BIN/pg_config" ./configure --without-libcurl >/dev/null &&
    make -j"$(nproc)" >/dev/null 2>&1 && make install >/dev/null) ||
    fail "building Citus failed (in $build)"
  rm -rf "$unpacked"
fi
echo "citus: $libdir/citus.so"

# ---------------------------------------------------------------- 2. clusters
WORK=$(mktemp -d "${TMPDIR:-/tmp}/onpace-citus.XXXXXX")
chmod 755 "$WORK"
[ "$(id -u)" = 0 ] && chown postgres: "$WORK"
NODES=()
SERVICE_PID=
PLAIN_DB=onpace_citus_check_$$
cleanup() {
  local status=$?
  set +e
  if [ -n "$SERVICE_PID" ]; then
    kill "$SERVICE_PID" 2>/dev/null
    wait "$SERVICE_PID" 2>/dev/null
  fi
  if [ "$status" -ne 0 ] && [ -s "$WORK/service.log" ]; then
    echo "--- last lines of the service's log ---" >&2
    tail -n 20 "$WORK/service.log" >&2
  fi
  if [ "${CITUS_CHECK_KEEP:-0}" = 1 ]; then
    echo "CITUS_CHECK_KEEP=1: the cluster keeps running on ports ${NODES[*]} in $WORK" >&2
    echo "(stop each with: pg_ctl -D $WORK/<port> stop)" >&2
    exit "$status"
  fi
  for port in "${NODES[@]}"; do
    as_pg "$PG_BIN/pg_ctl" -D "$WORK/$port" -m immediate -w stop >/dev/null 2>&1
  done
  psql -q -h 127.0.0.1 -p 5432 -U postgres -d postgres \
    -c "DROP DATABASE IF EXISTS $PLAIN_DB WITH (FORCE)" >/dev/null 2>&1
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "a Citus coordinator and two workers"
for role in coordinator worker worker; do
  port=$(free_port)
  as_pg "$PG_BIN/initdb" -D "$WORK/$port" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 -N \
    >"$WORK/initdb.log" 2>&1 || fail "initdb failed: $(tail -n 5 "$WORK/initdb.log")"
  NODES+=("$port")
  as_pg "$PG_BIN/pg_ctl" -D "$WORK/$port" -l "$WORK/$port.log" -w -t 60 \
    -o "-p $port -k $WORK -c listen_addresses=127.0.0.1 -c shared_preload_libraries=citus -c max_connections=200" \
    start >/dev/null || fail "the $role did not start: $(tail -n 5 "$WORK/$port.log")"
  psql -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE onpace"
  psql -q -h 127.0.0.1 -p "$port" -U postgres -d onpace -c "CREATE EXTENSION citus"
  echo "$role on 127.0.0.1:$port"
done
COORD=${NODES[0]}
coord() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$COORD" -U postgres -d onpace "$@"; }
coord -Atc "SELECT citus_set_coordinator_host('127.0.0.1', $COORD)" >/dev/null
for port in "${NODES[@]:1}"; do
  coord -Atc "SELECT citus_add_node('127.0.0.1', $port)" >/dev/null
done
coord -Atc "SELECT citus_version()"
[ "$(coord -Atc "SELECT count(*) FROM citus_get_active_worker_nodes()")" = 2 ] ||
  fail "the coordinator does not see two workers"

# ------------------------------------------------------- 3. build and migrate
say "cargo build --release"
cargo build --release --quiet --bin onpace
BIN=target/release/onpace
CITUS_URL=postgres://postgres@127.0.0.1:$COORD/onpace

say "onpace migrate, on the coordinator"
first=$(DATABASE_URL=$CITUS_URL ONPACE_LOG=warn "$BIN" migrate)
echo "$first"
grep -q '^citus: [0-9]* table(s) distributed by org_id' <<<"$first" ||
  fail "the first migrate distributed nothing"

say "onpace migrate again: nothing is left to place"
again=$(DATABASE_URL=$CITUS_URL ONPACE_LOG=warn "$BIN" migrate)
echo "$again"
[ "$again" = "database ready (0 migration(s) applied)
citus: every table is distributed or a reference table already" ] || fail "the second migrate was not idempotent"

say "every table placed"
coord -c "SELECT citus_table_type AS type, distribution_column AS by, colocation_id,
                 count(*) AS tables, string_agg(table_name::text, ', ' ORDER BY table_name::text) AS names
            FROM citus_tables GROUP BY 1, 2, 3 ORDER BY 1, 2"
unplaced=$(coord -Atc "SELECT string_agg(c.relname, ', ') FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> '__diesel_schema_migrations'
    AND c.oid NOT IN (SELECT table_name FROM citus_tables)")
[ -z "$unplaced" ] || fail "tables left plain: $unplaced"
[ "$(coord -Atc "SELECT count(DISTINCT colocation_id) FROM citus_tables WHERE citus_table_type = 'distributed'")" = 1 ] ||
  fail "the distributed tables are not all colocated"
[ "$(coord -Atc "SELECT count(*) FROM citus_tables WHERE citus_table_type = 'distributed' AND distribution_column <> 'org_id'")" = 0 ] ||
  fail "a table is distributed by something else than org_id"

# The same schema on one PostgreSQL: as many foreign keys as on Citus.
PLAIN_URL=$PLAIN_URL_BASE/$PLAIN_DB
DATABASE_URL=$PLAIN_URL ONPACE_LOG=warn "$BIN" migrate >/dev/null
fk_sql="SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE n.nspname = 'public' AND c.contype = 'f'"
fk_citus=$(coord -Atc "$fk_sql")
fk_plain=$(psql -X -h 127.0.0.1 -p 5432 -U postgres -d "$PLAIN_DB" -Atc "$fk_sql")
echo "foreign keys: $fk_citus on the coordinator, $fk_plain on one PostgreSQL"
[ "$fk_citus" = "$fk_plain" ] || fail "foreign keys were lost in the distribution"

say "a table a later migration adds is placed by the next migrate"
coord -c "CREATE TABLE scale_probe (org_id uuid NOT NULL REFERENCES orgs (id), id uuid NOT NULL,
            PRIMARY KEY (org_id, id))"
probe=$(DATABASE_URL=$CITUS_URL ONPACE_LOG=warn "$BIN" migrate)
echo "$probe"
grep -q '^citus: 1 table(s) distributed by org_id (scale_probe), 0 reference table(s),' <<<"$probe" ||
  fail "the new table was not distributed"
coord -c "DROP TABLE scale_probe"

# ------------------------------------------------------------ 4. the scenario
# run_scenario URL LABEL: serves the demo from URL and runs the scenario;
# its last line (the timings) is appended to $WORK/timings.
run_scenario() {
  local url=$1 label=$2 port
  port=$(free_port)
  DATABASE_URL=$url ONPACE_LISTEN=127.0.0.1:$port ONPACE_LOG=warn \
    "$BIN" serve --demo >"$WORK/service.log" 2>&1 &
  SERVICE_PID=$!
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    kill -0 "$SERVICE_PID" 2>/dev/null || fail "the service did not start on $label"
    sleep 0.5
  done
  python3 scripts/scale-scenario.py "http://127.0.0.1:$port" "$label" | tee "$WORK/scenario.out"
  tail -n 1 "$WORK/scenario.out" >>"$WORK/timings"
  kill "$SERVICE_PID"
  wait "$SERVICE_PID" 2>/dev/null || true
  SERVICE_PID=
  if grep -E '"level":"(ERROR|WARN)"|ERROR|WARN' "$WORK/service.log" |
    grep -v -e 'ONPACE_SECRETS_KEY' -e 'ONPACE_JWT_PRIVATE_KEY_FILE' >"$WORK/complaints"; then
    echo "the service on $label logged:"
    cat "$WORK/complaints"
    fail "the service logged errors or warnings on $label"
  fi
}

say "the scenario against the Citus coordinator"
run_scenario "$CITUS_URL" citus

say "EXPLAIN on the coordinator: one organisation's statements go to one worker"
timing() { python3 -c "import json,sys; print(json.loads(sys.stdin.readline())['$1'])" <"$WORK/timings"; }
org=$(timing org_id)
explain() {
  local what=$1 plan
  plan=$(coord -v org="'$org'" -v target="'$(timing target_id)'" -v as_of="'$(timing as_of)'" \
    -v account="'$(timing account_id)'" -v who="'$(timing salesperson_id)'" -f -)
  echo "-- $what"
  echo "$plan"
  grep -q 'Task Count: 1$' <<<"$plan" || fail "$what is not routed to one worker"
}
{
  echo "EXPLAIN (COSTS OFF)"
  cat bench/sql/progress.sql
} | explain "the progress read (bench/sql/progress.sql, the service's statement)"
# A push's statements take their rows as arrays (unnest): the coordinator reads
# them and sends each row to the shard of its org_id, all of one organisation's
# to one worker; nothing is read from the other shards.
explain_push() {
  local what=$1 plan
  plan=$(coord -v org="'$org'" -v as_of="'$(timing as_of)'" -v account="'$(timing account_id)'" \
    -v who="'$(timing salesperson_id)'" -f -)
  echo "-- $what"
  echo "$plan"
  grep -q 'INSERT/SELECT method: pull to coordinator' <<<"$plan" && grep -q 'Function Scan on unnest' <<<"$plan" ||
    fail "$what does not take its rows from its own arrays"
}
explain_push "a batch push's insert of its sales (src/results/store/mod.rs, insert_sales)" <<'SQL'
EXPLAIN (COSTS OFF)
INSERT INTO sales (org_id, id, source, external_id, account_id, salesperson_id, salesperson_given,
                   occurred_on, kind, currency, fx_rate, amount_revenue, amount_gross_profit,
                   revenue, gross_profit, splits_given, split)
SELECT :org::uuid, * FROM unnest(ARRAY[gen_random_uuid(), gen_random_uuid()], ARRAY['explain', 'explain'],
       ARRAY['e-1', 'e-2'], ARRAY[:account, :account]::uuid[], ARRAY[:who, :who]::uuid[],
       ARRAY[false, false], ARRAY[:as_of, :as_of]::date[], ARRAY['invoice', 'invoice'],
       ARRAY['EUR', 'EUR'], ARRAY[1, 1]::numeric[], ARRAY[10, 20]::numeric[], ARRAY[0, 0]::numeric[],
       ARRAY[10, 20]::numeric[], ARRAY[0, 0]::numeric[], ARRAY[false, false], ARRAY[false, false])
ON CONFLICT DO NOTHING RETURNING id;
SQL
explain_push "a batch push's money upsert (src/results/store/apply.rs)" <<'SQL'
EXPLAIN (COSTS OFF)
INSERT INTO daily_sales AS d (org_id, salesperson_id, day, revenue, gross_profit,
                              overlay_revenue, overlay_gross_profit)
SELECT :org::uuid, * FROM unnest(ARRAY[:who]::uuid[], ARRAY[:as_of]::date[], ARRAY[30]::numeric[],
       ARRAY[10]::numeric[], ARRAY[NULL]::numeric[], ARRAY[5]::numeric[])
ON CONFLICT (org_id, salesperson_id, day) DO UPDATE SET
  revenue = d.revenue + excluded.revenue,
  gross_profit = d.gross_profit + excluded.gross_profit,
  overlay_revenue = nullif(coalesce(d.overlay_revenue, 0) + coalesce(excluded.overlay_revenue, 0), 0),
  overlay_gross_profit = nullif(coalesce(d.overlay_gross_profit, 0) + coalesce(excluded.overlay_gross_profit, 0), 0);
SQL

explain_push "a push's counted-metric upsert (src/results/store/apply.rs)" <<'SQL'
EXPLAIN (COSTS OFF)
INSERT INTO daily_rollup (org_id, salesperson_id, metric, day, amount)
SELECT :org::uuid, * FROM unnest(ARRAY[:who, :who]::uuid[], ARRAY['activity:call', 'new_accounts'],
       ARRAY[:as_of, :as_of]::date[], ARRAY[3, 1]::numeric[])
ON CONFLICT (org_id, salesperson_id, metric, day) DO UPDATE SET amount = daily_rollup.amount + excluded.amount;
SQL

say "the scenario against one PostgreSQL (database $PLAIN_DB on 127.0.0.1:5432)"
run_scenario "$PLAIN_URL" postgresql

say "timings on this machine (milliseconds)"
python3 - "$WORK/timings" <<'PY'
import json, sys
rows = {r["label"]: r for r in map(json.loads, open(sys.argv[1]))}
c, p = rows["citus"], rows["postgresql"]
print(f"{'':34}{'Citus coordinator':>20}{'one PostgreSQL':>18}")
for key, name in [("progress_read_ms_median", "progress read, median of 200"),
                  ("progress_read_ms_p95", "progress read, p95 of 200"),
                  ("push_1000_ms_median", "push of 1,000 sales, median of 5")]:
    print(f"{name:34}{c[key]:>20}{p[key]:>18}")
PY
echo "citus-check: passed in $(($(date +%s) - started_at)) s"
