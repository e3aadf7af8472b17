#!/usr/bin/env bash
# The whole test suite against real Temporal servers. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
bash scripts/install-temporal.sh
bash scripts/install-chromium.sh
npx tsc --noEmit -p .
npx eslint .
npx jest --ci "$@"
