import { request } from 'node:http';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { CampaignPlan } from '../domain/plan';
import { apiConfig, eventually, startApi, TOKENS, withPreparationSoon, type RunningApi } from './harness/api';
import { unionWinterPlan } from './harness/plans';
import { createTestStore, type TestStore } from './harness/postgres';
import { createDevServerEnv, createTestWorker, testDataConverter, uniqueId } from './harness/temporal';
import { unitPhaseWorkflowId } from '../domain/workflow-ids';
import { REPLAY, toApiError } from '../api/errors';

// Every answer is true or says it does not know yet (issue 12), on the dev server in real time:
// with no worker a write is 202 with where to read its outcome, and a retry with its key gets the
// real outcome once a worker runs; a refusal that depends on time is not replayed once the time
// has come; every Update carries the first receipt instant; /ready needs a polling worker;
// Temporal's permanent refusal (the Update limit) is 409.

/** A unit workflow takes at most this many Updates on this server, so the limit is reached in a few requests. */
const MAX_TOTAL_UPDATES = 3;
const UPDATE_WAIT_MS = 1_500;

let env: TestWorkflowEnvironment;
let api: RunningApi;
let taskQueue: string;
let worker: { worker: Worker; run: Promise<void> } | undefined;
let store: TestStore;

const startWorker = async () => {
  const created = await createTestWorker(env, taskQueue, { store });
  worker = { worker: created.worker, run: created.worker.run() };
};
const stopWorker = async () => {
  worker?.worker.shutdown();
  await worker?.run;
  worker = undefined;
};

beforeAll(async () => {
  env = await createDevServerEnv({ extraArgs: ['--dynamic-config-value', `history.maxTotalUpdates=${MAX_TOTAL_UPDATES}`] });
  taskQueue = uniqueId('tq');
  store = await createTestStore();
  api = await startApi(apiConfig({ address: env.address, taskQueue, databaseUrl: store.url, timeoutMs: 1_500, updateWaitMs: UPDATE_WAIT_MS }), env.client, store.pool);
  await startWorker();
});

// A test that stopped the worker and failed before restarting it must not fail the ones after it.
afterEach(async () => {
  if (!worker) await startWorker();
});

afterAll(async () => {
  await api?.close();
  await stopWorker();
  await env?.teardown();
  await store?.pool.end();
});

const OPENS_IN_MS = 4_000;
const webhook = (p: string) => `http://127.0.0.1:9/${p}`;
/** Made when the test that starts it runs, so its preparation opens a few seconds later. */
let plan: CampaignPlan;
const unit = (id: string) => `/campaigns/${plan.id}/phases/preparation/units/${id}`;
const roster = { kind: 'applicant-roster', report: '困難職工12戶、勞模8人,名單已公示', figures: { households: 20 } };
const submit = (token: string, unitId: string, key: string) => api.call('POST', `${unit(unitId)}/submissions`, { token, body: roster, headers: { 'Idempotency-Key': key } });

test('given no worker polls a task queue, /ready should be 503 naming why; with one polling it should be 200', async () => {
  const idle = await startApi(apiConfig({ address: env.address, taskQueue: uniqueId('nobody'), databaseUrl: store.url }), env.client, store.pool);
  try {
    const notReady = await idle.call('GET', '/ready');
    expect(notReady).toMatchObject({ status: 503, body: { error: { code: 'no-worker' } } });
    expect(notReady.headers.get('retry-after')).toMatch(/^\d+$/);
  } finally {
    await idle.close();
  }
  await eventually(async () => expect(await api.call('GET', '/ready')).toMatchObject({ status: 200, body: { status: 'ready', workers: 1 } }));
});

