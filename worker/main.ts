import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config';
import { encryptingDataConverter } from '../config/codec';
import { temporalConnectionOptions } from '../config/temporal';
import { openDatabase } from '../db/pool';
import { createRecords } from '../store/records';
import { createCampaignWorker } from './create-worker';
import { ensureSearchAttributes } from './search-attributes';

async function main() {
  const config = loadConfig();
  const dataConverter = encryptingDataConverter(config.payloadKeys);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const clientConnection = await Connection.connect(temporalConnectionOptions(config));
  const pool = await openDatabase({ url: config.database.url, max: config.database.poolSize });
  try {
    const added = await ensureSearchAttributes(connection, config.temporal.namespace);
    if (added.length) console.log(JSON.stringify({ event: 'search-attributes-registered', added }));
    const worker = await createCampaignWorker({
      connection,
      client: new Client({ connection: clientConnection, namespace: config.temporal.namespace, dataConverter }),
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      notifier: { signingSecret: config.webhookSigningSecret },
      records: createRecords({ pool, masterKeys: config.payloadKeys, householdKeySecret: config.householdKeySecret }),
      dataConverter,
      workflowBundle: config.worker.workflowBundlePath ? { codePath: config.worker.workflowBundlePath } : undefined,
      maxCachedWorkflows: config.worker.maxCachedWorkflows,
    });
    console.log(JSON.stringify({ event: 'worker-started', taskQueue: config.temporal.taskQueue, namespace: config.temporal.namespace }));
    await worker.run(); // returns after SIGINT/SIGTERM, once in-flight tasks are done
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
