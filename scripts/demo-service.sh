# Sourced by the scripts that run checks against the service with its demo
# (schemathesis.sh, webhooks-check.sh); not run on its own.
#
#   demo_service_start   builds the binary, starts `onpace serve --demo` on
#                        127.0.0.1:$PORT with the scratch database $DB, waits
#                        until it is ready, and signs in as the demo admin:
#                        sets BASE, token, service_pid and service_log.
#   demo_service_stop    stops it and drops the database (safe to call twice).
#
# Settings of the caller's own (ONPACE_*) are exported before the start.

demo_service_start() {
  cargo build --quiet --bin onpace
  export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB
  export ONPACE_LISTEN=127.0.0.1:$PORT
  export ONPACE_LOG=${ONPACE_LOG:-warn}
  BASE=http://127.0.0.1:$PORT
  service_log=$(mktemp)
  target/debug/onpace serve --demo >"$service_log" 2>&1 &
  service_pid=$!
  for _ in $(seq 1 60); do
    curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break
    kill -0 "$service_pid" 2>/dev/null || { cat "$service_log"; return 1; }
    sleep 1
  done
  token=$(curl -fsS -X POST "$BASE/v1/auth/token" \
    -d grant_type=password -d username=admin@demo.onpace.example.com -d password=onpace-demo-2026 |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
}

demo_service_stop() {
  if [ -n "${service_pid:-}" ]; then
    kill "$service_pid" 2>/dev/null || true
    wait "$service_pid" 2>/dev/null || true
    service_pid=
  fi
  psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -f "${service_log:-}"
}
