import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ReminderInstant } from '../../domain/calendar/phase-clock';
import type { Person, PhaseName, PhaseSpec, RosterRules, SubmissionKind, Unit } from '../../domain/plan';
import { RosterFailure } from '../../domain/roster';
import type { VisitInput } from '../../domain/visits';

// The contract of one unit's part in one phase: its Updates, its query, and the shapes they carry.
// Records (rosters, visits, objections' words) live in the database; these carry ids and counts.

export const UNIT_PHASE_STATUSES = ['scheduled', 'open', 'submitted', 'rejected', 'approved', 'forfeited', 'cancelled'] as const;
export type UnitPhaseStatus = (typeof UNIT_PHASE_STATUSES)[number];
export const TERMINAL_UNIT_STATUSES: readonly UnitPhaseStatus[] = ['approved', 'forfeited', 'cancelled'];

/** Typed failure names a caller can branch on (ApplicationFailure.type). */
export const UnitPhaseFailure = {
  NotOpenYet: 'PhaseNotOpenYet',
  /** This run is finishing its handlers to continue as new: sent again, the request reaches the next run. */
  ContinuingAsNew: 'ContinuingAsNew',
  CutoffPassed: 'CutoffPassed',
  AwaitingReview: 'AwaitingReview',
  AlreadyApproved: 'AlreadyApproved',
  Closed: 'UnitPhaseClosed',
  WrongSubmissionKind: 'WrongSubmissionKind',
  NothingToReview: 'NothingToReview',
  ReasonRequired: 'ReasonRequired',
  InvalidExtension: 'InvalidExtension',
  InvalidStrike: 'InvalidStrike',
  /** Visiting: the unit has no approved applicant roster to pay against. */
  NoApprovedRoster: 'NoApprovedRoster',
  NotOnRoster: 'NotOnRoster',
  /** Visiting: the household was already paid (避免重複慰問). */
  AlreadyPaid: 'AlreadyPaid',
  OverApproved: 'OverApproved',
  TooManyVisits: 'TooManyVisits',
  /** Publicity: the unit cannot be approved while objections to its published roster await a decision. */
  ObjectionsOpen: 'ObjectionsOpen',
  InvalidObjection: 'InvalidObjection',
  UnknownObjection: 'UnknownObjection',
  ObjectionDecided: 'ObjectionDecided',
  /** Publicity: a household is added only on an upheld missed-household objection, and once. */
  AdditionNotRequested: 'AdditionNotRequested',
  ...RosterFailure,
} as const;
export type UnitPhaseFailureType = (typeof UnitPhaseFailure)[keyof typeof UnitPhaseFailure];

export interface UnitPhaseInput {
  campaignId: string;
  campaignTitle: string;
  /** The campaign's time zone, for the times people read in notifications. */
  timeZone: string;
  phase: PhaseSpec;
  unit: Unit;
  supervisor: Person;
  coordinator: Person;
  /** Present when the plan has roster rules: rosters carry households, publicity takes objections, visiting pays. */
  rosterRules?: RosterRules;
  /** What a continued run carries over from the run before it. */
  carried?: UnitPhaseState;
  /** Present when the group opened the unit before starting its workflow (the unit had not acted yet): the record's answer to that opening. */
  opened?: UnitOpening;
}

export interface UnitOpening {
  at: string;
  rosterSize: number;
  reminderInstants?: ReminderInstant[];
}

/** Every request a person makes: who, under which id (the Update id too), received by the API when (the postmark). */
export interface UnitRequest {
  requestId: string;
  actor: string;
  receivedAt: string;
}

export interface SubmitRequest extends UnitRequest {
  kind: SubmissionKind;
  /** The report's text, or a note that goes with the roster. */
  report: string;
  /** Totals the unit declares (households visited, amount paid …). */
  figures?: Record<string, number>;
  /** An applicant roster, staged in the database by the API (households never travel through Temporal). */
  roster?: { uploadId: string; entries: number };
}

export interface SubmitResult {
  submissionNumber: number;
  status: UnitPhaseStatus;
  /** When the workflow recorded it, and when the API received it (on time is decided by the latter). */
  submittedAt: string;
  receivedAt: string;
}

export type ReviewDecision = 'approve' | 'reject';

export interface ReviewRequest extends UnitRequest {
  decision: ReviewDecision;
  /** Required when rejecting: the unit is told why. */
  reason?: string;
}

export interface ReviewResult {
  status: UnitPhaseStatus;
  reviewedAt: string;
}

export interface ExtendCutoffRequest extends UnitRequest {
  /** The new cutoff, later than the current one… */
  cutoff?: string;
  /** …or how much later: P3WD (counted on the business calendar by the record) or P2D. One of the two. */
  by?: string;
  reason: string;
}

export interface ExtensionRecord {
  requestId: string;
  actor: string;
  from: string;
  to: string;
  reason: string;
  extendedAt: string;
}

/** 不符條件的予以刪減: the reviewer strikes single entries of the pending roster, each with a reason. */
export interface StrikeRequest extends UnitRequest {
  entries: { entry: number; reason: string }[];
}

