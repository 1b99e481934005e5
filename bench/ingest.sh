#!/usr/bin/env bash
# Sales-ingest benchmark: POST /v1/sales/batch against a raw multi-row
# INSERT ... ON CONFLICT through psql (no rollup), on a database holding 900,000
# sales before the first batch; then the same with every sale shared 60/40
# between two salespeople (the raw side inserting each sale's two credit rows
# too). See bench/README.md.
#
#   bash bench/ingest.sh            # one run
#   RUNS=3 bash bench/ingest.sh     # three runs and the medians
#
# Needs: cargo, psql, curl, python3 (standard library only), and PostgreSQL at
# PGHOST:PGPORT (default 127.0.0.1:5432) as PGUSER (default postgres), allowed
# to create and drop the scratch database BENCH_DB (default onpace_bench).
set -euo pipefail

BENCH_NAME=bench/ingest.sh
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROWS=${BENCH_ROWS:-100000}            # new sales per run and per path
SPLITS=${BENCH_SPLITS:-both}          # plain, split or both
BATCH=${BENCH_BATCH:-1000}            # items per request / rows per INSERT
SEED_SALES=${BENCH_SEED_SALES:-900000}
SELLERS=50
ACCOUNTS=5000
CLIENT_NAME=bench

py() { python3 "$ROOT/bench/ingest.py" "$@"; }

# ---------------------------------------------------------------- preconditions
need_tools cargo psql curl python3
need_positive ROWS BATCH SEED_SALES
case "$SPLITS" in plain) MODES=plain ;; split) MODES=split ;; both) MODES="plain split" ;;
  *) fail "BENCH_SPLITS must be plain, split or both, not '$SPLITS'" ;; esac
[ "$SEED_SALES" -ge "$ACCOUNTS" ] || fail "BENCH_SEED_SALES must be at least $ACCOUNTS"
bench_init

# ------------------------------------------------------------ 1. build, migrate
build_service
create_db

# ------------------------------------------------------------------- 2. seed
seed_db "$SELLERS" "$ACCOUNTS" "$SEED_SALES"

pq -d "$DB" -At -F $'\t' -c "SELECT id, owner_id FROM accounts WHERE org_id = '$ORG' ORDER BY name" >"$WORK/accounts.tsv"
[ "$(wc -l <"$WORK/accounts.tsv")" -eq "$ACCOUNTS" ] || fail "expected $ACCOUNTS accounts in $WORK/accounts.tsv"

# ---------------------------------------------------- 3. server, client, token
start_service
admin_token=$(sign_in "$ADMIN_EMAIL" "$ADMIN_PASSWORD")
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

# rollup_mismatches: (salesperson, day) pairs whose daily_sales revenue or gross profit
# differs from the sum of the ledger's revenue credits, leaving out the raw rows (which
# skip the rollup).
rollup_mismatches() {
  pq -d "$DB" -At <<SQL
WITH l AS (
  SELECT c.salesperson_id, s.occurred_on AS day, sum(c.revenue) AS rev, sum(c.gross_profit) AS gp
  FROM sales s JOIN sale_credits c ON c.org_id = s.org_id AND c.sale_id = s.id
  WHERE s.org_id = '$ORG' AND s.source <> 'raw' AND s.voided_at IS NULL
    AND c.credit_type = 'revenue'
  GROUP BY 1, 2
), r AS (
  SELECT salesperson_id, day, revenue AS rev, gross_profit AS gp
  FROM daily_sales WHERE org_id = '$ORG'
)
SELECT count(*) FROM l FULL JOIN r USING (salesperson_id, day)
WHERE coalesce(l.rev, 0) <> coalesce(r.rev, 0) OR coalesce(l.gp, 0) <> coalesce(r.gp, 0);
SQL
}

