// What a person reads in a notification, rendered at delivery from the draft's structured data:
// Simplified Chinese first, English on request, times in the campaign's time zone as offices write
// them (2月12日 17:00). Drafts carry ids, instants, counts, the unit's and campaign's names, never
// personal data; free-text reasons are shown only when the draft chose to carry them.
//
// Data fields read, by kind (all optional; a missing one shows as "—"):
//   every kind        campaignTitle, phase (PhaseName), unitName (or unitId)
//   phase-opened      cutoff, submission (SubmissionKind)
//   submission-reminder  cutoff, submission
//   submission-rejected  submissionNumber, cutoff, submission, reason?, canResubmit (false: rejected after the cutoff)
//   entries-struck    submissionNumber, entries (e.g. "3, 5")
//   coverage-*        milestone, coverage (0–1), households, visited, required
//   objection-filed   objection, objectionKind (or kind), entry?, answerBy? or objectionWithin
//   objection-reminder objection, filedAt, objectionWithin
//   objection-escalated objection, filedAt
//   objection-decided objection, outcome (uphold | dismiss), rosterChange?, entry?, reason?
//   unit-forfeited    cutoff, submission
//   review-overdue    submissionNumber, submittedAt, reviewWithin
//   review-escalated  submissionNumber, submittedAt, reviewerName (or reviewer)
//   sign-off-needed, sign-off-reminder  approved, forfeited
//   campaign-cancelled  cancelledBy?, reason?
//   unit-urged        urgedBy (the coordinator's or reviewer's name), note, cutoff?, submission?
// A digest (renderDigest) lists a period's notifications by phase and kind, naming the units.
// Deadlines (cutoff, answerBy) at local midnight read as the day before at 24:00: "2月13日前"
// resolves to 2月14日 00:00, and is shown as 2月13日 24:00.
import { localDateTime, type LocalDateTime } from './calendar/time-zone';
import type { PhaseName, SubmissionKind } from './plan';

export type Locale = 'zh-CN' | 'en';
export type NotificationData = Readonly<Record<string, string | number | boolean | undefined>>;
export interface RenderOptions {
  locale?: Locale;
  timeZone: string;
}
export interface RenderedNotification {
  title: string;
  text: string;
}

interface Words {
  phases: Record<PhaseName, string>;
  submissions: Record<SubmissionKind, string>;
  months: readonly string[] | undefined;
  durationUnits: { W: string; D: string; H: string; M: string; S: string; WD: string };
  missing: string;
  join: (campaign: string, sentence: string) => string;
}

const WORDS: Record<Locale, Words> = {
  'zh-CN': {
    phases: { preparation: '准备阶段', publicity: '宣传阶段', visiting: '慰问阶段', summary: '总结阶段' },
    submissions: { 'applicant-roster': '申报名册', 'publicity-report': '公示情况报告', 'signed-roster': '已签字名册', 'summary-report': '活动总结' },
    months: undefined,
    durationUnits: { W: '周', D: '天', H: '小时', M: '分钟', S: '秒', WD: '个工作日' },
    missing: '—',
    join: (campaign, sentence) => (campaign ? `${campaign}：${sentence}` : sentence),
  },
  en: {
    phases: { preparation: 'preparation phase', publicity: 'publicity phase', visiting: 'visiting phase', summary: 'summary phase' },
    submissions: { 'applicant-roster': 'applicant roster', 'publicity-report': 'publicity report', 'signed-roster': 'signed roster', 'summary-report': 'summary report' },
    months: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'],
    durationUnits: { W: ' week(s)', D: ' day(s)', H: ' hour(s)', M: ' minute(s)', S: ' second(s)', WD: ' working day(s)' },
    missing: '—',
    join: (campaign, sentence) => (campaign ? `${campaign}: ${sentence}` : sentence),
  },
};

/** A phase as a person reads it (准备阶段 / preparation phase): the printed documents name it alike. */
export const phaseWord = (phase: PhaseName, locale: Locale): string => WORDS[locale].phases[phase];

