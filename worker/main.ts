import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config';
import { encryptingDataConverter } from '../config/codec';
import { temporalConnectionOptions } from '../config/temporal';
import { createCampaignWorker } from './create-worker';
import { ensureSearchAttributes } from './search-attributes';

async function main() {
  const config = loadConfig();
  const dataConverter = encryptingDataConverter(config.payloadKeys);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const clientConnection = await Connection.connect(temporalConnectionOptions(config));
  try {
    const added = await ensureSearchAttributes(connection, config.temporal.namespace);
    if (added.length) console.log(JSON.stringify({ event: 'search-attributes-registered', added }));
    const worker = await createCampaignWorker({
      connection,
      client: new Client({ connection: clientConnection, namespace: config.temporal.namespace, dataConverter }),
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      notifier: { signingSecret: config.webhookSigningSecret },
      dataConverter,
      workflowBundle: config.worker.workflowBundlePath ? { codePath: config.worker.workflowBundlePath } : undefined,
      maxCachedWorkflows: config.worker.maxCachedWorkflows,
    });
    console.log(JSON.stringify({ event: 'worker-started', taskQueue: config.temporal.taskQueue, namespace: config.temporal.namespace }));
    await worker.run(); // returns after SIGINT/SIGTERM, once in-flight tasks are done
  } finally {
    await clientConnection.close();
    await connection.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