export interface StrikeResult {
  requestId: string;
  submissionNumber: number;
  entries: { entry: number; reason: string }[];
  /** Entries the roster still lists. */
  remaining: number;
  struckAt: string;
}

/** A batch of visits or payments (走訪慰問, 發放), at most MAX_VISITS_PER_BATCH. */
export interface RecordVisitsRequest extends UnitRequest {
  visits: VisitInput[];
}

export interface VisitsResult {
  recorded: number;
  /** The unit's households visited and the amount paid so far. */
  visited: number;
  paid: number;
  recordedAt: string;
}

/** 公示異議: a household left out, or one listed that does not qualify (which names its entry). */
export const OBJECTION_KINDS = ['missed-household', 'ineligible-household'] as const;
export type ObjectionKind = (typeof OBJECTION_KINDS)[number];
export const OBJECTION_OUTCOMES = ['uphold', 'dismiss'] as const;
export type ObjectionOutcome = (typeof OBJECTION_OUTCOMES)[number];

/** Filed by anyone holding the notice link; the actor is the link ("notice"), never the objector. */
export interface FileObjectionRequest extends UnitRequest {
  kind: ObjectionKind;
  entry?: number;
  /** What the objector says (may name a household: sealed in the database, never in notifications or logs). */
  statement: string;
}

export interface AnswerObjectionRequest extends UnitRequest {
  objection: number;
  answer: string;
}

export interface DecideObjectionRequest extends UnitRequest {
  objection: number;
  outcome: ObjectionOutcome;
  reason: string;
}

/** The household an upheld missed-household objection asked for, staged in the database by the API. */
export interface AddHouseholdRequest extends UnitRequest {
  objection: number;
  uploadId: string;
}

/** What the workflow keeps of an objection: enough to age it and to hold the unit's approval. */
export interface ObjectionProgress {
  number: number;
  kind: ObjectionKind;
  entry?: number;
  filedAt: string;
  answered: boolean;
  decision?: ObjectionOutcome;
  rosterChange?: 'entry-struck' | 'addition-requested';
  addedEntry?: number;
  remindedAt?: string;
  escalatedAt?: string;
}

/** The unit's part in the phase, as its workflow decides it: status, deadlines, counts, request ids. */
export interface UnitPhaseState {
  campaignId: string;
  phase: PhaseName;
  expects: SubmissionKind;
  unitId: string;
  unitName: string;
  supervisor: string;
  status: UnitPhaseStatus;
  opensAt: string;
  cutoff: string;
  submissions: number;
  /**
   * The submission awaiting review, and whether its reviewer has been reminded or escalated. A
   * review window in working days comes with its instants, counted by the record when it took the
   * submission (dueAt: the reviewer is reminded; escalatesAt: the coordinator is told).
   */
  pending?: { number: number; submittedAt: string; dueAt?: string; escalatesAt?: string; reviewOverdueNotifiedAt?: string; reviewEscalatedAt?: string };
  lastDecision?: ReviewDecision;
  /** Visiting: households on the roster it pays against, visited so far, amount paid. */
  rosterSize: number;
  visited: number;
  paid: number;
  objections: ObjectionProgress[];
  /** Request ids applied in this and earlier runs (the latest ones), so a retry is answered as the first time. */
  applied: string[];
  /** Updates this run has taken: it continues as new well before Temporal's 2,000 per run. */
  updatesThisRun: number;
  /** Reminder instants at or before this have been dealt with. */
  remindedUpTo: number;
  /**
   * The reminders' instants for the current cutoff when the calendar decides them (working-day
   * offsets, or remindersOnWorkingDays), as the record counted them when the phase opened or the
   * cutoff moved; absent, each is its offset before the cutoff in exact milliseconds.
   */
  reminderInstants?: ReminderInstant[];
  approvedAt?: string;
  forfeitedAt?: string;
  cancelledAt?: string;
}

export type UnitPhaseOutcome = Extract<UnitPhaseStatus, 'approved' | 'forfeited' | 'cancelled'>;

export const submit = defineUpdate<SubmitResult, [SubmitRequest]>('submit');
export const review = defineUpdate<ReviewResult, [ReviewRequest]>('review');
export const strikeEntries = defineUpdate<StrikeResult, [StrikeRequest]>('strikeEntries');
export const recordVisits = defineUpdate<VisitsResult, [RecordVisitsRequest]>('recordVisits');
export const fileObjection = defineUpdate<ObjectionProgress, [FileObjectionRequest]>('fileObjection');
export const answerObjection = defineUpdate<ObjectionProgress, [AnswerObjectionRequest]>('answerObjection');
export const decideObjection = defineUpdate<ObjectionProgress, [DecideObjectionRequest]>('decideObjection');
export const addHousehold = defineUpdate<ObjectionProgress, [AddHouseholdRequest]>('addHousehold');
export const extendCutoff = defineUpdate<ExtensionRecord, [ExtendCutoffRequest]>('extendCutoff');
export const getUnitPhaseState = defineQuery<UnitPhaseState>('getUnitPhaseState');
