#!/usr/bin/env bash
# Makes sure Debian's PostgreSQL server binaries are on this machine (the project starts its own
# server on a data directory of its own: npm start under .data/, the tests in a temporary one).
# Installs the postgresql package where it is missing; prints one line on a hit.
set -euo pipefail
found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
if [ -n "$found" ] && [ -x "$found/postgres" ] && [ -x "$found/initdb" ]; then
  echo "postgresql: $("$found/postgres" --version) at $found"
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "install-postgres: no PostgreSQL server here; install Debian's package: sudo apt-get update && sudo apt-get install -y postgresql" >&2
  exit 1
fi
echo "install-postgres: installing postgresql (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql >/dev/null
found="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
echo "postgresql: $("$found/postgres" --version) at $found"
