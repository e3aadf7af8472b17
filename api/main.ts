import type { AddressInfo } from 'node:net';
import { loadConfig } from '../config';
import { openDatabase } from '../db/pool';
import { createApp } from './app';
import { apiLogger } from './logger';
import { lazyTemporalClient } from './temporal-client';

// The API process: `npx tsx api/main.ts`, configured from the environment (config/index.ts).

async function main() {
  const config = loadConfig();
  const pool = await openDatabase({ url: config.database.url, max: config.database.poolSize, connectTimeoutMs: config.database.connectTimeoutMs });
  const { client, connection } = lazyTemporalClient(config);
  const server = createApp({ config, temporal: client, pool }).listen(config.api.port, () => {
    const { port } = server.address() as AddressInfo;
    // Counts only: tokens are never logged.
    apiLogger.info({ event: 'api-started', port, temporal: config.temporal.address, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, tokens: config.api.tokens.size });
  });

  const stop = (signal: string) => {
    apiLogger.info({ event: 'api-stopping', signal });
    server.close(() => {
      Promise.all([connection.close(), pool.end()]).then(
        () => apiLogger.info({ event: 'api-stopped' }),
        (err: unknown) => console.error(err instanceof Error ? err.message : err),
      );
    });
    server.closeIdleConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