/** The local day and hh:mm of an instant; a deadline at midnight is the end of the day before, 24:00, as offices write it. */
export function wallClock(instantMs: number, timeZone: string, deadline = false): { day: LocalDateTime; clock: string } {
  const at = localDateTime(instantMs, timeZone);
  const endOfDay = deadline && at.hour === 0 && at.minute === 0 && at.second === 0;
  const day = endOfDay ? localDateTime(instantMs - 1, timeZone) : at;
  return { day, clock: endOfDay ? '24:00' : `${String(at.hour).padStart(2, '0')}:${String(at.minute).padStart(2, '0')}` };
}

/** Reads a draft's data as the words of one locale. */
function reader(data: NotificationData, words: Words, timeZone: string) {
  const raw = (key: string) => (data[key] === undefined || data[key] === '' ? undefined : String(data[key]));
  const text = (key: string) => raw(key) ?? words.missing;
  const time = (key: string, deadline = false) => {
    const value = raw(key);
    const ms = value === undefined ? NaN : Date.parse(value);
    if (Number.isNaN(ms)) return value ?? words.missing;
    const { day, clock } = wallClock(ms, timeZone, deadline);
    return words.months ? `${day.day} ${words.months[day.month - 1]} ${clock}` : `${day.month}月${day.day}日 ${clock}`;
  };
  const duration = (key: string) => {
    const value = raw(key);
    const match = value && /^P(?:(\d+)WD)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(value);
    if (!match) return value ?? words.missing;
    const units = words.durationUnits;
    return [units.WD, units.W, units.D, units.H, units.M, units.S].map((unit, i) => (match[i + 1] ? `${match[i + 1]}${unit}` : '')).filter(Boolean).join(words.months ? ' ' : '');
  };
  return {
    text,
    raw,
    time,
    duration,
    unit: raw('unitName') ?? text('unitId'),
    campaign: raw('campaignTitle') ?? '',
    phase: words.phases[raw('phase') as PhaseName] ?? text('phase'),
    submission: words.submissions[raw('submission') as SubmissionKind] ?? text('submission'),
    percent: (key: string) => (raw(key) === undefined ? words.missing : `${Math.round(Number(raw(key)) * 100)}%`),
  };
}
type Reader = ReturnType<typeof reader>;
type Template = (d: Reader) => [title: string, sentence: string];

