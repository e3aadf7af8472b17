import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eventually, withPreparationSoon } from './harness/api';
import { CampaignDriver } from './harness/campaign-driver';
import { unionWinterPlan } from './harness/plans';
import { devServerProcess } from './harness/dev-server-process';
import { realServer, timeSkippingPerTest } from './harness/per-test';
import { createTestStore, type TestStore } from './harness/postgres';
import { createDevServerEnv, createTestWorker, testDataConverter, uniqueId, WEBHOOK_SECRET } from './harness/temporal';
import { WebhookReceiver } from './harness/webhook-receiver';
import { startWorkerProcess, type WorkerProcess } from './harness/worker-process';

// Real faults: the production worker process (worker/main.ts) killed with SIGKILL in the middle of
// a phase and started again; the dev server itself killed across a cutoff and restarted on its
// SQLite file; a webhook receiver down for days of campaign time (time-skipping server).

const dev = realServer(createDevServerEnv, 'all');
let worker: WorkerProcess | undefined;
afterAll(() => worker?.kill());

/** One notification per event and recipient: a duplicate under a new id would reach a receiver twice even though it drops repeated ids. */
function repeatedEvents(from: WebhookReceiver = dev.receiver): string[] {
  const byEvent = new Map<string, Set<string>>();
  for (const n of from.notifications()) {
    const event = `${n.kind} ${n.phase ?? ''} ${n.unitId ?? ''} → ${n.recipient.role}:${n.recipient.id}`;
    byEvent.set(event, (byEvent.get(event) ?? new Set()).add(n.id));
  }
  return [...byEvent].filter(([, ids]) => ids.size > 1).map(([event]) => event);
}

test('given a campaign in its preparation phase, when the worker process is SIGKILLed during the notification fan-out and again after submissions, then restarted, nothing should be lost and no notification repeated', async () => {
  const taskQueue = uniqueId('tq');
  const plan = withPreparationSoon(unionWinterPlan({ id: uniqueId('kill'), webhook: (p) => dev.receiver.url(p), units: 3 }), 2_000, 600_000);
  const unitIds = plan.units.map((u) => u.id);
  const store = await createTestStore();
  const processEnv = { address: dev.env.address, taskQueue, databaseUrl: store.url };
  worker = await startWorkerProcess(processEnv);
  const driver = await CampaignDriver.start(dev.env, taskQueue, plan, store);

  // Killed as soon as the first "phase opened" arrives: the others are mid-flight.
  await dev.receiver.waitFor(() => dev.receiver.notifications({ kind: 'phase-opened' }).length >= 1, 60_000);
  await worker.kill();
  worker = await startWorkerProcess(processEnv);
  await dev.receiver.waitFor(() => dev.receiver.notifications({ kind: 'phase-opened' }).length === unitIds.length, 60_000);

  for (const unitId of unitIds) await driver.submit('preparation', unitId, `submit-${unitId}`);
  await worker.kill();
  worker = await startWorkerProcess(processEnv);
  // A client retrying after the crash with the same request id changes nothing.
  expect((await driver.submit('preparation', 'union-1', 'submit-union-1')).submissionNumber).toBe(1);
  for (const unitId of unitIds) await driver.approve('preparation', unitId);

  const state = await driver.waitForState((s) => s.phases[0]!.status === 'awaiting-sign-off', 60_000);
  expect(state.phases[0]).toMatchObject({ approved: unitIds.length, forfeited: 0 });
  for (const unitId of unitIds) {
    const unit = await driver.record('preparation', unitId);
    expect({ unitId, submissions: unit.submissions.length, reviews: unit.reviews.length, status: unit.status }).toEqual({ unitId, submissions: 1, reviews: 1, status: 'approved' });
  }
  await store.pool.end();
  await dev.receiver.waitFor(() => dev.receiver.notifications({ kind: 'sign-off-needed' }).length === 1, 30_000);
  await eventually(async () => expect(dev.receiver.notifications({ kind: 'phase-opened' }).map((n) => n.unitId).sort()).toEqual(unitIds));
  expect(repeatedEvents()).toEqual([]);
  expect(dev.receiver.received.every((r) => r.signatureValid)).toBe(true);
});

const events = (from: WebhookReceiver) => from.notifications().map((n) => `${n.kind} ${n.phase} ${n.unitId} → ${n.recipient.role}:${n.recipient.id}`).sort();

