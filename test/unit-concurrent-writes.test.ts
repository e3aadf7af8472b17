import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { Records } from '../store/records';
import type { Dispatch } from '../workflows/notification/messages';
import { getUnitPhaseState, review, submit, UnitPhaseFailure } from '../workflows/unit/messages';
import { realServer } from './harness/per-test';
import { createDevServerEnv, uniqueId } from './harness/temporal';
import { publicityUnitInput, stubbedWorker } from './harness/unit-phase';

// Two Updates delivered in one workflow task both found the handlers' lock free and ran side by
// side: a unit took two submissions (seen in the ±1 s cutoff test). And a write activity retried after its transaction committed (the first attempt's answer lost or late
// on a busy worker) hears "duplicate" from the record. The workflow had not taken that write yet: it
// must take it now. Before, a unit whose submission came back so stayed open and took a second
// submission beside the recorded one (seen once in the ±1 s cutoff test), and a review so answered
// left the unit awaiting review. The record's activities are stubs that answer as such a retry does.

const dev = realServer(createDevServerEnv, 'all');

const request = (actor: string) => ({ requestId: randomUUID(), actor, receivedAt: new Date().toISOString() });

test('given two submissions of one unit delivered in the same workflow task, only one should be recorded and the other refused as awaiting review', async () => {
  const { plan, input } = publicityUnitInput('together', 3_600_000);
  let number = 0;
  const stubs = {
    async openUnitPhase() {
      return { rosterSize: 3 };
    },
    async recordSubmission(r: { receivedAt: string }) {
      number++;
      return { ok: true, number, recordedAt: new Date().toISOString(), receivedAt: r.receivedAt, entries: 0, duplicate: false };
    },
    async recordUnitStatus() {},
    async dispatchNotification() {},
  };
  const taskQueue = uniqueId('together-tq');
  const handle = await dev.env.client.workflow.start('unitPhaseWorkflow', { taskQueue, workflowId: uniqueId('together-unit'), args: [input] });
  // Opened by one worker, which then stops: both Updates wait, and reach the next worker in one task.
  await (await stubbedWorker(dev.env, taskQueue, stubs)).runUntil(async () => {
    for (;;) {
      if ((await handle.query(getUnitPhaseState)).status === 'open') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  const submission = () => ({ ...request(plan.units[0]!.id), kind: input.phase.submission.kind, report: '公示情况报告' });
  const answers = [handle.executeUpdate(submit, { args: [submission()] }), handle.executeUpdate(submit, { args: [submission()] })].map((p) => p.then((r) => r.status as string, (err: WorkflowUpdateFailedError) => String((err.cause as { type?: string }).type)));
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const outcomes = await (await stubbedWorker(dev.env, taskQueue, stubs)).runUntil(Promise.all(answers));

  expect(outcomes.sort()).toEqual([UnitPhaseFailure.AwaitingReview, 'submitted'].sort());
  expect(number).toBe(1);
}, 60_000);

test('given a submission and a review whose writes come back as duplicates of their own first attempts, the unit should take each: a second submission refused as awaiting review, the review approving', async () => {
  const { plan, input } = publicityUnitInput('retried', 3_600_000);
  const publicity = input.phase;
  const written: string[] = [];
  const stubs: Partial<Records> & { dispatchNotification(d: Dispatch): Promise<void> } = {
    async openUnitPhase() {
      return { rosterSize: 3 };
    },
    async recordSubmission(request) {
      written.push(`submission ${request.requestId}`);
      const at = new Date().toISOString();
      return { ok: true, number: 1, recordedAt: at, receivedAt: request.receivedAt, entries: 0, duplicate: true };
    },
    async recordReview(request) {
      written.push(`review ${request.requestId}`);
      return { duplicate: true };
    },
    async recordUnitStatus() {},
    async dispatchNotification() {},
  };
  const taskQueue = uniqueId('retried-tq');
  const worker = await stubbedWorker(dev.env, taskQueue, stubs);
  await worker.runUntil(async () => {
    const handle = await dev.env.client.workflow.start('unitPhaseWorkflow', { taskQueue, workflowId: uniqueId('retried-unit'), args: [input] });
    const submission = { ...request(plan.units[0]!.id), kind: publicity.submission.kind, report: '公示情况报告' };

    expect(await handle.executeUpdate(submit, { args: [submission] })).toMatchObject({ submissionNumber: 1, status: 'submitted' });
    const second = await handle.executeUpdate(submit, { args: [{ ...submission, ...request(plan.units[0]!.id) }] }).catch((err: unknown) => err);
    expect(second).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((second as WorkflowUpdateFailedError).cause).toMatchObject({ type: UnitPhaseFailure.AwaitingReview });

    expect(await handle.executeUpdate(review, { args: [{ ...request(plan.reviewers[0]!.id), decision: 'approve' }] })).toMatchObject({ status: 'approved' });
    expect(await handle.query(getUnitPhaseState)).toMatchObject({ status: 'approved', submissions: 1 });
  });
  // The refused second submission wrote nothing.
  expect(written.filter((w) => w.startsWith('submission'))).toHaveLength(1);
}, 60_000);