const ZH: Record<string, Template> = {
  'phase-opened': (d) => [`【${d.phase}开始】${d.unit}`, `${d.phase}已开始，请${d.unit}于${d.time('cutoff', true)}前提交${d.submission}。`],
  'submission-reminder': (d) => [`【催报】${d.unit}${d.submission}尚未提交`, `${d.unit}尚未提交${d.phase}的${d.submission}，截止时间为${d.time('cutoff', true)}，逾期不予接收。`],
  'submission-rejected': (d) => [
    `【退回】${d.unit}第${d.text('submissionNumber')}次提交未通过`,
    `${d.unit}${d.phase}第${d.text('submissionNumber')}次提交的${d.submission}未通过审核${d.raw('reason') ? `：${d.raw('reason')}` : '，原因请登录系统查看'}。${d.raw('canResubmit') === 'false' ? `截止时间${d.time('cutoff', true)}已过，不能再重新提交，视为自动放弃。` : `请于${d.time('cutoff', true)}前重新提交。`}`,
  ],
  'entries-struck': (d) => [`【删减】${d.unit}名册有条目被删减`, `${d.unit}第${d.text('submissionNumber')}次提交的名册中，第${d.text('entries')}条不符合条件，已予删减（详见系统）。`],
  'coverage-behind': (d) => [`【进度】${d.unit}走访进度落后`, coverageZh(d)],
  'coverage-escalated': (d) => [`【督办】${d.unit}走访进度落后`, coverageZh(d)],
  'objection-filed': (d) => [
    `【异议】${d.unit}公示名册收到第${d.text('objection')}号异议`,
    `${d.unit}公示名册收到第${d.text('objection')}号异议（${(d.raw('objectionKind') ?? d.raw('kind')) === 'missed-household' ? '反映有应纳入而未纳入的户' : `反映第${d.text('entry')}条不符合条件`}），请于${d.raw('answerBy') ? `${d.time('answerBy', true)}前` : `${d.duration('objectionWithin')}内`}答复。`,
  ],
  'objection-reminder': (d) => [`【催办】第${d.text('objection')}号异议待答复`, `${d.unit}公示名册的第${d.text('objection')}号异议（${d.time('filedAt')}提出）已等待${d.duration('objectionWithin')}，请尽快答复。`],
  'objection-escalated': (d) => [`【督办】第${d.text('objection')}号异议仍未裁定`, `${d.unit}公示名册的第${d.text('objection')}号异议（${d.time('filedAt')}提出）仍未裁定；裁定前${d.unit}不能通过审核。`],
  'objection-decided': (d) => {
    const upheld = d.raw('outcome') === 'uphold';
    const change = d.raw('rosterChange') === 'entry-struck' ? `第${d.text('entry')}条已删减。` : d.raw('rosterChange') === 'addition-requested' ? '请将漏报户补充申报。' : '';
    return [`【裁定】第${d.text('objection')}号异议${upheld ? '成立' : '不成立'}`, `${d.unit}公示名册的第${d.text('objection')}号异议经裁定${upheld ? '成立' : '不成立'}${d.raw('reason') ? `：${d.raw('reason')}` : ''}。${change}`];
  },
  'unit-forfeited': (d) => [`【逾期】${d.unit}${d.phase}视为自动放弃`, `${d.unit}未在${d.time('cutoff', true)}截止前提交${d.phase}的${d.submission}，逾期不予接收，视为自动放弃。`],
  'review-overdue': (d) => [`【待审核】${d.unit}第${d.text('submissionNumber')}次提交`, `${d.unit}${d.phase}第${d.text('submissionNumber')}次提交（${d.time('submittedAt')}提交）已等待审核${d.duration('reviewWithin')}，请尽快审核。`],
  'review-escalated': (d) => [`【督办】${d.unit}的提交仍未审核`, `${d.raw('reviewerName') ?? d.text('reviewer')}尚未审核${d.unit}${d.phase}第${d.text('submissionNumber')}次提交（${d.time('submittedAt')}提交），请督办。`],
  'sign-off-needed': (d) => [`【待确认】${d.phase}已截止`, `${d.phase}已截止：${d.text('approved')}个单位通过，${d.text('forfeited')}个单位视为放弃。请审核确认后进入下一阶段。`],
  'sign-off-reminder': (d) => [`【提醒】${d.phase}仍待确认`, `${d.phase}仍待您审核确认（${d.text('approved')}个单位通过，${d.text('forfeited')}个单位视为放弃）。`],
  'campaign-cancelled': (d) => [`【撤销】活动已撤销`, `活动已${d.raw('cancelledBy') ? `由${d.raw('cancelledBy')}` : ''}撤销${d.raw('reason') ? `，原因：${d.raw('reason')}` : ''}。`],
  'unit-urged': (d) => [`【催办】${d.unit}`, `${d.text('urgedBy')}催办：${d.text('note')}${d.raw('cutoff') ? `（${d.phase}截止时间${d.time('cutoff', true)}）` : ''}`],
};

function coverageZh(d: Reader): string {
  return `截至${d.time('milestone', true)}，${d.unit}已走访${d.text('visited')}户（共${d.text('households')}户），方案要求${d.percent('coverage')}（${d.text('required')}户），请加快进度。`;
}

