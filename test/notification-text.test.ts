import { renderDigest, renderNotification } from '../domain/notification-text';
import { NOTIFICATION_KINDS } from '../workflows/notification/messages';

const zh = { locale: 'zh-CN', timeZone: 'Asia/Shanghai' } as const;
const en = { locale: 'en', timeZone: 'Asia/Shanghai' } as const;
const campaign = { campaignTitle: '街道2027年春节送温暖走访慰问活动', unitName: '東風村', unitId: 'dongfeng' };

// Data as a draft would carry it for each kind (ids, instants, counts, names; no personal data).
const SAMPLES: Record<string, Record<string, string | number>> = {
  'phase-opened': { phase: 'visiting', cutoff: '2027-02-13T16:00:00.000Z', submission: 'signed-roster' },
  'submission-reminder': { phase: 'preparation', cutoff: '2026-12-31T09:00:00.000Z', submission: 'applicant-roster', offset: 'P1D' },
  'submission-rejected': { phase: 'preparation', submissionNumber: 2, cutoff: '2026-12-31T09:00:00.000Z', submission: 'applicant-roster' },
  'entries-struck': { phase: 'preparation', submissionNumber: 1, entries: '3, 5' },
  'coverage-behind': { phase: 'visiting', milestone: '2026-10-31T16:00:00.000Z', coverage: 0.3, households: 12000, visited: 2900, required: 3600 },
  'coverage-escalated': { phase: 'visiting', milestone: '2026-10-31T16:00:00.000Z', coverage: 0.3, households: 12000, visited: 2900, required: 3600 },
  'objection-filed': { phase: 'publicity', objection: 1, objectionKind: 'ineligible-household', entry: 4, objectionWithin: 'P2WD' },
  'objection-reminder': { phase: 'publicity', objection: 1, filedAt: '2027-01-05T02:00:00.000Z', objectionWithin: 'P2D' },
  'objection-escalated': { phase: 'publicity', objection: 1, filedAt: '2027-01-05T02:00:00.000Z' },
  'objection-decided': { phase: 'publicity', objection: 1, outcome: 'uphold', rosterChange: 'entry-struck', entry: 4 },
  'unit-forfeited': { phase: 'visiting', cutoff: '2027-02-13T16:00:00.000Z', submission: 'signed-roster' },
  'review-overdue': { phase: 'preparation', submissionNumber: 1, submittedAt: '2026-12-20T06:30:00.000Z', reviewWithin: 'P3WD' },
  'review-escalated': { phase: 'preparation', submissionNumber: 1, submittedAt: '2026-12-20T06:30:00.000Z', reviewerName: '民政办审核' },
  'sign-off-needed': { phase: 'preparation', approved: 5, forfeited: 1 },
  'sign-off-reminder': { phase: 'preparation', approved: 5, forfeited: 1 },
  'campaign-cancelled': { cancelledBy: '街道民政办' },
  'unit-urged': { phase: 'visiting', cutoff: '2027-02-13T16:00:00.000Z', urgedBy: '街道民政办', note: '请于今日下班前交签字名册' },
};

