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
DURATION=${BENCH_DURATION:-20}            # seconds of each timed wrk and pgbench run
WARMUP=${BENCH_WARMUP:-3}                 # seconds of load before each, not counted
WRK_CONNECTIONS=${BENCH_WRK_CONNECTIONS:-32}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
PG_CLIENTS=${BENCH_PG_CLIENTS:-8}         # pgbench -c
PG_THREADS=${BENCH_PG_THREADS:-2}         # pgbench -j
SCORECARD_AS=${BENCH_SCORECARD_AS:-manager}
MINIMAL=${BENCH_MINIMAL:-1}               # 0: no minimal endpoint
MINIMAL_POOL_SIZE=${BENCH_MINIMAL_POOL_SIZE:-10}
MINIMAL_BIN=${BENCH_MINIMAL_BIN:-${CARGO_TARGET_DIR:-target}/release/examples/minimal_progress}
TEAMS=4
TEAM_SIZE=50
SELLERS=$((TEAMS * TEAM_SIZE))
ACCOUNTS=5000
PERIOD=2026-Q4
FROM_ON=2026-10-01
TO_ON=2026-12-31
AS_OF=2026-11-26
SELLER_EMAIL=seller1@bench.example.com
MINIMAL_PORT=$((PORT + 1))
PERF=${BENCH_PERF:-0}                     # 1: profile the service under the progress load
PERF_SECS=${BENCH_PERF_SECS:-10}

py() { python3 "$ROOT/bench/progress.py" "$@"; }

# ---------------------------------------------------------------- preconditions
need_tools cargo psql pgbench curl python3
command -v wrk >/dev/null 2>&1 \
  || fail "'wrk' is not on PATH: install the HTTP load generator wrk (Debian/Ubuntu: apt-get install wrk)"
need_positive SEED_SALES DURATION WARMUP WRK_CONNECTIONS WRK_THREADS PG_CLIENTS PG_THREADS MINIMAL_POOL_SIZE
[ "$SEED_SALES" -ge "$ACCOUNTS" ] || fail "BENCH_SEED_SALES must be at least $ACCOUNTS"
[ "$WRK_THREADS" -le "$WRK_CONNECTIONS" ] || fail "BENCH_WRK_THREADS ($WRK_THREADS) must not exceed BENCH_WRK_CONNECTIONS ($WRK_CONNECTIONS)"
[ "$PG_THREADS" -le "$PG_CLIENTS" ] || fail "BENCH_PG_THREADS ($PG_THREADS) must not exceed BENCH_PG_CLIENTS ($PG_CLIENTS)"
case $SCORECARD_AS in manager | admin) ;; *) fail "BENCH_SCORECARD_AS must be manager or admin, got '$SCORECARD_AS'" ;; esac
case $MINIMAL in 0 | 1) ;; *) fail "BENCH_MINIMAL must be 0 or 1, got '$MINIMAL'" ;; esac
case $PERF in 0) ;; 1) need_tools perf; need_positive PERF_SECS ;; *) fail "BENCH_PERF must be 0 or 1, got '$PERF'" ;; esac
bench_init
t_start=$(now)

# ----------------------------------------------------- 1. build, migrate, seed
build_service
if [ "$MINIMAL" = 1 ]; then
  if [ -n "${BENCH_MINIMAL_BIN:-}" ]; then
    [ -x "$MINIMAL_BIN" ] || fail "BENCH_MINIMAL_BIN=$MINIMAL_BIN is not an executable file"
  else
    say "building the minimal endpoint (cargo build --release --features bench --example minimal_progress)"
    cargo build --release --features bench --example minimal_progress || fail "building the minimal endpoint failed (see above)"
  fi
fi
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
TEAM_PEOPLE=$(pq -d "$DB" -Atc "SELECT '{' || string_agg(user_id::text, ',') || '}' FROM team_members WHERE org_id = '$ORG' AND team_id = '$TEAM'")

