import { Pool } from 'pg';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { startPostgres, type PostgresServer } from '../db/postgres-server';
import { apiConfig, eventually, startApi, type RunningApi } from './harness/api';
import { startTestPostgres, type TestPostgres, type TestStore } from './harness/postgres';
import { createDevServerEnv, createTestWorker } from './harness/temporal';

// /ready is what a load balancer takes an API out of rotation by. Every read and write needs the
// record, so an API whose PostgreSQL is gone must say so there, not only on the requests it fails.

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let workerStore: TestStore;
let temporary: TestPostgres;
let postgres: PostgresServer;
let pool: Pool;
let api: RunningApi;

beforeAll(async () => {
  env = await createDevServerEnv();
  const made = await createTestWorker(env);
  ({ worker, store: workerStore } = made);
  running = worker.run();
  // The API's record on a server of its own, which the test stops and starts again.
  postgres = temporary = await startTestPostgres();
  pool = new Pool({ connectionString: postgres.url, connectionTimeoutMillis: 2_000 });
  pool.on('error', () => {});
  api = await startApi(apiConfig({ address: env.address, taskQueue: made.taskQueue, databaseUrl: postgres.url }), env.client, pool);
});

afterAll(async () => {
  await api?.close();
  await pool?.end();
  await postgres?.stop();
  await temporary?.remove();
  worker?.shutdown();
  await running;
  await workerStore?.pool.end();
  await env?.teardown();
});

test('given a worker polling, when the API’s PostgreSQL stops, /ready should answer 503 database-unavailable with Retry-After, and 200 again once it is back', async () => {
  await eventually(async () => expect(await api.call('GET', '/ready')).toMatchObject({ status: 200, body: { status: 'ready', workers: 1 } }), 30_000);

  await postgres.stop();
  const down = await eventually(async () => {
    const response = await api.call('GET', '/ready');
    expect(response).toMatchObject({ status: 503, body: { error: { code: 'database-unavailable' } } });
    return response;
  });
  expect(down.headers.get('retry-after')).toMatch(/^\d+$/);

  postgres = await startPostgres({ dataDir: postgres.dataDir, port: postgres.port, database: new URL(postgres.url).pathname.slice(1), durable: false });
  await eventually(async () => expect(await api.call('GET', '/ready')).toMatchObject({ status: 200, body: { status: 'ready', workers: 1 } }), 30_000);
});
