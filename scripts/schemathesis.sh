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

if [ ! -x "$VENV/bin/st" ] || ! "$VENV/bin/st" --version 2>/dev/null | grep -q "$ST_VERSION"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$ST_VERSION"
fi

export ONPACE_ACCESS_TOKEN_TTL_SECS=7200
# Webhooks registered by the run are never sent: nothing leaves for URLs that
# schemathesis made up (the SSRF guard refuses internal addresses regardless).
export ONPACE_WEBHOOK_WORKER=false
# shellcheck source=scripts/demo-service.sh
. scripts/demo-service.sh
trap demo_service_stop EXIT
demo_service_start

# Real ids of the demo, for the entries of schemathesis.toml that name something
# that must exist (an account's owner, a target's subject, a review's
# salesperson): with them the operations that create things succeed, and the
# stateful phase follows the links from what they created. Each is looked up
# through the API.
api() { curl -fsS -H "Authorization: Bearer $token" "$BASE$1"; }
pick() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# Fiona's revenue bonus: its target (agreed, revenue) and its gate (her minimum
# gross profit); she is the salesperson, with one of her customers.
plan=$(api /v1/bonus-plans | pick 'json.dumps(d["data"][0])')
ST_TARGET_ID=$(pick 'd["target_id"]' <<<"$plan")
ST_GATE_TARGET_ID=$(pick 'd["gate"]["target_id"]' <<<"$plan")
target=$(api "/v1/targets/$ST_TARGET_ID")
ST_SALESPERSON_ID=$(pick 'd["subject_id"]' <<<"$target")
ST_PERIOD=$(pick 'd["period"]' <<<"$target")
ST_TEAM_TARGET_ID=$(pick 'd["parent_id"]' <<<"$target")
ST_SALESPERSON_EMAIL=$(api "/v1/users/$ST_SALESPERSON_ID" | pick 'd["email"]')
ST_OTHER_SALESPERSON_ID=$(api "/v1/users?role=salesperson&active=true" |
  pick "next(u['id'] for u in d['data'] if u['id'] != '$ST_SALESPERSON_ID')")
ST_ACCOUNT_ID=$(api "/v1/accounts?owner_id=$ST_SALESPERSON_ID&kind=customer" | pick 'd["data"][0]["id"]')
ST_MANAGER_ID=$(api "/v1/users?role=manager&active=true" | pick 'd["data"][0]["id"]')
ST_TEAM_ID=$(api /v1/teams | pick "next(t['id'] for t in d['data'] if t['manager_id'] == '$ST_MANAGER_ID')")
ST_VIEWER_ID=$(api "/v1/users?role=viewer&active=true" | pick 'd["data"][0]["id"]')
# The company team: no manager and no parent, so the admin agrees its targets.
ST_TOP_TEAM_ID=$(api /v1/teams |
  pick 'next(t["id"] for t in d["data"] if t["manager_id"] is None and t["parent_team_id"] is None)')
