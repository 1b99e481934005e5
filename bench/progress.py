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
  progress.py check-least ACTUAL SQL.tsv [MINIMAL.json...]
        the progress's actual against bench/sql/least-progress.sql's sum, and
        the minimal endpoint's answers against it
  progress.py check-least-scorecard API.json SQL.tsv
        the scorecard's actuals against bench/sql/least-scorecard.sql's rows
        (revenue) or least-scorecard-targets.sql's (revenue and gross profit)
  progress.py summary RESULTS
        the tables: each run, the medians and the ratios against the goals

  progress.py hit URL TOKEN N
        N sequential GETs over one keep-alive connection, each must answer 200
  progress.py tokens URL PASSWORD PEOPLE.tsv OUT
        signs in each person of PEOPLE.tsv ("email<TAB>path" lines) and writes
        "path token" lines to OUT, for bench/rotate.lua

RESULTS lines: run, measurement, rate (req/s or tps), avg ms, p99 ms, the
service's CPU time per request in ms or "-" (tab-separated).
"""

import glob
import http.client
import json
import re
import statistics
import sys
import urllib.parse
from decimal import Decimal

# Each endpoint: its title, its measurements (name, label, unit), the ratios
# printed (label, numerator, denominator, goal or None).
SECTIONS = {
    "progress": (
        "GET /v1/targets/{id}/progress: each of the salespeople reading their own revenue target, with their own token",
        [
            ("progress-api", "service", "req/s"),
            ("progress-sql", "pgbench: the service's statement", "tps"),
            ("progress-least", "pgbench: the least SQL (rollup sum)", "tps"),
            ("minimal-shared", "minimal endpoint: shared connection", "req/s"),
            ("minimal-deadpool", "minimal endpoint: deadpool checkout", "req/s"),
        ],
        [
            ("service / least SQL", "progress-api", "progress-least", Decimal("0.5")),
            ("service / service's statement", "progress-api", "progress-sql", Decimal("0.5")),
            ("minimal shared / least SQL", "minimal-shared", "progress-least", None),
            ("minimal deadpool / least SQL", "minimal-deadpool", "progress-least", None),
            ("service / minimal shared", "progress-api", "minimal-shared", None),
        ],
    ),
    "scorecard": (
        "GET /v1/scorecards: a team of 50 and its target",
        [
            ("scorecard-api", "service", "req/s"),
            ("scorecard-sql", "pgbench: the service's statement", "tps"),
            ("scorecard-least", "pgbench: the least SQL (GROUP BY person)", "tps"),
            ("scorecard-least-targets", "pgbench: the same for both metrics", "tps"),
        ],
        [
            ("service / least SQL", "scorecard-api", "scorecard-least", Decimal("0.7")),
            ("service / the same for both metrics", "scorecard-api", "scorecard-least-targets", None),
            ("service / service's statement", "scorecard-api", "scorecard-sql", Decimal("0.6")),
        ],
    ),
}
# The progress read's p99 goal, in ms.
P99_GOAL_MS = 20


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


def cmd_check_least(actual, sql_path, *minimal_paths):
    rows = read_tsv(sql_path)
    if len(rows) != 1 or len(rows[0]) != 1:
        die(f"least progress SQL returned {rows!r}, expected one sum")
    least = two(dec(rows[0][0]))
    if two(dec(actual)) != least:
        die(f"least progress SQL: the rollup sum is {least}, the API's actual {actual}")
    for path in minimal_paths:
        with open(path, encoding="utf-8") as f:
            got = two(dec(json.load(f)["actual"]))
        if got != least:
            die(f"minimal endpoint ({path}): answered {got}, the SQL {least}")
    print(f"  checked: least progress SQL {least}: the API and {len(minimal_paths)} minimal endpoint(s) agree")


def cmd_check_least_scorecard(api_path, sql_path):
    """The rows are (person, revenue) for revenue alone, or (person, revenue, gross profit)."""
    with open(api_path, encoding="utf-8") as f:
        api = json.load(f)
    rows = read_tsv(sql_path)
    sql = {}
    for r in rows:
        for metric, value in zip(("revenue", "gross_profit"), r[1:]):
            sql[(r[0], metric)] = two(dec(value))
    metrics = sorted({metric for _, metric in sql})
    got = {}
    for m in api["members"]:
        for t in m["targets"]:
            if t["metric"] in metrics and t.get("account_id") is None:
                got[(m["subject_id"], t["metric"])] = two(dec(t["actual"]))
    people = {person for person, _ in sql}
    if len(people) != len(api["members"]) or set(got) != set(sql):
        die(f"least scorecard SQL: {len(people)} people, the API {len(api['members'])} members, {len(got)} targets in {metrics}")
    bad = [k for k in sql if got[k] != sql[k]]
    if bad:
        die(f"least scorecard SQL: {len(bad)} actuals differ, e.g. {bad[0]}: API {got[bad[0]]}, SQL {sql[bad[0]]}")
    print(f"  checked: least scorecard SQL, {len(people)} people: their {' and '.join(metrics)} actuals agree with the API's")


def cmd_tokens(url, password, people_path, out_path):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    lines = []
    for email, path in read_tsv(people_path):
        body = urllib.parse.urlencode({"grant_type": "password", "username": email, "password": password})
        conn.request("POST", "/v1/auth/token", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        r = conn.getresponse()
        data = r.read()
        if r.status != 200:
            die(f"sign-in of {email}: {r.status}: {data[:300]!r}")
        lines.append(f"{path} {json.loads(data)['access_token']}\n")
    conn.close()
    with open(out_path, "w", encoding="utf-8") as f:
        f.writelines(lines)


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
    # by[name][run] = (rate, avg, p99, cpu or None)
    by = {}
    for run, name, rate, avg, p99, cpu in read_tsv(path):
        by.setdefault(name, {})[int(run)] = (
            float(rate), float(avg), float(p99), None if cpu == "-" else float(cpu)
        )
    runs = sorted({r for m in by.values() for r in m})
    cols = [f"run {r}" for r in runs] + (["median"] if len(runs) > 1 else [])

    def line(label, values, fmt):
        xs = [v for v in values if v is not None]
        if len(runs) > 1:
            values = values + [statistics.median(xs) if xs else None]
        cells = "".join(f"{format(v, fmt) if v is not None else '-':>11}" for v in values)
        print(f"{label:<46}{cells}")

    verdicts = []
    for endpoint, (title, measured, ratios) in SECTIONS.items():
        if not any(name in by for name, _, _ in measured):
            continue
        print()
        print(title)
        print(f"{'':<46}" + "".join(f"{c:>11}" for c in cols))
        for name, label, unit in measured:
            if name not in by:
                continue
            m = by[name]
            line(f"{label}, {unit}", [m[r][0] if r in m else None for r in runs], ",.0f")
            line("    avg ms", [m[r][1] if r in m else None for r in runs], ".2f")
            line("    p99 ms", [m[r][2] if r in m else None for r in runs], ".2f")
            if any(m[r][3] is not None for r in runs if r in m):
                line("    service CPU ms/request", [m[r][3] if r in m else None for r in runs], ".3f")
        for label, num, den, goal in ratios:
            if num not in by or den not in by:
                continue
            per_run = [by[num][r][0] / by[den][r][0] if r in by[num] and r in by[den] else None for r in runs]
            line(label, per_run, ".2f")
            if goal is None:
                continue
            ratio = statistics.median([x for x in per_run if x is not None])
            ok = Decimal(f"{ratio:.4f}") >= goal
            verdict = f"{endpoint}: {label} = {ratio:.2f}: " + ("meets" if ok else "BELOW") + f" {goal}"
            if num == "progress-api" and den == "progress-least":
                p99 = statistics.median(by[num][r][2] for r in runs if r in by[num])
                verdict += f"; p99 {p99:.2f} ms: " + ("under" if p99 < P99_GOAL_MS else "NOT under") + f" {P99_GOAL_MS} ms"
            verdicts.append(verdict)
    print()
    print("verdicts (median of the runs' ratios):")
    for v in verdicts:
        print(f"  {v}")


def main():
    argv = sys.argv[1:]
    cmds = {
        "check-progress": (cmd_check_progress, 2),
        "check-scorecard": (cmd_check_scorecard, 2),
        "check-least": (cmd_check_least, -2),
        "check-least-scorecard": (cmd_check_least_scorecard, 2),
        "tokens": (cmd_tokens, 4),
        "wrk": (cmd_wrk, 1),
        "pgbench": (cmd_pgbench, 2),
        "summary": (cmd_summary, 1),
        "hit": (cmd_hit, 3),
    }
    # A negative count: at least that many arguments.
    ok = argv and argv[0] in cmds and (
        len(argv) - 1 == cmds[argv[0]][1] or 0 > cmds[argv[0]][1] >= -(len(argv) - 1)
    )
    if not ok:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    fn, _ = cmds[argv[0]]
    fn(*argv[1:])


if __name__ == "__main__":
    main()
