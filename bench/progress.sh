#!/usr/bin/env bash
# Read benchmark: GET /v1/targets/{id}/progress and GET /v1/scorecards under wrk,
# each next to pgbench running the equivalent SQL (bench/sql/*.sql) on the same
# machine and database, in the same run. 1,000,000 sales, 200 salespeople, 4
# teams of 50. See bench/README.md.
#
#   bash bench/progress.sh            # one run
#   RUNS=3 bash bench/progress.sh     # three runs and the medians
#
# Needs: cargo, psql, pgbench, wrk (Debian/Ubuntu package wrk), curl, python3
# (standard library only), and PostgreSQL at PGHOST:PGPORT (default
# 127.0.0.1:5432) as PGUSER (default postgres), allowed to create and drop the
# scratch database BENCH_DB (default onpace_bench).
set -euo pipefail

BENCH_NAME=bench/progress.sh
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SEED_SALES=${BENCH_SEED_SALES:-1000000}
DURATION=${BENCH_DURATION:-20}        # seconds of each timed wrk and pgbench run
WARMUP=${BENCH_WARMUP:-3}             # seconds of load before each, not counted
CONNECTIONS=${BENCH_CONNECTIONS:-8}   # wrk -c and pgbench -c
THREADS=${BENCH_THREADS:-2}           # wrk -t and pgbench -j
SCORECARD_AS=${BENCH_SCORECARD_AS:-manager}
TEAMS=4
TEAM_SIZE=50
SELLERS=$((TEAMS * TEAM_SIZE))
ACCOUNTS=5000
PERIOD=2026-Q4
FROM_ON=2026-10-01
TO_ON=2026-12-31
AS_OF=2026-11-26
SELLER_EMAIL=seller1@bench.example.com

py() { python3 "$ROOT/bench/progress.py" "$@"; }

# ---------------------------------------------------------------- preconditions
need_tools cargo psql pgbench curl python3
command -v wrk >/dev/null 2>&1 \
  || fail "'wrk' is not on PATH: install the HTTP load generator wrk (Debian/Ubuntu: apt-get install wrk)"
need_positive SEED_SALES DURATION WARMUP CONNECTIONS THREADS
[ "$SEED_SALES" -ge "$ACCOUNTS" ] || fail "BENCH_SEED_SALES must be at least $ACCOUNTS"
[ "$THREADS" -le "$CONNECTIONS" ] || fail "BENCH_THREADS ($THREADS) must not exceed BENCH_CONNECTIONS ($CONNECTIONS)"
case $SCORECARD_AS in manager | admin) ;; *) fail "BENCH_SCORECARD_AS must be manager or admin, got '$SCORECARD_AS'" ;; esac
bench_init
t_start=$(now)

# ----------------------------------------------------- 1. build, migrate, seed
build_service
create_db
seed_db "$SELLERS" "$ACCOUNTS" "$SEED_SALES" "$ROOT/bench/progress-seed.sql" \
  -v teams="$TEAMS" -v team_size="$TEAM_SIZE" -v period="$PERIOD" -v from_on="$FROM_ON" -v to_on="$TO_ON"

# The salesperson, their revenue target, their team and its manager.
IFS=$'\t' read -r TARGET TEAM MANAGER_EMAIL <<<"$(pq -d "$DB" -At -F $'\t' -c "
  SELECT t.id, m.team_id, mgr.email
    FROM users u
    JOIN targets t ON t.org_id = u.org_id AND t.subject_type = 'user' AND t.subject_id = u.id
                  AND t.metric = 'revenue' AND t.period = '$PERIOD'
    JOIN team_members m ON m.org_id = u.org_id AND m.user_id = u.id
    JOIN teams tm ON tm.org_id = m.org_id AND tm.id = m.team_id
    JOIN users mgr ON mgr.org_id = tm.org_id AND mgr.id = tm.manager_id
   WHERE u.org_id = '$ORG' AND u.email = '$SELLER_EMAIL'")"
[ -n "${TARGET:-}" ] && [ -n "${TEAM:-}" ] || fail "the seed left no revenue target or team for $SELLER_EMAIL"
n=$(pq -d "$DB" -Atc "SELECT count(*) FROM team_members WHERE org_id = '$ORG' AND team_id = '$TEAM'")
[ "$n" = "$TEAM_SIZE" ] || fail "team $TEAM has $n members, expected $TEAM_SIZE"