const EN: Record<string, Template> = {
  'phase-opened': (d) => [`${d.phase} open: ${d.unit}`, `The ${d.phase} is open. ${d.unit}, submit your ${d.submission} by ${d.time('cutoff', true)}.`],
  'submission-reminder': (d) => [`Reminder: ${d.unit}'s ${d.submission} is due`, `${d.unit} has not yet submitted its ${d.submission} for the ${d.phase}; the cutoff is ${d.time('cutoff', true)}, and late submissions are not accepted.`],
  'submission-rejected': (d) => [
    `Returned: ${d.unit}'s submission ${d.text('submissionNumber')}`,
    `Submission ${d.text('submissionNumber')} of ${d.unit} for the ${d.phase} was not approved${d.raw('reason') ? `: ${d.raw('reason')}` : ' (see the reason in the system)'}. ${d.raw('canResubmit') === 'false' ? `The cutoff ${d.time('cutoff', true)} has passed, so it cannot be resubmitted and the unit forfeits.` : `Resubmit by ${d.time('cutoff', true)}.`}`,
  ],
  'entries-struck': (d) => [`Entries struck from ${d.unit}'s roster`, `Entries ${d.text('entries')} of ${d.unit}'s submission ${d.text('submissionNumber')} do not qualify and were struck (details in the system).`],
  'coverage-behind': (d) => [`Visits behind: ${d.unit}`, coverageEn(d)],
  'coverage-escalated': (d) => [`Escalation: ${d.unit}'s visits are behind`, coverageEn(d)],
  'objection-filed': (d) => [
    `Objection ${d.text('objection')} to ${d.unit}'s notice`,
    `Objection ${d.text('objection')} to ${d.unit}'s published roster (${(d.raw('objectionKind') ?? d.raw('kind')) === 'missed-household' ? 'a household is missing' : `entry ${d.text('entry')} does not qualify`}): answer it ${d.raw('answerBy') ? `by ${d.time('answerBy', true)}` : `within ${d.duration('objectionWithin')}`}.`,
  ],
  'objection-reminder': (d) => [`Reminder: objection ${d.text('objection')} awaits an answer`, `Objection ${d.text('objection')} to ${d.unit}'s published roster, filed ${d.time('filedAt')}, has waited ${d.duration('objectionWithin')} for an answer.`],
  'objection-escalated': (d) => [`Escalation: objection ${d.text('objection')} is undecided`, `Objection ${d.text('objection')} to ${d.unit}'s published roster, filed ${d.time('filedAt')}, is still undecided; ${d.unit} cannot be approved until it is.`],
  'objection-decided': (d) => {
    const upheld = d.raw('outcome') === 'uphold';
    const change = d.raw('rosterChange') === 'entry-struck' ? ` Entry ${d.text('entry')} is struck.` : d.raw('rosterChange') === 'addition-requested' ? ' Put the missed household forward for addition.' : '';
    return [`Objection ${d.text('objection')} ${upheld ? 'upheld' : 'dismissed'}`, `Objection ${d.text('objection')} to ${d.unit}'s published roster was ${upheld ? 'upheld' : 'dismissed'}${d.raw('reason') ? `: ${d.raw('reason')}` : ''}.${change}`];
  },
  'unit-forfeited': (d) => [`Forfeited: ${d.unit}, ${d.phase}`, `${d.unit} submitted no ${d.submission} for the ${d.phase} by the cutoff ${d.time('cutoff', true)} and forfeits (late submissions are not accepted).`],
  'review-overdue': (d) => [`Review due: ${d.unit}'s submission ${d.text('submissionNumber')}`, `Submission ${d.text('submissionNumber')} of ${d.unit} for the ${d.phase}, submitted ${d.time('submittedAt')}, has waited ${d.duration('reviewWithin')} for review.`],
  'review-escalated': (d) => [`Escalation: ${d.unit}'s submission is not reviewed`, `${d.raw('reviewerName') ?? d.text('reviewer')} has not reviewed submission ${d.text('submissionNumber')} of ${d.unit} for the ${d.phase}, submitted ${d.time('submittedAt')}.`],
  'sign-off-needed': (d) => [`Sign-off needed: ${d.phase}`, `The ${d.phase} has closed: ${d.text('approved')} units approved, ${d.text('forfeited')} forfeited. Sign it off to move on.`],
  'sign-off-reminder': (d) => [`Reminder: the ${d.phase} awaits sign-off`, `The ${d.phase} still awaits your sign-off (${d.text('approved')} approved, ${d.text('forfeited')} forfeited).`],
  'campaign-cancelled': (d) => [`Campaign cancelled`, `The campaign was cancelled${d.raw('cancelledBy') ? ` by ${d.raw('cancelledBy')}` : ''}${d.raw('reason') ? `: ${d.raw('reason')}` : ''}.`],
  'unit-urged': (d) => [`Urgent reminder: ${d.unit}`, `${d.text('urgedBy')} urges: ${d.text('note')}${d.raw('cutoff') ? ` (the ${d.phase} closes ${d.time('cutoff', true)})` : ''}`],
};

function coverageEn(d: Reader): string {
  return `By ${d.time('milestone', true)} ${d.unit} has visited ${d.text('visited')} of its ${d.text('households')} households; the plan asks for ${d.percent('coverage')} (${d.text('required')}).`;
}

