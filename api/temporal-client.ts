import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config';
import { encryptingDataConverter } from '../config/codec';
import { temporalConnectionOptions } from '../config/temporal';

/**
 * A client whose connection is made on first use, so the API starts (and /ready answers 503)
 * while Temporal is still down, and reconnects by itself when Temporal comes back.
 */
export function lazyTemporalClient(config: Config): { client: Client; connection: Connection } {
  const connection = Connection.lazy(temporalConnectionOptions(config));
  return { client: new Client({ connection, namespace: config.temporal.namespace, dataConverter: encryptingDataConverter(config.payloadKeys) }), connection };
}
