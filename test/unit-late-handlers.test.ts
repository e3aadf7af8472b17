import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import type { Dispatch } from '../workflows/notification/messages';
import type { Records } from '../store/records';
import { decideObjection, fileObjection } from '../workflows/unit/messages';
import { eventually } from './harness/api';
import { realServer } from './harness/per-test';
import { createDevServerEnv, uniqueId } from './harness/temporal';
import { publicityUnitInput, stubbedWorker } from './harness/unit-phase';

// Defect of #11: an objection decision accepted while the unit workflow's loop was ending (here:
// while its forfeiture was being written) lost its notification, and the Update its answer, because
// the workflow returned without waiting for its handlers and flushing what they decided. The record's
// activities are stubs that hold the workflow at exactly that moment; the server is the real dev server.

const dev = realServer(createDevServerEnv, 'all');
const { EventType } = temporal.api.enums.v1;

/** A dispatch run in the workflow's task (a local activity) is in the history as a marker naming its activity. */
const isDispatchMarker = (e: temporal.api.history.v1.IHistoryEvent) =>
  e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED && Object.values(e.markerRecordedEventAttributes?.details ?? {}).some((p) => p.payloads?.some((d) => Buffer.from(d.data ?? []).toString().includes('dispatchNotification')));

/** A promise with its resolver outside, so a stub activity waits until the test lets it go. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

test('given a decision accepted while the unit forfeits, when the loop ends before the decision is written, the workflow should still answer it and send its objection-decided notice', async () => {
  // Open now; forfeits 4 s from now, as nothing is submitted.
  const { plan, input } = publicityUnitInput('late', 4_000);
  const forfeitWriting = gate();
  const forfeitWritten = gate();
  const decisionWriting = gate();
  const decisionWritten = gate();
  const dispatched: Dispatch[] = [];
  const stubs: Partial<Records> & { dispatchNotification(d: Dispatch): Promise<void> } = {
    async openUnitPhase() {
      return { rosterSize: 3 };
    },
    async fileObjection() {
      return { ok: true, number: 1 };
    },
    async recordUnitStatus() {
      forfeitWriting.open();
      await forfeitWritten.opened;
    },
    async settleObjection() {
      decisionWriting.open();
      await decisionWritten.opened;
      return { kind: 'ineligible-household', entry: 2 };
    },
    async dispatchNotification(d) {
      dispatched.push(d);
    },
  };
  const taskQueue = uniqueId('late-tq');
  const worker = await stubbedWorker(dev.env, taskQueue, stubs);
  const kinds = () => dispatched.map((d) => d.notification.kind);
  await worker.runUntil(async () => {
    const handle = await dev.env.client.workflow.start('unitPhaseWorkflow', { taskQueue, workflowId: uniqueId('late-unit'), args: [input] });
    const request = () => ({ requestId: randomUUID(), actor: plan.coordinator.id, receivedAt: new Date().toISOString() });
    await eventually(() => handle.executeUpdate(fileObjection, { args: [{ ...request(), actor: 'notice', kind: 'ineligible-household', entry: 2, statement: '該戶已遷出' }] }));

    // The cutoff passes: the unit is forfeited and the workflow writes it down; meanwhile the coordinator decides.
    await forfeitWriting.opened;
    const decision = handle.executeUpdate(decideObjection, { args: [{ ...request(), objection: 1, outcome: 'uphold', reason: '經核實已遷出' }] });
    await decisionWriting.opened;
    forfeitWritten.open();
    // The loop sends the forfeiture's three notices and ends; only once a workflow task has recorded
    // every dispatch does the decision's write return (the old code had completed the workflow by then).
    await eventually(async () => {
      const events = (await handle.fetchHistory()).events ?? [];
      expect(kinds().filter((k) => k === 'unit-forfeited')).toHaveLength(3);
      expect(events.filter(isDispatchMarker)).toHaveLength(dispatched.length);
    }, 30_000);
    decisionWritten.open();

    expect(await decision).toMatchObject({ number: 1, decision: 'uphold' });
    expect(await handle.result()).toBe('forfeited');
  });
  expect(kinds().filter((k) => k === 'objection-decided')).toHaveLength(1);
}, 120_000);
