#!/usr/bin/env bash
# Receives onpace's webhooks as a customer would: a receiver built on the
# `standardwebhooks` Python package (scripts/webhook-receiver.py) verifies real
# deliveries from a freshly started service with demo data, before and during a
# secret rotation. Needs Python 3 and PostgreSQL.
#   scripts/webhooks-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SWH_VERSION=1.1.0
VENV=${SWH_VENV:-target/webhooks-venv}
PORT=${WH_PORT:-18775}
RPORT=${WH_RECEIVER_PORT:-18776}
DB=onpace_webhooks_$$

if ! "$VENV/bin/python" -c "import standardwebhooks" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "standardwebhooks==$SWH_VERSION"
fi

# The receiver is plain http on loopback: local development and tests only.
export ONPACE_WEBHOOK_ALLOW_INSECURE=true
export ONPACE_SECRETS_KEY
ONPACE_SECRETS_KEY=$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')
out=$(mktemp)
receiver=
# shellcheck source=scripts/demo-service.sh
. scripts/demo-service.sh
cleanup() {
  [ -n "$receiver" ] && kill "$receiver" 2>/dev/null || true
  demo_service_stop
  rm -f "$out"
}
trap cleanup EXIT
demo_service_start
api() { curl -sS --fail-with-body -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
pick() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# Starts a receiver that verifies $1 events (at most 60 s).
receive() {
  local n=$1
  shift
  "$VENV/bin/python" scripts/webhook-receiver.py --port "$RPORT" --count "$n" --timeout 60 "$@" >"$out" &
  receiver=$!
  sleep 1
}
# Waits for the receiver; sets $types to the types it verified, sorted.
received() {
  local status=0
  wait "$receiver" || status=$?
  receiver=
  [ "$status" -eq 0 ] || { echo "the receiver ended with $status"; cat "$out"; exit 1; }
  types=$(python3 -c 'import json,sys; print(" ".join(sorted(json.loads(l)["type"] for l in sys.stdin)))' <"$out")
}

hook=$(api -X POST "$BASE/v1/webhooks" \
  -d "{\"url\": \"http://127.0.0.1:$RPORT/onpace\", \"event_types\": [\"results.recorded\"], \"description\": \"check\"}")
hook_id=$(pick 'd["id"]' <<<"$hook")
old=$(pick 'd["secret"]' <<<"$hook")

# A ping and a sale, each verified with the endpoint's secret.
receive 2 --secret "$old"
api -X POST "$BASE/v1/webhooks/$hook_id/test" >/dev/null
account=$(api "$BASE/v1/accounts?kind=customer&limit=1" | pick 'd["data"][0]["id"]')
today=$(python3 -c 'import datetime; print(datetime.date.today())')
currency=$(api "$BASE/v1/org" | pick 'd["currency"]')
sale=$(api -X POST "$BASE/v1/sales" -d "{\"source\": \"webhooks-check\", \"external_id\": \"webhooks-check-1\", \"account_id\": \"$account\", \
  \"occurred_on\": \"$today\", \"revenue\": \"1200.00\", \"gross_profit\": \"300.00\", \"currency\": \"$currency\"}") ||
  { echo "$sale"; exit 1; }
received
echo "verified with the secret: $types"
[ "$types" = "results.recorded webhook.test" ] || { echo "expected a ping and results.recorded"; exit 1; }

# During a rotation, a receiver that knows only the old secret and one that
# knows only the new one both verify the same delivery.
new=$(api -X POST "$BASE/v1/webhooks/$hook_id/rotate-secret" | pick 'd["secret"]')
[ "$new" != "$old" ]
for secret in "$old" "$new"; do
  receive 1 --secret "$secret"
  api -X POST "$BASE/v1/webhooks/$hook_id/test" >/dev/null
  received
  echo "verified during the rotation, with one of the two secrets: $types"
done
echo "webhooks: verified by the standardwebhooks package"
