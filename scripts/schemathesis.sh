#!/usr/bin/env bash
# schemathesis (PyPI) against the API's /openapi.json with a valid token of each role: no 5xx, and
# every response matches the documented schema. Starts a dev server, the worker and the API
# (scripts/schemathesis-stack.ts), runs a bounded number of examples per role, stops everything,
# and exits non-zero if any check failed. EXAMPLES (default 15) sets examples per operation.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
VENV="${HOME}/.cache/relief-campaigns/schemathesis-venv"
EXAMPLES="${EXAMPLES:-15}"

if [[ "$("${VENV}/bin/schemathesis" --version 2>/dev/null)" != *"${SCHEMATHESIS_VERSION}"* ]]; then
  python3 -m venv "${VENV}"
  "${VENV}/bin/pip" install --quiet "schemathesis==${SCHEMATHESIS_VERSION}"
fi

work="$(mktemp -d)"
stack_pid=""
cleanup() {
  if [[ -n "${stack_pid}" ]] && kill -0 "${stack_pid}" 2>/dev/null; then
    kill -TERM "${stack_pid}"
    wait "${stack_pid}" || true
  fi
  rm -rf "${work}"
}
trap cleanup EXIT

# Not through npx: the signal must reach the launcher itself so it stops the worker and the server.
node --import tsx scripts/schemathesis-stack.ts "${work}/stack.json" > "${work}/stack.log" 2>&1 &
stack_pid=$!
for _ in $(seq 1 120); do
  [[ -s "${work}/stack.json" ]] && break
  if ! kill -0 "${stack_pid}" 2>/dev/null; then cat "${work}/stack.log" >&2; exit 1; fi
  sleep 1
done
[[ -s "${work}/stack.json" ]] || { echo "the stack did not start in 120 s" >&2; cat "${work}/stack.log" >&2; exit 1; }

field() { node -e "const s = require(process.argv[1]); console.log(process.argv[2].split('.').reduce((o, k) => o[k], s))" "${work}/stack.json" "$1"; }
url="$(field url)"

failed=()
for role in coordinator reviewer unit; do
  echo "== schemathesis as the ${role} (${EXAMPLES} examples per operation)"
  # The token goes in a header only: schemathesis prints no request headers on success, and the
  # tokens here are the test harness's fixed ones.
  if ! (cd "${work}" && timeout 300 "${VENV}/bin/schemathesis" run "${url}/openapi.json" \
    --checks not_a_server_error,response_schema_conformance \
    --max-examples "${EXAMPLES}" --request-timeout 10 --no-color \
    --header "Authorization: Bearer $(field "tokens.${role}")"); then
    failed+=("${role}")
  fi
done

if (( ${#failed[@]} )); then
  echo "schemathesis found failures as: ${failed[*]}" >&2
  exit 1
fi
echo "schemathesis: no server errors and every response as documented, for every role"