# Every salesperson with the progress path of their revenue target, and their id.
pq -d "$DB" -At -F $'\t' -c "
  SELECT u.email, '/v1/targets/' || t.id || '/progress?as_of=$AS_OF', u.id
    FROM users u
    JOIN targets t ON t.org_id = u.org_id AND t.subject_type = 'user' AND t.subject_id = u.id
                  AND t.metric = 'revenue' AND t.period = '$PERIOD'
   WHERE u.org_id = '$ORG' AND u.role = 'salesperson' ORDER BY u.email" >"$WORK/people.tsv"
[ "$(wc -l <"$WORK/people.tsv")" = "$SELLERS" ] || fail "expected $SELLERS salespeople with a revenue target"
cut -f 1,2 "$WORK/people.tsv" >"$WORK/people-paths.tsv"
cut -f 3 "$WORK/people.tsv" | sed 's|^|/sum/|' >"$WORK/minimal-paths.txt"
SELLER_ID=$(pq -d "$DB" -Atc "SELECT id FROM users WHERE org_id = '$ORG' AND email = '$SELLER_EMAIL'")

# ----------------------------------------------------- 2. service and tokens
# Defaults on purpose (actix workers = CPUs, ONPACE_DB_POOL_SIZE = 10), but for
# the sign-in throttle, which would refuse the salespeople's 200 sign-ins in a
# minute from one address (it allows 20 x ONPACE_LOGIN_MAX_FAILURES).
start_service ONPACE_LOGIN_MAX_FAILURES=20
CARD_EMAIL=$MANAGER_EMAIL
[ "$SCORECARD_AS" = manager ] || CARD_EMAIL=$ADMIN_EMAIL
SELLER_TOKEN=$(sign_in "$SELLER_EMAIL" "$ADMIN_PASSWORD")
CARD_TOKEN=$(sign_in "$CARD_EMAIL" "$ADMIN_PASSWORD")
t0=$(now)
py tokens "$BASE" "$ADMIN_PASSWORD" "$WORK/people-paths.tsv" "$WORK/progress-paths.txt"
say "signed in the $SELLERS salespeople ($(since "$t0") s; progress) and $CARD_EMAIL, the team's $SCORECARD_AS (scorecard)"

PROGRESS_PATH="/v1/targets/$TARGET/progress?as_of=$AS_OF"
CARD_PATH="/v1/scorecards?period=$PERIOD&team_id=$TEAM&as_of=$AS_OF"
echo "$CARD_PATH $CARD_TOKEN" >"$WORK/scorecard-paths.txt"

# vm FIELD PID: a field of /proc/PID/status in MiB (VmHWM: peak resident memory).
vm() { awk -v f="$1:" '$1 == f { printf "%.0f", $2 / 1024 }' "/proc/$2/status"; }
RSS_SIGNED_IN=$(vm VmHWM "$SERVER_PID")

# The minimal endpoint, once per way of reaching PostgreSQL, each on its own port.
MINIMAL_KINDS=()
if [ "$MINIMAL" = 1 ]; then MINIMAL_KINDS=(shared deadpool); fi
declare -A MINIMAL_URL MINIMAL_PID
port=$MINIMAL_PORT
for kind in "${MINIMAL_KINDS[@]+"${MINIMAL_KINDS[@]}"}"; do
  "$MINIMAL_BIN" --listen "127.0.0.1:$port" --org "$ORG" --from "$FROM_ON" --to "$AS_OF" \
    --pool "$kind" --pool-size "$MINIMAL_POOL_SIZE" >"$WORK/minimal-$kind.log" 2>&1 &
  MINIMAL_PID[$kind]=$!
  BENCH_PIDS+=("$!")
  MINIMAL_URL[$kind]=http://127.0.0.1:$port
  for _ in $(seq 1 60); do
    curl -fsS -o "$WORK/minimal-$kind.json" --max-time 2 "${MINIMAL_URL[$kind]}/sum/$SELLER_ID" 2>/dev/null && break
    kill -0 "${MINIMAL_PID[$kind]}" 2>/dev/null || fail "the minimal endpoint ($kind) exited: $(tail -n 5 "$WORK/minimal-$kind.log")"
    sleep 0.5
  done
  [ -s "$WORK/minimal-$kind.json" ] || fail "the minimal endpoint ($kind) did not answer within 30 s"
  port=$((port + 1))
