"""What the fault suite's cases share (Python 3 standard library only): HTTP
with one keep-alive connection, psql, the checks against the ledger, and the
set-up through the API. See bench/faults.py.
"""

import http.client
import json
import subprocess
import sys
import urllib.parse

OK, FAILED, BROKEN = 0, 1, 2
PASSWORD = "faults-password-2026"
DAYS = [f"2026-{m:02d}-{d:02d}" for m in range(2, 12) for d in (3, 10, 17, 24)]


def die(msg):
    print(f"faults.py: {msg}", file=sys.stderr)
    sys.exit(BROKEN)


def verdict(good):
    return "ok" if good else "FAIL"


# ------------------------------------------------------------------ plumbing


class Http:
    """One keep-alive connection; every failure to get an answer is status 0."""

    def __init__(self, base, timeout=30.0):
        u = urllib.parse.urlsplit(base)
        self.host, self.port, self.timeout = u.hostname, u.port or 80, timeout
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        """(status, parsed JSON or None, raw bytes)."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            resp = self.conn.getresponse()
            raw = resp.read()
        except (OSError, http.client.HTTPException) as e:
            self.close()
            return 0, None, repr(e).encode()
        if resp.will_close:
            self.close()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return resp.status, parsed, raw

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def bearer(token, extra=None):
    h = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if extra:
        h.update(extra)
    return h


def jpost(h, path, token, obj, key=None, want=None):
    headers = bearer(token, {"Content-Type": "application/json"})
    if key:
        headers["Idempotency-Key"] = key
    st, js, raw = h.request("POST", path, json.dumps(obj).encode(), headers)
    if want is not None and st != want:
        die(f"POST {path}: expected {want}, got {st}: {raw[:500].decode('utf-8', 'replace')}")
    return st, js, raw


def form_token(h, fields):
    body = urllib.parse.urlencode(fields).encode()
    return h.request("POST", "/v1/auth/token", body, {"Content-Type": "application/x-www-form-urlencoded"})


def code_of(js):
    return js.get("code") if isinstance(js, dict) else None


def psql(db, sql):
    done = subprocess.run(
        ["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", db],
        input=sql, capture_output=True, text=True,
    )
    if done.returncode != 0:
        die(f"psql failed: {done.stderr.strip()[:500]}")
    return done.stdout.strip()


def pct(sorted_xs, q):
    return sorted_xs[min(len(sorted_xs) - 1, int(q * len(sorted_xs)))] if sorted_xs else float("nan")


def cents(c):
    return f"{c // 100}.{c % 100:02d}"


def load_state(a):
    """The state setup wrote, with fresh tokens (the service may have restarted
    with a new signing key): admin_token (the admin's) and client_token (the
    integration client's, scope sales:write)."""
    with open(a.state, encoding="utf-8") as f:
        s = json.load(f)
    h = Http(a.url)
    for name, fields in (("admin_token", {"grant_type": "password", **s["admin"]}),
                         ("client_token", {"grant_type": "client_credentials", **s["client"]})):
        st, js, raw = form_token(h, fields)
        if st != 200:
            die(f"signing in for {name}: {st} {raw[:300]!r}")
        s[name] = js["access_token"]
    h.close()
    return s


def ledger_check(db, org, people, prefix):
    """(rows with external ids PREFIX*, duplicated (source, external_id) among them,
    (salesperson, day) pairs of PEOPLE whose daily_sales row differs from the ledger)."""
    ids = ",".join(f"'{p}'" for p in people)
    out = psql(db, f"""
SELECT (SELECT count(*) FROM sales WHERE org_id = '{org}' AND external_id LIKE '{prefix}%'),
       (SELECT count(*) FROM (SELECT 1 FROM sales WHERE org_id = '{org}' AND external_id LIKE '{prefix}%'
                               GROUP BY source, external_id HAVING count(*) > 1) d),
       (WITH l AS (
          SELECT salesperson_id, occurred_on AS day, sum(revenue) AS rev, sum(gross_profit) AS gp
          FROM sales WHERE org_id = '{org}' AND voided_at IS NULL AND salesperson_id IN ({ids})
          GROUP BY 1, 2
        ), r AS (
          SELECT salesperson_id, day, revenue AS rev, gross_profit AS gp
          FROM daily_sales WHERE org_id = '{org}' AND salesperson_id IN ({ids})
        )
        SELECT count(*) FROM l FULL JOIN r USING (salesperson_id, day)
        WHERE coalesce(l.rev, 0) <> coalesce(r.rev, 0) OR coalesce(l.gp, 0) <> coalesce(r.gp, 0));
""")
    rows, dups, mismatched = (int(x) for x in out.split("\t"))
    return rows, dups, mismatched


def rollup_words(mismatched):
    return "rollup = ledger" if mismatched == 0 else f"rollup differs from the ledger on {mismatched} (salesperson, day)"


def sale_item(external_id, account, day, rev_cents):
    return {
        "external_id": external_id,
        "account_id": account,
        "occurred_on": day,
        "revenue": cents(rev_cents),
        "gross_profit": cents(rev_cents * 3 // 10),
    }


# --------------------------------------------------------------------- setup


def cmd_setup(a):
    h = Http(a.url)
    st, js, raw = form_token(h, {"grant_type": "password", "username": a.admin_email, "password": a.admin_password})
    if st != 200:
        die(f"admin sign-in: {st} {raw[:300]!r}")
    admin = js["access_token"]

    def person(email, name):
        _, js, _ = jpost(h, "/v1/users", admin, {
            "email": email, "name": name, "role": "salesperson", "selling_style": "farmer", "password": PASSWORD,
        }, want=201)
        return js["id"]

    def people_with_accounts(tag, n_people, per_person):
        people, accounts = [], []
        for i in range(1, n_people + 1):
            pid = person(f"{tag}-{i}@faults.example.com", f"{tag.title()} Seller {i}")
            people.append(pid)
            for j in range(1, per_person + 1):
                _, js, _ = jpost(h, "/v1/accounts", admin, {
                    "name": f"{tag.title()} {i}.{j} Ltd", "kind": "customer",
                    "owner_id": pid, "owned_since": "2026-01-01",
                }, want=201)
                accounts.append(js["id"])
        return {"people": people, "accounts": accounts}

    state = {
        "org": a.org,
        "restart": people_with_accounts("restart", 4, 5),
        "kill": people_with_accounts("kill", 2, 10),
        "overlap": people_with_accounts("overlap", 6, 4),
    }
    _, js, _ = jpost(h, "/v1/clients", admin, {"name": "faults", "scopes": ["sales:write"]}, want=201)
    st, tok, raw = form_token(h, {"grant_type": "client_credentials", "client_id": js["client_id"],
                                  "client_secret": js["client_secret"]})
    if st != 200:
        die(f"client sign-in: {st} {raw[:300]!r}")
    state["client"] = {"client_id": js["client_id"], "client_secret": js["client_secret"]}
    state["admin"] = {"username": a.admin_email, "password": a.admin_password}
    state["flood"] = [f"flood-{i:02d}@faults.example.com" for i in range(1, a.flood_people + 1)]
    for i, email in enumerate(state["flood"], 1):
        person(email, f"Flood {i}")
    with open(a.state, "w", encoding="utf-8") as f:
        json.dump(state, f)


def answer_name(st, js):
    """`503 database_unavailable`, `0` for no answer at all."""
    code = code_of(js) if st >= 300 else None
    return f"{st} {code}" if code else f"{st}"


def tally(names):
    counts = {}
    for x in names:
        counts[x] = counts.get(x, 0) + 1
    return ", ".join(f"{n} x {k}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1]))
