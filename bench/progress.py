#!/usr/bin/env python3
"""Helpers of the read benchmark (Python 3 standard library only).

Driven by bench/progress.sh; the subcommands can also be run by hand:

  progress.py check-progress API.json SQL.tsv
        the API's progress answer against bench/sql/progress.sql's row
  progress.py check-scorecard API.json SQL.tsv
        the API's scorecard against bench/sql/scorecard.sql's rows
  progress.py wrk OUTPUT
        prints "req/s<TAB>avg ms<TAB>p99 ms<TAB>requests<TAB>non-2xx" from wrk --latency
  progress.py pgbench OUTPUT LOG_PREFIX
        prints "tps<TAB>avg ms<TAB>p99 ms<TAB>transactions<TAB>failed" from pgbench's
        output and its per-transaction logs (--log --log-prefix)
  progress.py summary RESULTS
        the table: each run, the medians and the ratios against the goals

  progress.py hit URL TOKEN N
        N sequential GETs over one keep-alive connection, each must answer 200

RESULTS lines: endpoint, run, API req/s, API avg ms, API p99 ms, SQL tps,
SQL avg ms, SQL p99 ms, the service's CPU time per request in ms (tab-separated).
"""

import glob
import http.client
import json
import re
import statistics
import sys
import urllib.parse
from decimal import Decimal

GOALS = {"progress": Decimal("0.5"), "scorecard": Decimal("0.6")}
TITLES = {
    "progress": "GET /v1/targets/{id}/progress (one salesperson's revenue target)",
    "scorecard": "GET /v1/scorecards (a team of 50 and its target)",
}


def die(msg):
    print(f"progress.py: {msg}", file=sys.stderr)
    sys.exit(1)


def dec(s):
    return Decimal(s) if s not in (None, "") else Decimal(0)


def two(d):
    return d.quantize(Decimal("0.01"))


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


# ------------------------------------------------------------------- checks


def cmd_check_progress(api_path, sql_path):
    with open(api_path, encoding="utf-8") as f:
        api = json.load(f)
    rows = read_tsv(sql_path)
    if len(rows) != 1:
        die(f"progress SQL returned {len(rows)} rows, expected 1")
    # The service's own statement: the target's columns (id second, value tenth), then the actual.
    row = rows[0]
    if len(row) != 25:
        die(f"progress SQL returned {len(row)} columns, expected 25")
    target_id, value, actual = row[1], row[9], row[-1]
    if api["target_id"] != target_id:
        die(f"progress: API target {api['target_id']} but SQL target {target_id}")
    for name, a, s in (("value", dec(api["value"]), dec(value)), ("actual", dec(api["actual"]), dec(actual))):
        if two(a) != two(s):
            die(f"progress: the API's {name} is {a}, the SQL's {s}")
    print(f"  checked: progress value {two(dec(value))}, actual {two(dec(actual))}: API and SQL agree")


def cmd_check_scorecard(api_path, sql_path):
    with open(api_path, encoding="utf-8") as f:
        api = json.load(f)
    sql_members, sql_targets, team_targets = set(), {}, {}
    for subject_type, subject_id, target_id, value, actual in read_tsv(sql_path):
        if subject_type == "user":
            sql_members.add(subject_id)
        if target_id:
            (team_targets if subject_type == "team" else sql_targets)[target_id] = (two(dec(value)), two(dec(actual)))
    api_members = {m["subject_id"] for m in api["members"]}
    if api_members != sql_members:
        die(f"scorecard: the API lists {len(api_members)} members, the SQL {len(sql_members)}, not the same people")
    api_targets = {
        t["target_id"]: (two(dec(t["value"])), two(dec(t["actual"])))
        for m in api["members"] for t in m["targets"]
    }
    api_team = {t["target_id"]: (two(dec(t["value"])), two(dec(t["actual"]))) for t in api["team"]["targets"]}
    for what, a, s in (("member targets", api_targets, sql_targets), ("team targets", api_team, team_targets)):
        if set(a) != set(s):
            die(f"scorecard: {what}: the API has {len(a)}, the SQL {len(s)}, not the same ones")
        bad = [k for k in a if a[k] != s[k]]
        if bad:
            k = bad[0]
            die(f"scorecard: {len(bad)} {what} differ, e.g. {k}: API (value, actual) {a[k]}, SQL {s[k]}")
    if not team_targets:
        die("scorecard: no team target")
    team_actual = sum(a for _, a in team_targets.values())
    print(
        f"  checked: scorecard of {len(api_members)} members, {len(api_targets)} member targets and "
        f"{len(api_team)} team target(s) (team actual {team_actual}): API and SQL agree"
    )


# ------------------------------------------------------------------ parsers

UNITS_MS = {"us": Decimal("0.001"), "ms": Decimal(1), "s": Decimal(1000), "m": Decimal(60000)}


def wrk_ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text)
    if not m:
        die(f"wrk: cannot read the latency {text!r}")
    return Decimal(m.group(1)) * UNITS_MS[m.group(2)]


