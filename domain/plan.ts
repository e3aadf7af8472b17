import { z } from 'zod';
import { isTimeZone } from './calendar/time-zone';
import { parseDuration } from './calendar/durations';
import { recipientChannelSchema, type RecipientChannel } from './channel';
import { parseIsoDuration } from './duration';

// The campaign plan (方案): one schema shared by the API, which refuses a bad plan with every
// problem listed, and the workflows, which trust what the API accepted. Node-free on purpose.

export const PHASE_NAMES = ['preparation', 'publicity', 'visiting', 'summary'] as const;
export type PhaseName = (typeof PHASE_NAMES)[number];

/** Business keys end up in workflow ids and URLs: letters, digits, '-' and '_' only. */
export const idSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'use 1-64 letters, digits, "-" or "_", starting with a letter or digit');

export const instantSchema = z.iso.datetime({ offset: true, message: 'an ISO-8601 instant with an offset, e.g. 2027-01-15T17:00:00+08:00' });

export const isoDurationSchema = z
  .string()
  .refine((text) => parseIsoDuration(text) !== undefined, 'an ISO-8601 duration in weeks, days, hours, minutes or seconds, e.g. P3D or PT2H');

/** A plan's own instants: the API also takes local dates and the offices' words here, resolved at start (domain/plan-dates.ts). */
const planInstantSchema = instantSchema.describe('an ISO-8601 instant; at start the API also takes 2027-02-13 (by the end of that day), 2027-02-13T17:00 in the plan’s timezone, and the offices’ words: 2月13日前, 元宵节结束 (docs/api.md, "Dates in a plan")');

const textSchema = (max: number) => z.string().trim().min(1).max(max);

/**
 * Working days ("P3WD", counted on the business calendar) beside ISO-8601 durations: a phase's
 * reminders and review window. The record's activities count them (domain/calendar/phase-clock.ts)
 * and the workflows keep the instants they answer; the API refuses a plan whose working days fall
 * in a year the calendar does not cover (domain/plan-dates.ts, planCalendarIssues).
 */
export const planDurationSchema = z
  .string()
  .refine((text) => parseDuration(text) !== undefined, 'an ISO-8601 duration (P2D, PT12H) or whole working days (P3WD)');

export const LOCALES = ['zh-CN', 'en'] as const;

export const contactSchema = z.object({
  /** Where this party's notifications are POSTed. */
  webhook: z.url({ protocol: /^https?$/, message: 'an http(s) URL' }),
  /** How this party chooses to be told (WeCom, DingTalk, e-mail, webhook); the webhook above otherwise. */
  channel: recipientChannelSchema.optional(),
  /** The language of this party's notifications: Simplified Chinese unless it asks for English. */
  locale: z.enum(LOCALES).optional(),
  /**
   * Gathers the notifications about single units (phase openings, forfeitures, escalations) into
   * one message per period of this length (PT1H, P1D; periods counted from 1970-01-01 UTC), so a
   * coordinator of 5,000 units gets one message listing them, not 5,000. Unset: each at once.
   */
  digest: isoDurationSchema.optional(),
});
export type Contact = z.infer<typeof contactSchema>;

/** The channel a party is told on: the one it named, else its webhook. */
export function channelOf(contact: Pick<Contact, 'channel' | 'webhook'>): RecipientChannel {
  return contact.channel ?? { type: 'webhook', url: contact.webhook };
}

export const personSchema = z.object({
  id: idSchema,
  name: textSchema(100),
  notify: contactSchema,
});
export type Person = z.infer<typeof personSchema>;

export const unitSchema = personSchema.extend({
  /** The reviewer who approves this unit's submissions and receives its escalations. */
  supervisor: idSchema,
  /** Households this unit may put forward (名額). */
  quota: z.number().int().min(0).max(1_000_000),
});
export type Unit = z.infer<typeof unitSchema>;

/** Whole yuan (CNY): the plans give every standard and budget in whole yuan. */
export const moneySchema = z.number().int('whole yuan').min(0).max(100_000_000);

