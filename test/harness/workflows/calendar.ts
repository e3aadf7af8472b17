// A workflow that uses the business calendar inside Temporal's sandbox: Intl time zones, the
// bundled JSON data and the typed refusal must all work there, not only in Node.
import { sleep } from '@temporalio/workflow';
import { CalendarYearNotCovered } from '../../../domain/calendar/business-days';
import { deadlineAfter } from '../../../domain/calendar/durations';
import { renderNotification } from '../../../domain/notification-text';

export interface WorkingDayWindowResult {
  deadline: string;
  text: string;
  refusal?: { type: string; year: number; message: string };
}

/** Computes a working-day window from `start`, then sleeps its length as a timer (time skipping). */
export async function workingDayWindow(start: string, duration: string, timeZone: string, uncovered: string): Promise<WorkingDayWindowResult> {
  const startMs = Date.parse(start);
  const deadline = deadlineAfter(startMs, duration, { timeZone });
  await sleep(deadline - startMs);
  let refusal: WorkingDayWindowResult['refusal'];
  try {
    deadlineAfter(Date.parse(uncovered), duration, { timeZone });
  } catch (err) {
    if (!(err instanceof CalendarYearNotCovered)) throw err;
    refusal = { type: err.type, year: err.year, message: err.message };
  }
  const text = renderNotification('review-overdue', { unitName: '東風村', phase: 'preparation', submissionNumber: 1, submittedAt: start, reviewWithin: duration }, { timeZone }).text;
  return { deadline: new Date(deadline).toISOString(), text, refusal };
}
