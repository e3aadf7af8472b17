#!/usr/bin/env bash
# The whole test suite against real servers. Installs what is missing first, then runs every step
# even when an earlier one failed, and ends with one plain closing line that counts every step:
# each jest test is one, and type check, lint and schemathesis count one each. CI reads that line,
# so nothing may print after it (a tool's own pytest-style summary once made a run count as "ran no
# test").
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
failures=()
step() {
  local name="$1"; shift
  echo "== ${name}"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("${name}"); fi
}
close() {
  if (( ${#failures[@]} )); then echo "failed steps: ${failures[*]}"; fi
  echo "${passed} passed, ${failed} failed"
  (( failed == 0 ))
  exit $?
}

# Without these nothing else can run: a failure here is one failed step, and the run stops.
step install bash -c 'bash scripts/ensure-deps.sh && bash scripts/install-temporal.sh all && bash scripts/install-postgres.sh && bash scripts/install-chromium.sh'
if (( failed )); then close; fi

step typecheck npx tsc --noEmit -p .
step lint npx eslint .

results="$(mktemp -d)/jest.json"
npx jest --ci --json --outputFile="$results" "$@"
jest_status=$?
if [ -s "$results" ]; then
  read -r jest_passed jest_failed < <(node -e 'const r = require(process.argv[1]); console.log(r.numPassedTests, r.numFailedTests + r.numRuntimeErrorTestSuites)' "$results")
  passed=$((passed + jest_passed))
  failed=$((failed + jest_failed))
  if (( jest_failed )); then failures+=("jest"); fi
  # A suite that crashed before its tests ran leaves no failed test: count jest itself then.
  if (( jest_status != 0 && jest_failed == 0 )); then failed=$((failed + 1)); failures+=("jest (exit ${jest_status})"); fi
else
  failed=$((failed + 1)); failures+=("jest (no results)")
fi

# The API against its own OpenAPI document, with a token of each role (schemathesis from PyPI);
# only for the whole suite, not when jest was given a subset.
if [ "$#" -eq 0 ]; then step schemathesis bash scripts/schemathesis.sh; fi
close
