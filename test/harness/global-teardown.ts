import type { PostgresServer } from '../../db/postgres-server';

/** Stops the run's PostgreSQL server. */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as { reliefPostgres?: PostgresServer }).reliefPostgres?.stop();
}
