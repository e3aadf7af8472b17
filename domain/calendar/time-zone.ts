// Local dates and wall-clock times in an IANA time zone, without Node built-ins: Intl.DateTimeFormat
// is part of the JavaScript language and works inside Temporal's workflow sandbox (checked by
// test/calendar-workflow.test.ts). Asia/Shanghai has had no daylight saving since 1991; for zones
// that have it, a wall time that does not exist (spring forward) resolves to the instant after the gap.

/** A calendar date as offices write it, without a time zone. */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

export interface LocalDateTime extends LocalDate {
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, format);
  }
  return format;
}

/** The wall-clock date and time at an instant in a time zone. */
export function localDateTime(instantMs: number, timeZone: string): LocalDateTime {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instantMs))) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second!, millisecond: ((instantMs % 1000) + 1000) % 1000 };
}

/** How far the zone's wall clock is ahead of UTC at an instant, in milliseconds (+8 h for Asia/Shanghai). */
function offsetMs(instantMs: number, timeZone: string): number {
  const local = localDateTime(instantMs, timeZone);
  return wallAsUtc(local) - instantMs;
}

const wallAsUtc = (t: LocalDateTime) => Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second, t.millisecond);

/** The instant at which the zone's clocks show this wall time. */
export function instantAt(local: LocalDate & Partial<LocalDateTime>, timeZone: string): number {
  const wall = wallAsUtc({ hour: 0, minute: 0, second: 0, millisecond: 0, ...local });
  const first = wall - offsetMs(wall, timeZone);
  const second = offsetMs(first, timeZone);
  return wall - second === first ? first : Math.max(first, wall - second);
}

export function localDate(instantMs: number, timeZone: string): LocalDate {
  const { year, month, day } = localDateTime(instantMs, timeZone);
  return { year, month, day };
}

/** The date n days after (or before, n < 0) a date. */
export function addDays(date: LocalDate, n: number): LocalDate {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day) + n * DAY_MS);
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

/** 0 Sunday … 6 Saturday. */
export function weekday(date: LocalDate): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

export function compareDates(a: LocalDate, b: LocalDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** 2027-02-13 */
export function formatDate(date: LocalDate): string {
  return `${date.year}-${pad(date.month)}-${pad(date.day)}`;
}

/** A real date in YYYY-MM-DD, or undefined. */
export function parseDate(text: string): LocalDate | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  return isRealDate(date) ? date : undefined;
}

export function isRealDate(date: LocalDate): boolean {
  return date.month >= 1 && date.month <= 12 && date.day >= 1 && compareDates(addDays(date, 0), date) === 0;
}

export function isTimeZone(name: string): boolean {
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/** An instant as ISO-8601 with the zone's offset at that instant: 2027-02-14T00:00:00+08:00. */
export function formatInstant(instantMs: number, timeZone: string): string {
  const local = localDateTime(instantMs, timeZone);
  const offsetMinutes = Math.round(offsetMs(instantMs, timeZone) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const offset = `${sign}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`;
  const ms = local.millisecond ? `.${String(local.millisecond).padStart(3, '0')}` : '';
  return `${formatDate(local)}T${pad(local.hour)}:${pad(local.minute)}:${pad(local.second)}${ms}${offset}`;
}