/** A category's standard (標準): the cash amount range per household, e.g. general 200–600. */
export const standardSchema = z.object({
  category: idSchema,
  name: textSchema(100),
  min: moneySchema,
  /** Absent for an open-ended standard ("1000元以上"). */
  max: moneySchema.optional(),
});
export type Standard = z.infer<typeof standardSchema>;

/** A funding source (資金來源) and its budget; amounts listed against it may not exceed it campaign-wide. */
export const fundingSourceSchema = z.object({
  id: idSchema,
  name: textSchema(200),
  budget: moneySchema,
  /** Shares of the cost each level of government bears (plan 8: {"district": 0.5, "town": 0.5}); they add up to 1. */
  split: z.record(idSchema, z.number().gt(0).max(1)).optional(),
});
export type FundingSource = z.infer<typeof fundingSourceSchema>;

/** The rules applicant rosters are checked against. A plan without them takes rosters as free text. */
export const rosterRulesSchema = z.object({
  standards: z.array(standardSchema).min(1, 'at least one category standard'),
  fundingSources: z.array(fundingSourceSchema).min(1, 'at least one funding source'),
});
export type RosterRules = z.infer<typeof rosterRulesSchema>;

export const SUBMISSION_KINDS = ['applicant-roster', 'publicity-report', 'signed-roster', 'summary-report'] as const;
export type SubmissionKind = (typeof SUBMISSION_KINDS)[number];

export const ADVANCE_MODES = ['automatic', 'sign-off'] as const;
export type AdvanceMode = (typeof ADVANCE_MODES)[number];

export const phaseSchema = z.object({
  name: z.enum(PHASE_NAMES),
  opensAt: planInstantSchema,
  cutoff: planInstantSchema,
  /** Offsets before the cutoff at which units that have not submitted are reminded: P3D, or P2WD (two working days before). */
  reminders: z.array(planDurationSchema).max(20).default([]),
  /** A reminder that would fall on a non-working day (weekend, holiday) is sent on the working day before, at the same time. */
  remindersOnWorkingDays: z.boolean().optional(),
  /** How long a reviewer has for one submission before being reminded, then escalated (twice that): P2D, or P3WD. */
  reviewWithin: planDurationSchema.default('P2D'),
  submission: z.object({ kind: z.enum(SUBMISSION_KINDS), description: textSchema(500) }),
  advance: z.enum(ADVANCE_MODES).default('automatic'),
  /** While a phase awaits the coordinator's sign-off, the coordinator is reminded this often. */
  signOffReminderEvery: isoDurationSchema.default('P1D'),
  /**
   * Visiting only: shares of its approved households a unit must have visited by each instant
   * (plan 6: 30% by 10/31, all by 11/30); units behind are reminded and escalated then.
   */
  milestones: z.array(z.object({ at: planInstantSchema, coverage: z.number().gt(0).max(1) })).max(10).optional(),
  /**
   * Publicity under roster rules: how long an objection (異議) to the published roster may wait
   * before the unit is reminded to answer it; twice that and the coordinator is told.
   */
  objectionWithin: isoDurationSchema.default('P2D'),
});
export type PhaseSpec = z.infer<typeof phaseSchema>;