test('given a submission refused as not open yet, when it is retried with the same key after the phase opened, it should be tried afresh and accepted', async () => {
  plan = withPreparationSoon(unionWinterPlan({ id: uniqueId('c'), webhook }), OPENS_IN_MS, 120_000);
  expect((await api.call('POST', '/campaigns', { token: TOKENS.coordinator, body: plan })).status).toBe(202);
  const key = uniqueId('early');
  const early = await eventually(async () => {
    const response = await submit(TOKENS.union2, 'union-2', key);
    expect(response.status).toBe(409);
    return response;
  });
  expect(early.body.error.code).toBe('PhaseNotOpenYet');
  await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(plan.phases[0]!.opensAt) - Date.now() + 300)));
  const accepted = await eventually(async () => {
    const response = await submit(TOKENS.union2, 'union-2', key);
    expect(response.status).toBe(201);
    return response;
  });
  expect(accepted.body).toMatchObject({ submissionNumber: 1, status: 'submitted' });
  // Executed: now the answer is replayed as it was.
  expect(await submit(TOKENS.union2, 'union-2', key)).toMatchObject({ status: 201, body: accepted.body });
});

test('given the worker stopped, a submission should be 202 with where to read it; after the worker restarts, a retry with the same key and the link should give the real outcome, recorded once', async () => {
  await stopWorker();
  const key = uniqueId('offline');
  const sentAt = Date.now();
  const [pending, concurrent] = await Promise.all([submit(TOKENS.union1, 'union-1', key), new Promise((r) => setTimeout(r, 300)).then(() => submit(TOKENS.union1, 'union-1', key))]);
  expect(pending.status).toBe(202);
  expect(pending.ms).toBeLessThan(UPDATE_WAIT_MS + 2_000);
  const location = pending.headers.get('location')!;
  expect(location).toBe(`${unit('union-1')}/requests/${encodeURIComponent(`submit:union-1:${key}`)}`);
  expect(pending.body).toEqual({ requestId: `submit:union-1:${key}`, status: 'pending', location });
  // The same key while the first request still runs: 409, not a second request.
  expect(concurrent).toMatchObject({ status: 409, body: { error: { code: 'idempotency-key-in-use' } } });

  expect((await api.call('GET', location, { token: TOKENS.union1 })).status).toBe(202);
  expect((await submit(TOKENS.union1, 'union-1', key)).status).toBe(202);
  // Only its sender reads a request.
  expect((await api.call('GET', location.replace('/union-1/', '/union-3/'), { token: TOKENS.union3 })).status).toBe(404);

  await startWorker();
  const outcome = await eventually(async () => {
    const response = await submit(TOKENS.union1, 'union-1', key);
    expect(response.status).toBe(201);
    return response;
  }, 30_000);
  expect(outcome.body).toMatchObject({ submissionNumber: 1, status: 'submitted' });
  expect(await api.call('GET', location, { token: TOKENS.union1 })).toMatchObject({ status: 200, body: { requestId: `submit:union-1:${key}`, status: 'done', result: outcome.body } });
  const view = await api.call('GET', `/campaigns/${plan.id}/units/union-1`, { token: TOKENS.union1 });
  expect(view.body.phases[0].state.submissions).toHaveLength(1);

  // The postmark reaches the workflow: the first request's receipt instant, not the retry's, seconds later.
  const { receivedAt } = await updateArgument<{ receivedAt: string }>(unitPhaseWorkflowId(plan.id, 'preparation', 'union-1'), `submit:union-1:${key}`);
  expect(Date.parse(receivedAt) - sentAt).toBeGreaterThanOrEqual(0);
  expect(Date.parse(receivedAt) - sentAt).toBeLessThan(500);
});

