#!/usr/bin/env python3
"""Client side of the sales-ingest benchmark (Python 3 standard library only).

Driven by bench/ingest.sh; the subcommands can also be run by hand:

  ingest.py api     push ROWS sales in BATCH-item batches to POST /v1/sales/batch
                    over one keep-alive connection (token in $BENCH_TOKEN)
  ingest.py raw     write the same rows as multi-row INSERT ... ON CONFLICT
                    statements to a SQL file, then time `psql -q -f` on it
  ingest.py summary read the results file and print each run, medians and the ratio

Both runs draw the same rows for a given --run: the same accounts, days and
amounts, only the external ids (and, for the raw run, the source) differ.
With --splits every sale is shared 60/40 between its account's owner and
another salesperson: the API is sent `splits`, and the raw run inserts the two
share rows of each sale (`sale_shares`) (amounts to the cent, the odd cent to the 60% share)
in the same transaction as the sales.
Each writes one line "mode<TAB>run<TAB>rows<TAB>seconds" to --result (mode
api, raw, api-split or raw-split).
"""

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.parse

GOAL = 0.55  # API/raw
GOAL_SPLIT = 0.50  # API/raw with two-way splits on every sale
NOT_ROUTED = 3  # exit status of `api` when POST /v1/sales/batch does not exist yet


def die(msg, code=1):
    print(f"ingest.py: {msg}", file=sys.stderr)
    sys.exit(code)


def load_accounts(path):
    """Lines "account_id<TAB>owner_id", as written by ingest.sh."""
    accounts = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                parts = line.split("\t")
                if len(parts) != 2:
                    die(f"{path}: expected 'account_id<TAB>owner_id', got {line!r}")
                accounts.append((parts[0], parts[1]))
    if not accounts:
        die(f"{path}: no accounts")
    return accounts


def cents(c):
    return f"{c // 100}.{c % 100:02d}"


def partner(owner, accounts):
    """The salesperson who shares a sale with `owner` under --splits: the next
    owner in the accounts file's order of distinct owners."""
    owners = sorted({o for (_a, o) in accounts})
    return owners[(owners.index(owner) + 1) % len(owners)]


def split_cents(total, pct):
    """`pct`% of `total` cents, rounded half away from zero (total >= 0 here)."""
    return (total * pct + 50) // 100


def credits_for(owner, other, rev, gp):
    """The two credit rows of a 60/40 split, in cents: (person, pct, rev, gp);
    the 60% share takes whatever cent the rounding leaves, as the service does."""
    r40, g40 = split_cents(rev, 40), split_cents(gp, 40)
    return [(owner, 60, rev - r40, gp - g40), (other, 40, r40, g40)]


def rows_for_run(run, rows, accounts):
    """The run's rows, the same for the API and the raw path:
    (n, account_id, owner_id, occurred_on, revenue, gross_profit), amounts in
    cents."""
    rng = random.Random(20261126 + run)
    days_in_month = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    out = []
    for n in range(1, rows + 1):
        account_id, owner_id = accounts[rng.randrange(len(accounts))]
        month = rng.randrange(12)
        day = f"2026-{month + 1:02d}-{rng.randrange(days_in_month[month]) + 1:02d}"
        rev = rng.randrange(5_000, 2_500_000)  # 50.00 .. 24,999.99
        gp = rev * rng.randrange(10, 46) // 100  # 10% .. 45% margin
        out.append((n, account_id, owner_id, day, rev, gp))
    return out


def write_result(path, mode, run, rows, seconds):
    with open(path, "a", encoding="utf-8") as f:
        f.write(f"{mode}\t{run}\t{rows}\t{seconds:.6f}\n")


def rate(rows, seconds):
    return rows / seconds if seconds > 0 else float("inf")


# --------------------------------------------------------------------------- api


