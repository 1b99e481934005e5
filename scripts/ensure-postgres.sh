#!/usr/bin/env bash
# Starts the local PostgreSQL cluster when it is installed but not running.
set -euo pipefail
up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
up && exit 0
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
fi
for _ in $(seq 1 30); do
  up && exit 0
  sleep 1
done
echo "PostgreSQL is not reachable on 127.0.0.1:5432: install and start it, or run 'docker compose up -d db'" >&2
exit 1
