import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { smtpTransport } from '../activities/channels/email';
import { loadConfig } from '../config';
import { encryptingDataConverter } from '../config/codec';
import { temporalConnectionOptions } from '../config/temporal';
import { openDatabase } from '../db/pool';
import { createRecords } from '../store/records';
import { createCampaignWorker, createNotificationWorker, type CampaignWorkerDeps } from './create-worker';
import { ensureSearchAttributes } from './search-attributes';

async function main() {
  const config = loadConfig();
  // Before any connection: the runtime's telemetry is fixed once it exists.
  if (config.worker.metricsAddress) {
    Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: config.worker.metricsAddress } } } });
  }
  const dataConverter = encryptingDataConverter(config.payloadKeys);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const clientConnection = await Connection.connect(temporalConnectionOptions(config));
  const pool = await openDatabase({ url: config.database.url, max: config.database.poolSize, connectTimeoutMs: config.database.connectTimeoutMs });
  try {
    const added = await ensureSearchAttributes(connection, config.temporal.namespace);
    if (added.length) console.log(JSON.stringify({ event: 'search-attributes-registered', added }));
    const deps: CampaignWorkerDeps & { notifyTaskQueue: string } = {
      connection,
      client: new Client({ connection: clientConnection, namespace: config.temporal.namespace, dataConverter }),
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      notifyTaskQueue: config.temporal.notifyTaskQueue,
      notifier: { signingSecret: config.webhookSigningSecret, email: config.smtp && { transport: smtpTransport(config.smtp), from: config.smtp.from } },
      records: createRecords({ pool, masterKeys: config.payloadKeys, householdKeySecret: config.householdKeySecret }),
      dataConverter,
      workflowBundle: config.worker.workflowBundlePath ? { codePath: config.worker.workflowBundlePath } : undefined,
      maxCachedWorkflows: config.worker.maxCachedWorkflows,
      maxConcurrentWorkflowTaskExecutions: config.worker.maxConcurrentWorkflowTasks,
      maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
    };
    const workers: Worker[] = [];
    if (config.worker.taskQueues.includes('campaigns')) workers.push(await createCampaignWorker(deps));
    if (config.worker.taskQueues.includes('notifications')) workers.push(await createNotificationWorker(deps));
    const taskQueues = workers.map((w) => w.options.taskQueue);
    console.log(JSON.stringify({ event: 'worker-started', taskQueues, namespace: config.temporal.namespace, metrics: config.worker.metricsAddress }));
    // Each returns after SIGINT/SIGTERM once its in-flight tasks are done; one failing stops the others.
    await Promise.all(
      workers.map((w) =>
        w.run().catch((err: unknown) => {
          for (const other of workers) if (other !== w && other.getState() === 'RUNNING') other.shutdown();
          throw err;
        }),
      ),
    );
  } finally {
    await clientConnection.close();
    await connection.close();
    await pool.end();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
