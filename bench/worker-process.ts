import '../test/harness/quiet-runtime';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig } from '../config';
import { encryptingDataConverter } from '../config/codec';
import { createCampaignWorker, createNotificationWorker } from '../worker/create-worker';

// A worker in a process of its own, so the bench can read its peak RSS from /proc: the campaign
// worker as worker/main.ts runs it (default cache and slots, both task queues), or the raw baseline's worker.

export interface WorkerProcessEnv {
  BENCH_ROLE: 'app' | 'raw';
  BENCH_ADDRESS: string;
  BENCH_TASK_QUEUE: string;
  /** A prebuilt workflow bundle: bundling in this process would put webpack's peak into the RSS. */
  BENCH_BUNDLE: string;
  BENCH_WEBHOOK_SECRET: string;
  /** PAYLOAD_KEYS of the bench's clients: the worker encrypts as in production. */
  BENCH_PAYLOAD_KEYS: string;
  /** The app's record (PostgreSQL), and the secret its household keys are derived with. */
  BENCH_DATABASE_URL: string;
  BENCH_HOUSEHOLD_KEY_SECRET: string;
  /** The campaign worker's sticky cache size; unset, the SDK's default (which grows with the heap limit). */
  BENCH_MAX_CACHED_WORKFLOWS?: string;
}

import { openDatabase } from '../db/pool';
import { createRecords } from '../store/records';

async function main() {
  const env = process.env as unknown as WorkerProcessEnv;
  const connection = await NativeConnection.connect({ address: env.BENCH_ADDRESS });
  const clientConnection = await Connection.connect({ address: env.BENCH_ADDRESS });
  const config = loadConfig({ WEBHOOK_SIGNING_SECRET: env.BENCH_WEBHOOK_SECRET, PAYLOAD_KEYS: env.BENCH_PAYLOAD_KEYS, DATABASE_URL: env.BENCH_DATABASE_URL, HOUSEHOLD_KEY_SECRET: env.BENCH_HOUSEHOLD_KEY_SECRET });
  const dataConverter = encryptingDataConverter(config.payloadKeys);
  // Both workers decode the same encrypted payloads, so the baseline pays for the codec too.
  const common = { connection, namespace: 'default', taskQueue: env.BENCH_TASK_QUEUE, workflowBundle: { codePath: env.BENCH_BUNDLE }, dataConverter };
  const app = async () => {
    const deps = {
      ...common,
      // Deliveries on a queue of their own, as worker/main.ts runs them: a unit opening does not wait behind notices.
      notifyTaskQueue: `${env.BENCH_TASK_QUEUE}-notifications`,
      client: new Client({ connection: clientConnection, dataConverter }),
      notifier: { signingSecret: env.BENCH_WEBHOOK_SECRET },
      records: createRecords({ pool: await openDatabase({ url: config.database.url }), masterKeys: config.payloadKeys, householdKeySecret: config.householdKeySecret }),
      ...(env.BENCH_MAX_CACHED_WORKFLOWS ? { maxCachedWorkflows: Number(env.BENCH_MAX_CACHED_WORKFLOWS) } : {}),
    };
    return [await createCampaignWorker(deps), await createNotificationWorker(deps)];
  };
  const workers = env.BENCH_ROLE === 'app' ? await app() : [await Worker.create(common)];
  process.send?.('ready');
  const MB = 1e6;
  process.on('message', () => {
    const m = process.memoryUsage();
    process.send?.({ rssMB: m.rss / MB, heapUsedMB: m.heapUsed / MB, heapTotalMB: m.heapTotal / MB, externalMB: m.external / MB });
  });
  // Listening must not keep the process alive once its worker has shut down.
  process.channel?.unref();
  await Promise.all(workers.map((w) => w.run())); // until SIGTERM
  await clientConnection.close();
  await connection.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
