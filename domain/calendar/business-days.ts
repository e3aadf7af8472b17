// The Chinese business calendar: Monday to Friday are working days, except the public holidays
// (放假), and some weekend days are working days (调休上班). The data is the project's own file,
// cn-workdays.json, with its source per year (scripts/calendar-data.ts regenerates it). A year the
// file does not cover is refused, never guessed: the State Council publishes each year's
// arrangement only in the November before.
import calendar from './cn-workdays.json';
import { addDays, formatDate, instantAt, localDateTime, parseDate, weekday, type LocalDate } from './time-zone';

interface YearData {
  source: { package: string; notice?: string };
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

const years: Record<string, YearData> = calendar.years;

/** Years the calendar has data for, ascending. */
export const COVERED_YEARS: readonly number[] = Object.keys(years).map(Number).sort((a, b) => a - b);

export class CalendarYearNotCovered extends Error {
  readonly type = 'CalendarYearNotCovered';
  constructor(readonly year: number) {
    const range = `${COVERED_YEARS[0]}–${COVERED_YEARS[COVERED_YEARS.length - 1]}`;
    super(
      `工作日历没有${year}年的节假日安排(现有${range}年),无法按工作日计算;请在国务院公布后更新 domain/calendar/cn-workdays.json。` +
        ` / The business calendar has no holiday arrangement for ${year} (it covers ${range}); working days cannot be counted.`,
    );
    this.name = 'CalendarYearNotCovered';
  }
}

function yearData(year: number): YearData {
  const data = years[String(year)];
  if (!data) throw new CalendarYearNotCovered(year);
  return data;
}

/** Where a year's data comes from: the package and the State Council notice it cites. */
export function calendarSource(year: number): YearData['source'] {
  return yearData(year).source;
}

/** Whether the calendar covers every year from the one of `from` to the one of `to`. */
export function coversYears(from: number, to: number): boolean {
  for (let year = from; year <= to; year++) if (!years[String(year)]) return false;
  return true;
}

/** A working day: a weekday that is no public holiday, or a weekend day made a working day (调休). */
export function isWorkingDay(date: LocalDate | string): boolean {
  const day = typeof date === 'string' ? parseDate(date) : date;
  if (!day) throw new TypeError(`not a date in YYYY-MM-DD: ${String(date)}`);
  const data = yearData(day.year);
  const key = formatDate(day);
  if (key in data.workdays) return true;
  if (key in data.holidays) return false;
  const dow = weekday(day);
  return dow !== 0 && dow !== 6;
}

/**
 * The instant n working days after another (before it, for n < 0). Rule: the n-th working day
 * after (before) the start's local date, at the start's local time of day. The start's own date
 * never counts, working day or not: submitted Friday 10:00 before a normal weekend, P1WD ends
 * Monday 10:00; submitted Saturday 10:00, it also ends Monday 10:00. The end therefore always
 * falls on a working day.
 */
export function addWorkingDays(fromInstantMs: number, n: number, timeZone: string): number {
  if (!Number.isInteger(n)) throw new RangeError(`working days must be a whole number, got ${n}`);
  if (n === 0) return fromInstantMs;
  const start = localDateTime(fromInstantMs, timeZone);
  const step = n > 0 ? 1 : -1;
  let date: LocalDate = start;
  for (let counted = 0; counted < Math.abs(n); ) {
    date = addDays(date, step);
    if (isWorkingDay(date)) counted++;
  }
  return instantAt({ ...start, year: date.year, month: date.month, day: date.day }, timeZone);
}

/**
 * An instant that falls on a non-working day moves to the last working day before it, at the same
 * local time of day (a reminder due on a holiday is sent before the holiday). On a working day it stays.
 */
export function moveToWorkingDayBefore(instantMs: number, timeZone: string): number {
  const at = localDateTime(instantMs, timeZone);
  let date: LocalDate = at;
  while (!isWorkingDay(date)) date = addDays(date, -1);
  return date === at ? instantMs : instantAt({ ...at, year: date.year, month: date.month, day: date.day }, timeZone);
}
