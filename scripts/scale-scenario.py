#!/usr/bin/env python3
"""A scenario against a running onpace with its demo organisation, with figures
worked out by hand; then timings of the progress read and of 1,000-item pushes.

    python3 scripts/scale-scenario.py http://127.0.0.1:8080 [label]

Run by scripts/citus-check.sh against the Citus coordinator and against one
PostgreSQL. In the demo organisation it adds two salespeople (Ann, Ben), two
teams and an account of Ann's, agreed revenue targets for this quarter (Ann
60000, Ben 60000, the first team 100000), then:

1. a CRM client pushes one batch of 1,000 sales on the account: item i (0 to
   999) has revenue (i mod 10 + 1) x 10, the even items dated on the
   quarter's first day (10+30+50+70+90 = 250, a hundred times: 25000.00), the
   odd ones today (20+40+60+80+100 = 300, a hundred times: 30000.00);
   Ann's actual is 55000.00 (91.67% of 60000), the first team's the same
   (55.00% of 100000);
2. the account is transferred to Ben from today: today's sales follow it,
   Ann 25000.00 (41.67%), Ben 30000.00 (50.00%);
3. Ben moves to the second team from today: the first team keeps what its
   members sold on the days they were members, 25000.00 (25.00%), and its
   scorecard lists Ann alone.

On the first day of a quarter every sale is today's: Ann keeps 0.00 after the
transfer and the figures follow from that (said in the output).

Prints the timings as one JSON line last: the progress read (median and p95 of
200 reads, milliseconds) and a 1,000-item push (median of 5, milliseconds).
"""

import datetime
import http.client
import json
import statistics
import sys
import time
import urllib.parse
from base64 import b64encode

BASE = sys.argv[1]
LABEL = sys.argv[2] if len(sys.argv) > 2 else BASE
DEMO_PASSWORD = "onpace-demo-2026"
url = urllib.parse.urlsplit(BASE)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)


def call(method, path, body=None, token=None, form=None, basic=None, expect=(200, 201)):
    headers = {}
    data = None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if basic:
        headers["Authorization"] = "Basic " + b64encode(basic.encode()).decode()
    if form is not None:
        data = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    r = conn.getresponse()
    raw = r.read()
    if r.status not in expect:
        sys.exit(f"{LABEL}: {method} {path}: {r.status} {raw[:500]!r}")
    return json.loads(raw) if raw and r.getheader("Content-Type", "").endswith("json") else None


def sign_in(email, password=DEMO_PASSWORD):
    return call("POST", "/v1/auth/token",
                form={"grant_type": "password", "username": email, "password": password})["access_token"]


def check(what, got, want):
    if got != want:
        sys.exit(f"{LABEL}: {what}: got {got}, want {want}")
    print(f"  ok  {what}: {got}")


admin = sign_in("admin@demo.onpace.example.com")
today = datetime.date.today()
period = call("GET", f"/v1/periods?granularity=quarter&from={today}&to={today}", token=admin)["data"][0]
quarter, first_day = period["key"], datetime.date.fromisoformat(period["starts_on"])
joined = first_day - datetime.timedelta(days=10)

people = {}
for name in ["Ann", "Ben"]:
    email = f"{name.lower()}.scale@demo.onpace.example.com"
    people[name] = call("POST", "/v1/users", token=admin, body={
        "email": email, "name": f"{name} Scale", "role": "salesperson",
        "selling_style": "farmer", "password": f"{name.lower()}-scale-2026"})["id"]
ann, ben = people["Ann"], people["Ben"]
team1 = call("POST", "/v1/teams", token=admin, body={"name": "Scale One"})["id"]
team2 = call("POST", "/v1/teams", token=admin, body={"name": "Scale Two"})["id"]
for who in (ann, ben):
    call("PUT", f"/v1/teams/{team1}/members/{who}", token=admin, body={"from": str(joined)})
account = call("POST", "/v1/accounts", token=admin, body={
    "name": "Scale Account", "kind": "customer", "owner_id": ann, "owned_since": str(joined)})["id"]


def target(subject_type, subject, value, agreeing_token):
    t = call("POST", "/v1/targets", token=admin, body={
        "title": "Quarter revenue", "subject_type": subject_type, "subject_id": subject,
        "metric": "revenue", "value": value, "period": quarter})["id"]
    call("POST", f"/v1/targets/{t}/propose", token=admin)
    call("POST", f"/v1/targets/{t}/agree", token=agreeing_token)
    return t


