// The instants of a unit's clock that the business calendar decides: reminders before the cutoff
// given in working days (P2WD) or moved off non-working days when the phase asks for it
// (remindersOnWorkingDays), and review windows in working days. Computed by the record's
// activities (store/records.ts: a unit phase opening, a submission, an extension) and by the API's
// start check, never in workflow code: cn-workdays.json grows each November while campaigns run
// for months, and an instant computed once must stay what it was. An activity's result is in the
// workflow's history, so a replay reads the instant instead of recomputing it from newer data.
import { moveToWorkingDayBefore } from './business-days';
import { deadlineAfter } from './durations';

export interface CalendarReminders {
  timeZone: string;
  reminders: readonly string[];
  remindersOnWorkingDays?: boolean;
}

export interface ReminderInstant {
  offset: string;
  /** ISO-8601 instant (UTC). */
  at: string;
}

/** Each reminder's instant before a cutoff: counted back on the calendar, then off a non-working day if asked. */
export function reminderInstants(cutoffMs: number, { timeZone, reminders, remindersOnWorkingDays }: CalendarReminders): ReminderInstant[] {
  return reminders.map((offset) => {
    const due = deadlineAfter(cutoffMs, offset, { timeZone, times: -1 });
    return { offset, at: new Date(remindersOnWorkingDays ? moveToWorkingDayBefore(due, timeZone) : due).toISOString() };
  });
}

export interface ReviewDeadlines {
  /** The reviewer is reminded then (one window after the submission)… */
  dueAt: string;
  /** …and the coordinator told after twice the window. */
  escalatesAt: string;
}

export function reviewDeadlines(submittedAtMs: number, { timeZone, reviewWithin }: { timeZone: string; reviewWithin: string }): ReviewDeadlines {
  const at = (times: number) => new Date(deadlineAfter(submittedAtMs, reviewWithin, { timeZone, times })).toISOString();
  return { dueAt: at(1), escalatesAt: at(2) };
}