const TEMPLATES: Record<Locale, Record<string, Template>> = { 'zh-CN': ZH, en: EN };

/** The title and text of a notification for one reader. Never throws: an unknown kind gets a generic line. */
export function renderNotification(kind: string, data: NotificationData = {}, { locale = 'zh-CN', timeZone }: RenderOptions): RenderedNotification {
  const words = WORDS[locale] ?? WORDS['zh-CN'];
  const d = reader(data, words, timeZone);
  const template = (TEMPLATES[locale] ?? ZH)[kind];
  if (!template) {
    return locale === 'en'
      ? { title: d.campaign ? `Notice: ${d.campaign}` : 'Notice', text: words.join(d.campaign, `You have a new notice (${kind}); see the system for details.`) }
      : { title: d.campaign ? `【通知】${d.campaign}` : '【通知】', text: words.join(d.campaign, `您有一条新通知（${kind}），请登录系统查看。`) };
  }
  const [title, sentence] = template(d);
  return { title, text: words.join(d.campaign, sentence) };
}

/** What a digest calls each kind of notification it lists. */
const DIGEST_LABELS: Record<Locale, Record<string, string>> = {
  'zh-CN': {
    'phase-opened': '阶段开始', 'submission-reminder': '催报', 'unit-forfeited': '逾期视为自动放弃', 'review-overdue': '待审核', 'review-escalated': '审核督办',
    'coverage-behind': '走访进度落后', 'coverage-escalated': '走访进度督办', 'objection-escalated': '异议仍未裁定', 'objection-decided': '异议已裁定', 'unit-urged': '催办',
  },
  en: {
    'phase-opened': 'phase open', 'submission-reminder': 'submission due', 'unit-forfeited': 'forfeited', 'review-overdue': 'review due', 'review-escalated': 'review escalated',
    'coverage-behind': 'visits behind', 'coverage-escalated': 'visits escalated', 'objection-escalated': 'objection undecided', 'objection-decided': 'objection decided', 'unit-urged': 'urged',
  },
};

export interface DigestEntry {
  kind: string;
  unitId?: string;
  data: NotificationData;
}

/**
 * One message for a period's notifications about single units: a line per phase and kind, naming
 * every unit in it, so a coordinator of 5,000 units reads one message. Each notification's own data
 * rides beside it for machines.
 */
export function renderDigest(items: readonly DigestEntry[], { locale = 'zh-CN', timeZone, periodStart, periodEnd }: RenderOptions & { periodStart: string; periodEnd: string }): RenderedNotification {
  const words = WORDS[locale] ?? WORDS['zh-CN'];
  const period = reader({ periodStart, periodEnd }, words, timeZone);
  const groups = new Map<string, { phase: string; label: string; units: string[] }>();
  for (const item of items) {
    const d = reader({ unitId: item.unitId, ...item.data }, words, timeZone);
    const key = `${d.raw('phase') ?? ''}\n${item.kind}`;
    const group = groups.get(key) ?? { phase: d.raw('phase') ? d.phase : '', label: DIGEST_LABELS[locale][item.kind] ?? item.kind, units: [] };
    group.units.push(d.unit);
    groups.set(key, group);
  }
  const campaign = reader(items[0]?.data ?? {}, words, timeZone).campaign;
  const from = period.time('periodStart');
  const until = period.time('periodEnd');
  if (locale === 'en') {
    const lines = [...groups.values()].map((g) => `- ${g.phase ? `${g.phase}, ` : ''}${g.label} (${g.units.length} units): ${g.units.join(', ')}`);
    return { title: `Digest: ${items.length} notices, ${from} to ${until}`, text: words.join(campaign, `${items.length} notices from ${from} to ${until}:\n${lines.join('\n')}`) };
  }
  const lines = [...groups.values()].map((g) => `· ${g.phase ? `${g.phase} ` : ''}${g.label}（${g.units.length}个单位）：${g.units.join('、')}`);
  return { title: `【汇总】${from}至${until}通知${items.length}条`, text: words.join(campaign, `${from}至${until}共${items.length}条通知：\n${lines.join('\n')}`) };
}
