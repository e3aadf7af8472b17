#!/usr/bin/env bash
# The whole system on this machine: Temporal dev server + Web UI, worker, API. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
bash scripts/install-temporal.sh cli
exec node "$(node -p 'require.resolve("tsx/cli")')" scripts/run-system.ts
