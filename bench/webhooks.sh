#!/usr/bin/env bash
# Webhook delivery benchmark: (a) how many deliveries a second one worker
# (16 attempts in flight) sustains to a receiver on 127.0.0.1, from
# BENCH_DELIVERIES pending deliveries (default 2,000); (b) the delay from a
# sale written through POST /v1/sales to its `results.recorded` delivery
# arriving at the receiver, median and p99 over BENCH_SALES sales (default 200)
# made one after another. See bench/README.md.
#
#   bash bench/webhooks.sh                      # dev profile (as the tests build)
#   BENCH_PROFILE=release bash bench/webhooks.sh
#
# The measurement is the ignored test webhooks_delivery::bench in tests/api: the
# application in-process on a database of its own (made from the tests'
# template and dropped after), the worker and the receiver (a small HTTP/1.1
# server) each on threads of their own, the worker woken by LISTEN/NOTIFY.
# Needs: cargo, and PostgreSQL as the tests use it (ONPACE_TEST_DATABASE_URL,
# default postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v cargo >/dev/null 2>&1 || { echo "bench/webhooks.sh: cargo is not on PATH" >&2; exit 1; }
profile=()
case "${BENCH_PROFILE:-dev}" in
  dev) ;;
  release) profile=(--release) ;;
  *) echo "bench/webhooks.sh: BENCH_PROFILE must be dev or release" >&2; exit 1 ;;
esac
export BENCH_DELIVERIES=${BENCH_DELIVERIES:-2000}
export BENCH_SALES=${BENCH_SALES:-200}

echo "==> $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); profile ${BENCH_PROFILE:-dev}"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cargo test "${profile[@]}" --test api webhooks_delivery::bench:: -- --ignored --nocapture --test-threads=1 \
  2>&1 | tee "$out" | grep -oE 'BENCH.*|test result.*|panicked.*' || true
grep -q 'BENCH latency' "$out" || { echo "bench/webhooks.sh: the measurement did not finish (see above)" >&2; tail -n 30 "$out" >&2; exit 1; }
