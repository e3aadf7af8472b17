import { LocalDateNotUnderstood, resolveLocalInstant, type LocalDateContext } from '../domain/calendar/local-dates';

// Plans 1 and 4 transcribed for the 2026/27 winter season: the campaign starts on 1 December 2026.
const SEASON_2027: LocalDateContext = { timeZone: 'Asia/Shanghai', seasonStart: Date.parse('2026-12-01T09:00:00+08:00') };
const iso = (text: string, context: LocalDateContext = SEASON_2027) => new Date(resolveLocalInstant(text, context)).toISOString();

describe('local dates in a plan', () => {
  it('given plan 1 for 2027, should resolve its signed-roster deadline 2月13日前 to the end of 13 February, Beijing time', () => {
    expect(iso('2月13日前')).toBe('2027-02-13T16:00:00.000Z');
    expect(iso('2月13日')).toBe('2027-02-13T16:00:00.000Z');
  });

  it('given plan 1 for 2027, should resolve its visits on 2/9–2/10 to the start of 9 February and the end of 10 February', () => {
    expect(iso('2月9日', { ...SEASON_2027, edge: 'start' })).toBe('2027-02-08T16:00:00.000Z');
    expect(iso('2月10日')).toBe('2027-02-10T16:00:00.000Z');
  });

  it('given plan 4 for 2027, should end at the end of the lantern festival, 20 February 2027, in either script', () => {
    expect(iso('元宵节结束')).toBe('2027-02-20T16:00:00.000Z');
    expect(iso('至元宵節結束')).toBe('2027-02-20T16:00:00.000Z');
    expect(iso('元宵节')).toBe('2027-02-20T16:00:00.000Z');
  });

  it('given the 2027 Spring Festival on 6 February, should put 春节前 at its midnight and 春节 at the end of its day', () => {
    expect(iso('春节前')).toBe('2027-02-05T16:00:00.000Z');
    expect(iso('春節')).toBe('2027-02-06T16:00:00.000Z');
  });

  it('given plan 5 summaries due 节后2月20日前, should take the first 20 February after the Spring Festival', () => {
    expect(iso('节后2月20日前')).toBe('2027-02-20T16:00:00.000Z');
    expect(iso('春節後(2月20日前)')).toBe('2027-02-20T16:00:00.000Z');
    // The 2026 Spring Festival is on 17 February: a date "after the festival" before it belongs to the next year.
    const season2026 = { ...SEASON_2027, seasonStart: Date.parse('2026-01-05T09:00:00+08:00') };
    expect(iso('节后2月10日前', season2026)).toBe('2027-02-10T16:00:00.000Z');
    expect(iso('2月10日前', season2026)).toBe('2026-02-10T16:00:00.000Z');
  });

  it('given a season that starts in December, should put December dates in its year and January ones in the next', () => {
    expect(iso('12月30日前')).toBe('2026-12-30T16:00:00.000Z');
    expect(iso('1月15日前')).toBe('2027-01-15T16:00:00.000Z');
    expect(iso('元月21日前')).toBe('2027-01-21T16:00:00.000Z');
    expect(iso('12月1日')).toBe('2026-12-01T16:00:00.000Z');
    expect(iso('2028年2月13日前')).toBe('2028-02-13T16:00:00.000Z');
  });

  it('given the next season, should find the next festivals (2028: Spring Festival 26 January, lantern festival 9 February)', () => {
    const season2028 = { ...SEASON_2027, seasonStart: Date.parse('2027-12-01T09:00:00+08:00') };
    expect(iso('春节前', season2028)).toBe('2028-01-25T16:00:00.000Z');
    expect(iso('元宵节结束', season2028)).toBe('2028-02-09T16:00:00.000Z');
  });

  it('given month ends and times of day, should resolve them as offices mean them', () => {
    const autumn = { ...SEASON_2027, seasonStart: Date.parse('2026-10-08T09:00:00+08:00') };
    expect(iso('10月底前', autumn)).toBe('2026-10-31T16:00:00.000Z');
    expect(iso('2月底', SEASON_2027)).toBe('2027-02-28T16:00:00.000Z');
    expect(iso('2月12日 17:00', SEASON_2027)).toBe('2027-02-12T09:00:00.000Z');
    expect(iso('2月12日17时前', SEASON_2027)).toBe('2027-02-12T09:00:00.000Z');
  });

  it('given ISO forms, should take a date as the end of its day, a local time in the zone, and an instant as written', () => {
    expect(iso('2027-02-13')).toBe('2027-02-13T16:00:00.000Z');
    expect(iso('2027-02-13', { ...SEASON_2027, edge: 'start' })).toBe('2027-02-12T16:00:00.000Z');
    expect(iso('2027-02-13T17:00')).toBe('2027-02-13T09:00:00.000Z');
    expect(iso('2027-02-13T17:00:00Z')).toBe('2027-02-13T17:00:00.000Z');
    expect(iso('2027-02-13T17:00:00-05:00', { timeZone: 'Asia/Shanghai' })).toBe('2027-02-13T22:00:00.000Z');
  });

  it('given what it cannot resolve, should refuse with a Chinese message, never a guess', () => {
    const refusal = (text: string, context: LocalDateContext) => {
      try {
        resolveLocalInstant(text, context);
      } catch (err) {
        return err as LocalDateNotUnderstood;
      }
      throw new Error(`resolved ${text}`);
    };
    expect(refusal('2月13日前', { timeZone: 'Asia/Shanghai' }).message).toMatch(/^无法理解日期“2月13日前”:没有写年份/);
    expect(refusal('下周五', SEASON_2027)).toMatchObject({ type: 'LocalDateNotUnderstood', text: '下周五' });
    expect(refusal('2月30日', SEASON_2027).message).toContain('没有这一天');
    expect(refusal('2027-02-30', SEASON_2027)).toBeInstanceOf(LocalDateNotUnderstood);
  });
});
