import { WorkflowNotFoundError } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { UNACTED_UNITS_START_AHEAD_MS, unitPhaseWorkflowId } from '../domain/unit-phase';
import type { Unit } from '../domain/plan';
import type { Records } from '../store/records';
import type { Dispatch } from '../workflows/notification/messages';
import { wakeUnit, type GroupInput } from '../workflows/phase/messages';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { getUnitPhaseState, recordVisits, type UnitPhaseInput } from '../workflows/unit/messages';
import { subDistrictSpringPlan } from './harness/plans';
import { eventually } from './harness/api';
import { timeSkippingPerTest } from './harness/per-test';
import { unionWinterPlan } from './harness/plans';
import { uniqueId } from './harness/temporal';
import { stubbedWorker } from './harness/unit-phase';

// A group opens its units without a workflow each: what it asks of the record and the notices,
// and when it starts a unit's workflow. The record's activities are stubs that note each call; the
// server is the real time-skipping test server, whose clock moves only when the test sleeps.

const t = timeSkippingPerTest();
const CUTOFF_IN_MS = 3 * 60 * 60_000;

function groupOfThree(now: number) {
  const plan = unionWinterPlan({ id: uniqueId('group'), webhook: (p) => `http://127.0.0.1:9/${p}`, units: 3 });
  const phase = { ...plan.phases[0]!, opensAt: new Date(now).toISOString(), cutoff: new Date(now + CUTOFF_IN_MS).toISOString(), reminders: [] };
  const input: GroupInput = { campaignId: plan.id, campaignTitle: plan.title, timeZone: plan.timezone, phase, unitCount: 3, reviewers: plan.reviewers, coordinator: plan.coordinator, offset: 0, limit: 3 };
  const calls = { openUnitPhases: [] as string[][], openUnitPhase: 0, dispatched: [] as Dispatch[] };
  const stubs: Partial<Records> & { dispatchNotification(d: Dispatch): Promise<void> } = {
    async loadParticipants() {
      return plan.units as Unit[];
    },
    async openUnitPhases({ unitIds }) {
      calls.openUnitPhases.push(unitIds);
      return { rosterSizes: Object.fromEntries(unitIds.map((id) => [id, 0])) };
    },
    async openUnitPhase() {
      calls.openUnitPhase++;
      return { rosterSize: 0 };
    },
    async recordUnitStatus() {},
    async dispatchNotification(dispatch) {
      calls.dispatched.push(dispatch);
    },
  };
  return { plan, input, calls, stubs };
}

const isRunning = (env: TestWorkflowEnvironment, workflowId: string) =>
  env.client.workflow
    .getHandle(workflowId)
    .describe()
    .then(
      (d) => d.status.name === 'RUNNING',
      (err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      },
    );

/** Until the read equals what is expected, for ten seconds. */
const untilEqual = <T>(read: () => Promise<T> | T, expected: T) => eventually(async () => expect(await read()).toEqual(expected), 10_000);

