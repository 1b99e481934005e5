#!/usr/bin/env python3
"""Client side of the fault suite (Python 3 standard library only).

Driven by bench/faults.sh, which starts the PostgreSQL cluster and the service
and exports PGHOST, PGPORT, PGUSER for psql. Subcommands:

  faults.py setup        salespeople, accounts, an integration client and the
                         sign-in flood's people, through the API; writes --state
  faults.py restart-idle case 1, first part: restart PostgreSQL while a few
                         readers wait, then read again; writes --out
  faults.py restart      case 1: restart PostgreSQL under reads and writes, and
                         print both parts
  faults.py kill-batch   case 2, first half: SIGKILL the service mid-batch
  faults.py replay       case 2, second half: replay the batch with its key
  faults.py overlap      case 3: 8 clients pushing overlapping batches
  faults.py flood        case 4: 48 clients signing in, a probe on GET /v1/me
  faults.py probe        (used by flood) GET /v1/me in a loop, JSON on stdout

Each case prints one line, its figures and a verdict, and exits 0 (ok),
1 (FAIL) or 2 (the case could not be measured).
"""

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ next to the scripts
from faults_lib import (  # noqa: E402 (bench/faults_lib.py, next to this file)
    DAYS, FAILED, OK, PASSWORD, Http, answer_name, bearer, cmd_setup, die,
    form_token, jpost, ledger_check, load_state, pct, psql, rollup_words, sale_item, tally, verdict,
)

# ------------------------------------------------------ case 1: restart under load


