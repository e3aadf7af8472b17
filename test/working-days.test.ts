import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { campaignPlanSchema, type CampaignPlan } from '../domain/plan';
import { CampaignDriver, refusal } from './harness/campaign-driver';
import { extendCutoff } from '../workflows/unit/messages';
import { recordHistories } from './harness/histories';
import { unionWinterPlan } from './harness/plans';
import { scoped } from './harness/per-test';
import { createTimeSkippingEnvAt } from './harness/season-server';
import { createTestWorker, uniqueId, WEBHOOK_SECRET } from './harness/temporal';
import { WebhookReceiver } from './harness/webhook-receiver';
import { unitPhaseWorkflowId } from '../domain/workflow-ids';

// Working days in the unit's clock, on a time-skipping server whose clock starts before the 2026
// Spring Festival: the holiday is 2/15–2/23 and Saturdays 2/14 and 2/28 are working days (调休,
// domain/calendar/cn-workdays.json). A review window of P3WD from Friday 2/13 10:30 ends on
// Wednesday 2/25 10:30 (2/14, 2/24, 2/25); twice that, on Saturday 2/28 10:30 (2/26, 2/27, 2/28).

const MINUTE = 60_000;
const beijing = (local: string) => Date.parse(`${local}+08:00`);

let env: TestWorkflowEnvironment;
let receiver: WebhookReceiver;
scoped(
  'each',
  async () => {
    env = await createTimeSkippingEnvAt('2026-02-12T09:00:00+08:00');
    receiver = await new WebhookReceiver(WEBHOOK_SECRET).start();
  },
  async () => {
    await env?.teardown();
    await receiver?.stop();
  },
);

function springFestivalPlan(): CampaignPlan {
  const base = unionWinterPlan({ id: uniqueId('spring'), webhook: (p) => receiver.url(p), year: 2025, units: 3 });
  const [preparation, publicity, visiting, summary] = base.phases;
  return campaignPlanSchema.parse({
    ...base,
    phases: [
      // Tuesday 2/24 17:00: P2WD before is Friday 2/13 17:00; P1D before is Monday 2/23, a holiday, so Saturday 2/14 (调休).
      { ...preparation!, opensAt: '2026-02-13T09:00:00+08:00', cutoff: '2026-02-24T17:00:00+08:00', reminders: ['P2WD', 'P1D'], remindersOnWorkingDays: true, reviewWithin: 'P3WD' },
      { ...publicity!, opensAt: '2026-03-09T09:00:00+08:00', cutoff: '2026-03-16T17:00:00+08:00' },
      { ...visiting!, opensAt: '2026-03-23T09:00:00+08:00', cutoff: '2026-04-03T17:00:00+08:00' },
      { ...summary!, opensAt: '2026-04-07T09:00:00+08:00', cutoff: '2026-04-17T17:00:00+08:00' },
    ],
  });
}

test('given a P3WD review window from the Friday before the 2026 Spring Festival, when the reviewer does nothing, the reviewer should be reminded on Wednesday 2/25 and the coordinator told on Saturday 2/28 (调休), not earlier, not later; reminders and an extension by P3WD counted the same way', async () => {
  const plan = springFestivalPlan();
  const { worker, taskQueue, store } = await createTestWorker(env);
  await worker.runUntil(async () => {
    const c = await CampaignDriver.start(env, taskQueue, plan, store);
    const noticesAt = async (unitId: string, list: 'reminders' | 'escalations', kind: string) => (await c.record('preparation', unitId))[list].filter((n) => n.kind === kind).map((n) => Date.parse(n.at));

    await c.until(beijing('2026-02-13T10:30:00'));
    await c.submit('preparation', 'union-1');
    const { pending } = await c.unitState('preparation', 'union-1');
    const submittedAt = Date.parse(pending!.submittedAt);
    // The record counted the window from the instant it took the submission (a few ms after 10:30 at most).
    expect(Date.parse(pending!.dueAt!) - submittedAt).toBe(beijing('2026-02-25T10:30:00') - beijing('2026-02-13T10:30:00'));
    expect(Date.parse(pending!.escalatesAt!) - submittedAt).toBe(beijing('2026-02-28T10:30:00') - beijing('2026-02-13T10:30:00'));

    // The coordinator gives union-3 three working days more: Tuesday 2/24 17:00 → Friday 2/27 17:00, its reminders recounted
    // (P2WD before: Wednesday 2/25; P1D before: Thursday 2/26); 300 working days more would reach 2027, which the calendar lacks.
    await c.started('preparation', 'union-3');
    const extendBy = (by: string) => c.unit('preparation', 'union-3').executeUpdate(extendCutoff, { updateId: by, args: [{ requestId: by, actor: plan.coordinator.id, receivedAt: new Date(submittedAt).toISOString(), by, reason: '春节假期顺延' }] });
    expect(await extendBy('P3WD')).toMatchObject({ from: '2026-02-24T09:00:00.000Z', to: '2026-02-27T09:00:00.000Z' });
    expect((await c.unitState('preparation', 'union-3')).reminderInstants).toEqual([
      { offset: 'P2WD', at: '2026-02-25T09:00:00.000Z' },
      { offset: 'P1D', at: '2026-02-26T09:00:00.000Z' },
    ]);
    const beyond = await refusal(extendBy('P300WD'));
    expect([beyond.type, beyond.message]).toEqual(['InvalidExtension', expect.stringMatching(/^工作日历没有2027年/)]);

    /** A notice of union-1's comes at its instant: none a minute before, one within the minute after. */
    const comesAt = async (list: 'reminders' | 'escalations', kind: string, due: number) => {
      await c.until(due - MINUTE);
      expect(await noticesAt('union-1', list, kind)).toEqual([]);
      await c.until(due + MINUTE);
      const sent = await noticesAt('union-1', list, kind);
      expect(sent).toHaveLength(1);
      expect(sent[0]! - due).toBeGreaterThanOrEqual(0);
      expect(sent[0]! - due).toBeLessThan(MINUTE);
    };
    await comesAt('reminders', 'review-overdue', Date.parse(pending!.dueAt!));
    await comesAt('escalations', 'review-escalated', Date.parse(pending!.escalatesAt!));

    // union-2 never submitted: reminded 2 working days before the cutoff, and 1 day before moved off the holiday to the 调休 Saturday.
    const reminders = (await c.record('preparation', 'union-2')).reminders.filter((n) => n.kind === 'submission-reminder').map((n) => Date.parse(n.at));
    expect(reminders.map((at) => Math.floor((at - beijing('2026-02-13T17:00:00')) / MINUTE))).toEqual([0, 24 * 60]);

    await c.approve('preparation', 'union-1');
    await recordHistories(env.client, 'working-days', ['union-1', 'union-2', 'union-3'].map((unit) => unitPhaseWorkflowId(plan.id, 'preparation', unit)));
  });
  await store.pool.end();
}, 300_000);
