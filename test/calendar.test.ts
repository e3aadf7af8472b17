import { isWorkday } from 'chinese-days';
import { addWorkingDays, calendarSource, CalendarYearNotCovered, COVERED_YEARS, isWorkingDay, moveToWorkingDayBefore } from '../domain/calendar/business-days';
import { deadlineAfter, parseDuration } from '../domain/calendar/durations';
import { addDays, formatDate, instantAt, localDateTime } from '../domain/calendar/time-zone';

const SHANGHAI = { timeZone: 'Asia/Shanghai' };
const at = (iso: string) => Date.parse(iso);

describe('the business calendar', () => {
  it('given the packaged data, should cover 2004 to 2026 with a State Council notice named for every year', () => {
    expect(COVERED_YEARS[0]).toBe(2004);
    expect(COVERED_YEARS[COVERED_YEARS.length - 1]).toBe(2026);
    for (const year of COVERED_YEARS) expect(calendarSource(year).package).toMatch(/^chinese-days@\d/);
    expect(calendarSource(2026).notice).toBe('https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm');
  });

  it('given every day of 2025 and 2026, should agree with chinese-days on which are working days', () => {
    const disagreements: string[] = [];
    for (let day = { year: 2025, month: 1, day: 1 }; day.year <= 2026; day = addDays(day, 1)) {
      if (isWorkingDay(day) !== isWorkday(formatDate(day))) disagreements.push(formatDate(day));
    }
    expect(disagreements).toEqual([]);
  });

  it('given the 2026 Spring Festival, should count the make-up Saturdays as working days and the holiday weekdays as not', () => {
    expect(isWorkingDay('2026-02-13')).toBe(true); // Friday
    expect(isWorkingDay('2026-02-14')).toBe(true); // Saturday, 调休上班
    expect(isWorkingDay('2026-02-16')).toBe(false); // Monday, 春节
    expect(isWorkingDay('2026-02-23')).toBe(false); // Monday, last day of the holiday
    expect(isWorkingDay('2026-02-28')).toBe(true); // Saturday, 调休上班
    expect(isWorkingDay('2026-03-07')).toBe(false); // an ordinary Saturday
  });

  it('given a review window of 3 working days opened on the Friday before the 2026 Spring Festival, should end the Wednesday after the holiday at the same time', () => {
    // Sat 2/14 is a working day (1), 2/15–2/23 are the holiday, Tue 2/24 (2), Wed 2/25 (3).
    expect(new Date(addWorkingDays(at('2026-02-13T10:30:00+08:00'), 3, 'Asia/Shanghai')).toISOString()).toBe('2026-02-25T02:30:00.000Z');
    expect(deadlineAfter(at('2026-02-13T10:30:00+08:00'), 'P3WD', SHANGHAI)).toBe(at('2026-02-25T10:30:00+08:00'));
  });

  it('given a start on a non-working day, should not count that day', () => {
    expect(addWorkingDays(at('2026-03-07T10:00:00+08:00'), 1, 'Asia/Shanghai')).toBe(at('2026-03-09T10:00:00+08:00'));
    expect(addWorkingDays(at('2026-03-06T10:00:00+08:00'), 1, 'Asia/Shanghai')).toBe(at('2026-03-09T10:00:00+08:00'));
  });

  it('given a start just after midnight in Beijing, should count from the Beijing date, not the UTC one', () => {
    // 2026-02-14 01:00 in Beijing is 2/13 17:00 UTC: counted from the UTC date, Saturday 2/14 would be the next working day.
    expect(addWorkingDays(at('2026-02-14T01:00:00+08:00'), 1, 'Asia/Shanghai')).toBe(at('2026-02-24T01:00:00+08:00'));
  });

  it('given a window that runs into a year without data, should refuse it with a Chinese message naming the year', () => {
    const refusal = (() => {
      try {
        addWorkingDays(at('2026-12-30T10:00:00+08:00'), 3, 'Asia/Shanghai');
      } catch (err) {
        return err;
      }
      throw new Error('counted working days in 2027');
    })();
    expect(refusal).toBeInstanceOf(CalendarYearNotCovered);
    expect(refusal).toMatchObject({ type: 'CalendarYearNotCovered', year: 2027 });
    expect((refusal as Error).message).toMatch(/^工作日历没有2027年的节假日安排/);
    expect(() => isWorkingDay('2003-06-02')).toThrow(CalendarYearNotCovered);
  });

  it('given a reminder due on a holiday, should move it to the last working day before at the same time', () => {
    expect(moveToWorkingDayBefore(at('2026-10-03T09:00:00+08:00'), 'Asia/Shanghai')).toBe(at('2026-09-30T09:00:00+08:00'));
    expect(moveToWorkingDayBefore(at('2026-10-10T09:00:00+08:00'), 'Asia/Shanghai')).toBe(at('2026-10-10T09:00:00+08:00'));
  });

  it('given ISO-8601 durations, should add exact milliseconds as before, and refuse what is neither form', () => {
    expect(deadlineAfter(at('2026-02-13T10:00:00+08:00'), 'P2D', SHANGHAI)).toBe(at('2026-02-15T10:00:00+08:00'));
    expect(deadlineAfter(at('2026-02-13T10:00:00+08:00'), 'PT12H', SHANGHAI)).toBe(at('2026-02-13T22:00:00+08:00'));
    expect(parseDuration('P3WD')).toEqual({ kind: 'working-days', days: 3 });
    for (const bad of ['P0WD', 'P3WDT4H', '3WD', 'P1M']) expect(parseDuration(bad)).toBeUndefined();
    expect(() => deadlineAfter(0, 'three days', SHANGHAI)).toThrow(TypeError);
  });
});

describe('local time in a time zone', () => {
  it('given Asia/Shanghai, should be UTC+8 all year', () => {
    expect(instantAt({ year: 2027, month: 2, day: 13, hour: 17 }, 'Asia/Shanghai')).toBe(at('2027-02-13T09:00:00Z'));
    expect(instantAt({ year: 2027, month: 7, day: 1 }, 'Asia/Shanghai')).toBe(at('2027-06-30T16:00:00Z'));
    expect(localDateTime(at('2027-02-13T16:00:00Z'), 'Asia/Shanghai')).toMatchObject({ year: 2027, month: 2, day: 14, hour: 0 });
  });

  it('given a zone with daylight saving, should follow its offset and put a wall time in the spring gap after it', () => {
    expect(instantAt({ year: 2026, month: 7, day: 1, hour: 9 }, 'America/New_York')).toBe(at('2026-07-01T13:00:00Z'));
    expect(instantAt({ year: 2026, month: 1, day: 5, hour: 9 }, 'America/New_York')).toBe(at('2026-01-05T14:00:00Z'));
    expect(instantAt({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, 'America/New_York')).toBe(at('2026-03-08T07:30:00Z'));
  });
});
