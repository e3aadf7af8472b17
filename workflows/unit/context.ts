import { ActivityFailure, ApplicationFailure, condition, patched, proxyActivities, proxyLocalActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Records } from '../../store/records';
import type { Refusal } from '../../store/refusal';
import { CampaignStatus } from '../../domain/search-attributes';
import type { NotificationCategory, NotificationDraft } from '../notification/workflow';
import type { Recipient } from '../notification/messages';
import { inTask } from '../in-task';
import { unitRecipients } from './opening';
import { UnitPhaseFailure, type UnitPhaseInput, type UnitPhaseState, type UnitPhaseStatus } from './messages';

// What every handler module of the unit workflow shares: its input and state, the record's
// activities, the outbox, and one lock so that handlers run one at a time (each re-checks the state
// it found when its turn came: samples-typescript's safe-message-handlers).

const writing = { startToCloseTimeout: '30 seconds', retry: { initialInterval: '500 milliseconds', maximumInterval: '30 seconds' } } as const;
const storeAsActivities = proxyActivities<Records>(writing);
const storeInTask = proxyLocalActivities<Records>(writing);

/** One round trip to the database per operation, in the task that asks for it (in-task.ts); a refusal is an answer, not an error, so never retried. */
export const store = (): typeof storeInTask => (inTask() ? storeInTask : storeAsActivities);

/** Request ids remembered across runs: enough for the retries that come within minutes of a request. */
const APPLIED_KEPT = 500;

export const iso = (ms: number): string => new Date(ms).toISOString();

export const fail = (type: string, message: string, details?: Record<string, unknown>): ApplicationFailure =>
  ApplicationFailure.create({ type, message, nonRetryable: true, details: details ? [details] : undefined });

export const refused = (refusal: Refusal): ApplicationFailure => fail(refusal.type, refusal.message, refusal.details);

export interface UnitContext {
  input: UnitPhaseInput;
  state: UnitPhaseState;
  recipients: Record<'unit' | 'supervisor' | 'coordinator', Recipient>;
  target: { campaignId: string; phase: UnitPhaseInput['phase']['name']; unitId: string };
  cutoff(): number;
  setStatus(status: UnitPhaseStatus): void;
  send(draft: Omit<NotificationDraft, 'phase' | 'unitId' | 'timeZone'>, category?: NotificationCategory): void;
  /** Runs fn alone among handlers, marks the request applied, and wakes the main loop. */
  exclusively<T>(requestId: string, fn: () => Promise<T>): Promise<T>;
  applied(requestId: string): boolean;
  /** Refuses a new request while the run drains to continue as new, so the drain ends under any load. */
  admit(requestId: string): void;
  /** From now on new requests are refused with ContinuingAsNew. */
  drain(): void;
  isTerminal(): boolean;
}

export function createContext(input: UnitPhaseInput, state: UnitPhaseState, outbox: { draft: NotificationDraft; category?: NotificationCategory }[], onChange: () => void): UnitContext {
  const { unit, phase } = input;
  let busy = false;
  let draining = false;
  const appliedIds = new Set(state.applied);
  return {
    input,
    state,
    recipients: unitRecipients(input),
    target: { campaignId: input.campaignId, phase: phase.name, unitId: unit.id },
    cutoff: () => Date.parse(state.cutoff),
    setStatus(status) {
      state.status = status;
      upsertSearchAttributes([{ key: CampaignStatus, value: status }]);
    },
    send(draft, category) {
      outbox.push({ draft: { ...draft, phase: phase.name, unitId: unit.id, timeZone: input.timeZone }, category });
    },
    async exclusively(requestId, fn) {
      await condition(() => !busy);
      // Waiters released by the same check all saw the lock free: the first takes it, the others wait
      // again (before, two Updates delivered in one task both ran and a unit took two submissions).
      while (busy && patched('one-handler-at-a-time')) await condition(() => !busy);
      busy = true;
      try {
        const result = await fn().catch((err: unknown) => {
          // The record's typed refusals reach the caller as the Update's own failure.
          if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) throw err.cause;
          throw err;
        });
        if (!appliedIds.has(requestId)) {
          appliedIds.add(requestId);
          state.applied.push(requestId);
          if (state.applied.length > APPLIED_KEPT) appliedIds.delete(state.applied.shift()!);
        }
        return result;
      } finally {
        busy = false;
        state.updatesThisRun++;
        onChange();
      }
    },
    applied: (requestId) => appliedIds.has(requestId),
    admit(requestId) {
      // The draining run's id, so the sender can wait for the next run instead of asking this one again.
      if (draining && !appliedIds.has(requestId)) throw ApplicationFailure.create({ type: UnitPhaseFailure.ContinuingAsNew, message: 'the unit is moving to a new run; send the request again', nonRetryable: true, details: [workflowInfo().runId] });
    },
    drain() {
      draining = true;
    },
    isTerminal: () => state.status === 'approved' || state.status === 'forfeited' || state.status === 'cancelled',
  };
}
