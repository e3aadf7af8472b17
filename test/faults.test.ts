import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eventually, withPreparationSoon } from './harness/api';
import { CampaignDriver } from './harness/campaign-driver';
import { unionWinterPlan } from './harness/plans';
import { createDevServerEnv, uniqueId, WEBHOOK_SECRET } from './harness/temporal';
import { WebhookReceiver } from './harness/webhook-receiver';
import { startWorkerProcess, type WorkerProcess } from './harness/worker-process';

// Real faults on the dev server: the production worker process (worker/main.ts) killed with
// SIGKILL in the middle of a phase and started again.

let env: TestWorkflowEnvironment;
let receiver: WebhookReceiver;
let worker: WorkerProcess | undefined;
beforeAll(async () => {
  env = await createDevServerEnv();
  receiver = await new WebhookReceiver(WEBHOOK_SECRET).start();
});
afterAll(async () => {
  await worker?.kill();
  await env?.teardown();
  await receiver?.stop();
});

/** One notification per event and recipient: a duplicate under a new id would reach a receiver twice even though it drops repeated ids. */
function repeatedEvents(): string[] {
  const byEvent = new Map<string, Set<string>>();
  for (const n of receiver.notifications()) {
    const event = `${n.kind} ${n.phase ?? ''} ${n.unitId ?? ''} → ${n.recipient.role}:${n.recipient.id}`;
    byEvent.set(event, (byEvent.get(event) ?? new Set()).add(n.id));
  }
  return [...byEvent].filter(([, ids]) => ids.size > 1).map(([event]) => event);
}

test('given a campaign in its preparation phase, when the worker process is SIGKILLed during the notification fan-out and again after submissions, then restarted, nothing should be lost and no notification repeated', async () => {
  const taskQueue = uniqueId('tq');
  const plan = withPreparationSoon(unionWinterPlan({ id: uniqueId('kill'), webhook: (p) => receiver.url(p), units: 3 }), 2_000, 600_000);
  const unitIds = plan.units.map((u) => u.id);
  worker = await startWorkerProcess({ address: env.address, taskQueue });
  const driver = await CampaignDriver.start(env, taskQueue, plan);

  // Killed as soon as the first "phase opened" arrives: the others are mid-flight.
  await receiver.waitFor(() => receiver.notifications({ kind: 'phase-opened' }).length >= 1, 60_000);
  await worker.kill();
  worker = await startWorkerProcess({ address: env.address, taskQueue });
  await receiver.waitFor(() => receiver.notifications({ kind: 'phase-opened' }).length === unitIds.length, 60_000);

  for (const unitId of unitIds) await driver.submit('preparation', unitId, `submit-${unitId}`);
  await worker.kill();
  worker = await startWorkerProcess({ address: env.address, taskQueue });
  // A client retrying after the crash with the same request id changes nothing.
  expect((await driver.submit('preparation', 'union-1', 'submit-union-1')).submissionNumber).toBe(1);
  for (const unitId of unitIds) await driver.approve('preparation', unitId);

  const state = await driver.waitForState((s) => s.phases[0]!.status === 'awaiting-sign-off', 60_000);
  expect(state.phases[0]).toMatchObject({ approved: unitIds, forfeited: [] });
  for (const unitId of unitIds) {
    const unit = await driver.unitState('preparation', unitId);
    expect({ unitId, submissions: unit.submissions.length, reviews: unit.reviews.length, status: unit.status }).toEqual({ unitId, submissions: 1, reviews: 1, status: 'approved' });
  }
  await receiver.waitFor(() => receiver.notifications({ kind: 'sign-off-needed' }).length === 1, 30_000);
  await eventually(async () => expect(receiver.notifications({ kind: 'phase-opened' }).map((n) => n.unitId).sort()).toEqual(unitIds));
  expect(repeatedEvents()).toEqual([]);
  expect(receiver.received.every((r) => r.signatureValid)).toBe(true);
});