for run in $(seq 1 "$RUNS"); do
for mode in $MODES; do
  if [ "$mode" = split ]; then flag=--splits; tag=s; else flag=; tag=; fi
  if [ "$RUNS" -gt 1 ]; then api_prefix=api$tag-r$run-; raw_prefix=raw$tag-r$run-; else api_prefix=api$tag-; raw_prefix=raw$tag-; fi
  say "run $run/$RUNS ($mode): $ROWS new sales per path, in batches of $BATCH"

  if [ "$API_ROUTED" = 1 ]; then
    pq -d "$DB" -c CHECKPOINT >/dev/null 2>&1 || true  # start each timed part from a clean checkpoint
    rc=0
    py api --url "$BASE" --accounts "$WORK/accounts.tsv" --run "$run" --rows "$ROWS" \
      --batch "$BATCH" --prefix "$api_prefix" --result "$RESULTS" $flag || rc=$?
    if [ "$rc" = 3 ]; then
      API_ROUTED=0
      echo "  api: SKIPPED: POST /v1/sales/batch is not routed in this build (404/405); only the raw part runs"
    elif [ "$rc" != 0 ]; then
      fail "the API run failed (see above)"
    else
      IFS=$'\t' read -r n sources misowned <<<"$(count_rows "$api_prefix")"
      [ "$n" = "$ROWS" ] || fail "the API answered created for every item, but the sales table holds $n rows with external ids '$api_prefix*' (expected $ROWS)"
      [ "$misowned" = 0 ] || fail "$misowned of the API's rows do not name their account's owner (the largest share under splits)"
      [ "$sources" = "$CLIENT_NAME" ] || echo "  note: API rows stored with source '$sources' (the spec's default is the client's name, '$CLIENT_NAME')"
      bad=$(rollup_mismatches)
      if [ "$bad" = 0 ]; then
        echo "  api: checked: $n rows stored, each naming its account's owner; the rollup (daily_sales) matches the ledger's credits"
      else
        echo "  api: WARNING: the rollup (daily_sales) differs from the ledger on $bad (salesperson, day) pairs"
        ROLLUP_WARNINGS+=("run $run ($mode): the rollup (daily_sales) differs from the ledger on $bad (salesperson, day) pairs")
      fi
    fi
  fi

  pq -d "$DB" -c CHECKPOINT >/dev/null 2>&1 || true
  py raw --org "$ORG" --dbname "$DB" --sql "$WORK/raw-$run.sql" --accounts "$WORK/accounts.tsv" \
    --run "$run" --rows "$ROWS" --batch "$BATCH" --prefix "$raw_prefix" --result "$RESULTS" $flag \
    || fail "the raw run failed (see above)"
  echo "  raw: (does not maintain the rollup (daily_sales), resolve owners or validate anything: the API does all three)"
  rm -f "$WORK/raw-$run.sql"
  IFS=$'\t' read -r n _ _ <<<"$(count_rows "$raw_prefix")"
  [ "$n" = "$ROWS" ] || fail "the raw run left $n rows with external ids '$raw_prefix*' (expected $ROWS)"
done
done

# ------------------------------------------------------------------ 6. summary
echo
say "summary: $ROWS sales per run in batches of $BATCH into $SEED_SALES existing, $RUNS run(s)"
echo "machine: nproc $(nproc), $(pq -d "$DB" -Atc "SHOW server_version") PostgreSQL at $PGHOST:$PGPORT, service and client on the same machine"
py summary --result "$RESULTS"
echo "service peak RSS (VmHWM): $(awk '$1 == "VmHWM:" { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status") MiB"
echo "The API figure includes HTTP and JSON, validation, owner resolution and the rollup (daily_sales)"
echo "upsert in the same transaction; the raw figure is the ledger INSERT alone (with the"
echo "sale_shares INSERT of the same rows in the same transaction under splits)."
[ "$API_ROUTED" = 1 ] || echo "API run skipped: POST /v1/sales/batch answered 404/405 (not routed in this build)."
for w in "${ROLLUP_WARNINGS[@]+"${ROLLUP_WARNINGS[@]}"}"; do echo "WARNING: $w"; done