def cmd_api(a):
    token = os.environ.get("BENCH_TOKEN", "")
    if not token:
        die("BENCH_TOKEN is not set (the bearer token of a client with sales:write)")
    url = urllib.parse.urlsplit(a.url)
    if url.scheme != "http" or not url.hostname:
        die(f"--url must be http://host:port, got {a.url!r}")
    accounts = load_accounts(a.accounts)
    rows = rows_for_run(a.run, a.rows, accounts)

    # Every body is encoded before the clock starts: only the HTTP pushes are timed.
    bodies = []
    for i in range(0, len(rows), a.batch):
        items = []
        for (n, account_id, owner, day, rev, gp) in rows[i : i + a.batch]:
            item = {
                "external_id": f"{a.prefix}{n}",
                "account_id": account_id,
                "occurred_on": day,
                "revenue": cents(rev),
                "gross_profit": cents(gp),
            }
            if a.splits:
                item["splits"] = [
                    {"salesperson_id": owner, "share_pct": "60", "type": "revenue"},
                    {"salesperson_id": partner(owner, accounts), "share_pct": "40", "type": "revenue"},
                ]
            items.append(item)
        bodies.append((len(items), json.dumps({"items": items}).encode()))
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    path = "/v1/sales/batch"
    conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=a.timeout)
    latencies = []
    for b, (count, body) in enumerate(bodies):
        t0 = time.perf_counter()
        try:
            conn.request("POST", path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as e:
            die(f"batch {b + 1}/{len(bodies)}: POST {path} failed: {e!r}")
        latencies.append(time.perf_counter() - t0)
        if resp.status in (404, 405) and b == 0:
            ctype = resp.getheader("Content-Type", "")
            print(
                f"POST {path} answered {resp.status} {resp.reason} "
                f"({ctype or 'no content type'}, {len(data)} bytes): the endpoint is not "
                "routed yet, so the API run is skipped.",
                file=sys.stderr,
            )
            if data:
                print(f"  body: {data[:300].decode('utf-8', 'replace')}", file=sys.stderr)
            sys.exit(NOT_ROUTED)
        check_answer(b, len(bodies), count, resp, data)
        if resp.will_close:  # the server closed the connection: open a new one
            conn.close()
            conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=a.timeout)
    conn.close()

    seconds = sum(latencies)
    lat = sorted(latencies)
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000  # noqa: E731
    print(
        f"  api: {len(rows):,} rows in {len(bodies)} batches of {a.batch}: "
        f"{seconds:.2f} s, {rate(len(rows), seconds):,.0f} rows/s "
        f"(per batch: p50 {pct(0.5):.0f} ms, p95 {pct(0.95):.0f} ms, max {lat[-1] * 1000:.0f} ms)"
    )
    write_result(a.result, "api-split" if a.splits else "api", a.run, len(rows), seconds)


def check_answer(b, total, count, resp, data):
    where = f"batch {b + 1}/{total}"
    if resp.status != 200:
        die(
            f"{where}: expected 200, got {resp.status} {resp.reason}: "
            f"{data[:1000].decode('utf-8', 'replace')}"
        )
    try:
        answer = json.loads(data)
    except ValueError:
        die(f"{where}: the answer is not JSON: {data[:300]!r}")
    items = answer.get("items") if isinstance(answer, dict) else None
    created = answer.get("created") if isinstance(answer, dict) else None
    if not isinstance(created, int):
        # No summary count: count the items' statuses instead.
        if not isinstance(items, list):
            die(f"{where}: the answer has neither `created` nor `items`: {data[:300]!r}")
        created = sum(1 for it in items if isinstance(it, dict) and it.get("status") == "created")
    if created != count:
        bad = [
            it
            for it in (items if isinstance(items, list) else [])
            if isinstance(it, dict) and it.get("status") != "created"
        ]
        sample = json.dumps(bad[:3])[:1000]
        die(f"{where}: expected created = {count}, got {created}; first others: {sample}")


# --------------------------------------------------------------------------- raw

COLUMNS = (
    "org_id, id, source, external_id, account_id, salesperson_id, occurred_on, kind, "
    "currency, fx_rate, amount_revenue, amount_gross_profit, revenue, gross_profit, split"
)
CREDIT_COLUMNS = "org_id, sale_id, salesperson_id, credit_type, share_pct, revenue, gross_profit"
ON_CONFLICT = (
    "ON CONFLICT (org_id, source, external_id) DO UPDATE SET "
    "account_id = EXCLUDED.account_id, salesperson_id = EXCLUDED.salesperson_id, "
    "occurred_on = EXCLUDED.occurred_on, kind = EXCLUDED.kind, currency = EXCLUDED.currency, "
    "fx_rate = EXCLUDED.fx_rate, amount_revenue = EXCLUDED.amount_revenue, "
    "amount_gross_profit = EXCLUDED.amount_gross_profit, revenue = EXCLUDED.revenue, "
    "gross_profit = EXCLUDED.gross_profit, version = sales.version + 1, updated_at = now()"
)


