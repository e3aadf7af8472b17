import { isoDurationMs, parseIsoDuration } from '../../domain/duration';
import type { PhaseSpec } from '../../domain/plan';
import { POSTMARK_GRACE_MS, openObjections } from '../../domain/unit-phase';
import type { UnitPhaseState } from './messages';

// The unit's clock, pure: which instants have come (reminders, the cutoff, overdue reviews, ageing
// objections, coverage milestones) and when it next matters. Re-derived from the state after every
// message, so a moved cutoff moves every timer. Instants the business calendar decides (working
// days) are never counted here: the record's activities count them and the state keeps them
// (reminderInstants, pending.dueAt), because cn-workdays.json may gain a year while a campaign
// runs and a replay must find the instants it found the first time.

export interface ClockPlan {
  /** ms is absent for working days: their instants come with the state. */
  reminders: { offset: string; ms?: number }[];
  /** Absent for a review window in working days: each submission's instants come with it. */
  reviewWithinMs?: number;
  objectionWithinMs: number;
  milestones: { at: string; ms: number; coverage: number }[];
}

export type ClockEvent =
  | { kind: 'reminder'; offset: string; dueAt: number }
  | { kind: 'forfeit' }
  | { kind: 'review-overdue' }
  | { kind: 'review-escalated' }
  | { kind: 'objection-reminder'; number: number }
  | { kind: 'objection-escalated'; number: number }
  | { kind: 'milestone'; at: string; coverage: number };

/** What the record must count on the calendar for this phase: the reminders' instants, each review window's. */
export function calendarNeeds(phase: Pick<PhaseSpec, 'reminders' | 'reviewWithin' | 'remindersOnWorkingDays'>): { reminders: boolean; review: boolean } {
  // The plan schema takes ISO-8601 durations and working days (P3WD); what is not the one is the other.
  const counted = (duration: string) => parseIsoDuration(duration) === undefined;
  return { reminders: Boolean(phase.remindersOnWorkingDays) || phase.reminders.some(counted), review: counted(phase.reviewWithin) };
}

export function clockPlan(phase: PhaseSpec, takesObjections: boolean, checksVisits: boolean): ClockPlan {
  return {
    reminders: phase.reminders.map((offset) => ({ offset, ms: parseIsoDuration(offset) })),
    reviewWithinMs: parseIsoDuration(phase.reviewWithin),
    objectionWithinMs: takesObjections ? isoDurationMs(phase.objectionWithin) : 0,
    milestones: (checksVisits ? (phase.milestones ?? []) : []).map((m) => ({ ...m, ms: Date.parse(m.at) })),
  };
}

/** While it has nothing accepted or awaiting review, a unit is reminded and can forfeit. */
export const awaitingSubmission = (state: UnitPhaseState): boolean => state.status === 'open' || state.status === 'rejected';
const isTerminal = (state: UnitPhaseState) => state.status === 'approved' || state.status === 'forfeited' || state.status === 'cancelled';

/** Every instant of interest, each with the event it brings. */
function instants(state: UnitPhaseState, plan: ClockPlan): { at: number; event: ClockEvent }[] {
  const out: { at: number; event: ClockEvent }[] = [];
  const cutoff = Date.parse(state.cutoff);
  if (awaitingSubmission(state)) {
    const reminders = state.reminderInstants?.map((r) => ({ offset: r.offset, at: Date.parse(r.at) })) ?? plan.reminders.map(({ offset, ms }) => ({ offset, at: cutoff - ms! }));
    for (const { offset, at } of reminders) out.push({ at, event: { kind: 'reminder', offset, dueAt: at } });
    out.push({ at: cutoff + POSTMARK_GRACE_MS, event: { kind: 'forfeit' } });
  }
  const pending = state.status === 'submitted' ? state.pending : undefined;
  if (pending) {
    const submittedAt = Date.parse(pending.submittedAt);
    const dueAt = pending.dueAt ? Date.parse(pending.dueAt) : submittedAt + plan.reviewWithinMs!;
    const escalatesAt = pending.escalatesAt ? Date.parse(pending.escalatesAt) : submittedAt + 2 * plan.reviewWithinMs!;
    if (!pending.reviewOverdueNotifiedAt) out.push({ at: dueAt, event: { kind: 'review-overdue' } });
    if (!pending.reviewEscalatedAt) out.push({ at: escalatesAt, event: { kind: 'review-escalated' } });
  }
  if (!isTerminal(state)) {
    for (const o of openObjections(state)) {
      const filedAt = Date.parse(o.filedAt);
      if (!o.answered && !o.remindedAt) out.push({ at: filedAt + plan.objectionWithinMs, event: { kind: 'objection-reminder', number: o.number } });
      if (!o.escalatedAt) out.push({ at: filedAt + 2 * plan.objectionWithinMs, event: { kind: 'objection-escalated', number: o.number } });
    }
    for (const m of plan.milestones) out.push({ at: m.ms, event: { kind: 'milestone', at: m.at, coverage: m.coverage } });
  }
  return out;
}

/** Reminders and milestones are one-off instants: due only once, after the cursor the state keeps. */
const isOneOff = (event: ClockEvent) => event.kind === 'reminder' || event.kind === 'milestone';

export function dueEvents(state: UnitPhaseState, plan: ClockPlan, now: number): ClockEvent[] {
  return instants(state, plan)
    .filter(({ at, event }) => at <= now && (!isOneOff(event) || at > state.remindedUpTo))
    .sort((a, b) => a.at - b.at)
    .map(({ event }) => event);
}

export function nextWake(state: UnitPhaseState, plan: ClockPlan, now: number): { at: number; summary: string } | undefined {
  const next = instants(state, plan)
    .filter(({ at }) => at > now)
    .sort((a, b) => a.at - b.at)[0];
  if (!next) return undefined;
  const summaries: Record<ClockEvent['kind'], string> = {
    reminder: 'next reminder',
    forfeit: `cutoff ${state.cutoff}`,
    'review-overdue': 'review deadline',
    'review-escalated': 'review deadline',
    'objection-reminder': 'objection ageing',
    'objection-escalated': 'objection ageing',
    milestone: 'coverage milestone',
  };
  return { at: next.at, summary: summaries[next.event.kind] };
}
