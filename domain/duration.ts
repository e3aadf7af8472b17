// ISO-8601 durations as the plans use them (P3D, P1D, PT2H, P1W). Months and years are refused:
// their length depends on the calendar, and a deadline must be an exact number of milliseconds.
const ISO_DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

const MS = { week: 7 * 86_400_000, day: 86_400_000, hour: 3_600_000, minute: 60_000, second: 1_000 };

/** Milliseconds in an ISO-8601 duration, or undefined when it is not one we accept. */
export function parseIsoDuration(text: string): number | undefined {
  const match = ISO_DURATION.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) return undefined;
  const [, w, d, h, m, s] = match.map((part) => (part === undefined ? 0 : Number(part)));
  const ms = w * MS.week + d * MS.day + h * MS.hour + m * MS.minute + s * MS.second;
  return ms > 0 ? ms : undefined;
}

export function isoDurationMs(text: string): number {
  const ms = parseIsoDuration(text);
  if (ms === undefined) throw new TypeError(`not an ISO-8601 duration: ${text}`);
  return ms;
}
