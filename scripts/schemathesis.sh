#!/usr/bin/env bash
# Runs schemathesis (all default checks) against a freshly started service with
# demo data, signed in as the demo admin. Needs Python 3 and PostgreSQL.
#   scripts/schemathesis.sh [extra schemathesis options]
set -euo pipefail
cd "$(dirname "$0")/.."

ST_VERSION=4.32.5
VENV=${ST_VENV:-target/schemathesis-venv}
PORT=${ST_PORT:-18765}
DB=onpace_schemathesis_$$
BASE=http://127.0.0.1:$PORT

if [ ! -x "$VENV/bin/st" ] || ! "$VENV/bin/st" --version 2>/dev/null | grep -q "$ST_VERSION"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$ST_VERSION"
fi

cargo build --quiet --bin onpace
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB
export ONPACE_LISTEN=127.0.0.1:$PORT
export ONPACE_ACCESS_TOKEN_TTL_SECS=7200
export ONPACE_LOG=warn
log=$(mktemp)
target/debug/onpace serve --demo >"$log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -f "$log"
}
trap cleanup EXIT

for _ in $(seq 1 60); do
  curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
  sleep 1
done
token=$(curl -fsS -X POST "$BASE/v1/auth/token" \
  -d grant_type=password -d username=admin@demo.onpace.example.com -d password=onpace-demo-2026 |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

"$VENV/bin/st" run "$BASE/openapi.json" \
  --header "Authorization: Bearer $token" \
  --max-examples "${ST_MAX_EXAMPLES:-100}" \
  --seed "${ST_SEED:-20261126}" \
  --no-color \
  "$@"
