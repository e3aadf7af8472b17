import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { apiConfig, eventually, startApi, withPreparationSoon, type ApiResponse, type RunningApi } from './harness/api';
import { unionWinterPlan } from './harness/plans';
import type { TestStore } from './harness/postgres';
import { createDevServerEnv, createTestWorker, uniqueId, WEBHOOK_SECRET } from './harness/temporal';
import { WebhookReceiver } from './harness/webhook-receiver';

// A reviewer goes away (出差) and names a colleague to stand in; the unit it supervises is urged
// (催办) and then submits; the review falls due while the reviewer is away, and the reminder goes
// to the substitute, who reviews. Real Temporal (the CLI dev server) with a 5-second review window,
// people and tokens made through the administrator's API, every step read back from the record.

const ORG = 'xx-county-union';
const ADMIN = 'admin-token-substitutes-0123456789';

let env: TestWorkflowEnvironment;
let receiver: WebhookReceiver;
let api: RunningApi;
let store: TestStore;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  env = await createDevServerEnv();
  receiver = await new WebhookReceiver(WEBHOOK_SECRET).start();
  const started = await createTestWorker(env);
  store = started.store;
  const running = started.worker.run();
  stopWorker = async () => {
    started.worker.shutdown();
    await running;
  };
  const config = apiConfig({ address: env.address, taskQueue: started.taskQueue, databaseUrl: store.url, apiTokens: `${ADMIN}=admin:${ORG}` });
  // The urge's delivery runs where the test worker polls.
  api = await startApi({ ...config, temporal: { ...config.temporal, notifyTaskQueue: started.taskQueue } }, env.client, store.pool);
}, 120_000);

afterAll(async () => {
  await api?.close();
  await stopWorker?.();
  await store?.pool.end();
  await env?.teardown();
  await receiver?.stop();
});

const ok = async (response: Promise<ApiResponse>, status: number) => {
  const r = await response;
  expect({ status: r.status, body: r.body }).toMatchObject({ status });
  return r.body;
};

