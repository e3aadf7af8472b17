// A plan written with the offices' own dates (2月13日前, 元宵节结束, 2027-02-13) resolved to the
// ISO instants the plan schema and the workflows take, in the plan's time zone (default
// Asia/Shanghai). The API calls this before campaignPlanSchema, and answers with the resolved
// plan so the coordinator sees what was understood. API-side only (lunar calendar, ~400 KB).
//
// Fields resolved: seasonStart, every phase's opensAt (a bare date = its start, 00:00) and cutoff,
// every milestone's at (a bare date = by its end, the next day's 00:00). A date without a year
// takes it from seasonStart, else from the first phase's opensAt when that has a year: the first
// such date on or after it (see calendar/local-dates.ts).
import { CalendarYearNotCovered, isWorkingDay } from './calendar/business-days';
import { isWorkingDays } from './calendar/durations';
import { LocalDateNotUnderstood, resolveLocalInstant, type LocalDateContext } from './calendar/local-dates';
import { reminderInstants, reviewDeadlines } from './calendar/phase-clock';
import { DEFAULT_TIME_ZONE, formatInstant, isTimeZone, localDate } from './calendar/time-zone';
import { instantSchema, type CampaignPlan } from './plan';

export interface PlanDateIssue {
  path: (string | number)[];
  message: string;
}

export class PlanDatesNotUnderstood extends Error {
  readonly type = 'PlanDatesNotUnderstood';
  constructor(readonly issues: PlanDateIssue[]) {
    super(`方案中有${issues.length}处日期无法理解:${issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    this.name = 'PlanDatesNotUnderstood';
  }
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The plan with every date field as an ISO instant with the zone's offset; everything else as
 * given (the schema checks it). Throws PlanDatesNotUnderstood listing every date it cannot resolve.
 */
export function resolvePlanDates<T>(input: T): T {
  if (!isObject(input)) return input;
  const timeZone = typeof input.timezone === 'string' && isTimeZone(input.timezone) ? input.timezone : DEFAULT_TIME_ZONE;
  const issues: PlanDateIssue[] = [];
  const phases = Array.isArray(input.phases) ? input.phases : [];

  const resolve = (value: unknown, path: (string | number)[], context: LocalDateContext): unknown => {
    // An instant the schema already takes stays as written: the record, views and refusals quote it.
    if (typeof value !== 'string' || instantSchema.safeParse(value).success) return value;
    try {
      return formatInstant(resolveLocalInstant(value, context), timeZone);
    } catch (err) {
      if (!(err instanceof LocalDateNotUnderstood)) throw err;
      issues.push({ path, message: err.message });
      return value;
    }
  };
  /** An instant written with its year, or undefined. */
  const withYear = (value: unknown): number | undefined => {
    if (typeof value !== 'string') return undefined;
    try {
      return resolveLocalInstant(value, { timeZone, edge: 'start' });
    } catch {
      return undefined;
    }
  };

  const firstOpensAt = isObject(phases[0]) ? phases[0].opensAt : undefined;
  const seasonStart = input.seasonStart === undefined ? withYear(firstOpensAt) : withYear(input.seasonStart);
  const start: LocalDateContext = { timeZone, seasonStart, edge: 'start' };
  const end: LocalDateContext = { timeZone, seasonStart, edge: 'end' };

  const resolved: Json = { ...input };
  if (input.seasonStart !== undefined) resolved.seasonStart = resolve(input.seasonStart, ['seasonStart'], start);
  if (Array.isArray(input.phases)) {
    resolved.phases = input.phases.map((phase: unknown, i) => {
      if (!isObject(phase)) return phase;
      const out: Json = { ...phase };
      if ('opensAt' in phase) out.opensAt = resolve(phase.opensAt, ['phases', i, 'opensAt'], start);
      if ('cutoff' in phase) out.cutoff = resolve(phase.cutoff, ['phases', i, 'cutoff'], end);
      if (Array.isArray(phase.milestones)) {
        out.milestones = phase.milestones.map((milestone: unknown, j) => (isObject(milestone) ? { ...milestone, at: resolve(milestone.at, ['phases', i, 'milestones', j, 'at'], end) } : milestone));
      }
      return out;
    });
  }
  if (issues.length) throw new PlanDatesNotUnderstood(issues);
  return resolved as T;
}

/**
 * Every working-day duration of a (valid) plan that the calendar cannot count, with its path: a
 * reminder before a cutoff in a year without data, or a review window in a phase that reaches one
 * (from its opening to twice the window after its cutoff). Refused at start, never guessed.
 */
export function planCalendarIssues(plan: CampaignPlan): PlanDateIssue[] {
  const issues: PlanDateIssue[] = [];
  const timeZone = plan.timezone;
  const counted = (path: PlanDateIssue['path'], count: () => void) => {
    try {
      count();
    } catch (err) {
      if (!(err instanceof CalendarYearNotCovered)) throw err;
      issues.push({ path, message: err.message });
    }
  };
  plan.phases.forEach((phase, i) => {
    const cutoff = Date.parse(phase.cutoff);
    phase.reminders.forEach((offset, j) => {
      if (isWorkingDays(offset) || phase.remindersOnWorkingDays) counted(['phases', i, 'reminders', j], () => reminderInstants(cutoff, { timeZone, reminders: [offset], remindersOnWorkingDays: phase.remindersOnWorkingDays }));
    });
    if (isWorkingDays(phase.reviewWithin)) {
      counted(['phases', i, 'reviewWithin'], () => {
        // A submission may come on any day from the opening to the cutoff: each of those years is asked for.
        for (let year = localDate(Date.parse(phase.opensAt), timeZone).year; year <= localDate(cutoff, timeZone).year; year++) isWorkingDay({ year, month: 1, day: 1 });
        reviewDeadlines(cutoff, { timeZone, reviewWithin: phase.reviewWithin });
      });
    }
  });
  return issues;
}

/** What the API understood of a plan's dates, as instants with the zone's offset: the start's answer. */
export function understoodDates(plan: CampaignPlan) {
  const timeZone = plan.timezone;
  const local = (instant: string) => formatInstant(Date.parse(instant), timeZone);
  return {
    timezone: timeZone,
    ...(plan.seasonStart ? { seasonStart: local(plan.seasonStart) } : {}),
    phases: plan.phases.map((phase) => ({
      name: phase.name,
      opensAt: local(phase.opensAt),
      cutoff: local(phase.cutoff),
      reminders: reminderInstants(Date.parse(phase.cutoff), { timeZone, reminders: phase.reminders, remindersOnWorkingDays: phase.remindersOnWorkingDays }).map((r) => ({ offset: r.offset, at: local(r.at) })),
      ...(phase.milestones ? { milestones: phase.milestones.map((m) => ({ at: local(m.at), coverage: m.coverage })) } : {}),
    })),
  };
}
