import { Pool, types, type PoolClient } from 'pg';
import { migrate } from './migrate';

// bigint sums (amounts in yuan) fit a JS number many times over; read them as numbers.
types.setTypeParser(20, (v) => Number(v));
types.setTypeParser(1700, (v) => Number(v));

export interface DatabaseOptions {
  url: string;
  max?: number;
  /**
   * How long to wait for a connection (a new one, or a free one when all are busy) before failing
   * (DATABASE_CONNECT_TIMEOUT_MS). Without it a request or activity waits as long as an unanswering
   * server or an exhausted pool lets it: past the activity's timeout, with nothing said.
   */
  connectTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/** Opens the pool and brings the schema up to date before anything uses it. */
export async function openDatabase({ url, max = 10, connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS }: DatabaseOptions): Promise<Pool> {
  const pool = new Pool({ connectionString: url, max, connectionTimeoutMillis: connectTimeoutMs });
  // An idle client's error (the server restarted) must not crash the process: the pool replaces it.
  pool.on('error', () => {});
  await migrate(pool);
  return pool;
}

/** Runs fn in one transaction; rolls back on any error, which it rethrows. */
export async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