ST_CURRENCY=$(api /v1/org | pick 'd["currency"]')
# A first day of ownership that is in the past in any time zone.
ST_YESTERDAY=$(python3 -c 'import datetime as t; print(t.datetime.now(t.timezone.utc).date() - t.timedelta(days=1))')
# Things only a workflow makes, set up here for the operations on them that the
# coverage and fuzzing phases would otherwise only ever send unknown ids: a
# team review with an item, another to complete; a prospect to convert; a
# salesperson's target in draft; another's agreed
# target to revise; an organisation target that a second admin set and proposed
# (nobody agrees what they set), for the demo admin to agree; a prospect its
# salesperson asked to convert (pending), to reject; the demo's client.
# schemathesis.toml binds them to those paths through dictionaries (files under
# $IDS), which the stateful phase uses only where its links give no id.
post() { curl -fsS -H "Authorization: Bearer ${2:-$token}" -H 'Content-Type: application/json' -X POST "$BASE$1" -d @-; }
sign_in() {
  curl -fsS -X POST "$BASE/v1/auth/token" -d grant_type=password -d username="$1" -d password="$2" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
next_week=$(python3 -c 'import datetime as t; print(t.date.today() + t.timedelta(days=7))')
ST_REVIEW_ID=$(post /v1/reviews <<<"{\"kind\": \"team\", \"team_id\": \"$ST_TEAM_ID\",
  \"scheduled_for\": \"$next_week\", \"period\": \"$ST_PERIOD\"}" | pick 'd["id"]')
ST_REVIEW_TO_COMPLETE_ID=$(post /v1/reviews <<<"{\"kind\": \"team\", \"team_id\": \"$ST_TEAM_ID\",
  \"scheduled_for\": \"$next_week\", \"period\": \"$ST_PERIOD\"}" | pick 'd["id"]')
ST_REVIEW_ITEM_ID=$(post "/v1/reviews/$ST_REVIEW_ID/items" <<<'{"type": "hurdle", "text": "Set up for schemathesis"}' |
  pick 'd["id"]')
ST_DRAFT_TARGET_ID=$(post /v1/targets <<<"{\"title\": \"Set up for schemathesis\", \"subject_type\": \"user\",
  \"subject_id\": \"$ST_SALESPERSON_ID\", \"account_id\": \"$ST_ACCOUNT_ID\", \"metric\": \"revenue\",
  \"value\": \"1000\", \"period\": \"$ST_PERIOD\", \"parent_id\": \"$ST_TEAM_TARGET_ID\"}" | pick 'd["id"]')
ST_AGREED_TARGET_ID=$(api "/v1/targets?status=agreed&subject_type=user&subject_id=$ST_OTHER_SALESPERSON_ID" |
  pick 'd["data"][0]["id"]')
setup_admin=schemathesis-setup-$$@demo.onpace.example.com
post /v1/users <<<"{\"email\": \"$setup_admin\", \"name\": \"Schemathesis setup\", \"role\": \"admin\",
  \"password\": \"onpace-demo-2026\"}" >/dev/null
setup_token=$(sign_in "$setup_admin" onpace-demo-2026)
ST_PROPOSED_TARGET_ID=$(post /v1/targets "$setup_token" <<<"{\"title\": \"Set up for schemathesis\",
  \"subject_type\": \"org\", \"metric\": \"revenue\", \"value\": \"1000\", \"period\": \"$ST_PERIOD\"}" |
  pick 'd["id"]')
post "/v1/targets/$ST_PROPOSED_TARGET_ID/propose" "$setup_token" <<<'{}' >/dev/null
prospects=$(api "/v1/accounts?kind=prospect&status=open")
prospect=$(pick 'json.dumps(d["data"][0])' <<<"$prospects")
ST_PROSPECT_ID=$(pick 'd["data"][1]["id"]' <<<"$prospects")
ST_PENDING_ACCOUNT_ID=$(pick 'd["id"]' <<<"$prospect")
hunter=$(api "/v1/users/$(pick 'd["owner_id"]' <<<"$prospect")" | pick 'd["email"]')
post "/v1/accounts/$ST_PENDING_ACCOUNT_ID/convert" "$(sign_in "$hunter" onpace-demo-2026)" <<<'{}' >/dev/null
ST_CLIENT_ID=$(api /v1/clients | pick 'd["data"][0]["id"]')
# A webhook endpoint (at a public address written as its host: nothing to
# resolve, and nothing is sent, see ONPACE_WEBHOOK_WORKER above) with a test
# delivery in its log.
ST_WEBHOOK_URL=https://93.184.215.14/onpace-schemathesis
ST_WEBHOOK_ID=$(post /v1/webhooks <<<"{\"url\": \"$ST_WEBHOOK_URL\", \"event_types\": [\"*\"]}" | pick 'd["id"]')
ST_WEBHOOK_DELIVERY_ID=$(post "/v1/webhooks/$ST_WEBHOOK_ID/test" <<<'{}' | pick 'd["id"]')
IDS=target/schemathesis-ids
mkdir -p "$IDS"
for name in REVIEW_ID REVIEW_ITEM_ID REVIEW_TO_COMPLETE_ID PROSPECT_ID TEAM_TARGET_ID DRAFT_TARGET_ID AGREED_TARGET_ID PROPOSED_TARGET_ID \
  PENDING_ACCOUNT_ID CLIENT_ID WEBHOOK_ID WEBHOOK_DELIVERY_ID; do
  var=ST_$name
  printf '"%s"\n' "${!var}" >"$IDS/$(tr 'A-Z_' 'a-z-' <<<"$name").dict"
done

export ST_TARGET_ID ST_GATE_TARGET_ID ST_SALESPERSON_ID ST_PERIOD ST_SALESPERSON_EMAIL \
  ST_OTHER_SALESPERSON_ID ST_ACCOUNT_ID ST_MANAGER_ID ST_TEAM_ID ST_VIEWER_ID ST_TOP_TEAM_ID ST_TEAM_TARGET_ID ST_CURRENCY \
  ST_YESTERDAY ST_WEBHOOK_URL

"$VENV/bin/st" run "$BASE/openapi.json" \
  --header "Authorization: Bearer $token" \
  --max-examples "${ST_MAX_EXAMPLES:-100}" \
  --seed "${ST_SEED:-20261126}" \
  --no-color \
  "$@"