done
if [ "$MINIMAL" = 1 ]; then
  say "minimal endpoint: shared connection on ${MINIMAL_URL[shared]}, deadpool on ${MINIMAL_URL[deadpool]}"
fi

# ------------------------------------------- 3. the same figures, once, untimed
# The pgbench scripts: the files in bench/sql/, the progress ones turned to a
# salesperson picked at random (by number: bench/seed.sql makes the ids from it).
person_id="('00000000-0000-4000-8000-' || lpad(:k::text, 12, '0'))::uuid"
target_id="('00000000-0000-4000-9000-' || lpad(:k::text, 12, '0'))::uuid"
{ echo "\\set k random(1, $SELLERS)"; sed "s/= :target;/= $target_id;/" "$ROOT/bench/sql/progress.sql"; } >"$WORK/progress-sql.sql"
grep -qF "$target_id" "$WORK/progress-sql.sql" || fail "bench/sql/progress.sql: no ':target;' to pick the target by number"
{ echo "\\set k random(1, $SELLERS)"; cat "$ROOT/bench/sql/least-progress.sql"; } >"$WORK/progress-least.sql"
grep -qF "$person_id" "$WORK/progress-least.sql" || fail "bench/sql/least-progress.sql does not build the person's id as bench/progress.sh expects"

sqlq() { # sqlq FILE: runs a pgbench script through psql, with the run's values (salesperson 1).
  pq -d "$DB" -At -F $'\t' -v org="'$ORG'" -v target="'$TARGET'" -v team="'$TEAM'" -v k=1 \
    -v team_people="'$TEAM_PEOPLE'" -v as_of="'$AS_OF'" -v from_on="'$FROM_ON'" -v to_on="'$TO_ON'" -f "$1"
}
say "checking the answers (200, and the same figures as the SQL)"
http GET "$PROGRESS_PATH" 200 -H "Authorization: Bearer $SELLER_TOKEN" >"$WORK/progress.json"
sqlq "$ROOT/bench/sql/progress.sql" >"$WORK/progress.tsv"
py check-progress "$WORK/progress.json" "$WORK/progress.tsv"
sqlq "$ROOT/bench/sql/least-progress.sql" >"$WORK/least-progress.tsv"
minimal_answers=()
for kind in "${MINIMAL_KINDS[@]+"${MINIMAL_KINDS[@]}"}"; do minimal_answers+=("$WORK/minimal-$kind.json"); done
py check-least "$(field actual <"$WORK/progress.json")" "$WORK/least-progress.tsv" "${minimal_answers[@]+"${minimal_answers[@]}"}"
http GET "$CARD_PATH" 200 -H "Authorization: Bearer $CARD_TOKEN" >"$WORK/scorecard.json"
sqlq "$ROOT/bench/sql/scorecard.sql" >"$WORK/scorecard.tsv"
py check-scorecard "$WORK/scorecard.json" "$WORK/scorecard.tsv"
sqlq "$ROOT/bench/sql/least-scorecard.sql" >"$WORK/least-scorecard.tsv"
py check-least-scorecard "$WORK/scorecard.json" "$WORK/least-scorecard.tsv"
sqlq "$ROOT/bench/sql/least-scorecard-targets.sql" >"$WORK/least-scorecard-targets.tsv"
py check-least-scorecard "$WORK/scorecard.json" "$WORK/least-scorecard-targets.tsv"
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
TICKS=$(getconf CLK_TCK)

