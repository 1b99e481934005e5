#!/usr/bin/env bash
# Sales-ingest benchmark: POST /v1/sales/batch against a raw multi-row
# INSERT ... ON CONFLICT through psql, on a database already holding 1,000,000
# sales. See bench/README.md.
#
#   bash bench/ingest.sh            # one run
#   RUNS=3 bash bench/ingest.sh     # three runs and the medians
#
# Needs: cargo, psql, curl, python3 (standard library only), and PostgreSQL at
# PGHOST:PGPORT (default 127.0.0.1:5432) as PGUSER (default postgres), allowed
# to create and drop the scratch database BENCH_DB (default onpace_bench).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

export PGHOST=${PGHOST:-127.0.0.1}
export PGPORT=${PGPORT:-5432}
export PGUSER=${PGUSER:-postgres}
DB=${BENCH_DB:-onpace_bench}
PORT=${BENCH_PORT:-18790}
RUNS=${RUNS:-1}
ROWS=${BENCH_ROWS:-100000}            # new sales per run and per path
BATCH=${BENCH_BATCH:-1000}            # items per request / rows per INSERT
SEED_SALES=${BENCH_SEED_SALES:-1000000}
SELLERS=50
ACCOUNTS=5000
BASE=http://127.0.0.1:$PORT
ADMIN_EMAIL=bench@example.com
ADMIN_PASSWORD=bench-admin-password-2026
CLIENT_NAME=bench
BIN=${CARGO_TARGET_DIR:-target}/release/onpace

say() { printf '==> %s\n' "$*"; }
fail() { printf 'bench/ingest.sh: error: %s\n' "$*" >&2; exit 1; }
pq() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
py() { python3 "$ROOT/bench/ingest.py" "$@"; }
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now)"; }

# ---------------------------------------------------------------- preconditions
for tool in cargo psql curl python3; do
  command -v "$tool" >/dev/null 2>&1 || fail "'$tool' is not on PATH; this benchmark needs cargo, psql, curl and python3"
