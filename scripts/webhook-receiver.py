#!/usr/bin/env python3
"""A webhook endpoint that verifies onpace's deliveries (Standard Webhooks).

Listens for POSTs, verifies each with the endpoint's secret, answers 204 and
writes each verified event to stdout as one line of JSON (the first delivery
of each webhook-id only: deliveries are at least once). A delivery that does
not verify is answered 400 and ends the receiver with exit code 1.

    python3 -m venv .venv && .venv/bin/pip install standardwebhooks
    ONPACE_WEBHOOK_SECRET=whsec_... .venv/bin/python scripts/webhook-receiver.py --port 9000

Register it with ONPACE_WEBHOOK_ALLOW_INSECURE=true (plain http on loopback):
    curl -s -X POST $API/v1/webhooks -H "Authorization: Bearer $TOKEN" \\
      -H 'Content-Type: application/json' \\
      -d '{"url": "http://127.0.0.1:9000/onpace", "event_types": ["*"]}'

Exit codes: 0 after --count verified events, 1 on a delivery that does not
verify, 2 on bad options, 3 when --timeout passes first.
"""

import argparse
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

try:
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError
except ImportError:
    sys.exit("webhook-receiver: needs the standardwebhooks package (pip install standardwebhooks)")


def options():
    p = argparse.ArgumentParser(description="Verify onpace's webhook deliveries and print their events.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=9000, help="port to listen on (default 9000)")
    p.add_argument(
        "--secret",
        action="append",
        help="the endpoint's secret (whsec_...); repeat it to accept the old and the new one "
        "around a rotation (default: $ONPACE_WEBHOOK_SECRET)",
    )
    p.add_argument("--count", type=int, help="exit 0 after this many verified events")
    p.add_argument("--timeout", type=float, help="exit 3 when --count is not reached within this many seconds")
    p.add_argument(
        "--fail-first",
        type=int,
        default=0,
        metavar="N",
        help="answer 503 to the first N verified deliveries (to watch them being retried)",
    )
    p.add_argument(
        "--duplicates",
        action="store_true",
        help="print (and count) a webhook-id again each time it is delivered",
    )
    args = p.parse_args()
    secrets = args.secret or [s for s in [os.environ.get("ONPACE_WEBHOOK_SECRET")] if s]
    if not secrets:
        p.error("no secret: pass --secret or set ONPACE_WEBHOOK_SECRET")
    try:
        args.webhooks = [Webhook(s) for s in secrets]
    except Exception as e:  # a secret that is not base64
        p.error(f"a secret that cannot be used: {e}")
    return args


def verify(webhooks, body, headers):
    """The event, from the first secret that verifies it; raises when none does."""
    error = None
    for wh in webhooks:
        try:
            return wh.verify(body, headers)
        except Exception as e:  # a malformed header or body is as bad as a wrong signature
            error = e
    raise WebhookVerificationError(str(error))


def main():
    args = options()
    state = {"printed": 0, "failed_on_purpose": 0, "seen": set(), "bad": None}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                event = verify(args.webhooks, body, dict(self.headers.items()))
            except WebhookVerificationError as e:
                state["bad"] = f"{self.headers.get('webhook-id')}: {e}"
                self.send_response(400)
                self.end_headers()
                return
            if state["failed_on_purpose"] < args.fail_first:
                state["failed_on_purpose"] += 1
                print(f"webhook-receiver: answered 503 to {event['id']} ({event['type']})", file=sys.stderr)
                self.send_response(503)
                self.end_headers()
                return
            msg_id = self.headers.get("webhook-id")
            if msg_id in state["seen"] and not args.duplicates:
                print(f"webhook-receiver: {msg_id} again (already seen)", file=sys.stderr)
            else:
                state["seen"].add(msg_id)
                state["printed"] += 1
                print(json.dumps(event, separators=(",", ":")), flush=True)
            self.send_response(204)
            self.end_headers()

        def log_message(self, fmt, *a):
            print("webhook-receiver: " + fmt % a, file=sys.stderr)

    server = HTTPServer((args.host, args.port), Handler)
    print(f"webhook-receiver: listening on http://{args.host}:{args.port}/", file=sys.stderr)
    deadline = time.monotonic() + args.timeout if args.timeout else None
    while args.count is None or state["printed"] < args.count:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                print(
                    f"webhook-receiver: {state['printed']} of {args.count} events before the timeout",
                    file=sys.stderr,
                )
                return 3
            server.timeout = left
        server.handle_request()
        if state["bad"]:
            print(f"webhook-receiver: a delivery that does not verify: {state['bad']}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
