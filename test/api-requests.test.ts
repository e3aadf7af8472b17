import type { TestWorkflowEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import { allRoutes as routes } from '../api/app';
import type { CampaignPlan } from '../domain/plan';
import { apiConfig, eventually, startApi, startApiStack, TOKENS, type ApiStack, type RunningApi } from './harness/api';
import { unionWinterPlan } from './harness/plans';
import { uniqueId } from './harness/temporal';
import type { WebhookReceiver } from './harness/webhook-receiver';

// The API against a real worker on the Temporal dev server (real time, so every phase of these
// December plans is still scheduled): listing, every input error, idempotent starts, the OpenAPI
// document and the docs page. Who may do what is test/api-access.test.ts.

let stack: ApiStack;
let env: TestWorkflowEnvironment;
let receiver: WebhookReceiver;
let api: RunningApi;
let taskQueue: string;

beforeAll(async () => {
  stack = await startApiStack();
  ({ env, receiver, api, taskQueue } = stack);
});

afterAll(() => stack?.stop());

const plan = (id = uniqueId('c')): CampaignPlan => unionWinterPlan({ id, webhook: (p) => receiver.url(p) });
const start = (body: unknown, headers: Record<string, string> = {}) => api.call('POST', '/campaigns', { token: TOKENS.coordinator, body, headers });

describe('listing campaigns (Temporal visibility)', () => {
  test('given two new campaigns, when listed by status and phase with limit 1, it should page through both with the cursor', async () => {
    const organizer = `縣總工會-${uniqueId('o')}`;
    const ids = [plan(), plan()].map((p) => ({ ...p, organizer }));
    for (const p of ids) expect((await start(p)).status).toBe(202);
    const listed = await eventually(async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await api.call('GET', `/campaigns?status=running&phase=preparation&limit=1${cursor ? `&cursor=${cursor}` : ''}`, { token: TOKENS.rightsDept });
        expect(page.status).toBe(200);
        expect(page.body.campaigns.length).toBeLessThanOrEqual(1);
        seen.push(...page.body.campaigns.map((c: { campaignId: string }) => c.campaignId));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(expect.arrayContaining(ids.map((p) => p.id)));
      return seen;
    });
    expect(new Set(listed).size).toBe(listed.length);

    const other = await api.call('GET', '/campaigns?phase=summary', { token: TOKENS.coordinator });
    expect(other.status).toBe(200);
    expect(other.body.campaigns.map((c: { campaignId: string }) => c.campaignId)).not.toContain(ids[0]!.id);
  });

  test.each([
    ['status=deleted', 'status'],
    ["phase=preparation' OR 1=1", 'phase'],
    ['limit=0', 'limit'],
    ['limit=abc', 'limit'],
    ['cursor=%24%24%24', 'cursor'],
    ['status=running&status=completed', 'status'],
    ['owner=me', ''],
  ])('given the query %s, when listing, it should answer 400 naming %s', async (query, path) => {
    const response = await api.call('GET', `/campaigns?${query}`, { token: TOKENS.coordinator });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid-request');
    expect(response.body.error.issues.map((i: { path: string[] }) => i.path.join('.'))).toContain(path);
  });

  test('given a well-formed cursor Temporal never issued, when listing, it should answer 400, not 500', async () => {
    const response = await api.call('GET', `/campaigns?cursor=bm90LWEtcmVhbC10b2tlbg.${'A'.repeat(43)}`, { token: TOKENS.coordinator });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid-cursor');
    expect(response.ms).toBeLessThan(1_000);
  });
});