test('given a group of three units at its opening, when none has acted, it should open all three in one write, send each its notice under the unit’s workflow id, and start no unit workflow', async () => {
  const { plan, input, calls, stubs } = groupOfThree(await t.env.currentTimeMs());
  const taskQueue = uniqueId('group-tq');
  const unitIds = plan.units.map((u) => u.id);
  await (await stubbedWorker(t.env, taskQueue, stubs)).runUntil(async () => {
    const group = await t.env.client.workflow.start('unitGroupWorkflow', { taskQueue, workflowId: uniqueId('group'), args: [input] });
    await untilEqual(() => calls.dispatched.length, 3);
    // Its notices sent, the group waits on its timer for the units that have not acted.
    await untilEqual(async () => ((await group.fetchHistory()).events ?? []).some((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_TIMER_STARTED), true);
    expect(calls.openUnitPhases).toEqual([unitIds]);
    expect(calls.dispatched.map((d) => d.notification.id).sort()).toEqual(unitIds.map((id) => `${unitPhaseWorkflowId(plan.id, 'preparation', id)}:phase-opened:${input.phase.opensAt}:unit:${id}`).sort());
    for (const id of unitIds) expect(await isRunning(t.env, unitPhaseWorkflowId(plan.id, 'preparation', id))).toBe(false);
  });
});

test('given an opened group, when one unit acts, only that unit’s workflow should start, open as the group opened it, without opening or notifying again', async () => {
  const { plan, input, calls, stubs } = groupOfThree(await t.env.currentTimeMs());
  const taskQueue = uniqueId('group-tq');
  const [first, ...others] = plan.units.map((u) => unitPhaseWorkflowId(plan.id, 'preparation', u.id));
  await (await stubbedWorker(t.env, taskQueue, stubs)).runUntil(async () => {
    const group = await t.env.client.workflow.start('unitGroupWorkflow', { taskQueue, workflowId: uniqueId('group'), args: [input] });
    await untilEqual(() => calls.dispatched.length, 3);
    expect(await group.executeUpdate(wakeUnit, { args: [{ unitId: plan.units[0]!.id }] })).toBe(true);
    // Answered as the start is asked for: the workflow exists moments later.
    await untilEqual(() => isRunning(t.env, first!), true);
    expect((await t.env.client.workflow.getHandle(first!).query(getUnitPhaseState)).status).toBe('open');
    for (const id of others) expect(await isRunning(t.env, id)).toBe(false);
    expect(calls.openUnitPhase).toBe(0);
    expect(calls.dispatched).toHaveLength(3);
    expect(await group.executeUpdate(wakeUnit, { args: [{ unitId: 'not-in-this-group' }] })).toBe(false);
  });
});

test('given units that never act, the group should start their workflows an hour before their clock first needs them (here the cutoff), not before', async () => {
  const { plan, input, calls, stubs } = groupOfThree(await t.env.currentTimeMs());
  const taskQueue = uniqueId('group-tq');
  const units = plan.units.map((u) => unitPhaseWorkflowId(plan.id, 'preparation', u.id));
  await (await stubbedWorker(t.env, taskQueue, stubs)).runUntil(async () => {
    await t.env.client.workflow.start('unitGroupWorkflow', { taskQueue, workflowId: uniqueId('group'), args: [input] });
    await untilEqual(() => calls.dispatched.length, 3);
    await t.env.sleep(CUTOFF_IN_MS - UNACTED_UNITS_START_AHEAD_MS - 60_000);
    for (const id of units) expect(await isRunning(t.env, id)).toBe(false);
    await t.env.sleep(120_000);
    for (const id of units) await untilEqual(() => isRunning(t.env, id), true);
    expect(calls.openUnitPhase).toBe(0);
  });
});

test('given a unit its group opened, when a visit reaches it in the same task as its start, the visit should be taken: the workflow is open before any handler sees a request', async () => {
  const plan = subDistrictSpringPlan({ id: uniqueId('opened'), webhook: (p) => `http://127.0.0.1:9/${p}`, units: 1 });
  const now = await t.env.currentTimeMs();
  const input: UnitPhaseInput = {
    campaignId: plan.id,
    campaignTitle: plan.title,
    timeZone: plan.timezone,
    phase: { ...plan.phases[2]!, opensAt: new Date(now).toISOString(), cutoff: new Date(now + CUTOFF_IN_MS).toISOString(), reminders: [], milestones: [] },
    unit: plan.units[0]!,
    supervisor: plan.reviewers[0]!,
    coordinator: plan.coordinator,
    rosterRules: plan.rules,
    opened: { at: new Date(now).toISOString(), rosterSize: 3 },
  };
  const stubs: Partial<Records> & { dispatchNotification(): Promise<void> } = {
    async recordVisits({ visits }) {
      return { ok: true, visited: visits.length, paid: visits.length * 400, duplicate: false };
    },
    async dispatchNotification() {},
  };
  const taskQueue = uniqueId('opened-tq');
  await (await stubbedWorker(t.env, taskQueue, stubs)).runUntil(async () => {
    const start = new WithStartWorkflowOperation('unitPhaseWorkflow', { workflowId: uniqueId('opened-unit'), taskQueue, args: [input], workflowIdConflictPolicy: 'FAIL' });
    const requestId = uniqueId('visit');
    const answer = await t.env.client.workflow.executeUpdateWithStart(recordVisits, {
      args: [{ requestId, actor: input.unit.id, receivedAt: new Date(now).toISOString(), visits: [{ entry: 1, amount: 400, visitedOn: '2027-02-09', recipientSigned: true, handler: '王幹事' }] }],
      startWorkflowOperation: start,
    }).catch((err: { cause?: { type?: string; message?: string } }) => ({ refused: err.cause?.type, message: err.cause?.message }));
    expect(answer).toMatchObject({ recorded: 1, visited: 1 });
  });
});