def restart_episode(a, s, tag, readers, writers, lull):
    """Clients on the pool, then PostgreSQL restarted: under their load, or (lull)
    while they wait, resuming when it is back. Returns what was seen."""
    admin, crm, accounts = s["admin_token"], s["client_token"], s["restart"]["accounts"]
    events = []  # (answered at, status, "read" or "write", answer name)
    acked = {}  # external_id -> (revenue, gross_profit)
    unexpected = []
    unacked = [0]
    stop, hard_stop, hold = threading.Event(), threading.Event(), threading.Event()

    def wait_while_held():
        while hold.is_set() and not stop.is_set():
            time.sleep(0.01)

    def reader(i):
        h = Http(a.url, timeout=15)
        while not stop.is_set():
            wait_while_held()
            st, js, raw = h.request("GET", "/v1/accounts?limit=50", headers=bearer(admin))
            events.append((time.monotonic(), st, "read", answer_name(st, js)))
            if st not in (200, 503, 0):
                unexpected.append(f"GET {st} {raw[:120]!r}")
            time.sleep(a.think)

    def writer(w):
        h = Http(a.url, timeout=15)
        rng = random.Random(f"{tag}{w}")
        n = 0
        while not stop.is_set():
            wait_while_held()
            n += 1
            ext = f"r1{tag}-w{w}-{n}"
            item = sale_item(ext, rng.choice(accounts), rng.choice(DAYS), rng.randrange(1000, 500000))
            body = json.dumps(item).encode()
            headers = bearer(crm, {"Content-Type": "application/json", "Idempotency-Key": ext})
            while True:
                st, js, raw = h.request("POST", "/v1/sales", body, headers)
                events.append((time.monotonic(), st, "write", answer_name(st, js)))
                if st in (200, 201):
                    acked[ext] = (item["revenue"], item["gross_profit"])
                    time.sleep(a.think)
                    break
                if st not in (0, 409, 503):
                    unexpected.append(f"POST {st} {raw[:120]!r}")
                    break
                if hard_stop.is_set():
                    unacked[0] += 1
                    break
                time.sleep(a.think)  # then the same key and body again
                wait_while_held()

    def burst(i):
        h = Http(a.url, timeout=15)
        for _ in range(a.burst):
            st, _, raw = h.request("GET", "/v1/accounts?limit=50", headers=bearer(admin))
            if st != 200:
                unexpected.append(f"warm-up GET {st} {raw[:120]!r}")
        h.close()

    # The pool warmed by a burst (every client, back to back), then the clients at
    # their own pace (a pause between requests): the pool holds idle connections
    # as well as busy ones.
    threads = [threading.Thread(target=burst, args=(i,)) for i in range(readers + writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if unexpected:
        die(f"the warm-up was refused: {unexpected[0]}")
    threads = [threading.Thread(target=reader, args=(i,)) for i in range(readers)]
    threads += [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    time.sleep(a.warmup)
    if lull:
        hold.set()
        time.sleep(1)  # the requests in flight are answered
    t_down = time.monotonic()
    done = subprocess.run(a.restart_cmd, shell=True, capture_output=True, text=True)
    t_back = time.monotonic()
    hold.clear()
    if done.returncode != 0:
        stop.set()
        hard_stop.set()
        die(f"restarting PostgreSQL failed: {done.stderr.strip()[:300]}")

    # Watch until every answer has been 2xx for `settle` seconds, or the cap.
    while True:
        time.sleep(0.1)
        now = time.monotonic()
        recent = [e[1] for e in events if e[0] >= now - a.settle]
        clean = bool(recent) and all(st in (200, 201) for st in recent)
        if (now - t_back >= a.settle and clean) or now - t_back >= a.cap:
            break
    stop.set()
    t_stop = time.monotonic()
    deadline = t_stop + 5
    for t in threads:
        t.join(timeout=max(0.1, deadline - time.monotonic()))
    hard_stop.set()
    for t in threads:
        t.join()

    def recovery(kind):
        """Seconds from the database being back to the last answer of KIND other
        than 2xx; None when KIND still failed in the last `settle` seconds."""
        mine = [e for e in events if e[2] == kind and e[0] <= t_stop]
        if any(e[1] not in (200, 201) for e in mine if e[0] >= t_stop - a.settle):
            return None
        bad = [e[0] for e in mine if e[0] >= t_back and e[1] not in (200, 201)]
        return (max(bad) - t_back) if bad else 0.0

    return {
        "down": t_back - t_down,
        "recovery": {k: recovery(k) if n else False for k, n in (("read", readers), ("write", writers))},
        "failures": [e[3] for e in events if e[1] not in (200, 201)],
        "acked": acked,
        "unacked": unacked[0],
        "unexpected": unexpected,
    }


def cmd_restart_idle(a):
    """As in a quiet hour on a service just started: a few readers (fewer than the
    pool's connections) that wait while PostgreSQL restarts, so that the pool is
    idle then, and read again once it is back."""
    s = load_state(a)
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(restart_episode(a, s, "b", a.readers, 0, lull=True), f)


def cmd_restart(a):
    s = load_state(a)
    org, people = s["org"], s["restart"]["people"]
    with open(a.idle, encoding="utf-8") as f:
        idle = json.load(f)
    seen = {f"quiet ({a.readers} readers waiting during the restart)": idle,
            f"under load ({a.readers} readers + {a.writers} writers)":
                restart_episode(a, s, "a", a.readers, a.writers, lull=False)}

    rows = psql(a.db, f"SELECT external_id, revenue, gross_profit FROM sales "
                      f"WHERE org_id = '{org}' AND external_id LIKE 'r1%'")
    stored = {}
    for line in rows.splitlines():
        ext, rev, gp = line.split("\t")
        stored[ext] = (rev, gp)
    acked = {k: v for e in seen.values() for k, v in e["acked"].items()}
    lost = [e for e, v in acked.items() if stored.get(e) != v]
    unacked = sum(e["unacked"] for e in seen.values())
    unexpected = [u for e in seen.values() for u in e["unexpected"]]
    _, dups, mismatched = ledger_check(a.db, org, people, "r1")

    parts = []
    recovered = True
    for name, e in seen.items():
        words = []
        for kind, v in e["recovery"].items():
            if v is False:
                continue  # no such clients
            recovered = recovered and v is not None and v <= a.target
            words.append(f"{kind}s {v:.1f} s" if v is not None else f"{kind}s NOT within {a.cap:g} s")
        parts.append(f"{name}, down {e['down']:.1f} s: {', '.join(words)}, "
                     f"non-2xx: {tally(e['failures']) or 'none'}")
    good = recovered and not lost and dups == 0 and mismatched == 0 and not unexpected
    print(
        f"1 restart under load: clients {a.think * 1000:.0f} ms apart; from PostgreSQL back to the last "
        f"non-2xx answer (target {a.target:g} s): {'; '.join(parts)}"
        + (f" ({len(unexpected)} unexpected, first: {unexpected[0]})" if unexpected else "")
        + f"; acknowledged writes lost {len(lost)} of {len(acked)}"
        + (f" ({unacked} never acknowledged)" if unacked else "")
        + f"; duplicates {dups}; {rollup_words(mismatched)}: {verdict(good)}"
    )
    sys.exit(OK if good else FAILED)


# ------------------------------------------- case 2: kill -9 mid-batch, then replay

KILL_KEY = "faults-kill-batch-1"
LOCK_APP = "onpace-faults-lock"


def kill_batch_body(s):
    accounts = s["kill"]["accounts"]
    rng = random.Random(2)
    items = [sale_item(f"k2-{n}", accounts[n % len(accounts)], DAYS[n % len(DAYS)], rng.randrange(1000, 900000))
             for n in range(1, 1001)]
    return json.dumps({"items": items}).encode()


def backends(db, where):
    return psql(db, f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{db}' AND {where}")


def cmd_kill_batch(a):
    if not a.pid:
        die("kill-batch needs --pid")
    s = load_state(a)
    org, crm = s["org"], s["client_token"]
    acc, day = s["kill"]["accounts"][0], DAYS[0]
    h = Http(a.url)
    # A sale on an (account, day) the batch has too (its 40th item), so that the
    # rollup row exists and can be held: the batch then stops in the middle of its
    # transaction, its sales written, waiting for that row.
    jpost(h, "/v1/sales", crm, sale_item("k2-seed", acc, day, 100), want=201)
    owner = s["kill"]["people"][0]
    lock = subprocess.Popen(
        ["psql", "-X", "-q", "-d", a.db], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, env={**os.environ, "PGAPPNAME": LOCK_APP},
    )
    lock.stdin.write(f"BEGIN;\nSELECT revenue FROM daily_sales WHERE org_id = '{org}' AND salesperson_id = "
                     f"'{owner}' AND day = '{day}' FOR UPDATE;\n")
    lock.stdin.flush()
    t0 = time.monotonic()
    while backends(a.db, f"application_name = '{LOCK_APP}' AND state = 'idle in transaction'") != "1":
        if time.monotonic() - t0 > 10 or lock.poll() is not None:
            die("could not hold the rollup row")
        time.sleep(0.05)

    body = kill_batch_body(s)
    answer = {}

    def push():
        hh = Http(a.url, timeout=60)
        answer["status"] = hh.request("POST", "/v1/sales/batch", body, bearer(
            crm, {"Content-Type": "application/json", "Idempotency-Key": KILL_KEY}))[0]

    t = threading.Thread(target=push, daemon=True)
    t_sent = time.monotonic()
    t.start()
    waiting = f"application_name <> '{LOCK_APP}' AND wait_event_type = 'Lock'"
    while backends(a.db, waiting) == "0":
        if time.monotonic() - t_sent > 30 or "status" in answer:
            lock.stdin.write("ROLLBACK;\n")
            lock.stdin.close()
            die(f"the batch never waited on the held rollup row (answer: {answer.get('status')})")
        time.sleep(0.02)
    t_kill = time.monotonic()
    os.kill(a.pid, signal.SIGKILL)
    lock.stdin.write("ROLLBACK;\n")
    lock.stdin.close()
    lock.wait(timeout=10)
    t.join(timeout=10)
    # The killed service's backends end (their transactions rolled back).
    t0 = time.monotonic()
    while backends(a.db, f"application_name <> '{LOCK_APP}' AND backend_type = 'client backend' "
                         f"AND pid <> pg_backend_pid()") != "0":
        if time.monotonic() - t0 > 15:
            break
        time.sleep(0.1)
    rows = psql(a.db, f"SELECT count(*) FROM sales WHERE org_id = '{org}' AND external_id LIKE 'k2-%' "
                      f"AND external_id <> 'k2-seed'")
    claim = psql(a.db, f"SELECT coalesce(status::text, 'in progress') FROM idempotency_keys "
                       f"WHERE org_id = '{org}' AND key = '{KILL_KEY}'") or "none"
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump({"killed_after": t_kill - t_sent, "rows": int(rows), "claim": claim,
                   "client_saw": answer.get("status")}, f)


def cmd_replay(a):
    s = load_state(a)
    org, crm = s["org"], s["client_token"]
    with open(a.killed, encoding="utf-8") as f:
        killed = json.load(f)
    body = kill_batch_body(s)
    h = Http(a.url, timeout=60)
    headers = bearer(crm, {"Content-Type": "application/json", "Idempotency-Key": KILL_KEY})
    t0 = time.monotonic()
    answers = []
    while True:
        st, js, raw = h.request("POST", "/v1/sales/batch", body, headers)
        answers.append(answer_name(st, js))
        if st == 200 or st not in (0, 409, 503) or time.monotonic() - t0 >= a.cap:
            break
        time.sleep(0.5)
    took = time.monotonic() - t0
    created = js.get("created") if st == 200 and isinstance(js, dict) else None
    rows, dups, mismatched = ledger_check(a.db, org, s["kill"]["people"], "k2-")
    rows -= 1  # the seed sale
    good = st == 200 and took <= a.target and rows == 1000 and dups == 0 and mismatched == 0
    if st == 200:
        tries = "at the first attempt" if len(answers) == 1 else f"at attempt {len(answers)}"
        got = f"replay 200 after {took:.1f} s, {tries} (created {created})"
    else:
        first = answers[0]
        got = (f"replay still {answers[-1]} after {took:.0f} s ({len(answers)} attempts, first {first}); "
               f"gave up")
    print(
        f"2 kill -9 mid-batch: 1,000-item batch, service killed {killed['killed_after']:.1f} s after sending "
        f"(its transaction open, {killed['rows']} rows committed, claim {killed['claim']}); restarted; "
        f"{got} (target: 200 at once); rows {rows} of 1000; duplicates {dups}; "
        f"{rollup_words(mismatched)}: {verdict(good)}"
    )
    sys.exit(OK if good else FAILED)


# ------------------------------------------------ case 3: overlapping batches


def cmd_overlap(a):
    s = load_state(a)
    org, crm = s["org"], s["client_token"]
    people, accounts = s["overlap"]["people"], s["overlap"]["accounts"]
    days = DAYS[:a.days]
    log_start = os.path.getsize(a.pg_log) if a.pg_log else 0
    answers = []
    rejected = [0]
    barrier = threading.Barrier(a.clients)

    def client(c):
        h = Http(a.url, timeout=120)
        for r in range(a.rounds):
            rng = random.Random(1000 * r + c)
            # The round's new external ids and the last round's, shared by every
            # client, each client in its own order, with its own days and accounts
            # (so its own salespeople): inserts and updates race on the same rows.
            shared = [f"o3-r{r}-{i}" for i in range(a.pool)]
            if r > 0:
                shared += [f"o3-r{r - 1}-{i}" for i in range(a.pool)]
            items = [
                sale_item(ext, rng.choice(accounts), rng.choice(days), rng.randrange(1000, 900000))
                for ext in rng.sample(shared, a.items)
            ]
            body = json.dumps({"items": items}).encode()
            if r == 0:
                barrier.wait()  # all start together, then each at its own pace
            st, js, raw = h.request("POST", "/v1/sales/batch", body, bearer(
                crm, {"Content-Type": "application/json", "Idempotency-Key": f"o3-r{r}-c{c}"}))
            answers.append(answer_name(st, js))
            if st == 200 and isinstance(js, dict):
                rejected[0] += js.get("rejected", 0)

    t0 = time.monotonic()
    threads = [threading.Thread(target=client, args=(c,)) for c in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - t0
    deadlocks = 0
    if a.pg_log:
        with open(a.pg_log, "rb") as f:
            f.seek(log_start)
            deadlocks = f.read().count(b"deadlock detected")
    rows, dups, mismatched = ledger_check(a.db, org, people, "o3-")
    surfaced = sum(1 for x in answers if x != "200")
    summary = tally(answers)
    good = surfaced == 0 and dups == 0 and mismatched == 0 and rejected[0] == 0
    print(
        f"3 overlapping batches: {a.clients} clients x {a.rounds} rounds of {a.items} items from {a.pool} new and "
        f"{a.pool} earlier shared external ids, {len(people)} people, {len(days)} days, in {took:.0f} s: {summary}; surfaced to clients "
        f"{surfaced} of {len(answers)}; PostgreSQL logged {deadlocks} deadlocks"
        + (f"; {rejected[0]} items rejected" if rejected[0] else "")
        + f"; rows {rows}; duplicates {dups}; {rollup_words(mismatched)}: {verdict(good)}"
    )
    sys.exit(OK if good else FAILED)


# ------------------------------------------------------- case 4: sign-in flood


def rss_kib(pid, field):
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def cmd_probe(a):
    h = Http(a.url, timeout=60)
    lat, bad = [], []
    end = time.monotonic() + a.seconds
    while time.monotonic() < end:
        t0 = time.monotonic()
        st, js, _ = h.request("GET", "/v1/me", headers=bearer(a.token))
        lat.append(time.monotonic() - t0)
        if st != 200:
            bad.append(answer_name(st, js))
        time.sleep(a.pause)
    json.dump({"lat": lat, "bad": bad}, sys.stdout)


def cmd_flood(a):
    if not a.pid:
        die("flood needs --pid")
    s = load_state(a)
    emails = s["flood"]
    if len(emails) < a.clients:
        die(f"setup made {len(emails)} flood people, the flood needs {a.clients}")
    h = Http(a.url)
    st, js, raw = form_token(h, {"grant_type": "password", "username": emails[0], "password": PASSWORD})
    if st != 200:
        die(f"the probe's sign-in: {st} {raw[:300]!r}")
    probe_token = js["access_token"]
    h.close()
    base_rss = rss_kib(a.pid, "VmRSS")
    probe = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "probe", "--url", a.url, "--token", probe_token,
         "--seconds", str(a.seconds)], stdout=subprocess.PIPE, text=True)
    stop = threading.Event()
    answers = []
    peak = [0]

    def sampler():
        while not stop.is_set():
            v = rss_kib(a.pid, "VmRSS")
            if v:
                peak[0] = max(peak[0], v)
            time.sleep(0.2)

    def client(i):
        hh = Http(a.url, timeout=120)
        fields = {"grant_type": "password", "username": emails[i], "password": PASSWORD}
        while not stop.is_set():
            st, js, _ = form_token(hh, fields)
            answers.append(answer_name(st, js))
            if st != 200:
                time.sleep(0.05)

    threads = [threading.Thread(target=sampler)]
    threads += [threading.Thread(target=client, args=(i,)) for i in range(a.clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    out, _ = probe.communicate()
    stop.set()
    for t in threads:
        t.join()
    took = time.monotonic() - t0
    hwm = rss_kib(a.pid, "VmHWM")
    if hwm is None:
        die("the service is gone: no /proc/<pid>/status after the flood")
    peak_mb = max(hwm, peak[0]) / 1024
    p = json.loads(out)
    lat = sorted(p["lat"])
    bad = p["bad"]
    n_bad = len(bad)
    signins = tally(answers)
    good = peak_mb < a.rss_target and n_bad == 0
    print(
        f"4 sign-in flood: {a.clients} clients for {took:.0f} s ({signins}); peak RSS {peak_mb:,.0f} MB "
        f"(from {(base_rss or 0) / 1024:,.0f} MB; target < {a.rss_target} MB); GET /v1/me probe: {len(lat)} calls, "
        f"p50 {pct(lat, 0.5) * 1000:,.0f} ms, p99 {pct(lat, 0.99) * 1000:,.0f} ms, non-200 {n_bad}"
        + (f" ({tally(bad)})" if bad else "")
        + f": {verdict(good)}"
    )
    sys.exit(OK if good else FAILED)


# ---------------------------------------------------------------------- main


def restart_options(s):
    s.add_argument("--readers", type=int, default=6)
    s.add_argument("--writers", type=int, default=6)
    s.add_argument("--burst", type=int, default=20, help="GET /v1/accounts per client to warm the pool")
    s.add_argument("--think", type=float, default=0.1, help="seconds each client waits between requests")
    s.add_argument("--warmup", type=float, default=3, help="seconds of load before the restart")
    s.add_argument("--settle", type=float, default=3, help="seconds of all-200 answers that end the case")
    s.add_argument("--cap", type=float, default=20, help="seconds after the restart before giving up")
    s.add_argument("--target", type=float, default=2)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(name, func, state=True):
        s = sub.add_parser(name)
        s.add_argument("--url", required=True, help="the service, e.g. http://127.0.0.1:18791")
        if state:
            s.add_argument("--state", required=True, help="the JSON file setup wrote")
            s.add_argument("--db", required=True, help="the database, for psql -d")
            s.add_argument("--pid", type=int, help="the service's process id")
        s.set_defaults(func=func)
        return s

    s = sub.add_parser("setup")
    s.add_argument("--url", required=True)
    s.add_argument("--state", required=True)
    s.add_argument("--org", required=True)
    s.add_argument("--admin-email", required=True)
    s.add_argument("--admin-password", required=True)
    s.add_argument("--flood-people", type=int, default=48)
    s.set_defaults(func=cmd_setup)

    for name, func in (("restart-idle", cmd_restart_idle), ("restart", cmd_restart)):
        s = common(name, func)
        s.add_argument("--restart-cmd", required=True, help="shell command restarting PostgreSQL, waiting for it")
        restart_options(s)
    sub.choices["restart-idle"].add_argument("--out", required=True, help="where to write what was seen")
    sub.choices["restart"].add_argument("--idle", required=True, help="the file restart-idle wrote")
    s = common("kill-batch", cmd_kill_batch)
    s.add_argument("--out", required=True, help="where to write what the kill left")

    s = common("replay", cmd_replay)
    s.add_argument("--killed", required=True, help="the file kill-batch wrote")
    s.add_argument("--cap", type=float, default=15, help="seconds of 409/503 before giving up")
    s.add_argument("--target", type=float, default=2)

    s = common("overlap", cmd_overlap)
    s.add_argument("--pg-log", help="PostgreSQL's log, to count the deadlocks it detected")
    s.add_argument("--clients", type=int, default=8)
    s.add_argument("--rounds", type=int, default=8)
    s.add_argument("--items", type=int, default=200)
    s.add_argument("--pool", type=int, default=300)
    s.add_argument("--days", type=int, default=10)

    s = common("flood", cmd_flood)
    s.add_argument("--clients", type=int, default=48)
    s.add_argument("--seconds", type=float, default=30)
    s.add_argument("--rss-target", type=int, default=300, help="MB")

    s = common("probe", cmd_probe, state=False)
    s.add_argument("--token", required=True)
    s.add_argument("--seconds", type=float, default=30)
    s.add_argument("--pause", type=float, default=0.05)

    a = p.parse_args()
    a.func(a)


if __name__ == "__main__":
    main()
