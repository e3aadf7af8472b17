#!/usr/bin/env bash
# The whole test suite against real Temporal servers. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
bash scripts/install-temporal.sh
bash scripts/install-chromium.sh
npx tsc --noEmit -p .
npx eslint .
results="$(mktemp -d)/jest.json"
status=0
npx jest --ci --json --outputFile="$results" "$@" || status=$?
# One plain closing line for CI, whatever jest printed above it.
node -e 'const r = require(process.argv[1]); console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`)' "$results"
[ "$status" -eq 0 ] || exit "$status"
# The API against its own OpenAPI document, with a token of each role (schemathesis from PyPI);
# only for the whole suite, not when jest was given a subset.
if [ "$#" -eq 0 ]; then bash scripts/schemathesis.sh; fi
