import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { Client as PgClient, Pool } from 'pg';
import { toApiError } from '../api/errors';
import { startPostgres, type PostgresServer } from '../db/postgres-server';
import { apiConfig, eventually, startLazyApi, TOKENS, type RunningApi } from './harness/api';
import { devServerProcess, type DevServerProcess } from './harness/dev-server-process';
import { unionWinterPlan } from './harness/plans';
import { startTestPostgres, testStore } from './harness/postgres';
import { uniqueId } from './harness/temporal';

// Temporal, then PostgreSQL, stopped under a running API: answers must be 503 with Retry-After
// within seconds, and the API must work again, by itself, once they are back. Our own dev server
// and PostgreSQL processes, so the test can kill and restart them (on the same files and ports).

const TIMEOUT_MS = 1_500;

const store = testStore('all');
let server: DevServerProcess;
let api: RunningApi;

const apiOn = (databaseUrl: string, pool: Pool) => startLazyApi(apiConfig({ address: server.address, taskQueue: uniqueId('tq'), databaseUrl, timeoutMs: TIMEOUT_MS }), pool);

beforeAll(async () => {
  server = await devServerProcess();
  api = await apiOn(store.url, store.pool);
});

afterAll(async () => {
  await api?.close();
  await server?.remove();
});

const plan = () => unionWinterPlan({ id: uniqueId('c'), webhook: (p) => `http://127.0.0.1:9/${p}` });

async function expectUnavailableQuickly(code: 'temporal-unavailable' | 'database-unavailable', calls: Promise<Awaited<ReturnType<RunningApi['call']>>>[]): Promise<void> {
  for (const response of await Promise.all(calls)) {
    expect({ status: response.status, code: response.body.error?.code }).toEqual({ status: 503, code });
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(response.ms).toBeLessThan(5_000);
  }
}

/** What needs Temporal: readiness and a start (the workflow); the list, like every read, is the record's. */
const temporalCalls = () => [api.call('GET', '/ready'), api.call('POST', '/campaigns', { token: TOKENS.coordinator, body: plan() })];

test('given Temporal down, then up, then killed, then up again, the API should answer 503 quickly while it is down, read the record all along, and work whenever it is up', async () => {
  // Down from the start: the API started anyway, and is alive but not ready.
  expect((await api.call('GET', '/health')).status).toBe(200);
  await expectUnavailableQuickly('temporal-unavailable', temporalCalls());

  server.start();
  // Temporal answers again; no worker runs in this suite, so /ready names that instead.
  await eventually(async () => expect((await api.call('GET', '/ready')).body.error.code).toBe('no-worker'), 30_000);
  const first = plan();
  expect((await api.call('POST', '/campaigns', { token: TOKENS.coordinator, body: first })).status).toBe(202);

  await server.stop();
  // /ready's last answer is kept 2 s (api/readiness.ts).
  await new Promise((r) => setTimeout(r, 2_100));
  await expectUnavailableQuickly('temporal-unavailable', temporalCalls());
  expect((await api.call('GET', '/health')).status).toBe(200);
  // Reads are the record's: the campaign started before the outage still answers.
  expect((await api.call('GET', `/campaigns/${first.id}`, { token: TOKENS.rightsDept })).body).toMatchObject({ campaignId: first.id, status: 'running', startedBy: 'union-office' });
  // A start refused for the outage is retried with its key once Temporal is back, and then starts.
  const retried = plan();
  const key = { 'Idempotency-Key': uniqueId('start') };
  await expectUnavailableQuickly('temporal-unavailable', [api.call('POST', '/campaigns', { token: TOKENS.coordinator, body: retried, headers: key })]);

  server.start();
  // Temporal answers again; no worker runs in this suite, so /ready names that instead.
  await eventually(async () => expect((await api.call('GET', '/ready')).body.error.code).toBe('no-worker'), 30_000);
  expect((await api.call('POST', '/campaigns', { token: TOKENS.coordinator, body: retried, headers: key })).status).toBe(202);
  // Same database: the campaign started before the outage is still there.
  const again = await api.call('POST', '/campaigns', { token: TOKENS.coordinator, body: first });
  expect(again.status).toBe(409);
  const listed = await eventually(async () => {
    const response = await api.call('GET', '/campaigns', { token: TOKENS.coordinator });
    expect(response.body.campaigns.map((c: { campaignId: string }) => c.campaignId)).toEqual(expect.arrayContaining([first.id, retried.id]));
    return response;
  });
  expect(listed.status).toBe(200);
});

describe('the record (PostgreSQL) down under a running API', () => {
  let postgres: PostgresServer;
  let pool: Pool;
  let recordApi: RunningApi;

  beforeAll(async () => {
    postgres = await startTestPostgres();
    pool = new Pool({ connectionString: postgres.url });
    pool.on('error', () => {});
    recordApi = await apiOn(postgres.url, pool);
  });

  afterAll(async () => {
    await recordApi?.close();
    await pool?.end();
    await postgres?.stop();
    if (postgres) rmSync(dirname(postgres.dataDir), { recursive: true, force: true });
  });

  /** Every read is SQL, and a start writes the record before it asks Temporal. */
  const recordCalls = () => [
    recordApi.call('GET', '/campaigns/some-campaign', { token: TOKENS.coordinator }),
    recordApi.call('GET', '/campaigns/some-campaign/units/union-1', { token: TOKENS.union1 }),
    recordApi.call('GET', '/campaigns/some-campaign/phases/preparation', { token: TOKENS.rightsDept }),
    recordApi.call('POST', '/campaigns', { token: TOKENS.coordinator, body: plan() }),
  ];

  test('given PostgreSQL stopped, then started again on its data, the API should answer 503 database-unavailable quickly, then answer from the record again by itself', async () => {
    expect((await recordApi.call('GET', '/campaigns/some-campaign', { token: TOKENS.coordinator })).body.error.code).toBe('campaign-not-found');
    await postgres.stop();
    await expectUnavailableQuickly('database-unavailable', recordCalls());
    expect((await recordApi.call('GET', '/health')).status).toBe(200);

    postgres = await startPostgres({ dataDir: postgres.dataDir, port: postgres.port, database: new URL(postgres.url).pathname.slice(1), durable: false });
    await eventually(async () => expect((await recordApi.call('GET', '/campaigns/some-campaign', { token: TOKENS.coordinator })).body.error.code).toBe('campaign-not-found'), 30_000);
  });

  test('given a session the server terminates (57P01, as at a shutdown), the error should map to 503 database-unavailable with Retry-After', async () => {
    const victim = new PgClient({ connectionString: postgres.url });
    await victim.connect();
    victim.on('error', () => {});
    const { rows } = await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const sleeping = victim.query('SELECT pg_sleep(30)').catch((err: unknown) => err);
    await eventually(async () => expect((await pool.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND query LIKE 'SELECT pg_sleep%'", [rows[0]!.pid])).rowCount).toBe(1));
    await pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    const err = await sleeping;
    await victim.end().catch(() => {});
    expect((err as { code?: string }).code).toBe('57P01');
    const mapped = toApiError(err);
    expect({ status: mapped.status, code: mapped.code, retryAfter: mapped.extra.headers?.['Retry-After'] }).toEqual({ status: 503, code: 'database-unavailable', retryAfter: expect.stringMatching(/^\d+$/) });
  });
});
