import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { lazyTemporalClient } from '../api/temporal-client';
import { apiConfig, startApi, TOKENS, type RunningApi } from './harness/api';
import { testStore } from './harness/postgres';
import { createDevServerEnv, uniqueId } from './harness/temporal';

// The API's /metrics (Prometheus text) and its request ids, on a real dev server and with Temporal
// unreachable. The campaign figures' values on a running campaign are checked in test/stack.test.ts.

/** The value of one sample line, e.g. metric('relief_api_requests_total{method="GET",route="/health",status="200"}'). */
const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('the API’s metrics and request ids', () => {
  let env: TestWorkflowEnvironment;
  let api: RunningApi;
  let down: RunningApi;
  let downClient: ReturnType<typeof lazyTemporalClient>;
  const store = testStore('all');
  beforeAll(async () => {
    env = await createDevServerEnv();
    api = await startApi(apiConfig({ address: env.address, taskQueue: uniqueId('tq'), databaseUrl: store.url }), env.client, store.pool);
    const downConfig = apiConfig({ address: '127.0.0.1:9', taskQueue: uniqueId('tq'), databaseUrl: store.url, timeoutMs: 500 });
    downClient = lazyTemporalClient(downConfig);
    down = await startApi(downConfig, downClient.client, store.pool);
  });
  afterAll(async () => {
    await api?.close();
    await down?.close();
    // A figures read a scrape started may still be on its way to Temporal (it times out after
    // 500 ms against the closed port): let it settle before the connections close under it.
    await new Promise((r) => setTimeout(r, 1_500));
    await downClient?.connection.close();
    await env?.teardown();
  });

  test('given requests to several routes, /metrics should count them by route template and status, time them, and read the campaign figures', async () => {
    await api.call('GET', '/health');
    await api.call('GET', '/health');
    await api.call('GET', `/campaigns/${uniqueId('nope')}`, { token: TOKENS.coordinator });
    await api.call('GET', '/campaigns', { token: 'not-a-token-at-all-0000' });
    const { status, body, headers } = await api.call('GET', '/metrics');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^text\/plain/);
    const text = body as string;
    expect(sample(text, 'relief_api_requests_total{method="GET",route="/health",status="200"}')).toBe(2);
    expect(sample(text, 'relief_api_requests_total{method="GET",route="/campaigns/:campaignId",status="404"}')).toBe(1);
    expect(sample(text, 'relief_api_requests_total{method="GET",route="/campaigns",status="401"}')).toBe(1);
    // Route templates only: no raw path with an id becomes a label.
    expect(text).not.toMatch(/route="\/campaigns\/nope/);
    expect(sample(text, 'relief_api_request_duration_seconds_count{method="GET",route="/health"}')).toBe(2);
    expect(sample(text, 'relief_campaign_figures_up')).toBe(1);
    for (const gauge of ['relief_units_forfeited', 'relief_reviews_overdue', 'relief_notifications_pending']) expect(sample(text, gauge)).toBe(0);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  test('given Temporal unreachable, /metrics should still answer, with the campaign figures marked unread', async () => {
    const { status, body } = await down.call('GET', '/metrics');
    expect(status).toBe(200);
    expect(sample(body as string, 'relief_campaign_figures_up')).toBe(0);
  });

  test('given a request with or without an X-Request-Id, the answer and its one log line should carry the id, and the log no body', async () => {
    const given = await api.call('POST', '/campaigns', { token: TOKENS.coordinator, body: { title: '张三 身份证 110101199003074512' }, headers: { 'x-request-id': 'trace-abc.123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-abc.123');
    const made = await api.call('GET', '/health', { headers: { 'x-request-id': 'bad id with spaces' } });
    const madeId = made.headers.get('x-request-id')!;
    expect(madeId).toMatch(/^[0-9a-f-]{36}$/);
    const lines = api.logs.filter((l) => l.requestId === 'trace-abc.123' || l.requestId === madeId);
    expect(lines).toEqual([
      expect.objectContaining({ event: 'request', method: 'POST', route: '/campaigns', status: given.status }),
      expect.objectContaining({ event: 'request', method: 'GET', route: '/health', status: 200 }),
    ]);
    expect(JSON.stringify(api.logs)).not.toMatch(/张三|110101199003074512/);
  });
});
