import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { EVENTS_PER_WORKFLOW_TASK, LIMITS, phaseFigures, UNIT_EVENTS, type PhaseFigures } from '../bench/histories';
import { scalePlan } from '../bench/plan';
import { unitsPerGroup } from '../domain/workflow-ids';
import { CampaignDriver } from './harness/campaign-driver';
import { createTestWorker, uniqueId } from './harness/temporal';
import { timeSkippingPerTest } from './harness/per-test';
import type { TestStore } from './harness/postgres';

// Proof of scale: the history each workflow of a phase writes, measured on two small campaigns of
// the production structure and extrapolated to a 5,000-unit phase. A change that adds events per
// unit fails here, long before a real phase would hit Temporal's limits.

/** What one unit adds to its group's history besides workflow tasks: its child initiated, started, completed. */
const GROUP_CHILD_EVENTS_PER_UNIT = 3;
/** And besides those: the Update that woke it (accepted, completed) and its opening notice's marker. */
const GROUP_WORK_EVENTS_PER_UNIT = GROUP_CHILD_EVENTS_PER_UNIT + 3;
/** Events that can wake a group per unit (the Update that wakes it, its child started, its child completed), each worth a workflow task at most. */
const GROUP_WAKES_PER_UNIT = 3;
/** And once per group: its start, its units loaded, their opening recorded, its timer for the units that never act. */
const GROUP_BASE_WAKES = 4;
/** Events that can wake a phase per group: its child started, its child completed. */
const PHASE_WAKES_PER_GROUP = 2;
const TARGET_UNITS = 5_000;
const SIZES = [6, 12] as const;

const t = timeSkippingPerTest();

/**
 * Waits until the workflow has gone idle, so that a history read then is complete: asleep on its
 * next timer, or (its last task having completed with nothing pending) its history unchanged for a second.
 */
