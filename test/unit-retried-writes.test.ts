import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { Records } from '../store/records';
import type { Dispatch } from '../workflows/notification/messages';
import { getUnitPhaseState, review, submit, UnitPhaseFailure, type UnitPhaseInput } from '../workflows/unit/messages';
import { realServer } from './harness/per-test';
import { subDistrictSpringPlan } from './harness/plans';
import { createDevServerEnv, testDataConverter, uniqueId } from './harness/temporal';

// A write activity retried after its transaction committed (the first attempt's answer lost or late
// on a busy worker) hears "duplicate" from the record. The workflow had not taken that write yet: it
// must take it now. Before, a unit whose submission came back so stayed open and took a second
// submission beside the recorded one (seen once in the ±1 s cutoff test), and a review so answered
// left the unit awaiting review. The record's activities are stubs that answer as such a retry does.

const dev = realServer(createDevServerEnv, 'all');

test('given a submission and a review whose writes come back as duplicates of their own first attempts, the unit should take each: a second submission refused as awaiting review, the review approving', async () => {
  const plan = subDistrictSpringPlan({ id: uniqueId('retried'), webhook: (p) => `http://127.0.0.1:9/${p}`, units: 1 });
  const publicity = plan.phases[1]!;
  const now = Date.now();
  const input: UnitPhaseInput = {
    campaignId: plan.id,
    campaignTitle: plan.title,
    timeZone: plan.timezone,
    phase: { ...publicity, opensAt: new Date(now).toISOString(), cutoff: new Date(now + 3_600_000).toISOString(), reminders: [] },
    unit: plan.units[0]!,
    supervisor: plan.reviewers[0]!,
    coordinator: plan.coordinator,
    rosterRules: plan.rules,
  };
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
  const worker = await Worker.create({
    connection: dev.env.nativeConnection,
    taskQueue,
    dataConverter: testDataConverter,
    workflowBundle: { codePath: process.env.RELIEF_WORKFLOW_BUNDLE! },
    activities: stubs,
  });
  await worker.runUntil(async () => {
    const handle = await dev.env.client.workflow.start('unitPhaseWorkflow', { taskQueue, workflowId: uniqueId('retried-unit'), args: [input] });
    const request = (actor: string) => ({ requestId: randomUUID(), actor, receivedAt: new Date().toISOString() });
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
