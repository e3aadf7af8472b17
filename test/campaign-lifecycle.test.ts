import { WorkflowNotFoundError } from '@temporalio/client';
import { submissionRefusal } from '../domain/unit-phase';
import { phaseWorkflowId, unitGroupWorkflowId } from '../domain/workflow-ids';
import { UnitPhaseFailure } from '../workflows/unit/messages';
import { CampaignFailure } from '../workflows/campaign/messages';
import { CampaignDriver, refusal } from './harness/campaign-driver';
import { at, seasonYear, unionWinterPlan } from './harness/plans';
import { createTestWorker, uniqueId } from './harness/temporal';
import { timeSkippingPerTest } from './harness/per-test';
import { recordHistories } from './harness/histories';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const year = seasonYear();

const t = timeSkippingPerTest();

const to = (role: string, id: string) => `${role}:${id}`;
const dueAts = (kind: string, unitId: string) => t.receiver.notifications({ kind: kind as never, unitId }).map((n) => n.data?.dueAt);

describe('a campaign through its four phases under time skipping', () => {
  test('given the union plan, when units submit, are rejected, extended, forfeited, reinstated and reviewed late, then every path should end as the plan says', async () => {
    const plan = unionWinterPlan({ id: uniqueId('union'), webhook: (p) => t.receiver.url(p), year, units: 3 });
    const [u1, u2, u3] = plan.units.map((u) => u.id) as [string, string, string];
    // One worker throughout. A worker replaced mid-phase is test/faults.test.ts's, on the dev server:
    // this server never hands an Update over from a stopped worker's sticky queue, and a worker
    // without a sticky cache drops its local activities (workflows/in-task.ts).
    const { worker, taskQueue, store } = await createTestWorker(t.env);
    await worker.runUntil(async () => {
      const c = await CampaignDriver.start(t.env, taskQueue, plan, store);
      const prep = c.phase('preparation');

      // Before opening: the unit exists but refuses submissions.
      expect((await c.unitState('preparation', u1)).status).toBe('scheduled');
      expect((await refusal(c.submit('preparation', u1))).type).toBe(UnitPhaseFailure.NotOpenYet);

      await c.until(Date.parse(prep.opensAt) + HOUR);
      await t.receiver.waitFor(() => t.receiver.notifications({ kind: 'phase-opened' }).length === 3);

      // u1: rejected with a reason, resubmits, approved. The same request sent twice is applied once.
      const first = await c.submit('preparation', u1, 'req-u1-1');
      expect(await c.submit('preparation', u1, 'req-u1-1')).toEqual(first);
      await c.review('preparation', u1, 'reject', '名冊缺少經辦人簽字');
      await t.receiver.waitFor(() => t.receiver.notifications({ kind: 'submission-rejected', unitId: u1 }).length === 1);
      expect(t.receiver.notifications({ kind: 'submission-rejected', unitId: u1 })[0]!.message).toContain('名冊缺少經辦人簽字');
      const second = await c.submit('preparation', u1);
      expect(second.submissionNumber).toBe(2);
      await c.approve('preparation', u1);

      // u2 gets one more day, asked for before its cutoff; its timers move with it.
      const extendedCutoff = at(year, 12, 31, 17);
      await c.until(at(year, 12, 20));
      await c.extend('preparation', u2, extendedCutoff);
      expect((await refusal(c.extend('preparation', u2, at(year, 12, 25)))).type).toBe(UnitPhaseFailure.InvalidExtension);

      // Past the plan's cutoff: u3 forfeits and is escalated; u2, extended, may still submit.
      await c.until(Date.parse(prep.cutoff) + HOUR);
      // u3's workflow closed at its cutoff, so the update cannot land; its record says why, as the API answers.
      await expect(c.submit('preparation', u3)).rejects.toBeInstanceOf(WorkflowNotFoundError);
      const forfeited = await c.record('preparation', u3);
      expect(forfeited.submissions).toEqual([]);
      expect(submissionRefusal({ ...forfeited, submissions: 0 }, await t.env.currentTimeMs(), 'applicant-roster')).toEqual({
        type: UnitPhaseFailure.CutoffPassed,
        message: expect.stringContaining(new Date(prep.cutoff).toISOString()),
        details: { cutoff: new Date(prep.cutoff).toISOString(), forfeited: true },
      });
      await t.receiver.waitFor(() => t.receiver.notifications({ kind: 'unit-forfeited', unitId: u3 }).length === 3);
      expect(t.receiver.notifications({ kind: 'unit-forfeited', unitId: u3 }).map((n) => `${n.recipient.role}:${n.recipient.id}`).sort()).toEqual(
        [to('coordinator', 'union-office'), to('reviewer', 'rights-dept'), to('unit', u3)].sort(),
      );
      expect((await c.record('preparation', u3)).escalations).toHaveLength(2);

      await c.submit('preparation', u2);
      await c.approve('preparation', u2);

      // Reminders went to exactly the units that had not submitted, at exactly the plan's instants.
      const cutoffMs = Date.parse(prep.cutoff);
      const extendedMs = Date.parse(extendedCutoff);
      expect(dueAts('submission-reminder', u1)).toEqual([]);
      expect(dueAts('submission-reminder', u3)).toEqual([new Date(cutoffMs - 3 * DAY).toISOString(), new Date(cutoffMs - DAY).toISOString()]);
      expect(dueAts('submission-reminder', u2)).toEqual([new Date(extendedMs - 3 * DAY).toISOString(), new Date(extendedMs - DAY).toISOString()]);

      // The phase has ended; the coordinator is asked to sign off, and reminded while it waits.
      const awaiting = await c.waitForState((s) => s.status === 'awaiting-sign-off');
      expect(awaiting.phases[0]).toMatchObject({ participants: 3, approved: 2, forfeited: 1 });
      expect((await c.campaignRecord()).excluded).toEqual([{ unitId: u3, forfeitedIn: 'preparation' }]);
      expect((await refusal(c.signOff('publicity'))).type).toBe(CampaignFailure.NotAwaitingSignOff);
      await c.until((await t.env.currentTimeMs()) + DAY + HOUR);
      await t.receiver.waitFor(() => t.receiver.notifications({ kind: 'sign-off-reminder' }).length >= 1);
      // The coordinator reinstates u3 (with a reason, recorded), then signs off.
      expect((await refusal(c.reinstate(u1, '誤報'))).type).toBe(CampaignFailure.NotForfeited);
      const reinstated = await c.reinstate(u3, '村級換屆, 經紀檢辦核實後恢復');
      expect(reinstated).toMatchObject({ unitId: u3, actor: 'union-office', forfeitedIn: 'preparation' });
      await c.signOff('preparation');
      await c.waitForState((s) => s.currentPhase === 'publicity');

      // Publicity advances by itself once every unit is approved; u3 takes part again.
      await c.until(Date.parse(c.phase('publicity').opensAt) + HOUR);
      for (const unit of [u1, u2, u3]) {
        await c.submit('publicity', unit);
        await c.approve('publicity', unit);
      }
      await c.waitForState((s) => s.currentPhase === 'visiting');

      // Visiting: u1's reviewer is slow. The review is reminded, then escalated, and u1 never forfeits.
      const visiting = c.phase('visiting');
      await c.until(Date.parse(visiting.opensAt) + HOUR);
      await c.submit('visiting', u1);
      for (const unit of [u2, u3]) {
        await c.submit('visiting', unit);
        await c.approve('visiting', unit);
      }
      await c.until(Date.parse(visiting.cutoff) + 5 * DAY);
      const slow = await c.record('visiting', u1);
      expect(slow.status).toBe('submitted');
      expect(slow.reminders.map((r) => r.kind)).toEqual(['review-overdue']);
      expect(slow.escalations.map((e) => `${e.kind}→${e.to}`)).toEqual([`review-escalated→${to('coordinator', 'union-office')}`]);
      await c.approve('visiting', u1);
      await c.waitForState((s) => s.currentPhase === 'summary');

      // Summary: every unit reports; the coordinator signs off and the campaign completes.
      await c.until(Date.parse(c.phase('summary').opensAt) + HOUR);
      for (const unit of [u1, u2, u3]) {
        await c.submit('summary', unit);
        await c.approve('summary', unit);
      }
      await c.waitForState((s) => s.status === 'awaiting-sign-off');
      await c.signOff('summary', 'sign-off-summary');
      expect((await c.signOff('summary', 'sign-off-summary')).status).not.toBe('cancelled');
      const result = await c.campaign.result();
      expect(result.status).toBe('completed');
      expect(result.phases.map((p) => [p.name, p.status, p.forfeited])).toEqual([
        ['preparation', 'completed', 1],
        ['publicity', 'completed', 0],
        ['visiting', 'completed', 0],
        ['summary', 'completed', 0],
      ]);
      const record = await c.campaignRecord();
      expect(record.status).toBe('completed');
      expect(record.reinstatements).toHaveLength(1);
      await recordHistories(t.env.client, 'lifecycle', [
        c.campaign.workflowId,
        phaseWorkflowId(plan.id, 'preparation'),
        unitGroupWorkflowId(plan.id, 'preparation', 0),
        c.unit('preparation', u2).workflowId,
        c.unit('visiting', u1).workflowId,
      ]);
    });

    // Every notification was signed, and each id reached its t.receiver once per delivery attempt.
    expect(t.receiver.received.every((r) => r.signatureValid && r.idHeader === r.notification.id)).toBe(true);
  });

  test('given a unit that forfeits preparation and is not reinstated, when the next phase starts, it should take no part', async () => {
    const plan = unionWinterPlan({ id: uniqueId('union'), webhook: (p) => t.receiver.url(p), year, units: 2 });
    plan.phases[0]!.advance = 'automatic';
    const [u1, u2] = plan.units.map((u) => u.id) as [string, string];
    const { worker, taskQueue, store } = await createTestWorker(t.env);
    await worker.runUntil(async () => {
      const c = await CampaignDriver.start(t.env, taskQueue, plan, store);
      await c.until(Date.parse(c.phase('preparation').opensAt) + HOUR);
      await c.submit('preparation', u1);
      await c.approve('preparation', u1);
      await c.until(Date.parse(c.phase('preparation').cutoff) + HOUR);
      const state = await c.waitForState((s) => s.currentPhase === 'publicity' && s.phases[1]!.status === 'running');
      await c.until(Date.parse(c.phase('publicity').opensAt) + HOUR);
      await c.unitState('publicity', u1);
      expect((await store.views.phaseUnits(plan.id, 'publicity', { limit: 10, offset: 0 })).units.map((u) => u.unitId)).toEqual([u1]);
      expect(state.phases[0]!.forfeited).toBe(1);
      expect((await c.campaignRecord()).excluded).toEqual([{ unitId: u2, forfeitedIn: 'preparation' }]);
      await expect(c.unit('publicity', u2).describe()).rejects.toThrow();
    });
  });

  test('given a running campaign, when the coordinator cancels it with a reason, then the campaign and its open units should end cancelled', async () => {
    const plan = unionWinterPlan({ id: uniqueId('union'), webhook: (p) => t.receiver.url(p), year, units: 2 });
    const { worker, taskQueue, store } = await createTestWorker(t.env);
    await worker.runUntil(async () => {
      const c = await CampaignDriver.start(t.env, taskQueue, plan, store);
      await c.until(Date.parse(c.phase('preparation').opensAt) + HOUR);
      await c.submit('preparation', plan.units[0]!.id);
      // The cancellation is answered once the record says cancelled.
      expect((await c.cancel('上級通知活動延期')).status).toBe('cancelled');
      expect((await c.campaignRecord()).status).toBe('cancelled');
      const result = await c.campaign.result();
      expect(result.status).toBe('cancelled');
      expect(result.cancellation).toMatchObject({ actor: 'union-office', reason: '上級通知活動延期' });
      expect(result.phases[0]!.status).toBe('cancelled');
      // The unit that submitted ends its workflow cancelled; the one that never acted has no workflow, and its group recorded it cancelled.
      expect((await c.unitState('preparation', plan.units[0]!.id)).status).toBe('cancelled');
      for (const { id } of plan.units) expect((await c.record('preparation', id)).status).toBe('cancelled');
      await expect(c.unit('preparation', plan.units[1]!.id).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
      await expect(c.cancel('again')).rejects.toBeInstanceOf(WorkflowNotFoundError);
      await t.receiver.waitFor(() => t.receiver.notifications({ kind: 'campaign-cancelled' }).some((n) => n.campaignId === plan.id));
      await recordHistories(t.env.client, 'cancelled', [c.campaign.workflowId, c.unit('preparation', plan.units[0]!.id).workflowId]);
    });
  });
});