describe('starting a campaign', () => {
  test('given a valid plan, it should answer 202 with Location, and the campaign should be readable there', async () => {
    const p = plan();
    const response = await start(p);
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toBe(`/campaigns/${p.id}`);
    expect(response.body).toEqual({ campaignId: p.id, workflowId: `campaign:${p.id}`, status: 'started', location: `/campaigns/${p.id}`, dates: expect.objectContaining({ timezone: 'Asia/Shanghai' }) });
    const read = await api.call('GET', response.headers.get('location')!, { token: TOKENS.coordinator });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ campaignId: p.id, title: p.title, organizer: '縣總工會', status: 'running', currentPhase: 'preparation' });
  });

  test('given a campaign id that exists, it should answer 409', async () => {
    const p = plan();
    expect((await start(p)).status).toBe(202);
    const again = await start(p);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ status: 409, code: 'campaign-exists' });
  });

  test('given a plan with several problems, it should answer 400 listing every one with its path', async () => {
    const p = plan();
    const bad = {
      ...p,
      id: 'no spaces allowed',
      units: [{ ...p.units[0]!, supervisor: 'nobody' }, { ...p.units[1]!, quota: -1 }],
      phases: [p.phases[1], p.phases[0], p.phases[2], p.phases[3]],
    };
    const response = await start(bad);
    expect(response.status).toBe(400);
    const paths = response.body.error.issues.map((i: { path: (string | number)[] }) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['id', 'units.1.quota']));
    // Cross-field checks run only on an otherwise well-formed plan, so fix the field errors and ask again.
    const crossField = await start({ ...bad, id: p.id, units: [{ ...p.units[0]!, supervisor: 'nobody' }, p.units[1]] });
    expect(crossField.body.error.issues.map((i: { path: (string | number)[] }) => i.path.join('.'))).toEqual(
      expect.arrayContaining(['units.0.supervisor', 'phases.0.name', 'phases.1.name', 'phases.1.opensAt']),
    );
  });

  test('given an Idempotency-Key, a retried start should answer the first 202, also after an API restart; the key with another body should be 422', async () => {
    const p = plan();
    const headers = { 'Idempotency-Key': uniqueId('start') };
    const first = await start(p, headers);
    const retry = await start(p, headers);
    expect(first.status).toBe(202);
    expect(retry).toMatchObject({ status: 202, body: first.body });
    expect(retry.headers.get('location')).toBe(first.headers.get('location'));

    const restarted = await startApi(apiConfig({ address: env.address, taskQueue, databaseUrl: stack.store.url }), env.client, stack.store.pool);
    try {
      const afterRestart = await restarted.call('POST', '/campaigns', { token: TOKENS.coordinator, body: p, headers });
      expect(afterRestart).toMatchObject({ status: 202, body: first.body });
    } finally {
      await restarted.close();
    }
    const reused = await start({ ...p, title: `${p.title}(改)` }, headers);
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('idempotency-key-reused');
    const malformedKey = await start(p, { 'Idempotency-Key': 'has spaces in it' });
    expect(malformedKey.status).toBe(400);
    expect(malformedKey.body.error.code).toBe('invalid-idempotency-key');
  });
});

