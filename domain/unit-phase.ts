import type { PhaseName, SubmissionKind } from './plan';
import { UnitPhaseFailure, type ObjectionProgress, type UnitPhaseFailureType, type UnitPhaseState } from '../workflows/unit/messages';

// Derivations from a unit phase's state, shared by its workflow and by the API (which answers for
// a workflow that has ended from the record, with the same words).

export const unitPhaseWorkflowId = (campaignId: string, phase: PhaseName, unitId: string): string => `campaign:${campaignId}:${phase}:unit:${unitId}`;

/**
 * How long after its cutoff a unit waits before it forfeits: a request the API received before the
 * cutoff may still be on its way to the workflow (the API waits up to its API_UPDATE_WAIT_MS), and
 * it is judged by its receipt instant, not by when it arrives.
 */
export const POSTMARK_GRACE_MS = 30_000;

/**
 * A unit that has not acted since its phase opened has no workflow yet (its group opened it in the
 * record and sent its notice): its group starts the workflow when the unit acts, or this long
 * before the unit's clock first needs it (a reminder, a milestone, the cutoff), so that starting
 * a group's remaining units, a few minutes on a busy server, never makes a reminder late.
 */
export const UNACTED_UNITS_START_AHEAD_MS = 60 * 60_000;

/**
 * A unit's run continues as new after this many Updates. Each visit costs its history some thirteen
 * events (the Update, its record activity, the tasks around them), so a run stays under 4,000
 * events (plan-scale measures 3,986) and is quick to replay when a worker must rebuild it: runs of
 * 1,000 Updates took 19 s to replay under load, past the task timeout. Temporal refuses Updates past 2,000 per run.
 */
export const UPDATES_PER_RUN = 300;
/** What runs started before UPDATES_PER_RUN took (workflows/unit/workflow.ts keeps them so). */
export const UPDATES_PER_RUN_BEFORE = 1_000;

/**
 * The instant a request counts as received: the API's receipt instant, but never earlier than the
 * grace allows, so a stale or skewed stamp cannot make a late request look on time.
 */
export const postmark = (receivedAt: string, now: number): number => Math.max(Date.parse(receivedAt), now - POSTMARK_GRACE_MS);

/** Why a request is refused: the failure type, and words for the person. */
export interface Refusal {
  type: UnitPhaseFailureType;
  message: string;
  details?: Record<string, unknown>;
}

/** Why a unit in this state may not submit what the API received at receivedAt, or undefined if it may. */
export function submissionRefusal(state: Pick<UnitPhaseState, 'status' | 'cutoff' | 'unitId' | 'phase' | 'opensAt' | 'expects' | 'submissions'>, receivedAt: number, kind: SubmissionKind): Refusal | undefined {
  const cutoffPassed: Refusal = {
    type: UnitPhaseFailure.CutoffPassed,
    message: `the cutoff ${state.cutoff} has passed: unit ${state.unitId}'s ${state.phase} submission is forfeited (逾期不接收)`,
    details: { cutoff: state.cutoff, forfeited: true },
  };
  switch (state.status) {
    case 'scheduled':
      if (receivedAt < Date.parse(state.opensAt)) return { type: UnitPhaseFailure.NotOpenYet, message: `the ${state.phase} phase opens at ${state.opensAt}`, details: { opensAt: state.opensAt } };
      // Received after the opening that a busy workflow has not acted on yet: judged as open (the
      // handler waits for the opening), since "not open yet" would be untrue.
      if (receivedAt >= Date.parse(state.cutoff)) return cutoffPassed;
      break;
    case 'submitted':
      return { type: UnitPhaseFailure.AwaitingReview, message: `submission ${state.submissions} is awaiting review` };
    case 'approved':
      return { type: UnitPhaseFailure.AlreadyApproved, message: `unit ${state.unitId} is already approved for ${state.phase}` };
    case 'cancelled':
      return { type: UnitPhaseFailure.Closed, message: 'the campaign was cancelled' };
    case 'forfeited':
      return cutoffPassed;
    case 'open':
    case 'rejected':
      if (receivedAt >= Date.parse(state.cutoff)) return cutoffPassed;
  }
  if (kind !== state.expects) {
    return { type: UnitPhaseFailure.WrongSubmissionKind, message: `the ${state.phase} phase takes a ${state.expects}, not a ${kind}` };
  }
  return undefined;
}

export const openObjections = (state: Pick<UnitPhaseState, 'objections'>): ObjectionProgress[] => state.objections.filter((o) => !o.decision);