export const campaignPlanSchema = z
  .object({
    id: idSchema,
    title: textSchema(200),
    organizer: textSchema(100),
    timezone: z.string().default('Asia/Shanghai'),
    /**
     * When the campaign's season starts: gives a year to the plan's dates written without one
     * (2月13日前) and to festivals (元宵节结束). See resolvePlanDates (domain/plan-dates.ts).
     */
    seasonStart: planInstantSchema.optional(),
    coordinator: personSchema,
    reviewers: z.array(personSchema).min(1, 'at least one reviewer'),
    units: z.array(unitSchema).min(1, 'a campaign needs at least one unit'),
    phases: z.array(phaseSchema).length(PHASE_NAMES.length, `exactly the four phases: ${PHASE_NAMES.join(', ')}`),
    rules: rosterRulesSchema.optional(),
  })
  .superRefine((plan, ctx) => {
    const problem = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });

    if (!isTimeZone(plan.timezone)) problem(['timezone'], `unknown IANA time zone "${plan.timezone}"`);

    const reviewerIds = new Set<string>();
    plan.reviewers.forEach((reviewer, i) => {
      if (reviewerIds.has(reviewer.id)) problem(['reviewers', i, 'id'], `duplicate reviewer id "${reviewer.id}"`);
      reviewerIds.add(reviewer.id);
    });
    const unitIds = new Set<string>();
    plan.units.forEach((unit, i) => {
      if (unitIds.has(unit.id)) problem(['units', i, 'id'], `duplicate unit id "${unit.id}"`);
      unitIds.add(unit.id);
      if (!reviewerIds.has(unit.supervisor)) problem(['units', i, 'supervisor'], `unknown supervisor "${unit.supervisor}": not among the reviewers`);
    });

    if (plan.rules) {
      const categories = new Set<string>();
      plan.rules.standards.forEach((standard, i) => {
        if (categories.has(standard.category)) problem(['rules', 'standards', i, 'category'], `duplicate category "${standard.category}"`);
        categories.add(standard.category);
        if (standard.max !== undefined && standard.max < standard.min) problem(['rules', 'standards', i, 'max'], `max ${standard.max} is below min ${standard.min}`);
      });
      const sources = new Set<string>();
      plan.rules.fundingSources.forEach((source, i) => {
        if (sources.has(source.id)) problem(['rules', 'fundingSources', i, 'id'], `duplicate funding source "${source.id}"`);
        sources.add(source.id);
        const shares = Object.values(source.split ?? { whole: 1 }).reduce((sum, share) => sum + share, 0);
        if (Math.abs(shares - 1) > 1e-9) problem(['rules', 'fundingSources', i, 'split'], `the shares add up to ${shares}, not 1`);
      });
    }

    let previousCutoff: number | undefined;
    plan.phases.forEach((phase, i) => {
      const expected = PHASE_NAMES[i];
      if (expected && phase.name !== expected) problem(['phases', i, 'name'], `phase ${i + 1} must be "${expected}" (order: ${PHASE_NAMES.join(' → ')})`);
      const opensAt = Date.parse(phase.opensAt);
      const cutoff = Date.parse(phase.cutoff);
      if (cutoff <= opensAt) problem(['phases', i, 'cutoff'], `cutoff ${phase.cutoff} is not after opensAt ${phase.opensAt}`);
      if (previousCutoff !== undefined && opensAt < previousCutoff) {
        problem(['phases', i, 'opensAt'], `${phase.name} opens at ${phase.opensAt}, before the previous phase's cutoff: phases must not overlap`);
      }
      previousCutoff = cutoff;
      phase.milestones?.forEach((milestone, j) => {
        if (phase.name !== 'visiting') problem(['phases', i, 'milestones'], 'coverage milestones belong to the visiting phase');
        const at = Date.parse(milestone.at);
        if (at <= opensAt || at > cutoff) problem(['phases', i, 'milestones', j, 'at'], `milestone ${milestone.at} is not within the phase (${phase.opensAt} → ${phase.cutoff}]`);
      });
      phase.reminders.forEach((offset, j) => {
        // Working days are counted on the calendar when the unit phase opens; exact offsets are checked here.
        const ms = parseIsoDuration(offset);
        if (ms !== undefined && ms >= cutoff - opensAt) problem(['phases', i, 'reminders', j], `reminder ${offset} before the cutoff is as long as the phase or longer`);
      });
    });
  });
export type CampaignPlan = z.infer<typeof campaignPlanSchema>;
/** A plan as a client writes it: defaults may be left out. */
export type CampaignPlanInput = z.input<typeof campaignPlanSchema>;

