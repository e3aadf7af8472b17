import type { NotificationDraft } from '../notification/workflow';
import type { Recipient } from '../notification/messages';
import { calendarNeeds, clockPlan, nextWake, type ClockPlan } from './clock';
import type { UnitOpening, UnitPhaseInput, UnitPhaseState } from './messages';

// A unit's opening, shared by the unit's own workflow (a unit started before its phase opened opens
// itself) and by its group (which opens the units that have not acted yet together, and starts
// their workflows only when they act or their clock first needs them): the same state, clock and
// notice either way.

export function unitRecipients({ unit, supervisor, coordinator }: UnitPhaseInput): Record<'unit' | 'supervisor' | 'coordinator', Recipient> {
  return {
    unit: { role: 'unit', id: unit.id, webhook: unit.notify.webhook },
    supervisor: { role: 'reviewer', id: supervisor.id, webhook: supervisor.notify.webhook },
    coordinator: { role: 'coordinator', id: coordinator.id, webhook: coordinator.notify.webhook },
  };
}

export function unitClock({ phase, rosterRules }: UnitPhaseInput): ClockPlan {
  const withRules = rosterRules !== undefined;
  return clockPlan(phase, withRules && phase.name === 'publicity', withRules && phase.name === 'visiting');
}

/** What the record counts on the business calendar as the unit opens (clock.ts says why); undefined when nothing. */
export function openingReminders({ phase, timeZone }: UnitPhaseInput, cutoff: string) {
  return calendarNeeds(phase).reminders ? { timeZone, reminders: phase.reminders, remindersOnWorkingDays: phase.remindersOnWorkingDays, cutoff } : undefined;
}

export function initialState(input: UnitPhaseInput): UnitPhaseState {
  const { phase, unit, supervisor, campaignId } = input;
  return {
    campaignId,
    phase: phase.name,
    expects: phase.submission.kind,
    unitId: unit.id,
    unitName: unit.name,
    supervisor: supervisor.id,
    status: 'scheduled',
    opensAt: phase.opensAt,
    cutoff: new Date(Date.parse(phase.cutoff)).toISOString(),
    submissions: 0,
    rosterSize: 0,
    visited: 0,
    paid: 0,
    objections: [],
    applied: [],
    updatesThisRun: 0,
    remindedUpTo: 0,
  };
}

/** The state as the record's opening leaves it; reminders due before the opening are not sent late. */
export function applyOpening(state: UnitPhaseState, opening: UnitOpening): void {
  state.rosterSize = opening.rosterSize;
  if (opening.reminderInstants) state.reminderInstants = opening.reminderInstants;
  state.remindedUpTo = Math.max(Date.parse(state.opensAt), Date.parse(opening.at));
  state.status = 'open';
}

/** When a unit opened by `opening` that never acts first needs its workflow: its first reminder, milestone or cutoff. */
export function firstClockInstant(input: UnitPhaseInput, opening: UnitOpening): number {
  const state = initialState(input);
  applyOpening(state, opening);
  return nextWake(state, unitClock(input), state.remindedUpTo)?.at ?? Date.parse(state.cutoff);
}

export function phaseOpenedNotice(input: UnitPhaseInput, cutoff: string): NotificationDraft {
  const { phase, unit } = input;
  return {
    kind: 'phase-opened',
    key: phase.opensAt,
    recipient: unitRecipients(input).unit,
    phase: phase.name,
    unitId: unit.id,
    timeZone: input.timeZone,
    data: { campaignTitle: input.campaignTitle, unitName: unit.name, phase: phase.name, cutoff, submission: phase.submission.kind, description: phase.submission.description },
  };
}
