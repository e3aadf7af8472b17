import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { CampaignPlan, PhaseName } from '../domain/plan';
import { campaignWorkflowId, phaseWorkflowId, unitGroupWorkflowId, unitPhaseWorkflowId, groupCount } from '../domain/workflow-ids';
import { inPool } from './pool';

const { EventType } = temporal.api.enums.v1;

/** Temporal's limits per execution (see /work/shared/temporal-notes.md), which every workflow of a phase must stay under. */
export const LIMITS = {
  historyEvents: 51_200,
  pendingChildren: 2_000,
  payloadBytes: 2 * 1024 * 1024,
  payloadWarnBytes: 256 * 1024,
} as const;

/** A workflow task costs up to three events (scheduled, started, completed) for each event that wakes the workflow. */
export const EVENTS_PER_WORKFLOW_TASK = 3;

/**
 * Every unit workflow's history for open → submit → approve, exactly. The group opens the unit in
 * the record and sends its notice before the unit's workflow exists, so the workflow starts open;
 * the submission and the review write to the record, and the notice each brings is dispatched, as a
 * marker each in the workflow task that asked for them (local activities, workflows/in-task.ts),
 * beside the marker of that patch: 25. While the unit opened itself it was 28; while the writes
 * were activities, each cost a scheduled, started and completed event and the workflow task its
 * result woke: 46. A unit whose first Update reaches it with its start (in its first workflow
 * task) saves that task and its first timer: 20.
 */
export const UNIT_EVENTS = 25;

const TASK_EVENTS = new Set<number>([
  EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
  EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
]);
const CHILD_EVENTS = new Set<number>([
  EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
  EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED,
  EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED,
  EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED,
  EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT,
  EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED,
]);

export interface HistoryFigures {
  workflowId: string;
  events: number;
  /** Workflow task events: how many depends on how the server batched the others, so only bounded. */
  taskEvents: number;
  /** Everything else: what the workflow did, the same on every run of a scenario. */
  workEvents: number;
  /** Of the work events, those about child workflows. */
  childEvents: number;
  /** The whole history, protobuf-encoded. */
  bytes: number;
  /** The workflow's input as the server stores it: one payload, under the payload limit. */
  inputBytes: number;
}

export async function historyFigures(client: Client, workflowId: string): Promise<HistoryFigures> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const count = (types: Set<number>) => events.filter((e) => types.has(e.eventType ?? 0)).length;
  const input = events[0]?.workflowExecutionStartedEventAttributes?.input;
  const taskEvents = count(TASK_EVENTS);
  return {
    workflowId,
    events: events.length,
    taskEvents,
    workEvents: events.length - taskEvents,
    childEvents: count(CHILD_EVENTS),
    bytes: temporal.api.history.v1.History.encode(history).finish().length,
    inputBytes: input ? temporal.api.common.v1.Payloads.encode(input).finish().length : 0,
  };
}

export interface PhaseFigures {
  campaign: HistoryFigures;
  phase: HistoryFigures;
  groups: HistoryFigures[];
  units: HistoryFigures[];
}

/** The histories of a campaign, one phase and all its groups, and its units (all, or those named). */
export async function phaseFigures(client: Client, plan: CampaignPlan, phase: PhaseName, unitIds = plan.units.map((u) => u.id), concurrency = 16): Promise<PhaseFigures> {
  const groups = groupCount(plan.units.length);
  const figures = (ids: string[]) => inPool(ids, concurrency, (id) => historyFigures(client, id));
  return {
    campaign: await historyFigures(client, campaignWorkflowId(plan.id)),
    phase: await historyFigures(client, phaseWorkflowId(plan.id, phase)),
    groups: await figures(Array.from({ length: groups }, (_, i) => unitGroupWorkflowId(plan.id, phase, i))),
    units: await figures(unitIds.map((unitId) => unitPhaseWorkflowId(plan.id, phase, unitId))),
  };
}
