import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TestPostgres } from './postgres';

/** Stops the run's PostgreSQL server and deletes what global-setup left in the temporary directory. */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as { reliefPostgres?: TestPostgres }).reliefPostgres?.remove();
  const bundle = process.env.RELIEF_WORKFLOW_BUNDLE;
  if (bundle) rmSync(dirname(bundle), { recursive: true, force: true });
}
