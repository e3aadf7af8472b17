#!/usr/bin/env bash
# The production topology on this machine (scripts/stack.ts). Installs what is missing first: the
# Temporal server, its SQL tool and the UI server are built once (minutes) and cached beside the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
bash scripts/install-temporal.sh cli
bash scripts/install-temporal.sh stack
bash scripts/install-postgres.sh
# node --import tsx rather than the tsx CLI: one process, so a signal reaches the launcher itself.
exec node --import tsx scripts/stack.ts