def cmd_wrk(path):
    with open(path, encoding="utf-8") as f:
        out = f.read()
    rps = re.search(r"^Requests/sec:\s+([0-9.]+)", out, re.M)
    avg = re.search(r"^\s+Latency\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99(?:\.0+)?%\s+(\S+)", out, re.M)
    reqs = re.search(r"^\s+(\d+) requests in", out, re.M)
    if not (rps and avg and p99 and reqs):
        die(f"wrk: unexpected output in {path}:\n{out}")
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    bad = int(non2xx.group(1)) if non2xx else 0
    if errors:
        print(f"  wrk: {errors.group(0).strip()}", file=sys.stderr)
    print(f"{rps.group(1)}\t{wrk_ms(avg.group(1)):.3f}\t{wrk_ms(p99.group(1)):.3f}\t{reqs.group(1)}\t{bad}")


def percentile(sorted_xs, q):
    """Nearest-rank percentile of a sorted list."""
    if not sorted_xs:
        return float("nan")
    k = max(0, min(len(sorted_xs) - 1, int(-(-q * len(sorted_xs) // 100)) - 1))
    return sorted_xs[k]


def cmd_pgbench(path, log_prefix):
    with open(path, encoding="utf-8") as f:
        out = f.read()
    tps = re.search(r"^tps = ([0-9.]+) \(without initial connection time\)", out, re.M)
    avg = re.search(r"^latency average = ([0-9.]+) ms", out, re.M)
    n = re.search(r"^number of transactions actually processed: (\d+)", out, re.M)
    failed = re.search(r"^number of failed transactions: (\d+)", out, re.M)
    if not (tps and avg and n):
        die(f"pgbench: unexpected output in {path}:\n{out}")
    lat = []
    for log in glob.glob(log_prefix + ".*"):
        if not re.fullmatch(r"\.\d+(\.\d+)?", log[len(log_prefix):]):
            continue
        with open(log, encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                # client_id transaction_no time(us) script_no time_epoch time_us ...
                if len(parts) >= 6 and parts[2].isdigit():
                    lat.append(int(parts[2]))
    if not lat:
        die(f"pgbench: no per-transaction log at {log_prefix}.*")
    lat.sort()
    p99 = percentile(lat, 99) / 1000
    print(f"{tps.group(1)}\t{avg.group(1)}\t{p99:.3f}\t{n.group(1)}\t{failed.group(1) if failed else 0}")


def cmd_hit(url, token, n):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    path = u.path + ("?" + u.query if u.query else "")
    for _ in range(int(n)):
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            die(f"GET {path}: {r.status}")
    conn.close()


# ------------------------------------------------------------------ summary


def cmd_summary(path):
    rows = read_tsv(path)
    by = {}
    for endpoint, run, *figs in rows:
        by.setdefault(endpoint, []).append((int(run), [float(x) for x in figs]))
    verdicts = []
    for endpoint in ("progress", "scorecard"):
        runs = by.get(endpoint)
        if not runs:
            continue
        print()
        print(TITLES[endpoint])
        head = (
            f"{'run':>6} {'API req/s':>10} {'API avg ms':>10} {'API p99 ms':>10} {'SQL tps':>10} "
            f"{'SQL avg ms':>10} {'SQL p99 ms':>10} {'API/SQL':>8} {'svc CPU ms/req':>14}"
        )
        print(head)
        ratios = []
        cols = [[] for _ in range(7)]
        for run, figs in sorted(runs):
            rps, aavg, ap99, tps, savg, sp99, cpu = figs
            r = rps / tps if tps > 0 else float("nan")
            ratios.append(r)
            for i, v in enumerate(figs):
                cols[i].append(v)
            print(
                f"{run:>6} {rps:>10,.0f} {aavg:>10.2f} {ap99:>10.2f} {tps:>10,.0f} {savg:>10.2f} "
                f"{sp99:>10.2f} {r:>8.2f} {cpu:>14.2f}"
            )
        if len(runs) > 1:
            med = [statistics.median(c) for c in cols]
            print(
                f"{'median':>6} {med[0]:>10,.0f} {med[1]:>10.2f} {med[2]:>10.2f} {med[3]:>10,.0f} "
                f"{med[4]:>10.2f} {med[5]:>10.2f} {statistics.median(ratios):>8.2f} {med[6]:>14.2f}"
            )
        ratio = statistics.median(ratios)
        goal = GOALS[endpoint]
        ok = Decimal(f"{ratio:.4f}") >= goal
        verdicts.append(
            f"{endpoint}: API/SQL = {ratio:.2f} (median of the runs' ratios): "
            + ("meets" if ok else "BELOW")
            + f" the goal of {goal}; API p99 {statistics.median(cols[2]):.2f} ms"
        )
    print()
    for v in verdicts:
        print(v)


def main():
    argv = sys.argv[1:]
    cmds = {
        "check-progress": (cmd_check_progress, 2),
        "check-scorecard": (cmd_check_scorecard, 2),
        "wrk": (cmd_wrk, 1),
        "pgbench": (cmd_pgbench, 2),
        "summary": (cmd_summary, 1),
        "hit": (cmd_hit, 3),
    }
    if not argv or argv[0] not in cmds or len(argv) - 1 != cmds[argv[0]][1]:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    fn, _ = cmds[argv[0]]
    fn(*argv[1:])


if __name__ == "__main__":
    main()
