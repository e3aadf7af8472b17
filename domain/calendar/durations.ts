// Durations as plans write them: ISO-8601 (P2D, PT12H, P1W; exact milliseconds, see ../duration.ts)
// or working days, "P3WD": counted on the business calendar (business-days.ts). Only whole working
// days, alone: "P3WD", not "P3WDT4H".
import { parseIsoDuration } from '../duration';
import { addWorkingDays } from './business-days';

export type PlanDuration = { kind: 'exact'; ms: number } | { kind: 'working-days'; days: number };

const WORKING_DAYS = /^P(\d{1,3})WD$/;

export function parseDuration(text: string): PlanDuration | undefined {
  const working = WORKING_DAYS.exec(text);
  if (working) {
    const days = Number(working[1]);
    return days > 0 ? { kind: 'working-days', days } : undefined;
  }
  const ms = parseIsoDuration(text);
  return ms === undefined ? undefined : { kind: 'exact', ms };
}

/** Whether a duration is counted on the business calendar. */
export const isWorkingDays = (text: string): boolean => parseDuration(text)?.kind === 'working-days';

/**
 * The instant `times` durations after a start (before it, for times < 0): twice a review window
 * is 2 × P3WD = P6WD. Throws CalendarYearNotCovered for working days beyond the data.
 */
export function deadlineAfter(startMs: number, duration: string, { timeZone, times = 1 }: { timeZone: string; times?: number }): number {
  const parsed = parseDuration(duration);
  if (!parsed) throw new TypeError(`not a duration (P3WD, P2D, PT12H): ${duration}`);
  return parsed.kind === 'exact' ? startMs + times * parsed.ms : addWorkingDays(startMs, times * parsed.days, timeZone);
}