# ----------------------------------------------------- 2. service and tokens
# Defaults on purpose: actix workers = CPUs, ONPACE_DB_POOL_SIZE = 10 (at least
# the $CONNECTIONS requests in flight; each request holds one connection at a time).
start_service
SELLER_TOKEN=$(sign_in "$SELLER_EMAIL" "$ADMIN_PASSWORD")
if [ "$SCORECARD_AS" = manager ]; then
  CARD_EMAIL=$MANAGER_EMAIL
else
  CARD_EMAIL=$ADMIN_EMAIL
fi
CARD_TOKEN=$(sign_in "$CARD_EMAIL" "$ADMIN_PASSWORD")
say "signed in as $SELLER_EMAIL (progress) and $CARD_EMAIL, the team's $SCORECARD_AS (scorecard)"

PROGRESS_PATH="/v1/targets/$TARGET/progress?as_of=$AS_OF"
CARD_PATH="/v1/scorecards?period=$PERIOD&team_id=$TEAM&as_of=$AS_OF"

# ------------------------------------------- 3. the same figures, once, untimed
sqlq() { # sqlq FILE: runs a pgbench script through psql, with the run's values.
  pq -d "$DB" -At -F $'\t' -v org="'$ORG'" -v target="'$TARGET'" -v team="'$TEAM'" \
    -v as_of="'$AS_OF'" -v from_on="'$FROM_ON'" -v to_on="'$TO_ON'" -f "$1"
}
say "checking the answers (200, and the same figures as the SQL)"
http GET "$PROGRESS_PATH" 200 -H "Authorization: Bearer $SELLER_TOKEN" >"$WORK/progress.json"
sqlq "$ROOT/bench/sql/progress.sql" >"$WORK/progress.tsv"
py check-progress "$WORK/progress.json" "$WORK/progress.tsv"
http GET "$CARD_PATH" 200 -H "Authorization: Bearer $CARD_TOKEN" >"$WORK/scorecard.json"
sqlq "$ROOT/bench/sql/scorecard.sql" >"$WORK/scorecard.tsv"
py check-scorecard "$WORK/scorecard.json" "$WORK/scorecard.tsv"
echo "  answer sizes: progress $(wc -c <"$WORK/progress.json") bytes, scorecard $(wc -c <"$WORK/scorecard.json") bytes"

# Round trips to the database per API request: the transactions it commits (each
# statement outside a transaction block is one) over 200 sequential requests.
# An idle backend reports its counts within 10 s (PostgreSQL 15), hence the pauses;
# the psql that reads the counter adds one transaction.
commits() { pq -d "$DB" -Atc "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"; }
per_request() { # per_request BEFORE AFTER
  python3 -c "import sys; print(f'{(int(sys.argv[2]) - int(sys.argv[1]) - 1) / 200:.1f}')" "$1" "$2"
}
say "counting statements per request (about 35 s)"
sleep 11
c0=$(commits)
py hit "$BASE$PROGRESS_PATH" "$SELLER_TOKEN" 200
sleep 11
c1=$(commits)
py hit "$BASE$CARD_PATH" "$CARD_TOKEN" 200
sleep 11
c2=$(commits)
STMTS_PROGRESS=$(per_request "$c0" "$c1")
STMTS_CARD=$(per_request "$c1" "$c2")
echo "  statements per request (pg_stat_database.xact_commit over 200 requests): progress $STMTS_PROGRESS, scorecard $STMTS_CARD; pgbench: 1"

# --------------------------------------------------------------------- 4. runs
RESULTS=$WORK/results.tsv
: >"$RESULTS"

# The service's CPU time so far (user + system), in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }
TICKS=$(getconf CLK_TCK)

