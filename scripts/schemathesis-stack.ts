import { rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { openDatabase } from '../db/pool';
import { apiConfig, startApi } from '../test/harness/api';
import { BOOTSTRAP_GRANTS, ORGANIZATION_KEYS, setUpOrganizations } from '../test/harness/organizations';
import { startTestPostgres } from '../test/harness/postgres';
import { createDevServerEnv, uniqueId } from '../test/harness/temporal';
import { startWorkerProcess } from '../test/harness/worker-process';

// For scripts/schemathesis.sh: a private PostgreSQL (the record), a dev server, the production
// worker and the API, with two organizations set up through the API's administrator routes (each
// administrator bootstrapped from API_TOKENS): a coordinator, a reviewer, a unit clerk and an
// administrator each, and a running campaign with unit community-1. Writes the API's URL, the
// campaigns' ids and the people's tokens to the file named by the first argument (never to the
// output); on SIGTERM or SIGINT writes the count of answers by status to `<file>.statuses` and stops.

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error('usage: tsx scripts/schemathesis-stack.ts <file for the URL and tokens>');
  // Outside jest there is no run-wide server: this one is ours, in a temporary directory, migrated.
  const postgres = await startTestPostgres();
  const pool = await openDatabase({ url: postgres.url });
  const env = await createDevServerEnv();
  const taskQueue = uniqueId('tq');
  // Bundling workflows takes over a minute on a loaded 2-core machine: more time than the tests' default.
  const worker = await startWorkerProcess({ address: env.address, taskQueue, databaseUrl: postgres.url }, 240_000);
  const api = await startApi(apiConfig({ address: env.address, taskQueue, databaseUrl: postgres.url, apiTokens: BOOTSTRAP_GRANTS }), env.client, pool);
  const stop = async (code: number) => {
    const statuses = new Map<number, number>();
    for (const line of api.logs) if (line.event === 'request') statuses.set(line.status as number, (statuses.get(line.status as number) ?? 0) + 1);
    writeFileSync(`${out}.statuses`, [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status} ×${n}`).join(', '));
    await api.close();
    await worker.stop();
    await env.teardown();
    await pool.end();
    await postgres.stop();
    rmSync(dirname(postgres.dataDir), { recursive: true, force: true });
    process.exit(code);
  };
  // Campaigns that exist and people who hold roles in them, so the fuzzer's requests reach the workflows and the record, not only 404s.
  const organizations = await setUpOrganizations(api, (key) => `schemathesis-${key}`, (p) => `http://127.0.0.1:9/${p}`).catch(async (err: unknown) => {
    // Stopped here too, or the servers outlive the script.
    console.error(err);
    return stop(1);
  });
  writeFileSync(out, JSON.stringify({ url: api.url, organizations: ORGANIZATION_KEYS.map((key) => ({ key, ...organizations[key] })) }), { mode: 0o600 });
  console.log(`schemathesis stack ready: API ${api.url}, campaigns ${ORGANIZATION_KEYS.map((k) => organizations[k].campaignId).join(', ')}`);
  process.once('SIGTERM', () => void stop(0));
  process.once('SIGINT', () => void stop(0));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
