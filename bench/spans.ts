import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { inPool } from './pool';
import { quantile } from './stats';

const { EventType } = temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Where an Update's time goes inside Temporal, from its history's server timestamps: each gap between two events, named by the first. */
const SEGMENT_AFTER = new Map<number, string>([
  [EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, 'workflow task waits for the worker'],
  [EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, 'worker runs the workflow task'],
  [EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, 'activity waits for the worker'],
  [EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED, 'activity runs (the record’s write)'],
]);
const BETWEEN = 'server, between events (persistence)';
const OUTSIDE = 'outside the history: API, client, RPCs';

const ms = (e: HistoryEvent) => Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;

/**
 * The segments of one Update (by name, the first unless another occurrence is asked for) in a
 * history, in ms: from the workflow task that took it (scheduled when the Update arrived) to the
 * event that completed it. Undefined if it is not there.
 */
export function updateSegments(events: HistoryEvent[], update: { name: string; occurrence?: number }): Map<string, number> | undefined {
  const accepted = events.map((e, i) => (e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === update.name ? i : -1)).filter((i) => i >= 0)[update.occurrence ?? 0];
  if (accepted === undefined) return undefined;
  const updateId = events[accepted]!.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.meta?.updateId;
  const completed = events.findIndex((e, i) => i > accepted && e.workflowExecutionUpdateCompletedEventAttributes?.meta?.updateId === updateId);
  let first = accepted;
  while (first > 0 && events[first]!.eventType !== EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) first--;
  if (completed < 0) return undefined;
  const segments = new Map<string, number>();
  for (let i = first; i < completed; i++) {
    const name = SEGMENT_AFTER.get(events[i]!.eventType ?? 0) ?? BETWEEN;
    segments.set(name, (segments.get(name) ?? 0) + ms(events[i + 1]!) - ms(events[i]!));
  }
  return segments;
}

/** The median of each segment of an Update over these workflows, and what the client measured beyond them. */
export async function updateBreakdown(client: Client, workflowIds: string[], update: { name: string; occurrence?: number }, clientP50: number): Promise<string> {
  const all = (await inPool(workflowIds, 16, async (id) => updateSegments((await client.workflow.getHandle(id).fetchHistory()).events ?? [], update))).filter((s) => s !== undefined);
  const names = [...new Set(all.flatMap((s) => [...s.keys()]))];
  const medians = names.map((name) => [name, quantile(all.map((s) => s.get(name) ?? 0), 0.5)] as const);
  const inside = medians.reduce((sum, [, v]) => sum + v, 0);
  return [...medians, [OUTSIDE, clientP50 - inside] as const].map(([name, v]) => `${name} ${v.toFixed(0)} ms`).join('; ') + ` (medians over ${all.length} workflows)`;
}