test('given a submission whose body is still arriving when the cutoff passes, it should be judged by the instant it arrived: accepted, and postmarked before the cutoff', async () => {
  const late = withPreparationSoon(unionWinterPlan({ id: uniqueId('postmark'), webhook, units: 1 }), 1_000, 15_000);
  expect((await api.call('POST', '/campaigns', { token: TOKENS.coordinator, body: late })).status).toBe(202);
  const cutoff = Date.parse(late.phases[0]!.cutoff);
  await eventually(async () => expect((await store.views.unitPhase(late.id, 'preparation', 'union-1'))?.status).toBe('open'), 12_000);
  await new Promise((r) => setTimeout(r, cutoff - 1_000 - Date.now()));
  const body = Buffer.from(JSON.stringify(roster));
  const sentAt = Date.now();
  const reply = await new Promise<{ status: number; body: { submissionNumber?: number } }>((resolve, reject) => {
    const { hostname, port } = new URL(api.url);
    const req = request({ hostname, port, method: 'POST', path: `/campaigns/${late.id}/phases/preparation/units/union-1/submissions`, headers: { authorization: `Bearer ${TOKENS.union1}`, 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    // Headers and half the body before the cutoff, the rest after it, as a slow line would carry them.
    req.write(body.subarray(0, body.length / 2));
    setTimeout(() => req.end(body.subarray(body.length / 2)), cutoff + 500 - Date.now());
  });
  expect(Date.now()).toBeGreaterThan(cutoff);
  expect(reply).toMatchObject({ status: 201, body: { submissionNumber: 1 } });
  const [submission] = (await store.views.unitPhase(late.id, 'preparation', 'union-1'))!.submissions;
  expect(Date.parse(submission!.receivedAt)).toBeGreaterThanOrEqual(sentAt);
  expect(Date.parse(submission!.receivedAt)).toBeLessThan(cutoff);
});

/** The argument of an accepted Update, from the workflow's history (decrypted as the worker would). */
async function updateArgument<T>(workflowId: string, updateId: string): Promise<T> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const accepted = history.events!.map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest).find((r) => r?.meta?.updateId === updateId);
  const [decoded] = await testDataConverter.payloadCodecs![0]!.decode(accepted!.input!.args!.payloads! as Payload[]);
  return defaultPayloadConverter.fromPayload<T>(decoded!);
}

test('given a unit workflow that took as many Updates as the server allows in one run, the next write should still be accepted: the workflow continued as new', async () => {
  const now = Date.now();
  const extend = (days: number) =>
    api.call('POST', `${unit('union-3')}/cutoff-extensions`, {
      token: TOKENS.coordinator,
      body: { cutoff: new Date(now + days * 86_400_000).toISOString(), reason: '廠區停電,延後報送' },
      headers: { 'Idempotency-Key': `extend-${plan.id}-${days}` },
    });
  // The unit's first request starts its workflow.
  expect((await extend(1)).status).toBe(201);
  const handle = env.client.workflow.getHandle(unitPhaseWorkflowId(plan.id, 'preparation', 'union-3'));
  const firstRun = (await handle.describe()).runId;
  for (let days = 2; days <= MAX_TOTAL_UPDATES + 2; days++) expect((await extend(days)).status).toBe(201);
  expect((await handle.describe()).runId).not.toBe(firstRun);
  // The record kept every extension across the runs.
  const view = await api.call('GET', `/campaigns/${plan.id}/units/union-3`, { token: TOKENS.coordinator });
  expect(view.body.phases[0].state.extensions).toHaveLength(MAX_TOTAL_UPDATES + 2);
});

test('given Temporal refusing a request for good (FailedPrecondition, e.g. a run out of Updates), it should be a permanent 409, not a 503 to retry', () => {
  const limit = Object.assign(new Error('9 FAILED_PRECONDITION: limit reached'), { code: 9, details: 'the limit on the total number of distinct updates in this workflow has been reached (2000)', metadata: {} });
  expect(toApiError(limit)).toMatchObject({ status: 409, code: 'refused-by-temporal' });
  expect(REPLAY['refused-by-temporal']).toBe('replay');
});

test('given a running campaign, cancel should answer its final state: cancelled', async () => {
  const other = unionWinterPlan({ id: uniqueId('c'), webhook });
  expect((await api.call('POST', '/campaigns', { token: TOKENS.coordinator, body: other })).status).toBe(202);
  const cancelled = await api.call('POST', `/campaigns/${other.id}/cancel`, { token: TOKENS.coordinator, body: { reason: '上級通知活動合併舉辦' } });
  expect(cancelled).toMatchObject({ status: 200, body: { status: 'cancelled', cancellation: { reason: '上級通知活動合併舉辦' } } });
});
