#!/usr/bin/env bash
# The whole system on this machine: Temporal dev server + Web UI, worker, API. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
bash scripts/install-temporal.sh cli
# node --import tsx rather than the tsx CLI: one process, so a signal reaches the launcher itself.
exec node --import tsx scripts/run-system.ts
