import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { openDatabase } from '../../db/pool';
import { createDatabaseIfMissing, startPostgres, type PostgresServer } from '../../db/postgres-server';
import { createRecords, type Records } from '../../store/records';
import { createViews, type Views } from '../../store/views';
import { scoped } from './per-test';
import { TEST_PAYLOAD_KEYS } from './temporal';
import { freePort } from './ports';

// One real PostgreSQL server for the whole test run (started by global-setup, in a temporary data
// directory), and a fresh database per test file made from a migrated template in milliseconds.

const TEMPLATE = 'relief_template';
export const TEST_HOUSEHOLD_KEY_SECRET = 'test-household-key-secret-0123456789abcdef';

export interface TestPostgres extends PostgresServer {
  /** Stops the server and deletes its temporary directory (stop() alone keeps it, for a restart on the same data). */
  remove(): Promise<void>;
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'relief-pg-'));
  // The server runs as the postgres user, who must reach its data directory.
  chmodSync(dir, 0o755);
  const server = await startPostgres({ dataDir: join(dir, 'data'), port: await freePort(), database: TEMPLATE, durable: false });
  const pool = await openDatabase({ url: server.url, max: 1 });
  await pool.end();
  return {
    ...server,
    async remove() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The admin URL of the run's server (global-setup sets it for every jest worker). */
function baseUrl(): string {
  const url = process.env.RELIEF_TEST_PG_URL;
  if (!url) throw new Error('RELIEF_TEST_PG_URL is unset: run the tests through jest (test/harness/global-setup.ts starts PostgreSQL)');
  return url;
}

export const databaseUrl = (database: string): string => baseUrl().replace(/\/[^/]*$/, `/${database}`);

/** A new, migrated database of its own; returns its URL. */
export async function freshDatabaseUrl(): Promise<string> {
  const name = `t_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await createDatabaseIfMissing(databaseUrl('postgres'), name, TEMPLATE);
  return databaseUrl(name);
}

export interface TestStore {
  url: string;
  pool: Pool;
  records: Records;
  views: Views;
}

export async function createTestStore(): Promise<TestStore> {
  return storeAt(await freshDatabaseUrl());
}

/** The record at a URL (a stack's own database, say), as the test harness reads and writes it. */
export function storeAt(url: string): TestStore {
  const pool = new Pool({ connectionString: url, max: 10 });
  pool.on('error', () => {});
  return { url, pool, records: createRecords({ pool, masterKeys: TEST_PAYLOAD_KEYS, householdKeySecret: TEST_HOUSEHOLD_KEY_SECRET }), views: createViews({ pool, masterKeys: TEST_PAYLOAD_KEYS }) };
}

/** A fresh database for each test ('each') or for the file ('all'), its pool closed afterwards. */
export function testStore(scope: 'each' | 'all'): TestStore {
  const context = {} as TestStore;
  const setUp = async () => Object.assign(context, await createTestStore());
  scoped(scope, setUp, async () => context.pool?.end());
  return context;
}
