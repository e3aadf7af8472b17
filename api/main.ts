import type { AddressInfo } from 'node:net';
import { loadConfig } from '../config';
import { createApp } from './app';
import { apiLogger } from './logger';
import { lazyTemporalClient } from './temporal-client';

// The API process: `npx tsx api/main.ts`, configured from the environment (config/index.ts).

function main() {
  const config = loadConfig();
  const { client, connection } = lazyTemporalClient(config);
  const server = createApp({ config, temporal: client }).listen(config.api.port, () => {
    const { port } = server.address() as AddressInfo;
    // Counts only: tokens are never logged.
    apiLogger.info({ event: 'api-started', port, temporal: config.temporal.address, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, tokens: config.api.tokens.size });
  });

  const stop = (signal: string) => {
    apiLogger.info({ event: 'api-stopping', signal });
    server.close(() => {
      connection.close().then(
        () => apiLogger.info({ event: 'api-stopped' }),
        (err: unknown) => console.error(err instanceof Error ? err.message : err),
      );
    });
    server.closeIdleConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

try {
  main();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