# cpu_ticks PID: the process's CPU time so far (user + system), in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# load NAME URL PATHS PID: wrk warm-up, then the timed run, over the requests of
# PATHS (bench/rotate.lua); appends "run name req/s avg p99 cpu" to RESULTS (cpu:
# PID's CPU milliseconds per request).
load() {
  local name=$1 url=$2 paths=$3 pid=$4 out=$WORK/wrk-$1-$run.txt figs t0 t1 cpu
  local args=(-t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -s "$ROOT/bench/rotate.lua")
  wrk "${args[@]}" -d"${WARMUP}s" "$url" -- "$paths" >/dev/null || fail "wrk (warm-up, $name) failed"
  t0=$(cpu_ticks "$pid")
  wrk "${args[@]}" -d"${DURATION}s" --latency "$url" -- "$paths" >"$out" || fail "wrk ($name) failed: $(cat "$out")"
  t1=$(cpu_ticks "$pid")
  figs=$(py wrk "$out")
  IFS=$'\t' read -r rps avg p99 reqs bad <<<"$figs"
  [ "$bad" = 0 ] || fail "$name: $bad of $reqs answers were not 2xx/3xx under load"
  cpu=$(python3 -c "import sys; print(f'{(int(sys.argv[2]) - int(sys.argv[1])) * 1000 / int(sys.argv[3]) / int(sys.argv[4]):.3f}')" "$t0" "$t1" "$TICKS" "$reqs")
  printf '  %-17s %10.1f req/s, avg %6.2f ms, p99 %7.2f ms (%s requests; CPU %s ms/request)\n' \
    "$name" "$rps" "$avg" "$p99" "$reqs" "$cpu"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "$name" "$rps" "$avg" "$p99" "$cpu" >>"$RESULTS"
}

# sql NAME FILE: pgbench warm-up, then the timed run; appends "run name tps avg p99 -" to RESULTS.
sql() {
  local name=$1 file=$2 out=$WORK/pgbench-$1-$run.txt figs
  local args=(-n -M prepared -f "$file" -c "$PG_CLIENTS" -j "$PG_THREADS"
    -D org="$ORG" -D target="$TARGET" -D team="$TEAM" -D team_people="$TEAM_PEOPLE"
    -D as_of="$AS_OF" -D from_on="$FROM_ON" -D to_on="$TO_ON")
  pgbench "${args[@]}" -T "$WARMUP" "$DB" >"$out" 2>&1 || fail "pgbench (warm-up, $name) failed: $(tail -n 5 "$out")"
  rm -f "$WORK/pgblog-$name-$run".*
  pgbench "${args[@]}" -T "$DURATION" --log --log-prefix="$WORK/pgblog-$name-$run" "$DB" >"$out" 2>&1 \
    || fail "pgbench ($name) failed: $(tail -n 5 "$out")"
  figs=$(py pgbench "$out" "$WORK/pgblog-$name-$run")
  IFS=$'\t' read -r tps avg p99 n failed <<<"$figs"
  [ "$failed" = 0 ] || fail "pgbench ($name): $failed failed transactions"
  rm -f "$WORK/pgblog-$name-$run".*
  printf '  %-17s %10.1f tps,   avg %6.2f ms, p99 %7.2f ms (%s transactions)\n' "$name" "$tps" "$avg" "$p99" "$n"
  printf '%s\t%s\t%s\t%s\t%s\t-\n' "$run" "$name" "$tps" "$avg" "$p99" >>"$RESULTS"
}

for run in $(seq 1 "$RUNS"); do
  say "run $run/$RUNS: ${DURATION} s each (after ${WARMUP} s of warm-up); wrk -t$WRK_THREADS -c$WRK_CONNECTIONS, pgbench -c $PG_CLIENTS -j $PG_THREADS"
  load progress-api "$BASE" "$WORK/progress-paths.txt" "$SERVER_PID"
  sql progress-sql "$WORK/progress-sql.sql"
  sql progress-least "$WORK/progress-least.sql"
  for kind in "${MINIMAL_KINDS[@]+"${MINIMAL_KINDS[@]}"}"; do
    load "minimal-$kind" "${MINIMAL_URL[$kind]}" "$WORK/minimal-paths.txt" "${MINIMAL_PID[$kind]}"
  done
  load scorecard-api "$BASE" "$WORK/scorecard-paths.txt" "$SERVER_PID"
  sql scorecard-sql "$ROOT/bench/sql/scorecard.sql"
  sql scorecard-least "$ROOT/bench/sql/least-scorecard.sql"
  sql scorecard-least-targets "$ROOT/bench/sql/least-scorecard-targets.sql"