class Uuid7:
    """UUID version 7 (RFC 9562), as the service assigns: time-ordered ids, so the
    raw rows reach the primary key index the same way the API's do."""

    def __init__(self):
        self.last_ms = 0
        self.seq = 0

    def __call__(self):
        ms = time.time_ns() // 1_000_000
        if ms <= self.last_ms:
            ms = self.last_ms
            self.seq += 1
        else:
            self.seq = 0
        self.last_ms = ms
        rand_a = self.seq & 0x0FFF  # monotonic counter within the millisecond
        rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
        value = (ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
        h = f"{value:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def write_sql(path, org, prefix, source, rows, batch, accounts, splits):
    uuid7 = Uuid7()
    with open(path, "w", encoding="utf-8") as f:
        f.write("\\set ON_ERROR_STOP on\n")
        for i in range(0, len(rows), batch):
            chunk = [(uuid7(), *r) for r in rows[i : i + batch]]
            split = "true" if splits else "false"
            values = ",\n".join(
                f"('{org}','{sid}','{source}','{prefix}{n}','{account_id}','{owner_id}',"
                f"'{day}','invoice','EUR',1,{cents(rev)},{cents(gp)},{cents(rev)},{cents(gp)},{split})"
                for (sid, n, account_id, owner_id, day, rev, gp) in chunk
            )
            f.write(f"BEGIN;\nINSERT INTO sales ({COLUMNS}) VALUES\n{values}\n{ON_CONFLICT};\n")
            if splits:
                credits = ",\n".join(
                    f"('{org}','{sid}','{who}','revenue',{pct},{cents(r)},{cents(g)})"
                    for (sid, _n, _a, owner, _d, rev, gp) in chunk
                    for (who, pct, r, g) in credits_for(owner, partner(owner, accounts), rev, gp)
                )
                f.write(f"INSERT INTO sale_shares ({CREDIT_COLUMNS}) VALUES\n{credits};\n")
            f.write("COMMIT;\n")


def cmd_raw(a):
    accounts = load_accounts(a.accounts)
    rows = rows_for_run(a.run, a.rows, accounts)
    write_sql(a.sql, a.org, a.prefix, a.source, rows, a.batch, accounts, a.splits)
    cmd = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", a.dbname, "-f", a.sql]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        die(f"psql -f {a.sql} failed (exit {done.returncode}): {done.stderr.strip()[:1000]}")
    batches = (len(rows) + a.batch - 1) // a.batch
    print(
        f"  raw: {len(rows):,} rows in {batches} INSERT ... ON CONFLICT statements of {a.batch} "
        f"(one transaction each) through psql: {seconds:.2f} s, {rate(len(rows), seconds):,.0f} rows/s"
    )
    write_result(a.result, "raw-split" if a.splits else "raw", a.run, len(rows), seconds)


# ----------------------------------------------------------------------- summary


def cmd_summary(a):
    runs = {}
    with open(a.result, encoding="utf-8") as f:
        for line in f:
            mode, run, rows, seconds = line.rstrip("\n").split("\t")
            runs.setdefault(int(run), {})[mode] = rate(int(rows), float(seconds))
    summarise(runs, "", "plain sales (100% to the owner)", GOAL)
    if any("api-split" in r or "raw-split" in r for r in runs.values()):
        print()
        summarise(runs, "-split", "two-way 60/40 splits on every sale", GOAL_SPLIT)


def summarise(runs, suffix, title, goal):
    def fmt(x):
        return f"{x:>12,.0f}" if x is not None else f"{'n/a':>12}"

    def ratio(api, raw):
        return api / raw if api is not None and raw else None

    print(title)
    print(f"{'run':>6} {'API rows/s':>12} {'raw rows/s':>12} {'API/raw':>8}")
    apis, raws, ratios = [], [], []
    for run in sorted(runs):
        api, raw = runs[run].get("api" + suffix), runs[run].get("raw" + suffix)
        r = ratio(api, raw)
        print(f"{run:>6} {fmt(api)} {fmt(raw)} {r:>8.2f}" if r is not None else f"{run:>6} {fmt(api)} {fmt(raw)} {'n/a':>8}")
        if api is not None:
            apis.append(api)
        if raw is not None:
            raws.append(raw)
        if r is not None:
            ratios.append(r)
    med = lambda xs: statistics.median(xs) if xs else None  # noqa: E731
    if len(runs) > 1:
        r = med(ratios)
        print(f"{'median':>6} {fmt(med(apis))} {fmt(med(raws))} " + (f"{r:>8.2f}" if r is not None else f"{'n/a':>8}"))
    final = med(ratios)
    if final is None:
        print("API/raw: n/a (no API run)")
    else:
        verdict = "meets" if final >= goal else "is BELOW"
        print(f"API/raw = {final:.2f}: {verdict} the goal of {goal:.2f}, the rollup kept")


# -------------------------------------------------------------------------- main


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(s):
        s.add_argument("--accounts", required=True, help="file of 'account_id<TAB>owner_id' lines")
        s.add_argument("--run", type=int, default=1, help="run number: seeds the rows")
        s.add_argument("--rows", type=int, default=100_000)
        s.add_argument("--batch", type=int, default=1_000)
        s.add_argument("--prefix", required=True, help="external id prefix, e.g. api- or raw-r2-")
        s.add_argument("--result", required=True, help="file to append the timing line to")
        s.add_argument("--splits", action="store_true", help="share every sale 60/40 with another salesperson")

    s = sub.add_parser("api", help="push the rows to POST /v1/sales/batch")
    common(s)
    s.add_argument("--url", required=True, help="base URL, e.g. http://127.0.0.1:18790")
    s.add_argument("--timeout", type=float, default=300)
    s.set_defaults(func=cmd_api)

    s = sub.add_parser("raw", help="insert the rows through psql")
    common(s)
    s.add_argument("--org", required=True)
    s.add_argument("--dbname", required=True, help="database name or conninfo for psql -d")
    s.add_argument("--sql", required=True, help="where to write the SQL file")
    s.add_argument("--source", default="raw")
    s.set_defaults(func=cmd_raw)

    s = sub.add_parser("summary", help="print the runs, medians and the ratio")
    s.add_argument("--result", required=True)
    s.set_defaults(func=cmd_summary)

    a = p.parse_args()
    if getattr(a, "rows", 1) < 1 or getattr(a, "batch", 1) < 1:
        die("--rows and --batch must be positive")
    a.func(a)


if __name__ == "__main__":
    main()