# api NAME PATH TOKEN: wrk warm-up, then the timed run; prints "req/s avg p99 cpu"
# (tab-separated; cpu: the service's CPU milliseconds per request).
api() {
  local name=$1 path=$2 token=$3 out=$WORK/wrk-$1-$run.txt figs t0 t1 cpu
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -H "Authorization: Bearer $token" "$BASE$path" >/dev/null \
    || fail "wrk (warm-up, $name) failed"
  t0=$(cpu_ticks)
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Authorization: Bearer $token" "$BASE$path" >"$out" \
    || fail "wrk ($name) failed: $(cat "$out")"
  t1=$(cpu_ticks)
  figs=$(py wrk "$out")
  IFS=$'\t' read -r rps avg p99 reqs bad <<<"$figs"
  [ "$bad" = 0 ] || fail "$name: $bad of $reqs answers were not 2xx/3xx under load"
  cpu=$(python3 -c "import sys; print(f'{(int(sys.argv[2]) - int(sys.argv[1])) * 1000 / int(sys.argv[3]) / int(sys.argv[4]):.3f}')" "$t0" "$t1" "$TICKS" "$reqs")
  printf '  %-9s API: %10.1f req/s, avg %6.2f ms, p99 %7.2f ms (%s requests; service CPU %s ms/request)\n' \
    "$name" "$rps" "$avg" "$p99" "$reqs" "$cpu" >&2
  printf '%s\t%s\t%s\t%s' "$rps" "$avg" "$p99" "$cpu"
}

# sql NAME FILE: pgbench warm-up, then the timed run; prints "tps avg p99" (tab-separated).
sql() {
  local name=$1 file=$2 out=$WORK/pgbench-$1-$run.txt figs
  local args=(-n -M prepared -f "$file" -c "$CONNECTIONS" -j "$THREADS"
    -D org="$ORG" -D target="$TARGET" -D team="$TEAM" -D as_of="$AS_OF" -D from_on="$FROM_ON" -D to_on="$TO_ON")
  pgbench "${args[@]}" -T "$WARMUP" "$DB" >"$out" 2>&1 || fail "pgbench (warm-up, $name) failed: $(tail -n 5 "$out")"
  rm -f "$WORK/pgblog-$name-$run".*
  pgbench "${args[@]}" -T "$DURATION" --log --log-prefix="$WORK/pgblog-$name-$run" "$DB" >"$out" 2>&1 \
    || fail "pgbench ($name) failed: $(tail -n 5 "$out")"
  figs=$(py pgbench "$out" "$WORK/pgblog-$name-$run")
  IFS=$'\t' read -r tps avg p99 n failed <<<"$figs"
  [ "$failed" = 0 ] || fail "pgbench ($name): $failed failed transactions"
  rm -f "$WORK/pgblog-$name-$run".*
  printf '  %-9s SQL: %10.1f tps,   avg %6.2f ms, p99 %7.2f ms (%s transactions)\n' "$name" "$tps" "$avg" "$p99" "$n" >&2
  printf '%s\t%s\t%s' "$tps" "$avg" "$p99"
}

for run in $(seq 1 "$RUNS"); do
  say "run $run/$RUNS: ${DURATION} s each (after ${WARMUP} s of warm-up), $CONNECTIONS connections, $THREADS threads"
  a=$(api progress "$PROGRESS_PATH" "$SELLER_TOKEN")
  s=$(sql progress "$ROOT/bench/sql/progress.sql")
  printf 'progress\t%s\t%s\t%s\t%s\n' "$run" "${a%$'\t'*}" "$s" "${a##*$'\t'}" >>"$RESULTS"
  a=$(api scorecard "$CARD_PATH" "$CARD_TOKEN")
  s=$(sql scorecard "$ROOT/bench/sql/scorecard.sql")
  printf 'scorecard\t%s\t%s\t%s\t%s\n' "$run" "${a%$'\t'*}" "$s" "${a##*$'\t'}" >>"$RESULTS"
done

# ------------------------------------------------------------------ 5. summary
echo
say "summary: $SEED_SALES sales, $SELLERS salespeople, $TEAMS teams of $TEAM_SIZE, period $PERIOD, as_of $AS_OF; $RUNS run(s) of ${DURATION} s"
echo "machine: nproc $(nproc), PostgreSQL $(pq -d "$DB" -Atc "SHOW server_version") at $PGHOST:$PGPORT; service, wrk and pgbench on the same machine"
echo "load: wrk -t$THREADS -c$CONNECTIONS --latency; pgbench -n -M prepared -c $CONNECTIONS -j $THREADS (bench/sql/progress.sql, bench/sql/scorecard.sql)"
echo "service: actix workers and ONPACE_DB_POOL_SIZE at their defaults; progress read by the salesperson, the scorecard by the team's $SCORECARD_AS"
py summary "$RESULTS"
echo "statements per request (untimed, sequential): progress $STMTS_PROGRESS, scorecard $STMTS_CARD; each pgbench transaction is 1"
echo "wall time: $(since "$t_start") s"