test('given a reviewer away on business who named a substitute, when a review falls due meanwhile, the substitute should be told and may review, an urge should reach the unit, and all of it should be on the audit trail', async () => {
  const admin = (method: string, path: string, body?: unknown) => api.call(method, path, { token: ADMIN, body });
  await ok(admin('POST', '/organization', { name: '某某县总工会' }), 200);
  const person = async (displayName: string, roles: string[] = []) => (await ok(admin('POST', '/organization/people', { displayName, roles }), 201)).personId as string;
  const tokenOf = async (personId: string) => (await ok(admin('POST', `/organization/people/${personId}/tokens`, { name: '测试', expiresAt: new Date(Date.now() + 3_600_000).toISOString() }), 201)).token as string;
  const [coordinator, reviewer, substitute, clerk] = [await person('县总工会 办公室', ['coordinator']), await person('权益保障部 张部长'), await person('权益保障部 李副部长'), await person('城关镇总工会 文员')];
  const tokens = { coordinator: await tokenOf(coordinator), reviewer: await tokenOf(reviewer), substitute: await tokenOf(substitute), clerk: await tokenOf(clerk) };

  const base = withPreparationSoon(unionWinterPlan({ id: uniqueId('away'), webhook: (p) => receiver.url(p), units: 1 }), 1_000, 600_000);
  const plan = { ...base, phases: base.phases.map((p, i) => (i === 0 ? { ...p, reviewWithin: 'PT5S' } : p)) };
  const c = plan.id;
  await ok(api.call('POST', '/campaigns', { token: tokens.coordinator, body: plan }), 202);
  await ok(admin('POST', `/campaigns/${c}/members`, { personId: reviewer, role: 'reviewer', subject: 'rights-dept' }), 201);
  await ok(admin('POST', `/campaigns/${c}/members`, { personId: clerk, role: 'unit', subject: 'union-1' }), 201);
  const unitPath = `/campaigns/${c}/phases/preparation/units/union-1`;

  // Before any substitution the colleague holds no role in the campaign.
  expect((await api.call('GET', `/campaigns/${c}/units/union-1`, { token: tokens.substitute })).status).toBe(404);
  const named = await ok(
    api.call('POST', `/campaigns/${c}/reviewers/rights-dept/substitutes`, {
      token: tokens.reviewer,
      body: { personId: substitute, from: new Date(Date.now() - 60_000).toISOString(), until: new Date(Date.now() + 3_600_000).toISOString(), reason: '出差', notify: { channel: { type: 'webhook', url: receiver.url('substitute/li') } } },
    }),
    201,
  );
  expect(named).toMatchObject({ reviewerId: 'rights-dept', personId: substitute, namedBy: reviewer, reason: '出差' });
  // A substitute names no substitutes of its own.
  expect((await api.call('POST', `/campaigns/${c}/reviewers/rights-dept/substitutes`, { token: tokens.substitute, body: { personId: clerk, from: named.from, until: named.until, reason: '转托', notify: { channel: { type: 'email', to: 'x@example.org' } } } })).status).toBe(403);

  // 催办 from the coordinator, on the unit's channel, before it has submitted.
  const preparation = async (token: string) => (await api.call('GET', `/campaigns/${c}/units/union-1`, { token })).body?.phases?.[0]?.state;
  await eventually(async () => expect((await preparation(tokens.clerk))?.status).toBe('open'), 60_000);
  const urged = await ok(api.call('POST', `/campaigns/${c}/units/union-1/urge`, { token: tokens.coordinator, body: { note: '请于今日下班前报送困难职工花名册' } }), 201);
  await receiver.waitFor(() => receiver.notifications({ kind: 'unit-urged' }).length === 1, 60_000);
  const [urge] = receiver.notifications({ kind: 'unit-urged' });
  expect(urge).toMatchObject({ id: urged.notificationId, recipient: { role: 'unit', id: 'union-1' }, data: { note: '请于今日下班前报送困难职工花名册', urgedBy: '縣總工會辦公室' } });
  expect(urge!.message).toMatch(/^縣總工會.*：縣總工會辦公室催办：请于今日下班前报送困难职工花名册（准备阶段截止时间\d+月\d+日 \d\d:\d\d）$/);
  // The unit's clerk may not urge itself.
  expect((await api.call('POST', `/campaigns/${c}/units/union-1/urge`, { token: tokens.clerk, body: { note: '自己催自己' } })).status).toBe(403);

  // The unit submits; nobody reviews within 5 s; the reminder meant for rights-dept reaches the substitute.
  await ok(api.call('POST', `${unitPath}/submissions`, { token: tokens.clerk, body: { kind: 'applicant-roster', report: '困难职工花名册 20 户' } }), 201);
  await receiver.waitFor(() => receiver.notifications({ kind: 'review-overdue' }).length === 1, 60_000);
  const overdue = receiver.received.find((r) => r.notification.kind === 'review-overdue')!;
  expect(overdue).toMatchObject({ path: '/substitute/li', signatureValid: true, notification: { recipient: { role: 'reviewer', id: 'rights-dept' } } });
  expect(receiver.received.filter((r) => r.path === '/reviewer/rights-dept')).toEqual([]);
  expect(overdue.notification.message).toContain('请尽快审核');

  // The substitute reviews as rights-dept; the record says who acted for whom.
  await ok(api.call('POST', `${unitPath}/reviews`, { token: tokens.substitute, body: { decision: 'approve' } }), 201);
  const record = await eventually(async () => {
    const state = await preparation(tokens.coordinator);
    expect(state?.status).toBe('approved');
    return state;
  });
  expect(record.reminders.map((r: { kind: string }) => r.kind)).toContain('unit-urged');

  // Revoked, the substitute is nobody in the campaign again.
  await ok(api.call('DELETE', `/campaigns/${c}/reviewers/rights-dept/substitutes/${named.substitutionId}`, { token: tokens.reviewer }), 200);
  expect((await api.call('GET', `/campaigns/${c}/units/union-1`, { token: tokens.substitute })).status).toBe(404);

  const audit = (await ok(api.call('GET', `/campaigns/${c}/audit`, { token: tokens.coordinator }), 200)).rows as { action: string; actor: string; detail: string }[];
  const row = (action: string) => audit.find((r) => r.action === action);
  expect(row('substitute-named')).toMatchObject({ actor: reviewer, detail: expect.stringContaining(`${substitute} for reviewer:rights-dept`) });
  expect(row('urged')).toMatchObject({ actor: coordinator, detail: '请于今日下班前报送困难职工花名册' });
  expect(row('notified-substitute:review-overdue')).toMatchObject({ detail: expect.stringContaining(`to substitute ${substitute} for reviewer:rights-dept`) });
  expect(row('approved')).toMatchObject({ actor: `${substitute}--substitute-for--rights-dept` });
  expect(row('substitute-revoked')).toMatchObject({ actor: reviewer });
}, 240_000);