describe('input errors', () => {
  test('given a NUL character in any text of a body, it should answer 400 naming the field, before anything is written (PostgreSQL text cannot hold it)', async () => {
    const response = await api.call('POST', '/campaigns', { token: TOKENS.coordinator, body: { id: 'x', title: '送温暖\u0000' } });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'invalid-request', issues: [{ path: ['title'] }] });
    const nested = await api.call('POST', '/campaigns', { token: TOKENS.coordinator, body: { id: 'x', units: [{ name: 'a\u0000' }] } });
    expect(nested.body.error).toMatchObject({ code: 'invalid-request', issues: [{ path: ['units', 0, 'name'] }] });
  });

  test('given malformed JSON, it should answer 400 malformed-json', async () => {
    const response = await api.call('POST', '/campaigns', { token: TOKENS.coordinator, rawBody: '{"id": "x",' });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ status: 400, code: 'malformed-json' });
  });

  test('given a body over the configured limit, it should answer 413', async () => {
    const response = await start({ ...plan(), title: '慰'.repeat(40_000) });
    expect(response.status).toBe(413);
    expect(response.body.error).toMatchObject({ status: 413, code: 'body-too-large' });
  });

  test.each([
    ['an unknown campaign', '/campaigns/no-such-campaign', 'campaign-not-found'],
    ['an unknown phase name', '/campaigns/no-such-campaign/phases/harvest', 'not-found'],
    ['an id that cannot be one', '/campaigns/bad%20id', 'not-found'],
    ['an unknown route', '/campaign', 'not-found'],
  ])('given %s, it should answer 404', async (_what, path, code) => {
    const response = await api.call('GET', path, { token: TOKENS.coordinator });
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe(code);
  });

  test('given an unknown unit or a phase not started yet, it should answer 404 saying which', async () => {
    const p = plan();
    await start(p);
    const unknownUnit = await api.call('GET', `/campaigns/${p.id}/units/union-99`, { token: TOKENS.coordinator });
    expect(unknownUnit.status).toBe(404);
    expect(unknownUnit.body.error.message).toContain('no unit union-99');
    const notStarted = await api.call('POST', `/campaigns/${p.id}/phases/publicity/units/union-1/submissions`, {
      token: TOKENS.union1,
      body: { kind: 'publicity-report', report: '已在村務公開欄公示' },
    });
    expect(notStarted.status).toBe(404);
    expect(notStarted.body.error).toMatchObject({ code: 'phase-not-started' });
    expect(notStarted.body.error.message).toContain('has not started yet');
  });

  test('given a wrong method on a known path, it should answer 405 with Allow', async () => {
    const response = await api.call('DELETE', '/campaigns', { token: TOKENS.coordinator });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST, GET');
  });

  test('given arbitrary JSON bodies, headers and paths, no answer should be a 5xx', async () => {
    const posts = routes.filter((r) => r.method === 'post').map((r) => r.path.replace(':campaignId', 'fuzz-campaign').replace(':phase', 'preparation').replace(':unitId', 'union-1'));
    const tokens = Object.values(TOKENS);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...posts),
        fc.constantFrom(...tokens),
        fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v)), fc.string()),
        fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
        async (path, token, rawBody, key) => {
          const headers: Record<string, string> = key !== undefined && /^[\x20-\x7e]*$/.test(key) ? { 'Idempotency-Key': key } : {};
          const response = await api.call('POST', path, { token, rawBody, headers });
          expect(response.status).toBeGreaterThanOrEqual(400);
          expect(response.status).toBeLessThan(500);
          expect(response.body.error.status).toBe(response.status);
        },
      ),
      { numRuns: 60 },
    );
    for (const path of ['/campaigns/%E0%A4%A', '/campaigns/x/phases/%00/units/..', '/campaigns?limit[]=1&limit[]=2', `/campaigns/${'a'.repeat(5000)}`]) {
      const response = await api.call('GET', path, { token: TOKENS.coordinator });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
  });
});

describe('operations and docs', () => {
  test('given the process is up and Temporal reachable, health and readiness should answer 200 without a token', async () => {
    expect(await api.call('GET', '/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await api.call('GET', '/ready')).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  test('given /openapi.json, it should be OpenAPI 3.1 with every route, bearer security, the error envelope and every documented status', async () => {
    const { status, body: doc } = await api.call('GET', '/openapi.json');
    expect(status).toBe(200);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas.ErrorEnvelope.properties.error.required).toEqual(expect.arrayContaining(['status', 'code', 'message']));
    for (const route of routes) {
      const op = doc.paths[route.path.replace(/:([A-Za-z]+)/g, '{$1}')][route.method];
      expect(op.operationId).toBe(route.operationId);
      // A write that may be answered before its outcome is known documents its 202 too.
      expect(Object.keys(op.responses).map(Number).sort()).toEqual([route.response.status, ...(route.pending ? [202] : []), ...route.errors].sort());
      expect(op.security).toEqual(route.action ? [{ bearer: [] }] : []);
      if (route.body) expect(op.requestBody.content['application/json'].schema).toEqual(expect.objectContaining(route.operationId === 'review' ? { oneOf: expect.any(Array) } : { type: 'object' }));
    }
    const startOp = doc.paths['/campaigns'].post;
    expect(startOp.requestBody.content['application/json'].schema.properties.phases.minItems).toBe(4);
    expect(startOp.parameters.map((p: { name: string }) => p.name)).toContain('Idempotency-Key');
  });

  test('given /docs, it should be a self-contained HTML page listing every operation', async () => {
    const response = await api.call('GET', '/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    for (const route of routes) expect(response.body).toContain(`id="${route.operationId}"`);
    expect(response.body).not.toMatch(/<script|<link|https?:\/\/(?!127)/);
  });

  test('given everything this suite sent, the log should hold no token and no submitted text', () => {
    const logged = api.logs.map((line) => JSON.stringify(line)).join('\n');
    expect(api.logs.length).toBeGreaterThan(50);
    for (const token of Object.values(TOKENS)) expect(logged).not.toContain(token);
    expect(logged).not.toContain('困難職工花名冊');
    expect(api.logs.filter((l) => l.event === 'error')).toEqual([]);
  });
});
