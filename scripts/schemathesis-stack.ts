import { rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { openDatabase } from '../db/pool';
import { apiConfig, startApi, TOKENS } from '../test/harness/api';
import { unionWinterPlan } from '../test/harness/plans';
import { startTestPostgres } from '../test/harness/postgres';
import { createDevServerEnv, uniqueId } from '../test/harness/temporal';
import { startWorkerProcess } from '../test/harness/worker-process';

// For scripts/schemathesis.sh: a private PostgreSQL (the record), a dev server, the production
// worker and the API with a token per role, built from the test harness. Writes the API's URL and
// the tokens to the file named by the first argument (never to the output) and runs until SIGTERM
// or SIGINT.

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error('usage: tsx scripts/schemathesis-stack.ts <file for the URL and tokens>');
  // Outside jest there is no run-wide server: this one is ours, in a temporary directory, migrated.
  const postgres = await startTestPostgres();
  const pool = await openDatabase({ url: postgres.url });
  const env = await createDevServerEnv();
  const taskQueue = uniqueId('tq');
  const worker = await startWorkerProcess({ address: env.address, taskQueue, databaseUrl: postgres.url });
  const api = await startApi(apiConfig({ address: env.address, taskQueue, databaseUrl: postgres.url }), env.client, pool);
  // One campaign that exists, so the fuzzer's requests reach the workflows and the record, not only 404s.
  const campaignId = 'schemathesis-campaign';
  const started = await api.call('POST', '/campaigns', { token: TOKENS.coordinator, body: unionWinterPlan({ id: campaignId, webhook: (p) => `http://127.0.0.1:9/${p}` }) });
  if (started.status !== 202) throw new Error(`could not start the seed campaign: ${started.status}`);
  writeFileSync(out, JSON.stringify({ url: api.url, campaignId, tokens: { coordinator: TOKENS.coordinator, reviewer: TOKENS.rightsDept, unit: TOKENS.union1 } }), { mode: 0o600 });
  console.log(`schemathesis stack ready: API ${api.url}, campaign ${campaignId}`);
  const stop = async () => {
    await api.close();
    await worker.stop();
    await env.teardown();
    await pool.end();
    await postgres.stop();
    rmSync(dirname(postgres.dataDir), { recursive: true, force: true });
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
