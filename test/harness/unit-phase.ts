import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { UnitPhaseInput } from '../../workflows/unit/messages';
import { subDistrictSpringPlan } from './plans';
import { testDataConverter, uniqueId } from './temporal';

/**
 * One unit's publicity phase of a one-unit plan (roster rules, so objections are taken), open from
 * now until `cutoffInMs` from now, without reminders: for driving a unit workflow on its own.
 */
export function publicityUnitInput(prefix: string, cutoffInMs: number): { plan: ReturnType<typeof subDistrictSpringPlan>; input: UnitPhaseInput } {
  const plan = subDistrictSpringPlan({ id: uniqueId(prefix), webhook: (p) => `http://127.0.0.1:9/${p}`, units: 1 });
  const now = Date.now();
  return {
    plan,
    input: {
      campaignId: plan.id,
      campaignTitle: plan.title,
      timeZone: plan.timezone,
      phase: { ...plan.phases[1]!, opensAt: new Date(now).toISOString(), cutoff: new Date(now + cutoffInMs).toISOString(), reminders: [] },
      unit: plan.units[0]!,
      supervisor: plan.reviewers[0]!,
      coordinator: plan.coordinator,
      rosterRules: plan.rules,
    },
  };
}

/** A worker of the real workflow bundle whose activities are the test's stubs. */
export const stubbedWorker = (env: TestWorkflowEnvironment, taskQueue: string, activities: object): Promise<Worker> =>
  Worker.create({ connection: env.nativeConnection, taskQueue, dataConverter: testDataConverter, workflowBundle: { codePath: process.env.RELIEF_WORKFLOW_BUNDLE! }, activities });
