#!/usr/bin/env bash
# schemathesis (PyPI) against the API's /openapi.json with a token of each role in each of two
# organizations: no 5xx, and every response matches the documented schema. Starts a dev server,
# the worker and the API (scripts/schemathesis-stack.ts), which sets up the organizations, their
# people and tokens and a campaign each through the administrator routes; then runs the coordinator,
# the reviewer, the unit clerk and the administrator of each at once, stops everything, and exits
# non-zero if any check failed. EXAMPLES (default 5) sets the examples per operation for the first
# organization's people, OTHER_EXAMPLES (default 3) for the second's; COVERAGE=1 adds the coverage
# phase for the first organization's coordinator.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
VENV="${HOME}/.cache/relief-campaigns/schemathesis-venv"
EXAMPLES="${EXAMPLES:-5}"
OTHER_EXAMPLES="${OTHER_EXAMPLES:-3}"
COVERAGE="${COVERAGE:-}"

if [[ "$("${VENV}/bin/schemathesis" --version 2>/dev/null)" != *"${SCHEMATHESIS_VERSION}"* ]]; then
  python3 -m venv "${VENV}"
  "${VENV}/bin/pip" install --quiet "schemathesis==${SCHEMATHESIS_VERSION}"
fi

work="$(mktemp -d)"
stack_pid=""
stop_stack() {
  if [[ -n "${stack_pid}" ]] && kill -0 "${stack_pid}" 2>/dev/null; then
    kill -TERM "${stack_pid}"
    wait "${stack_pid}" || true
  fi
  stack_pid=""
}
trap 'stop_stack; rm -rf "${work}"' EXIT

# Not through npx: the signal must reach the launcher itself so it stops the worker and the server.
node --import tsx scripts/schemathesis-stack.ts "${work}/stack.json" > "${work}/stack.log" 2>&1 &
stack_pid=$!
for _ in $(seq 1 360); do
  [[ -s "${work}/stack.json" ]] && break
  if ! kill -0 "${stack_pid}" 2>/dev/null; then cat "${work}/stack.log" >&2; exit 1; fi
  sleep 1
done
[[ -s "${work}/stack.json" ]] || { echo "the stack did not start in 360 s" >&2; cat "${work}/stack.log" >&2; exit 1; }

# One directory per organization with its run configuration: path ids are mostly the
# organization's own (its campaign, community-1, the administrator's spare person and token), so
# requests reach the handlers; now and then generated, so unknown ids are fuzzed too. The tokens
# go to files read into the environment of each run, never into argv or the output.
node -e '
const { mkdirSync, writeFileSync } = require("node:fs");
const [stackFile, work] = process.argv.slice(1);
const stack = require(stackFile);
const dictionary = (name, value) => `[dictionaries.${name}]\nvalues = [${JSON.stringify(value)}]\n`;
writeFileSync(`${work}/url`, stack.url);
stack.organizations.forEach((org, i) => {
  const dir = `${work}/org-${i}`;
  mkdirSync(dir);
  writeFileSync(`${dir}/name`, org.key);
  for (const [role, token] of Object.entries(org.tokens)) writeFileSync(`${dir}/${role}.token`, token, { mode: 0o600 });
  writeFileSync(`${dir}/schemathesis.toml`, [
    "headers = { Authorization = \"Bearer ${SCHEMATHESIS_TOKEN}\" }\n",
    dictionary("campaign", org.campaignId), dictionary("unit", org.unitId), dictionary("person", org.spare.personId), dictionary("token", org.spare.tokenId),
    "[parameters]",
    ...["campaign", "unit", "person", "token"].map((d) => `"path.${d}Id" = { dictionary = "${d}", probability = 0.9 }`),
    "",
  ].join("\n"));
});
' "${work}/stack.json" "${work}"
url="$(cat "${work}/url")"

# Runs one role of one organization in the background, in a directory of its own (schemathesis
# keeps a cache in its working directory); its output goes to <dir>/out, its exit status to <dir>/rc.
# too_slow is a wall-time health check: on a loaded machine it fails runs whose data is fine.
start_run() {
  local org="$1" role="$2" examples="$3" phases="$4" dir="${work}/run-$1-$2"
  mkdir -p "${dir}"
  echo "${examples} examples per operation, phases ${phases}" > "${dir}/what"
  (
    cd "${dir}"
    rc=0
    begun=${SECONDS}
    SCHEMATHESIS_TOKEN="$(cat "${work}/org-${org}/${role}.token")" timeout 600 "${VENV}/bin/schemathesis" \
      --config-file "${work}/org-${org}/schemathesis.toml" run "${url}/openapi.json" \
      --checks not_a_server_error,response_schema_conformance --phases "${phases}" \
      --suppress-health-check too_slow \
      --max-examples "${examples}" --request-timeout 10 --no-color > out 2>&1 || rc=$?
    echo "${rc} $((SECONDS - begun))" > rc
  ) &
  run_pids+=("$!")
}

# All eight runs at once against the one API: schemathesis spends most of its time generating
# cases, not waiting for answers, and a loaded machine shares its cores by process. The coverage
# phase (hundreds of fixed boundary cases per operation, whatever EXAMPLES says) took over 5 min
# for one role on the loaded 2-core machine, so it is asked for with COVERAGE=1, for the first
# organization's coordinator, who gets past the access check on most operations. The second
# organization's people act as the first's in another campaign, so they run fewer examples.
started=${SECONDS}
runs=()
run_pids=()
for role in unit reviewer admin coordinator; do
  start_run 0 "${role}" "${EXAMPLES}" "$([[ ${role} == coordinator && -n ${COVERAGE} ]] && echo examples,coverage,fuzzing || echo examples,fuzzing)"
  start_run 1 "${role}" "${OTHER_EXAMPLES}" examples,fuzzing
  runs+=("0 ${role}" "1 ${role}")
done
wait "${run_pids[@]}"
failed=()
for run in "${runs[@]}"; do
  read -r org role <<< "${run}"
  dir="${work}/run-${org}-${role}"
  name="the $(cat "${work}/org-${org}/name") ${role}"
  read -r rc seconds < "${dir}/rc"
  echo "== schemathesis as ${name} ($(cat "${dir}/what"); ${seconds} s)"
  cat "${dir}/out"
  [[ "${rc}" == 0 ]] || failed+=("${name}")
done
stop_stack
echo "schemathesis: $((SECONDS - started)) s for 8 runs; the API answered $(cat "${work}/stack.json.statuses" 2>/dev/null || echo '(no count)')"

if (( ${#failed[@]} )); then
  echo "schemathesis found failures as: ${failed[*]}" >&2
  exit 1
fi
echo "schemathesis: no server errors and every response as documented, for every role in both organizations"
