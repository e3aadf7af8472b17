import { z } from 'zod';
import { campaignPlanSchema, idSchema, instantSchema, PHASE_NAMES, planDurationSchema, SUBMISSION_KINDS } from '../domain/plan';
import { planCalendarIssues, PlanDatesNotUnderstood, resolvePlanDates, type understoodDates } from '../domain/plan-dates';
import type { UpwardReport } from '../domain/report';
import type { AuditTrail } from './audit';
import { householdSchema } from '../domain/household';
import { MAX_ROSTER_ENTRIES, type PublishedEntry } from '../domain/roster';
import { MAX_VISITS_PER_BATCH } from '../domain/visits';
import type { CampaignRecord, ObjectionView, UnitPhaseRecord } from '../store/views';
import { CAMPAIGN_PHASE_STATUSES, CAMPAIGN_STATUSES } from '../workflows/campaign/messages';
import type { ReinstatementRecord } from '../workflows/campaign/messages';
import { OBJECTION_KINDS, OBJECTION_OUTCOMES, UNIT_PHASE_STATUSES } from '../workflows/unit/messages';
import type { ExtensionRecord, ReviewResult, StrikeResult, SubmitResult, VisitsResult } from '../workflows/unit/messages';

// Request and response shapes. The routes validate with them and the OpenAPI document is generated
// from them; the response schemas are typed against the workflows' own types so they cannot drift.

const text = (max: number) => z.string().trim().min(1).max(max);
const phaseName = z.enum(PHASE_NAMES);

// ---- the plan a campaign starts from

/**
 * A plan whose instants may be written as offices write them (2月13日前, 元宵节结束, 2027-02-13,
 * docs/api.md "Dates"): resolved in the plan's time zone before the plan schema checks them, and
 * refused, each with its path and reason, when a date cannot be read or a working-day duration
 * falls in a year the business calendar does not cover. Never guessed.
 */