test('given a preparation phase whose cutoff falls while the dev server is down, when the server is restarted on its SQLite file, the cutoff should fire after it: units forfeit, their notifications arrive, nothing done before is lost', async () => {
  const server = await devServerProcess();
  const own = await new WebhookReceiver(WEBHOOK_SECRET).start();
  let ownWorker: WorkerProcess | undefined;
  let connection: Connection | undefined;
  let store: TestStore | undefined;
  try {
    server.start();
    connection = await eventually(() => Connection.connect({ address: server.address }), 30_000);
    const client = new Client({ connection, dataConverter: testDataConverter });
    const taskQueue = uniqueId('tq');
    store = await createTestStore();
    ownWorker = await startWorkerProcess({ address: server.address, taskQueue, databaseUrl: store.url });
    const plan = withPreparationSoon(unionWinterPlan({ id: uniqueId('outage'), webhook: (p) => own.url(p) }), 2_000, 15_000);
    // The driver needs only the client and a clock here: time runs for real on this server.
    const driver = await CampaignDriver.start({ client, currentTimeMs: async () => Date.now() } as unknown as TestWorkflowEnvironment, taskQueue, plan, store);
    await own.waitFor(() => own.notifications({ kind: 'phase-opened' }).length === 3, 30_000);
    await driver.submit('preparation', 'union-1', 'before-outage');
    await driver.approve('preparation', 'union-1');

    await server.stop();
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(plan.phases[0]!.cutoff) - Date.now() + 3_000)));
    expect(own.notifications({ kind: 'unit-forfeited' })).toEqual([]);
    server.start();

    const state = await eventually(() => driver.waitForState((s) => s.phases[0]!.status === 'awaiting-sign-off', 5_000), 60_000);
    expect(state.phases[0]).toMatchObject({ approved: 1, forfeited: 2 });
    // The workflow records that it awaits sign-off right after it says so.
    await eventually(async () => expect((await driver.campaignRecord()).excluded.map((e) => e.unitId)).toEqual(['union-2', 'union-3']));
    const union1 = await driver.record('preparation', 'union-1');
    expect(union1).toMatchObject({ status: 'approved', submissions: [{ requestId: 'before-outage' }] });
    for (const unitId of ['union-2', 'union-3']) expect((await driver.record('preparation', unitId)).forfeitedAt).toBeDefined();
    await own.waitFor(() => own.notifications({ kind: 'sign-off-needed' }).length === 1, 30_000);
    expect(events(own).filter((e) => e.startsWith('unit-forfeited'))).toEqual([
      'unit-forfeited preparation union-2 → coordinator:union-office',
      'unit-forfeited preparation union-2 → reviewer:audit-office',
      'unit-forfeited preparation union-2 → unit:union-2',
      'unit-forfeited preparation union-3 → coordinator:union-office',
      'unit-forfeited preparation union-3 → reviewer:rights-dept',
      'unit-forfeited preparation union-3 → unit:union-3',
    ]);
    expect(repeatedEvents(own)).toEqual([]);
  } finally {
    await ownWorker?.kill();
    await connection?.close();
    await store?.pool.end();
    await server.remove();
    await own.stop();
  }
});

describe('a webhook receiver down for days of campaign time', () => {
  const t = timeSkippingPerTest();
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;

  test('given every webhook answering 503, when the campaign moves through a cutoff into the next phase, the phase should not wait for them, and once they answer again every notification should arrive, each id once', async () => {
    const { worker, taskQueue, store } = await createTestWorker(t.env);
    const start = await t.env.currentTimeMs();
    const base = unionWinterPlan({ id: uniqueId('down'), webhook: (p) => t.receiver.url(p) });
    const iso = (ms: number) => new Date(start + ms).toISOString();
    // Short phases, all inside the 14 days a notification is retried for.
    const plan = {
      ...base,
      phases: base.phases.map((p, i) => ({ ...p, opensAt: iso(HOUR + 3 * i * DAY), cutoff: iso(2 * DAY + 3 * i * DAY), reminders: [], advance: 'automatic' as const })),
    };
    t.receiver.failWith = 503;
    await worker.runUntil(async () => {
      const c = await CampaignDriver.start(t.env, taskQueue, plan, store);
      await c.until(start + 2 * HOUR);
      for (const unitId of ['union-1', 'union-2']) {
        await c.submit('preparation', unitId);
        await c.approve('preparation', unitId);
      }
      // union-3 misses the cutoff; publicity opens a day after it.
      await c.until(start + 3 * DAY + 2 * HOUR);
      const state = await c.waitForState((s) => s.currentPhase === 'publicity' && s.phases[1]!.status === 'running');
      expect(state.phases[0]).toMatchObject({ status: 'completed', approved: 2, forfeited: 1 });
      expect((await c.unitState('publicity', 'union-1')).status).toBe('open');
      // Deliveries were attempted and refused; none got through.
      expect(t.receiver.refused.length).toBeGreaterThan(0);
      expect(t.receiver.received).toEqual([]);

      t.receiver.failWith = undefined;
      // The retry interval has grown to its cap of an hour by now.
      await c.until(start + 3 * DAY + 4 * HOUR);
      const expected = [
        ...['union-1', 'union-2', 'union-3'].map((u) => `phase-opened preparation ${u} → unit:${u}`),
        'unit-forfeited preparation union-3 → coordinator:union-office',
        'unit-forfeited preparation union-3 → reviewer:rights-dept',
        'unit-forfeited preparation union-3 → unit:union-3',
        ...['union-1', 'union-2'].map((u) => `phase-opened publicity ${u} → unit:${u}`),
      ].sort();
      await t.receiver.waitFor(() => expected.every((e) => events(t.receiver).includes(e)), 60_000);
      expect(events(t.receiver)).toEqual(expected);
      expect(repeatedEvents(t.receiver)).toEqual([]);
      expect(t.receiver.received.every((r) => r.signatureValid)).toBe(true);
    });
  });
});
