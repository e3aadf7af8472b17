// What a plan writes for an instant, resolved in the campaign's time zone (default Asia/Shanghai).
// Accepted forms (Simplified or Traditional characters):
//   2027-02-13T17:00:00+08:00   an ISO-8601 instant with an offset (or Z): as written
//   2027-02-13T17:00            a local date and time
//   2027-02-13                  a local date: by the END of that day, i.e. 2027-02-14 00:00 local
//                               (with edge 'start', as for an opening, its 00:00)
//   2月13日前, 2月13日, 2027年2月13日, 元月21日, 10月底前, 2月13日17:00前
//                               the offices' words; a date without a year is the first such date on
//                               or after the season start; "前" (before) includes the day itself, as
//                               offices mean it: 2月13日前 = by the end of 13 February; 月底 = the
//                               month's last day
//   春节 / 元宵节               the festival's day (正月初一 / 正月十五), as a date: by its end
//   春节前                       before the Spring Festival: 00:00 of 正月初一 (the end of 除夕)
//   元宵节结束, 至元宵节结束     the end of the lantern festival's day: 00:00 of 正月十六
//   节后2月20日前, 春节后2月20日前  the first 2月20日 on or after the Spring Festival, by its end
// Festivals are the first on or after the season start, from the lunar calendar (lunar-typescript).
// API-side: this module pulls the lunar library (~400 KB), so workflows get resolved ISO instants.
import { Lunar } from 'lunar-typescript';
import { addDays, compareDates, instantAt, isRealDate, localDate, parseDate, type LocalDate } from './time-zone';

export interface LocalDateContext {
  timeZone: string;
  /** Instant the campaign's season starts; gives a year to dates written without one, and to festivals. */
  seasonStart?: number;
  /** What a bare date means: 'end' (a deadline, the default) or 'start' (an opening). */
  edge?: 'end' | 'start';
}

export class LocalDateNotUnderstood extends Error {
  readonly type = 'LocalDateNotUnderstood';
  constructor(
    readonly text: string,
    reason: string,
  ) {
    super(`无法理解日期“${text}”:${reason} / Cannot understand the date "${text}".`);
    this.name = 'LocalDateNotUnderstood';
  }
}

const FORMS = '可写 2027-02-13T17:00:00+08:00、2027-02-13T17:00、2027-02-13、2月13日前、10月底前、春节、春节前、元宵节、元宵节结束、节后2月20日前';

const TRADITIONAL: Record<string, string> = { 節: '节', 後: '后', 結: '结', 點: '点', 時: '时' };

function normalise(text: string): string {
  return text
    .trim()
    .replace(/[節後結點時]/g, (c) => TRADITIONAL[c]!)
    .replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/：/g, ':')
    .replace(/[\s()（）]/g, '');
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const LOCAL_DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
const CHINESE_DATE = /^(?:(\d{4})年)?(元|\d{1,2})月(底|\d{1,2}日)(?:(\d{1,2})(?::(\d{2})|[时点]))?(前)?$/;
const AFTER_FESTIVAL = /^(?:春)?节后(.+)$/;

type Festival = 'spring' | 'lantern';

/** The instant a plan's written date or time stands for. Throws LocalDateNotUnderstood. */
export function resolveLocalInstant(written: string, context: LocalDateContext): number {
  const text = normalise(written).replace(/^至/, '');
  const { timeZone } = context;
  const dateEdge = (date: LocalDate, edge = context.edge ?? 'end') => instantAt(edge === 'end' ? addDays(date, 1) : date, timeZone);

  if (ISO_INSTANT.test(text)) {
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) throw new LocalDateNotUnderstood(written, '不是有效的时刻');
    return ms;
  }
  const bare = parseDate(text);
  if (bare) return dateEdge(bare);
  const local = LOCAL_DATE_TIME.exec(text);
  if (local) {
    const date = parseDate(local[1]!);
    const [hour, minute, second] = [Number(local[2]), Number(local[3]), Number(local[4] ?? 0)];
    if (!date || hour > 23 || minute > 59 || second > 59) throw new LocalDateNotUnderstood(written, '不是有效的日期和时间');
    return instantAt({ ...date, hour, minute, second }, timeZone);
  }

  const season = () => {
    if (context.seasonStart === undefined) throw new LocalDateNotUnderstood(written, '没有写年份,需要活动的起始日期来确定年份');
    return localDate(context.seasonStart, timeZone);
  };
  switch (text) {
    case '春节':
      return dateEdge(festivalOnOrAfter('spring', season()));
    case '春节前':
      return instantAt(festivalOnOrAfter('spring', season()), timeZone);
    case '元宵节':
      return dateEdge(festivalOnOrAfter('lantern', season()));
    case '元宵节结束':
      return dateEdge(festivalOnOrAfter('lantern', season()), 'end');
  }
  const afterFestival = AFTER_FESTIVAL.exec(text);
  if (afterFestival) return chineseDate(afterFestival[1]!, festivalOnOrAfter('spring', season()));
  return chineseDate(text, undefined);

  function chineseDate(words: string, after: LocalDate | undefined): number {
    const match = CHINESE_DATE.exec(words);
    if (!match) throw new LocalDateNotUnderstood(written, FORMS);
    const [, yearText, monthText, dayText, hourText, minuteText] = match;
    const month = monthText === '元' ? 1 : Number(monthText);
    const dayOf = (year: number): LocalDate =>
      dayText === '底' ? addDays({ year: month === 12 ? year + 1 : year, month: month === 12 ? 1 : month + 1, day: 1 }, -1) : { year, month, day: Number(dayText!.slice(0, -1)) };
    let date: LocalDate;
    if (yearText) date = dayOf(Number(yearText));
    else {
      const from = after ?? season();
      date = dayOf(from.year);
      if (compareDates(date, from) < 0) date = dayOf(from.year + 1);
    }
    if (month < 1 || month > 12 || !isRealDate(date)) throw new LocalDateNotUnderstood(written, '没有这一天');
    if (hourText === undefined) return dateEdge(date);
    const [hour, minute] = [Number(hourText), Number(minuteText ?? 0)];
    if (hour > 23 || minute > 59) throw new LocalDateNotUnderstood(written, '不是有效的时间');
    return instantAt({ ...date, hour, minute }, timeZone);
  }
}

/** The Gregorian date of a festival: the first on or after a date. */
export function festivalOnOrAfter(festival: Festival, from: LocalDate): LocalDate {
  const lunarDay = festival === 'spring' ? 1 : 15;
  for (let lunarYear = from.year - 1; ; lunarYear++) {
    const solar = Lunar.fromYmd(lunarYear, 1, lunarDay).getSolar();
    const date = { year: solar.getYear(), month: solar.getMonth(), day: solar.getDay() };
    if (compareDates(date, from) >= 0) return date;
  }
}