describe('notification text', () => {
  it('given a forfeiture at the end of 13 February, should tell it in Chinese as the office wrote the deadline', () => {
    expect(renderNotification('unit-forfeited', { ...campaign, ...SAMPLES['unit-forfeited'] }, zh)).toEqual({
      title: '【逾期】東風村慰问阶段视为自动放弃',
      text: '街道2027年春节送温暖走访慰问活动：東風村未在2月13日 24:00截止前提交慰问阶段的已签字名册，逾期不予接收，视为自动放弃。',
    });
  });

  it('given a reader who asks for English, should tell the same in English, in the campaign time zone', () => {
    const { title, text } = renderNotification('unit-forfeited', { ...campaign, ...SAMPLES['unit-forfeited'] }, en);
    expect(title).toBe('Forfeited: 東風村, visiting phase');
    expect(text).toBe('街道2027年春节送温暖走访慰问活动: 東風村 submitted no signed roster for the visiting phase by the cutoff 13 Feb 24:00 and forfeits (late submissions are not accepted).');
  });

  it('given instants during the day, should write Beijing time as 月日 时:分, never a UTC instant', () => {
    const { text } = renderNotification('submission-reminder', { ...campaign, ...SAMPLES['submission-reminder'] }, zh);
    expect(text).toContain('截止时间为12月31日 17:00');
    const review = renderNotification('review-overdue', { ...campaign, ...SAMPLES['review-overdue'] }, zh).text;
    expect(review).toBe('街道2027年春节送温暖走访慰问活动：東風村准备阶段第1次提交（12月20日 14:30提交）已等待审核3个工作日，请尽快审核。');
    expect(renderNotification('submission-reminder', { ...SAMPLES['submission-reminder'] }, { ...zh, timeZone: 'Asia/Urumqi' }).text).toContain('12月31日 15:00');
  });

  // A digest is rendered from its items (renderDigest), not from data of its own.
  it.each(NOTIFICATION_KINDS.filter((k) => k !== 'digest'))('given kind %s, should have its own text in both languages with every field filled', (kind) => {
    const data = { ...campaign, ...SAMPLES[kind] };
    for (const options of [zh, en]) {
      const { title, text } = renderNotification(kind, data, options);
      expect(text).not.toMatch(/—|undefined|NaN|\d{4}-\d{2}-\d{2}T|请登录系统查看。$|see the system for details\.$/);
      expect(title.length).toBeGreaterThan(3);
    }
  });

  it('given a submission rejected after its cutoff, should say it cannot be resubmitted, never "resubmit before" a past instant', () => {
    const late = { ...campaign, ...SAMPLES['submission-rejected'], reason: '缺少簽字', canResubmit: false };
    const { text } = renderNotification('submission-rejected', late, zh);
    expect(text).toContain('截止时间12月31日 17:00已过，不能再重新提交，视为自动放弃。');
    expect(text).not.toContain('前重新提交');
    expect(renderNotification('submission-rejected', late, en).text).toContain('cannot be resubmitted');
    expect(renderNotification('submission-rejected', { ...late, canResubmit: true }, zh).text).toContain('请于12月31日 17:00前重新提交。');
  });

  it('given an urge, should say who urges, the note as written, and the cutoff as the office writes it', () => {
    const data = { ...campaign, ...SAMPLES['unit-urged'] };
    expect(renderNotification('unit-urged', data, zh)).toEqual({ title: '【催办】東風村', text: '街道2027年春节送温暖走访慰问活动：街道民政办催办：请于今日下班前交签字名册（慰问阶段截止时间2月13日 24:00）' });
    expect(renderNotification('unit-urged', data, en).text).toBe('街道2027年春节送温暖走访慰问活动: 街道民政办 urges: 请于今日下班前交签字名册 (the visiting phase closes 13 Feb 24:00)');
  });

  it('given a day of forfeitures and a review due, a digest should list every unit by phase and kind, with the period in Beijing time', () => {
    const forfeited = (unitName: string) => ({ kind: 'unit-forfeited', data: { ...campaign, ...SAMPLES['unit-forfeited'], unitName } });
    const items = [forfeited('東風村'), forfeited('紅旗社區'), { kind: 'review-overdue', data: { ...campaign, ...SAMPLES['review-overdue'] } }, forfeited('新華村')];
    const period = { periodStart: '2027-02-13T16:00:00.000Z', periodEnd: '2027-02-14T16:00:00.000Z' };
    expect(renderDigest(items, { ...zh, ...period })).toEqual({
      title: '【汇总】2月14日 00:00至2月15日 00:00通知4条',
      text: '街道2027年春节送温暖走访慰问活动：2月14日 00:00至2月15日 00:00共4条通知：\n· 慰问阶段 逾期视为自动放弃（3个单位）：東風村、紅旗社區、新華村\n· 准备阶段 待审核（1个单位）：東風村',
    });
    expect(renderDigest(items, { ...en, ...period }).text).toContain('- visiting phase, forfeited (3 units): 東風村, 紅旗社區, 新華村');
  });

  it('given a kind it does not know, should say so with a generic Chinese line instead of throwing', () => {
    expect(renderNotification('urge', { campaignTitle: '健康进万家' }, zh)).toEqual({ title: '【通知】健康进万家', text: '健康进万家：您有一条新通知（urge），请登录系统查看。' });
  });
});
