import type { Connection } from '@temporalio/client';
import { lazyTemporalClient } from '../api/temporal-client';
import { apiConfig, eventually, startApi, TOKENS, type RunningApi } from './harness/api';
import { devServerProcess, type DevServerProcess } from './harness/dev-server-process';
import { unionWinterPlan } from './harness/plans';
import { uniqueId } from './harness/temporal';

// Temporal stopped under a running API: answers must be 503 with Retry-After within seconds, and
// the API must work again, by itself, once Temporal is back (then /ready says no worker polls:
// this suite runs none). Our own dev server process, so the
// test can kill and restart it (on the same SQLite file and port).

const TIMEOUT_MS = 1_500;

let server: DevServerProcess;
let api: RunningApi;
let connection: Connection;

beforeAll(async () => {
  server = await devServerProcess();
  const config = apiConfig({ address: server.address, taskQueue: uniqueId('tq'), timeoutMs: TIMEOUT_MS });
  const temporal = lazyTemporalClient(config);
  connection = temporal.connection;
  api = await startApi(config, temporal.client);
});

afterAll(async () => {
  await api?.close();
  await connection?.close();
  await server?.remove();
});

const plan = () => unionWinterPlan({ id: uniqueId('c'), webhook: (p) => `http://127.0.0.1:9/${p}` });

async function expectUnavailableQuickly(): Promise<void> {
  const calls = await Promise.all([
    api.call('GET', '/ready'),
    api.call('GET', '/campaigns', { token: TOKENS.coordinator }),
    api.call('GET', '/campaigns/some-campaign', { token: TOKENS.rightsDept }),
    api.call('POST', '/campaigns', { token: TOKENS.coordinator, body: plan() }),
    // An Update not sent because Temporal was not reached: 503, so the caller knows it did not take effect.
    api.call('POST', '/campaigns/some-campaign/cancel', { token: TOKENS.coordinator, body: { reason: '上級通知暫緩' } }),
  ]);
  for (const response of calls) {
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(response.body.error.code).toBe('temporal-unavailable');
    expect(response.ms).toBeLessThan(5_000);
  }
}

test('given Temporal down, then up, then killed, then up again, the API should answer 503 quickly while it is down and work whenever it is up', async () => {
  // Down from the start: the API started anyway, and is alive but not ready.
  expect((await api.call('GET', '/health')).status).toBe(200);
  await expectUnavailableQuickly();

  server.start();
  await eventually(async () => expect((await api.call('GET', '/ready')).body.error.code).toBe('no-worker'), 30_000);
  const first = plan();
  expect((await api.call('POST', '/campaigns', { token: TOKENS.coordinator, body: first })).status).toBe(202);

  await server.stop();
  // /ready's last answer is kept 2 s (api/readiness.ts).
  await new Promise((r) => setTimeout(r, 2_100));
  await expectUnavailableQuickly();
  expect((await api.call('GET', '/health')).status).toBe(200);

  server.start();
  await eventually(async () => expect((await api.call('GET', '/ready')).body.error.code).toBe('no-worker'), 30_000);
  // Same database: the campaign started before the outage is still there.
  const again = await api.call('POST', '/campaigns', { token: TOKENS.coordinator, body: first });
  expect(again.status).toBe(409);
  const listed = await eventually(async () => {
    const response = await api.call('GET', '/campaigns', { token: TOKENS.coordinator });
    expect(response.body.campaigns.map((c: { campaignId: string }) => c.campaignId)).toContain(first.id);
    return response;
  });
  expect(listed.status).toBe(200);
});
