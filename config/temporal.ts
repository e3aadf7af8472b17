import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { Config } from './index';

/** Connection settings shared by the client (API) and the worker: local, mTLS, or API key (Temporal Cloud). */
export function temporalConnectionOptions(config: Config): ConnectionOptions & NativeConnectionOptions {
  const { address, apiKey, tls, tlsCertPath, tlsKeyPath } = config.temporal;
  const clientCertPair =
    tlsCertPath && tlsKeyPath ? { crt: readFileSync(tlsCertPath), key: readFileSync(tlsKeyPath) } : undefined;
  return {
    address,
    ...(apiKey ? { apiKey } : {}),
    ...(tls || clientCertPair ? { tls: clientCertPair ? { clientCertPair } : true } : {}),
  };
}