ann_target = target("user", ann, "60000", sign_in("ann.scale@demo.onpace.example.com", "ann-scale-2026"))
ben_target = target("user", ben, "60000", sign_in("ben.scale@demo.onpace.example.com", "ben-scale-2026"))
# A top-level team without a manager: the organisation's only admin agrees it.
team_target = target("team", team1, "100000", admin)

client = call("POST", "/v1/clients", token=admin,
              body={"name": "Scale CRM", "scopes": ["sales:write", "read"]})
crm = call("POST", "/v1/auth/token", form={"grant_type": "client_credentials"},
           basic=f"{client['client_id']}:{client['client_secret']}")["access_token"]


def batch(prefix, account_id):
    return {"items": [{
        "external_id": f"{prefix}-{i}", "account_id": account_id,
        "occurred_on": str(first_day if i % 2 == 0 else today),
        "revenue": f"{(i % 10 + 1) * 10}.00",
        "gross_profit": f"{(i % 10 + 1) * 2.5:.2f}"} for i in range(1000)]}


def progress(t):
    p = call("GET", f"/v1/targets/{t}/progress", token=admin)
    return p["actual"], p["attainment_pct"]


first_is_today = first_day == today
print(f"{LABEL}: quarter {quarter} from {first_day}, today {today}"
      + (" (the quarter's first day: every sale is today's)" if first_is_today else ""))
started = time.perf_counter()
pushed = call("POST", "/v1/sales/batch", token=crm, body=batch("scale", account))
first_push_ms = (time.perf_counter() - started) * 1000
if pushed["created"] != 1000:
    print(json.dumps(pushed)[:1500])
check("sales created by one push", pushed["created"], 1000)
check("Ann after the push", progress(ann_target), ("55000.00", "91.67"))
check("the first team after the push", progress(team_target), ("55000.00", "55.00"))

call("POST", f"/v1/accounts/{account}/transfer", token=admin,
     body={"new_owner_id": ben, "effective_on": str(today), "reason": "Territory realignment"})
ann_after = ("0.00", "0.00") if first_is_today else ("25000.00", "41.67")
ben_after = ("55000.00", "91.67") if first_is_today else ("30000.00", "50.00")
check("Ann after the transfer", progress(ann_target), ann_after)
check("Ben after the transfer", progress(ben_target), ben_after)
check("the first team after the transfer", progress(team_target), ("55000.00", "55.00"))

call("PUT", f"/v1/teams/{team2}/members/{ben}", token=admin, body={"from": str(today)})
team_after = ("0.00", "0.00") if first_is_today else ("25000.00", "25.00")
check("the first team after Ben's move", progress(team_target), team_after)
card = call("GET", f"/v1/scorecards?period={quarter}&team_id={team1}", token=admin)
check("the first team's scorecard members", [m["name"] for m in card["members"]], ["Ann Scale"])
check("Ann's row on it", card["members"][0]["targets"][0]["actual"], ann_after[0])
check("the team's row on it", card["team"]["targets"][0]["actual"], team_after[0])
card2 = call("GET", f"/v1/scorecards?period={quarter}&team_id={team2}", token=admin)
check("the second team's scorecard members", [m["name"] for m in card2["members"]], ["Ben Scale"])
check("Ben's row on it", card2["members"][0]["targets"][0]["actual"], ben_after[0])

# Timings: 200 progress reads, then five more pushes of 1,000 (on an account
# of their own, after the checks).
reads = []
for _ in range(200):
    started = time.perf_counter()
    progress(ann_target)
    reads.append((time.perf_counter() - started) * 1000)
other = call("POST", "/v1/accounts", token=admin, body={
    "name": "Scale Timing", "kind": "customer", "owner_id": ann, "owned_since": str(joined)})["id"]
pushes = [first_push_ms]
for n in range(4):
    started = time.perf_counter()
    done = call("POST", "/v1/sales/batch", token=crm, body=batch(f"timing{n}", other))
    pushes.append((time.perf_counter() - started) * 1000)
    check(f"timed push {n + 1} created", done["created"], 1000)
reads.sort()
print(json.dumps({
    "label": LABEL,
    "org_id": call("GET", "/v1/org", token=admin)["id"],
    "target_id": ann_target,
    "account_id": account,
    "salesperson_id": ann,
    "as_of": str(today),
    "progress_read_ms_median": round(statistics.median(reads), 2),
    "progress_read_ms_p95": round(reads[int(len(reads) * 0.95) - 1], 2),
    "push_1000_ms_median": round(statistics.median(pushes), 1),
}))