export const startCampaignBody = z
  .preprocess((input, ctx) => {
    try {
      return resolvePlanDates(input);
    } catch (err) {
      if (!(err instanceof PlanDatesNotUnderstood)) throw err;
      for (const issue of err.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message, input });
      return input;
    }
  }, campaignPlanSchema)
  .superRefine(
    (plan, ctx) => {
      for (const issue of planCalendarIssues(plan)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    },
    // The calendar counts a valid plan's durations; an invalid one already has its issues.
    { when: (payload) => payload.issues.length === 0 },
  );

// ---- path and query parameters

export const campaignParams = z.object({ campaignId: idSchema });
export const phaseParams = campaignParams.extend({ phase: phaseName });
export const unitParams = campaignParams.extend({ unitId: idSchema });
export const unitPhaseParams = phaseParams.extend({ unitId: idSchema });
/** A request id as the API makes it: operation, the caller's subject, the Idempotency-Key (or a random one). */
export const unitRequestParams = unitPhaseParams.extend({ requestId: z.string().regex(/^[A-Za-z]+:[A-Za-z0-9_-]+:[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'a request id from a 202 answer') });

export const listCampaignsQuery = z.strictObject({
  status: z.enum(CAMPAIGN_STATUSES).optional(),
  phase: phaseName.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().regex(/^[A-Za-z0-9_-]{1,2048}\.[A-Za-z0-9_-]{43}$/, 'the nextCursor of an earlier page').optional(),
});

export const phaseQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

// ---- request bodies

export const submitBody = z.strictObject({
  kind: z.enum(SUBMISSION_KINDS),
  /** The report's text, or the note that goes with a roster. */
  report: text(20_000),
  figures: z.record(z.string().min(1).max(64), z.number().finite()).optional(),
  /** An applicant roster's households, checked against the plan's rules (quota, standards, funding sources, budgets, duplicates). */
  households: z.array(householdSchema).min(1).max(MAX_ROSTER_ENTRIES).optional(),
});

/** A roster entry's number: 1-based, as the clerk counts the lines; bounded like the record's integer column. */
const entryNumber = z.number().int().min(1).max(1_000_000);
const strikeEntriesShape = z.array(z.strictObject({ entry: entryNumber.describe('1-based line of the roster'), reason: text(1_000) }));

export const strikeBody = z.strictObject({ entries: strikeEntriesShape.min(1).max(MAX_ROSTER_ENTRIES) });

export const reviewBody = z.discriminatedUnion('decision', [
  z.strictObject({ decision: z.literal('approve'), reason: text(2_000).optional() }),
  z.strictObject({ decision: z.literal('reject'), reason: text(2_000).describe('required when rejecting: the unit is told why') }),
]);

export const visitBody = z.strictObject({
  entry: entryNumber.describe('the household’s entry on the approved applicant roster'),
  amount: z.number().int().min(0).max(100_000_000).describe('cash paid, whole yuan'),
  goods: text(300).optional(),
  visitedOn: z.iso.date('a date, YYYY-MM-DD'),
  recipientSigned: z.boolean(),
  handler: text(100).describe('who handed it over (經手人)'),
});

export const visitBatchBody = z.strictObject({ visits: z.array(visitBody).min(1).max(MAX_VISITS_PER_BATCH) });
/** The new cutoff, or how much later than the current one (`by`: P3WD on the business calendar, or P2D). */
export const extendCutoffBody = z
  .strictObject({
    cutoff: instantSchema.optional(),
    by: planDurationSchema.describe('how much later than the current cutoff: P3WD (working days) or P2D').optional(),
    reason: text(2_000),
  })
  .refine((body) => (body.cutoff === undefined) !== (body.by === undefined), { message: 'give the new cutoff or by how much later (by: P3WD), one of the two' });
export const reasonBody = z.strictObject({ reason: text(2_000) });
export const signOffBody = z.strictObject({ note: text(2_000).optional() });

// ---- responses

const actorRecord = { requestId: z.string(), actor: z.string(), at: z.string() };

const phaseSummarySchema = z.object({
  name: phaseName,
  status: z.enum(CAMPAIGN_PHASE_STATUSES),
  opensAt: z.string(),
  cutoff: z.string(),
  startedAt: z.string().optional(),
  closedAt: z.string().optional(),
  participants: z.number(),
  approved: z.number(),
  forfeited: z.number(),
  signOff: z.object({ ...actorRecord, note: z.string().optional() }).optional(),
  signOffReminders: z.number(),
});

export const campaignStateSchema = z.object({
  campaignId: z.string(),
  title: z.string(),
  organizer: z.string(),
  status: z.enum(CAMPAIGN_STATUSES),
  currentPhase: phaseName.optional(),
  phases: z.array(phaseSummarySchema),
  excluded: z.array(z.object({ unitId: z.string(), forfeitedIn: phaseName })),
  reinstatements: z.array(z.object({ ...actorRecord, unitId: z.string(), reason: z.string(), forfeitedIn: phaseName })),
  cancellation: z.object({ ...actorRecord, reason: z.string() }).optional(),
  startedAt: z.string(),
  closedAt: z.string().optional(),
  startedBy: z.string(),
  startRequestId: z.string(),
}) satisfies z.ZodType<CampaignRecord>;

export const reinstatementSchema = campaignStateSchema.shape.reinstatements.element satisfies z.ZodType<ReinstatementRecord>;

const noticeRecord = z.object({ notificationId: z.string(), kind: z.string(), to: z.string(), at: z.string() });

export const extensionSchema = z.object({
  requestId: z.string(),
  actor: z.string(),
  from: z.string(),
  to: z.string(),
  reason: z.string(),
  extendedAt: z.string(),
}) satisfies z.ZodType<ExtensionRecord>;

export const strikeSchema = z.object({
  requestId: z.string(),
  submissionNumber: z.number(),
  entries: strikeEntriesShape,
  remaining: z.number(),
  struckAt: z.string(),
}) satisfies z.ZodType<StrikeResult>;

/** A visits file, recorded in batches of at most VISIT_BATCH_SIZE: how many it held, and the unit's totals after it. */
export const visitUploadResultSchema = z.object({ recorded: z.number(), batches: z.number(), visited: z.number(), paid: z.number(), recordedAt: z.string() });
export const householdErasureSchema = z.object({ campaignId: z.string(), unitId: z.string(), entry: z.number(), erased: z.literal(true) });
export const personalDataErasureSchema = z.object({ campaignId: z.string(), households: z.number().describe('households whose personal data this request erased') });
export const rosterEntryParams = unitParams.extend({ entry: z.coerce.number().int().min(1).max(1_000_000) });
export const visitsResultSchema = z.object({ recorded: z.number(), visited: z.number(), paid: z.number(), recordedAt: z.string() }) satisfies z.ZodType<VisitsResult>;

export const publishedEntrySchema = z.object({
  entry: z.number(),
  maskedName: z.string(),
  category: z.string(),
  amount: z.number(),
  goods: z.string().optional(),
  fundingSource: z.string(),
}) satisfies z.ZodType<PublishedEntry>;

const actorRequest = { requestId: z.string(), actor: z.string() };

export const objectionSchema = z.object({
  number: z.number(),
  requestId: z.string(),
  kind: z.enum(OBJECTION_KINDS),
  entry: z.number().optional(),
  statement: z.string().optional(),
  filedAt: z.string(),
  answer: z.object({ ...actorRequest, answer: z.string(), answeredAt: z.string() }).optional(),
  decision: z
    .object({ ...actorRequest, outcome: z.enum(OBJECTION_OUTCOMES), reason: z.string(), decidedAt: z.string(), rosterChange: z.enum(['entry-struck', 'addition-requested']).optional() })
    .optional(),
  addition: z.object({ ...actorRequest, addedAt: z.string(), entry: z.number() }).optional(),
}) satisfies z.ZodType<ObjectionView>;

/** Filed through the notice link: what the objection is about, never who the objector is. */
export const objectionBody = z.strictObject({
  kind: z.enum(OBJECTION_KINDS),
  entry: entryNumber.optional(),
  statement: z.string().trim().min(1).max(2_000),
});
export const answerObjectionBody = z.strictObject({ answer: z.string().trim().min(1).max(2_000) });
export const decideObjectionBody = z.strictObject({ outcome: z.enum(OBJECTION_OUTCOMES), reason: z.string().trim().min(1).max(1_000) });
/** The household an upheld missed-household objection asked for, as a roster lists one. */
export const addHouseholdBody = z.strictObject({ household: householdSchema });

export const objectionParams = unitParams.extend({ objection: z.coerce.number().int().min(1).max(1_000_000) });
export const noticeParams = z.object({ noticeToken: z.string().min(1).max(200) });

/** The public notice (公示): the standing roster, names masked, and the objections by number and status only. */
export const noticeSchema = z.object({
  campaignId: z.string(),
  unitId: z.string(),
  unitName: z.string(),
  status: z.enum(UNIT_PHASE_STATUSES),
  cutoff: z.string(),
  entries: z.array(publishedEntrySchema),
  objections: z.array(z.object({ number: z.number(), kind: z.enum(OBJECTION_KINDS), entry: z.number().optional(), filedAt: z.string(), outcome: z.enum(OBJECTION_OUTCOMES).optional() })),
});

/** A unit's notice link, for it to put up. */
export const noticeLinkSchema = z.object({ noticeToken: z.string(), path: z.string() });

export const unitPhaseStateSchema = z.object({
  campaignId: z.string(),
  phase: phaseName,
  expects: z.enum(SUBMISSION_KINDS),
  unitId: z.string(),
  unitName: z.string(),
  supervisor: z.string(),
  status: z.enum(UNIT_PHASE_STATUSES),
  opensAt: z.string(),
  cutoff: z.string(),
  submissions: z.array(
    z.object({
      number: z.number(),
      requestId: z.string(),
      actor: z.string(),
      /** The postmark: when the API received it (on-time is decided by it), and when it was recorded. */
      receivedAt: z.string(),
      submittedAt: z.string(),
      kind: z.enum(SUBMISSION_KINDS),
      report: z.string(),
      figures: z.record(z.string(), z.number()).optional(),
      /** Households on the roster (the roster itself: GET …/roster). */
      households: z.number().optional(),
    }),
  ),
  reviews: z.array(
    z.object({
      submissionNumber: z.number(),
      requestId: z.string(),
      actor: z.string(),
      decision: z.enum(['approve', 'reject']),
      reason: z.string().optional(),
      reviewedAt: z.string(),
    }),
  ),
  extensions: z.array(extensionSchema),
  strikes: z.array(z.object({ requestId: z.string(), actor: z.string(), submissionNumber: z.number(), entries: strikeEntriesShape, struckAt: z.string() })),
  rosterSize: z.number(),
  visited: z.number(),
  paid: z.number(),
  objections: z.array(objectionSchema),
  reminders: z.array(noticeRecord),
  escalations: z.array(noticeRecord),
  forfeitedAt: z.string().optional(),
  approvedAt: z.string().optional(),
  cancelledAt: z.string().optional(),
}) satisfies z.ZodType<UnitPhaseRecord>;

export const submitResultSchema = z.object({
  submissionNumber: z.number(),
  status: z.enum(UNIT_PHASE_STATUSES),
  submittedAt: z.string(),
  receivedAt: z.string(),
}) satisfies z.ZodType<SubmitResult>;

export const reviewResultSchema = z.object({ status: z.enum(UNIT_PHASE_STATUSES), reviewedAt: z.string() }) satisfies z.ZodType<ReviewResult>;

const localInstant = z.string().describe('an ISO-8601 instant with the campaign time zone’s offset, e.g. 2027-02-14T00:00:00+08:00');
/** What the API understood of the plan's dates (domain/plan-dates.ts, understoodDates). */
export const understoodDatesSchema = z.object({
  timezone: z.string(),
  seasonStart: localInstant.optional(),
  phases: z.array(
    z.object({
      name: phaseName,
      opensAt: localInstant,
      cutoff: localInstant,
      reminders: z.array(z.object({ offset: z.string(), at: localInstant })),
      milestones: z.array(z.object({ at: localInstant, coverage: z.number() })).optional(),
    }),
  ),
}) satisfies z.ZodType<ReturnType<typeof understoodDates>>;

export const campaignStartedSchema = z.object({ campaignId: z.string(), workflowId: z.string(), status: z.literal('started'), location: z.string(), dates: understoodDatesSchema });

export const campaignListSchema = z.object({
  campaigns: z.array(
    z.object({
      campaignId: z.string(),
      organizer: z.string().optional(),
      status: z.enum(CAMPAIGN_STATUSES).optional(),
      phase: phaseName.optional(),
      /** Temporal's own execution status, e.g. RUNNING, COMPLETED, TERMINATED. */
      execution: z.string(),
      startedAt: z.string(),
      closedAt: z.string().optional(),
    }),
  ),
  nextCursor: z.string().optional(),
});

/** A unit in a phase view: its progress, without what it submitted (that is in the unit view). */
export const unitSummarySchema = z.object({
  unitId: z.string(),
  unitName: z.string(),
  supervisor: z.string(),
  status: z.enum(UNIT_PHASE_STATUSES),
  cutoff: z.string(),
  submissions: z.number(),
  lastDecision: z.enum(['approve', 'reject']).optional(),
  approvedAt: z.string().optional(),
  forfeitedAt: z.string().optional(),
});

export const phaseViewSchema = z.object({
  campaignId: z.string(),
  phase: phaseName,
  status: z.enum(CAMPAIGN_PHASE_STATUSES),
  summary: phaseSummarySchema,
  units: z.array(unitSummarySchema),
  page: z.object({ offset: z.number(), limit: z.number(), total: z.number(), nextOffset: z.number().optional() }),
});

export const UNIT_PARTICIPATION = ['taking-part', 'not-started', 'not-taking-part'] as const;

export const unitViewSchema = z.object({
  campaignId: z.string(),
  unitId: z.string(),
  phases: z.array(
    z.object({
      phase: phaseName,
      /** not-started: the phase has not begun, so the unit has no workflow for it yet; not-taking-part: excluded after forfeiting. */
      participation: z.enum(UNIT_PARTICIPATION),
      state: unitPhaseStateSchema.optional(),
    }),
  ),
});

const figures = { households: z.number(), approved: z.number(), visited: z.number(), paid: z.number() };

export const reportSchema = z.object({
  campaignId: z.string(),
  title: z.string(),
  organizer: z.string(),
  totals: z.object({ ...figures, budget: z.number(), undisbursed: z.number() }),
  byFundingSource: z.array(
    z.object({ ...figures, id: z.string(), name: z.string(), budget: z.number(), undisbursed: z.number(), split: z.array(z.object({ level: z.string(), approved: z.number(), paid: z.number() })) }),
  ),
  byCategory: z.array(z.object({ ...figures, category: z.string(), name: z.string() })),
  byUnit: z.array(z.object({ ...figures, unitId: z.string(), name: z.string(), forfeitedIn: phaseName.optional() })),
  forfeited: z.array(z.object({ unitId: z.string(), name: z.string(), phase: phaseName })),
  costSplit: z.array(z.object({ level: z.string(), approved: z.number(), paid: z.number() })),
}) satisfies z.ZodType<UpwardReport>;

export const auditTrailSchema = z.object({
  campaignId: z.string(),
  title: z.string(),
  organizer: z.string(),
  rows: z.array(
    z.object({
      at: z.string(),
      /** A token's subject, or 'system' for what the clock did (phases opening and closing, forfeiture, reminders). */
      actor: z.string(),
      requestId: z.string().nullable(),
      action: z.string(),
      phase: phaseName.nullable(),
      unitId: z.string().nullable(),
      detail: z.string(),
      /** Where it decided the outcome: when the API received the request (the postmark). */
      receivedAt: z.string().optional(),
    }),
  ),
}) satisfies z.ZodType<AuditTrail>;

export const healthSchema = z.object({ status: z.literal('ok') });
export const readinessSchema = z.object({ status: z.literal('ready'), temporal: z.string(), workers: z.number().int() });

/** The 202 of a write whose outcome is not known yet: read it at `location` (also the Location header). */
export const pendingSchema = z.object({ requestId: z.string(), status: z.literal('pending'), location: z.string() });
/** The outcome of an earlier write, read by its request id: the result the write would have answered. */
export const requestOutcomeSchema = z.object({ requestId: z.string(), status: z.literal('done'), result: z.record(z.string(), z.unknown()) });

export const errorEnvelopeSchema = z.object({
  error: z.object({
    status: z.number().int(),
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() })).optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