done

# ------------------------------------------------- 5. profile (BENCH_PERF=1)
if [ "$PERF" = 1 ]; then
  PERF_DATA=${BENCH_PERF_DATA:-$WORK/perf.data}
  say "profiling the service for $PERF_SECS s under the progress load (perf record -e cpu-clock --call-graph dwarf)"
  wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -s "$ROOT/bench/rotate.lua" -d"$((PERF_SECS + 4))s" --latency "$BASE" \
    -- "$WORK/progress-paths.txt" >"$WORK/wrk-perf.txt" &
  wrk_pid=$!
  sleep 2
  perf record -q -e cpu-clock -F 499 --call-graph dwarf -p "$SERVER_PID" -o "$PERF_DATA" -- sleep "$PERF_SECS" \
    || fail "perf record failed (kernel.perf_event_paranoid, or no perf events in this machine?)"
  wait "$wrk_pid" || fail "wrk (profile) failed"
  perf script -i "$PERF_DATA" 2>/dev/null | python3 "$ROOT/bench/profile.py" 25 >"$WORK/profile.txt" \
    || fail "could not read the profile (see above)"
fi

# ------------------------------------------------------------------ 6. summary
RSS_PEAK=$(vm VmHWM "$SERVER_PID")
RSS_NOW=$(vm VmRSS "$SERVER_PID")
minimal_rss=
for kind in "${MINIMAL_KINDS[@]+"${MINIMAL_KINDS[@]}"}"; do
  minimal_rss+="; minimal endpoint ($kind) $(vm VmHWM "${MINIMAL_PID[$kind]}") MiB"
done
echo
say "summary: $SEED_SALES sales, $SELLERS salespeople, $TEAMS teams of $TEAM_SIZE, period $PERIOD, as_of $AS_OF; $RUNS run(s) of ${DURATION} s"
echo "machine: nproc $(nproc), PostgreSQL $(pq -d "$DB" -Atc "SHOW server_version") at $PGHOST:$PGPORT; service, wrk and pgbench on the same machine"
echo "load: wrk -t$WRK_THREADS -c$WRK_CONNECTIONS --latency (bench/rotate.lua: the progress over the $SELLERS salespeople, each with their own token); pgbench -n -M prepared -c $PG_CLIENTS -j $PG_THREADS (bench/sql/*.sql; progress: a salesperson at random)"
echo "service: actix workers and ONPACE_DB_POOL_SIZE at their defaults; the scorecard read by the team's $SCORECARD_AS"
if [ "$MINIMAL" = 1 ]; then
  echo "minimal endpoint: examples/minimal_progress.rs, the least progress SQL behind actix-web (no token, no target row); deadpool of $MINIMAL_POOL_SIZE"
fi
py summary "$RESULTS"
echo "statements per request (untimed, sequential): progress $STMTS_PROGRESS, scorecard $STMTS_CARD; each pgbench transaction is 1"
echo "service peak RSS (VmHWM): $RSS_PEAK MiB ($RSS_SIGNED_IN MiB after the sign-ins, before the load; $RSS_NOW MiB resident at the end)$minimal_rss"
if [ "$PERF" = 1 ]; then
  echo "where the service's CPU time goes under the progress load (bench/profile.py; $(py wrk "$WORK/wrk-perf.txt" | cut -f 1) req/s while profiled):"
  cat "$WORK/profile.txt"
  if [ -n "${BENCH_PERF_DATA:-}" ]; then echo "profile kept in $PERF_DATA (perf report -i $PERF_DATA)"; fi
fi
echo "wall time: $(since "$t_start") s"