done
for v in RUNS ROWS BATCH SEED_SALES PORT; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || fail "$v must be a positive integer, got '${!v}'"
done
[[ $DB =~ ^[a-z_][a-z0-9_]*$ ]] || fail "BENCH_DB must be a plain lower-case identifier, got '$DB'"
[ "$SEED_SALES" -ge "$ACCOUNTS" ] || fail "BENCH_SEED_SALES must be at least $ACCOUNTS"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/onpace-bench.XXXXXX")
SERVER_PID=
DB_CREATED=0
cleanup() {
  local status=$?
  set +e
  if [ -n "$SERVER_PID" ]; then
    if [ "$status" -ne 0 ] && [ -s "$WORK/server.log" ]; then
      echo "--- last lines of the server log ---" >&2
      tail -n 20 "$WORK/server.log" >&2
    fi
    kill "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  if [ "$DB_CREATED" = 1 ]; then
    if [ "${KEEP_DB:-0}" = 1 ]; then
      echo "KEEP_DB=1: database $DB kept" >&2
    else
      pq -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 \
        || echo "warning: could not drop database $DB" >&2
    fi
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
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

# ------------------------------------------------------------ 1. build, migrate
say "building the service (cargo build --release --bin onpace)"
cargo build --release --bin onpace || fail "cargo build --release failed (see above)"
[ -x "$BIN" ] || fail "no binary at $BIN after the build (CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-unset})"

say "creating the scratch database $DB on $PGHOST:$PGPORT"
pq -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
DB_CREATED=1
ONPACE_LOG=warn "$BIN" migrate || fail "onpace migrate failed (see above)"
[ "$(pq -d "$DB" -Atc "SELECT to_regclass('public.sales') IS NOT NULL AND to_regclass('public.daily_rollup') IS NOT NULL")" = t ] \
  || fail "tables sales and daily_rollup are missing after migrate: the results migration is not in this build"
ORG=$(ONPACE_LOG=warn ONPACE_ADMIN_PASSWORD=$ADMIN_PASSWORD "$BIN" bootstrap \
  --org Bench --currency EUR --admin-email "$ADMIN_EMAIL" | tail -n 1) || fail "onpace bootstrap failed (see above)"
[[ $ORG =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]] \
  || fail "onpace bootstrap printed '$ORG' where an organisation id was expected"
say "organisation $ORG"

# ------------------------------------------------------------------- 2. seed
say "seeding $SELLERS salespeople, $ACCOUNTS accounts, $SEED_SALES sales and their daily rollup"
t0=$(now)
pq -d "$DB" -v org="$ORG" -v sellers="$SELLERS" -v accounts="$ACCOUNTS" -v seed_sales="$SEED_SALES" <<'SQL'
BEGIN;

-- UUID version 7 for a given instant (the service's ids are v7: time-ordered).
CREATE FUNCTION pg_temp.uuid7(ts timestamptz) RETURNS uuid LANGUAGE sql VOLATILE AS $$
  SELECT encode(set_bit(set_bit(
    overlay(uuid_send(gen_random_uuid())
            PLACING substring(int8send(floor(extract(epoch FROM ts) * 1000)::bigint) FROM 3)
            FROM 1 FOR 6),
    52, 1), 53, 1), 'hex')::uuid
$$;

INSERT INTO users (org_id, id, email, name, role, selling_style, password_hash)
SELECT :'org', gen_random_uuid(), format('seller%s@bench.example.com', n), format('Seller %s', n),
       'salesperson', 'farmer', NULL
FROM generate_series(1, :sellers) n;

CREATE TEMP TABLE bench_sellers AS
SELECT id, (row_number() OVER (ORDER BY email) - 1)::int AS k
FROM users WHERE org_id = :'org' AND role = 'salesperson';

CREATE TEMP TABLE bench_accounts AS
SELECT g.n, gen_random_uuid() AS id, s.id AS owner_id
FROM generate_series(0, :accounts - 1) g(n) JOIN bench_sellers s ON s.k = g.n % :sellers;
CREATE UNIQUE INDEX ON bench_accounts (n);
ANALYZE bench_accounts;

INSERT INTO accounts (org_id, id, name, kind, status, owner_id)
SELECT :'org', id, format('Bench account %s', n), 'customer', 'active', owner_id FROM bench_accounts;

INSERT INTO account_owners (org_id, account_id, owner_id, from_on, reason)
SELECT :'org', id, owner_id, date '2025-01-01', 'bench' FROM bench_accounts;

-- A deterministic pseudo-random integer in [0, m) for row n, independent per salt.
CREATE FUNCTION pg_temp.pick(n bigint, salt bigint, m bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$ SELECT (hashint8extended(n, salt) & 9223372036854775807) % m $$;

-- Spread over the accounts and over the 730 days of 2025-2026; 50.00 to 25,000.00
-- of revenue at a 10% to 45% margin; credited to the account's owner.
INSERT INTO sales (org_id, id, source, external_id, account_id, salesperson_id, occurred_on,
                   kind, currency, fx_rate, amount_revenue, amount_gross_profit, revenue,
                   gross_profit, created_at, updated_at)
SELECT :'org', pg_temp.uuid7(x.ts), 'seed', 'seed-' || x.n, a.id, a.owner_id, x.day,
       'invoice', 'EUR', 1, x.rev, x.gp, x.rev, x.gp, x.ts, x.ts
FROM (
  SELECT n, acc, day, day + interval '8 hours' + pg_temp.pick(n, 4, 36000) * interval '1 second' AS ts,
         rev, round(rev * (10 + pg_temp.pick(n, 3, 36)) / 100, 2) AS gp
  FROM (
    SELECT g.n, pg_temp.pick(g.n, 1, :accounts) AS acc,
           date '2025-01-01' + pg_temp.pick(g.n, 2, 730)::int AS day,
           round(50 + pg_temp.pick(g.n, 5, 2495000) / 100.0, 2) AS rev
    FROM generate_series(1::bigint, :seed_sales) g(n)
  ) s
) x
JOIN bench_accounts a ON a.n = x.acc;

INSERT INTO daily_rollup (org_id, salesperson_id, metric, day, amount)
SELECT org_id, salesperson_id, 'revenue', occurred_on, sum(revenue)
FROM sales WHERE org_id = :'org' GROUP BY org_id, salesperson_id, occurred_on
UNION ALL
SELECT org_id, salesperson_id, 'gross_profit', occurred_on, sum(gross_profit)
FROM sales WHERE org_id = :'org' GROUP BY org_id, salesperson_id, occurred_on;

COMMIT;
SQL
pq -d "$DB" -c 'VACUUM (ANALYZE)'
say "seeded in $(since "$t0") s: $(pq -d "$DB" -Atc "SELECT format('%s sales, %s rollup rows, %s', (SELECT count(*) FROM sales), (SELECT count(*) FROM daily_rollup), pg_size_pretty(pg_database_size(current_database())))")"

pq -d "$DB" -At -F $'\t' -c "SELECT id, owner_id FROM accounts WHERE org_id = '$ORG' ORDER BY name" >"$WORK/accounts.tsv"
[ "$(wc -l <"$WORK/accounts.tsv")" -eq "$ACCOUNTS" ] || fail "expected $ACCOUNTS accounts in $WORK/accounts.tsv"

# ---------------------------------------------------- 3. server, client, token
say "starting the service on $BASE"
ONPACE_LISTEN=127.0.0.1:$PORT ONPACE_ACCESS_TOKEN_TTL_SECS=7200 ONPACE_LOG=warn \
  "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
ready=0
for _ in $(seq 1 120); do
  if curl -fsS -o /dev/null --max-time 2 "$BASE/readyz" 2>/dev/null; then ready=1; break; fi
  kill -0 "$SERVER_PID" 2>/dev/null || fail "the service exited during start-up"
  sleep 0.5
done
[ "$ready" = 1 ] || fail "the service did not answer $BASE/readyz with 2xx within 60 s"

# http METHOD PATH EXPECTED_STATUS [curl options...]: prints the body, or fails saying why.
http() {
  local method=$1 path=$2 want=$3 got
  shift 3
  got=$(curl -sS -X "$method" -o "$WORK/http.body" -w '%{http_code}' "$@" "$BASE$path") \
    || fail "$method $path: curl failed"
  [ "$got" = "$want" ] || fail "$method $path: expected $want, got $got: $(head -c 1000 "$WORK/http.body")"
  cat "$WORK/http.body"
}
field() { python3 -c 'import sys, json; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

admin_token=$(http POST /v1/auth/token 200 --data-urlencode grant_type=password \
  --data-urlencode "username=$ADMIN_EMAIL" --data-urlencode "password=$ADMIN_PASSWORD" | field access_token)
http POST /v1/clients 201 -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' \
  -d "{\"name\": \"$CLIENT_NAME\", \"scopes\": [\"sales:write\"]}" >"$WORK/client.json"
client_id=$(field client_id <"$WORK/client.json")
client_secret=$(field client_secret <"$WORK/client.json")
BENCH_TOKEN=$(http POST /v1/auth/token 200 --data-urlencode grant_type=client_credentials \
  --data-urlencode "client_id=$client_id" --data-urlencode "client_secret=$client_secret" | field access_token)
export BENCH_TOKEN
say "integration client '$CLIENT_NAME' ($client_id) signed in with scope sales:write"

# ------------------------------------------------------------------ 4-5. runs
RESULTS=$WORK/results.tsv
: >"$RESULTS"
API_ROUTED=1
ROLLUP_WARNINGS=()

# count_rows PREFIX: "count<TAB>sources<TAB>rows not credited to the account's owner" of the
# sales whose external id starts with PREFIX (every bench account has had one owner since 2025).
count_rows() {
  pq -d "$DB" -At -F $'\t' -c "SELECT count(*), coalesce(string_agg(DISTINCT s.source, ','), ''), count(*) FILTER (WHERE s.salesperson_id <> a.owner_id) FROM sales s JOIN accounts a ON a.org_id = s.org_id AND a.id = s.account_id WHERE s.org_id = '$ORG' AND s.external_id LIKE '$1%'"
}

# rollup_mismatches: (salesperson, day) pairs whose daily_rollup revenue or gross profit
# differs from the sum of the ledger, leaving out the raw rows (which skip the rollup).
rollup_mismatches() {
  pq -d "$DB" -At <<SQL
WITH l AS (
  SELECT salesperson_id, occurred_on AS day, sum(revenue) AS rev, sum(gross_profit) AS gp
  FROM sales WHERE org_id = '$ORG' AND source <> 'raw' AND voided_at IS NULL
  GROUP BY 1, 2
), r AS (
  SELECT salesperson_id, day,
         sum(amount) FILTER (WHERE metric = 'revenue') AS rev,
         sum(amount) FILTER (WHERE metric = 'gross_profit') AS gp
  FROM daily_rollup WHERE org_id = '$ORG' AND metric IN ('revenue', 'gross_profit')
  GROUP BY 1, 2
)
SELECT count(*) FROM l FULL JOIN r USING (salesperson_id, day)
WHERE coalesce(l.rev, 0) <> coalesce(r.rev, 0) OR coalesce(l.gp, 0) <> coalesce(r.gp, 0);
SQL
}

for run in $(seq 1 "$RUNS"); do
  if [ "$RUNS" -gt 1 ]; then api_prefix=api-r$run-; raw_prefix=raw-r$run-; else api_prefix=api-; raw_prefix=raw-; fi
  say "run $run/$RUNS: $ROWS new sales per path, in batches of $BATCH"

  if [ "$API_ROUTED" = 1 ]; then
    pq -d "$DB" -c CHECKPOINT >/dev/null 2>&1 || true  # start each timed part from a clean checkpoint
    rc=0
    py api --url "$BASE" --accounts "$WORK/accounts.tsv" --run "$run" --rows "$ROWS" \
      --batch "$BATCH" --prefix "$api_prefix" --result "$RESULTS" || rc=$?
    if [ "$rc" = 3 ]; then
      API_ROUTED=0
      echo "  api: SKIPPED: POST /v1/sales/batch is not routed in this build (404/405); only the raw part runs"
    elif [ "$rc" != 0 ]; then
      fail "the API run failed (see above)"
    else
      IFS=$'\t' read -r n sources misowned <<<"$(count_rows "$api_prefix")"
      [ "$n" = "$ROWS" ] || fail "the API answered created for every item, but the sales table holds $n rows with external ids '$api_prefix*' (expected $ROWS)"
      [ "$misowned" = 0 ] || fail "$misowned of the API's rows are not credited to their account's owner"
      [ "$sources" = "$CLIENT_NAME" ] || echo "  note: API rows stored with source '$sources' (the spec's default is the client's name, '$CLIENT_NAME')"
      bad=$(rollup_mismatches)
      if [ "$bad" = 0 ]; then
        echo "  api: checked: $n rows stored, each credited to its account's owner; daily_rollup matches the ledger"
      else
        echo "  api: WARNING: daily_rollup differs from the ledger on $bad (salesperson, day) pairs"
        ROLLUP_WARNINGS+=("run $run: daily_rollup differs from the ledger on $bad (salesperson, day) pairs")
      fi
    fi
  fi

  pq -d "$DB" -c CHECKPOINT >/dev/null 2>&1 || true
  py raw --org "$ORG" --dbname "$DB" --sql "$WORK/raw-$run.sql" --accounts "$WORK/accounts.tsv" \
    --run "$run" --rows "$ROWS" --batch "$BATCH" --prefix "$raw_prefix" --result "$RESULTS" \
    || fail "the raw run failed (see above)"
  echo "  raw: (does not maintain daily_rollup, resolve owners or validate anything: the API does all three)"
  rm -f "$WORK/raw-$run.sql"
  IFS=$'\t' read -r n _ _ <<<"$(count_rows "$raw_prefix")"
  [ "$n" = "$ROWS" ] || fail "the raw run left $n rows with external ids '$raw_prefix*' (expected $ROWS)"
done

# ------------------------------------------------------------------ 6. summary
echo
say "summary: $ROWS sales per run in batches of $BATCH into $SEED_SALES existing, $RUNS run(s)"
echo "machine: nproc $(nproc), $(pq -d "$DB" -Atc "SHOW server_version") PostgreSQL at $PGHOST:$PGPORT, service and client on the same machine"
py summary --result "$RESULTS"
echo "The API figure includes HTTP and JSON, validation, owner resolution and the daily_rollup"
echo "upsert in the same transaction; the raw figure is the ledger INSERT alone."
[ "$API_ROUTED" = 1 ] || echo "API run skipped: POST /v1/sales/batch answered 404/405 (not routed in this build)."
for w in "${ROLLUP_WARNINGS[@]+"${ROLLUP_WARNINGS[@]}"}"; do echo "WARNING: $w"; done