async function idle(handle: WorkflowHandle) {
  const { EVENT_TYPE_TIMER_STARTED: TIMER_STARTED, EVENT_TYPE_WORKFLOW_TASK_COMPLETED: WORKFLOW_TASK_COMPLETED } = temporal.api.enums.v1.EventType;
  let unchangedReads = 0;
  let seen = -1;
  for (let attempt = 0; ; attempt++) {
    const events = (await handle.fetchHistory()).events ?? [];
    const last = events.at(-1)?.eventType;
    if (last === TIMER_STARTED) return;
    unchangedReads = events.length === seen ? unchangedReads + 1 : 0;
    seen = events.length;
    if (last === WORKFLOW_TASK_COMPLETED && unchangedReads >= 10) {
      const { raw } = await handle.describe();
      if (!raw.pendingActivities?.length && !raw.pendingChildren?.length) return;
    }
    // 30 s: a busy machine takes a while over the records and notices a phase's end brings.
    if (attempt >= 300) throw new Error(`${handle.workflowId} never went idle: its last event is ${temporal.api.enums.v1.EventType[last ?? 0]}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function runPreparation(taskQueue: string, store: TestStore, units: number): Promise<PhaseFigures> {
  const plan = scalePlan({ id: uniqueId(`scale-${units}`), units, webhook: (p) => t.receiver.url(p), now: await t.env.currentTimeMs() });
  const driver = await CampaignDriver.start(t.env, taskQueue, plan, store);
  await t.receiver.waitFor(() => t.receiver.notifications({ kind: 'phase-opened' }).filter((n) => n.campaignId === plan.id).length === units);
  for (const { id } of plan.units) {
    // Its group starts the unit's workflow as the unit first acts; started, it goes idle before the unit submits.
    await driver.started('preparation', id);
    await idle(driver.unit('preparation', id));
    await driver.submit('preparation', id);
    await driver.approve('preparation', id);
  }
  await driver.waitForState((s) => s.phases[0]!.status === 'awaiting-sign-off');
  // It records the wait and tells the coordinator before it sleeps on the reminder timer.
  await idle(driver.campaign);
  return phaseFigures(t.env.client, plan, 'preparation');
}

describe('proof of scale: history per unit, extrapolated to a 5,000-unit phase', () => {
  test('given campaigns of 6 and 12 units, when every unit submits and is approved, then each history should grow per unit as designed and a 5,000-unit phase should stay far inside Temporal limits', async () => {
    const { worker, taskQueue, store } = await createTestWorker(t.env);
    const [small, large] = await worker.runUntil(() => Promise.all(SIZES.map((units) => runPreparation(taskQueue, store, units))));
    const extraUnits = SIZES[1] - SIZES[0];
    const perUnit = (of: (f: PhaseFigures) => number) => (of(large!) - of(small!)) / extraUnits;

    // Unit workflows: the same history, event for event, whatever the campaign's size.
    for (const figures of [small!, large!]) expect(figures.units.map((u) => u.events)).toEqual(figures.units.map(() => UNIT_EVENTS));

    // Groups: six work events per unit; workflow tasks at most one per wake.
    expect(small!.groups).toHaveLength(1);
    expect(perUnit((f) => f.groups[0]!.workEvents)).toBe(GROUP_WORK_EVENTS_PER_UNIT);
    const groupWorkBase = small!.groups[0]!.workEvents - GROUP_WORK_EVENTS_PER_UNIT * SIZES[0];
    for (const f of [small!, large!]) {
      expect(f.groups[0]!.taskEvents).toBeLessThanOrEqual(EVENTS_PER_WORKFLOW_TASK * (GROUP_BASE_WAKES + GROUP_WAKES_PER_UNIT * f.units.length));
    }

    // The phase and the campaign write nothing per unit: their events depend on groups and phases only.
    expect(perUnit((f) => f.phase.workEvents)).toBe(0);
    expect(perUnit((f) => f.campaign.workEvents)).toBe(0);
    const phaseChildEventsPerGroup = small!.phase.childEvents;

    // A 5,000-unit phase: 71 groups of 71, each history well under the event limit.
    const perGroup = unitsPerGroup(TARGET_UNITS);
    const groups = Math.ceil(TARGET_UNITS / perGroup);
    const fullGroupEvents = groupWorkBase + perGroup * (GROUP_WORK_EVENTS_PER_UNIT + EVENTS_PER_WORKFLOW_TASK * GROUP_WAKES_PER_UNIT) + EVENTS_PER_WORKFLOW_TASK * GROUP_BASE_WAKES;
    const phaseEvents = large!.phase.events + (groups - 1) * (phaseChildEventsPerGroup + EVENTS_PER_WORKFLOW_TASK * PHASE_WAKES_PER_GROUP);
    expect(fullGroupEvents).toBeLessThan(0.2 * LIMITS.historyEvents);
    expect(phaseEvents).toBeLessThan(0.2 * LIMITS.historyEvents);

    // Pending children: a group starts one child per unit it loaded, a phase one per group.
    expect(large!.groups[0]!.childEvents).toBe(GROUP_CHILD_EVENTS_PER_UNIT * SIZES[1]);
    expect(large!.phase.childEvents).toBe(small!.phase.childEvents);

    // Units travel by reference: no workflow's input grows with the campaign (groups load their units
    // from the record); 6 and 12 units differ only in the digits of their ids and counts.
    const inputGrowth = (of: (f: PhaseFigures) => number) => of(large!) - of(small!);
    expect(inputGrowth((f) => f.campaign.inputBytes)).toBeLessThan(8);
    expect(inputGrowth((f) => f.phase.inputBytes)).toBeLessThan(8);
    expect(inputGrowth((f) => f.groups[0]!.inputBytes)).toBeLessThan(8);
    const inputBytesPerUnit = perUnit((f) => f.phase.inputBytes);
    const phaseInputBytes = large!.phase.inputBytes;
    const groupInputBytes = large!.groups[0]!.inputBytes;
    expect(phaseInputBytes).toBeLessThan(LIMITS.payloadWarnBytes);

    console.log(JSON.stringify({ unitEvents: UNIT_EVENTS, fullGroupEvents, phaseEvents, inputBytesPerUnit, phaseInputBytes, groupInputBytes, small: summary(small!), large: summary(large!) }));
  });
});

const summary = (f: PhaseFigures) => ({
  campaign: f.campaign.events,
  phase: f.phase.events,
  group: [f.groups[0]!.workEvents, f.groups[0]!.taskEvents],
  phaseInputBytes: f.phase.inputBytes,
});
