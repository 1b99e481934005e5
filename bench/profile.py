#!/usr/bin/env python3
"""Where the service's CPU time goes, from `perf script` output of a profile
taken with call graphs (`perf record -e cpu-clock --call-graph dwarf -p PID`).
Python 3 standard library only; run by bench/progress.sh with BENCH_PERF=1.

  perf script -i perf.data | python3 bench/profile.py [TOP]

Each sample goes to the first part of a request (in the order below) that one
of its frames names, anywhere in its stack, so that a memory allocation or a
system call counts for whoever made it. Release builds inline much: a function
that left no frame of its own counts for its caller. Prints the share of each
part, then the TOP functions (default 25) by the samples that ran in them.
"""

import re
import sys
from collections import Counter

# (part, pattern on a frame's symbol or library), the first part that matches
# any frame of a sample wins: the most specific first.
PARTS = [
    ("TLS with PostgreSQL (OpenSSL)", r"libssl|libcrypto|native_tls|openssl"),
    ("token check: the caller's row, through the pool", r"onpace::auth::store::"),
    ("token check", r"onpace::auth::|jsonwebtoken::|ed25519|curve25519"),
    ("ETag (SHA-256 of the body)", r"onpace::http::conditional[^_]|sha2::|Sha256"),
    ("JSON (serde_json)", r"serde_json::|onpace::http::conditional_json"),
    ("pace arithmetic", r"onpace::progress::(api::assemble|rules::)|onpace::calendar::"),
    ("statement (diesel, tokio-postgres)", r"tokio_postgres::|diesel_async::|diesel::|postgres_protocol::|onpace::db::"),
    ("pool hop (r2d2, web::block)", r"r2d2::|actix_web::web::block|spawn_blocking|tokio::runtime::blocking"),
    ("routing and extractors", r"actix_router::|ResourceDef|actix_web::(app_service|scope|resource|route|extract|types)|onpace::extract"),
    ("the handler's own code", r"onpace::"),
    ("HTTP (actix-http)", r"actix_http::|actix_web::|httparse::"),
    ("tracing (request span)", r"tracing"),
    ("runtime (tokio, actix-rt, epoll, scheduling)", r"tokio::|actix_rt::|actix_server::|mio::|epoll|finish_task_switch|schedule"),
]
COMPILED = [(name, re.compile(p)) for name, p in PARTS]
OTHER = "other (kernel, libc, threads starting)"

FRAME = re.compile(r"^\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)$")


def samples(lines):
    stack = []
    for line in lines:
        if not line.strip():
            if stack:
                yield stack
            stack = []
            continue
        m = FRAME.match(line)
        if m:
            sym = re.sub(r"\+0x[0-9a-f]+$", "", m.group(1))
            stack.append((sym, m.group(2)))
    if stack:
        yield stack


def part_of(stack):
    for name, pat in COMPILED:
        if any(pat.search(sym) or pat.search(dso) for sym, dso in stack):
            return name
    return OTHER


def short(sym):
    sym = re.sub(r"::h[0-9a-f]{16}$", "", sym)
    return sym if len(sym) <= 110 else sym[:107] + "..."


def main():
    top = int(sys.argv[1]) if len(sys.argv) > 1 else 25
    parts, leaves = Counter(), Counter()
    n = 0
    for stack in samples(sys.stdin):
        n += 1
        parts[part_of(stack)] += 1
        sym, dso = stack[0]
        leaves[f"{short(sym)} [{dso.rsplit('/', 1)[-1]}]"] += 1
    if not n:
        print("profile.py: no samples", file=sys.stderr)
        sys.exit(1)
    print(f"{n} samples of the service's threads")
    for name, c in parts.most_common():
        print(f"  {100 * c / n:5.1f}%  {name}")
    print(f"top {top} functions by samples that ran in them:")
    for name, c in leaves.most_common(top):
        print(f"  {100 * c / n:5.1f}%  {name}")


if __name__ == "__main__":
    main()
