import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Person, PhaseName, PhaseSpec, RosterRules, SubmissionKind, Unit } from '../../domain/plan';
import { publishedEntry, RosterFailure, type ApprovedEntry, type Household, type PublishedEntry, type RegistryLayout } from '../../domain/roster';

// One unit's part in one phase: its submissions, reviews, reminders, escalations and cutoff.

export const UNIT_PHASE_STATUSES = ['scheduled', 'open', 'submitted', 'rejected', 'approved', 'forfeited', 'cancelled'] as const;
export type UnitPhaseStatus = (typeof UNIT_PHASE_STATUSES)[number];
export const TERMINAL_UNIT_STATUSES: readonly UnitPhaseStatus[] = ['approved', 'forfeited', 'cancelled'];

/** Typed failure names a caller can branch on (ApplicationFailure.type). */
export const UnitPhaseFailure = {
  NotOpenYet: 'PhaseNotOpenYet',
  CutoffPassed: 'CutoffPassed',
  AwaitingReview: 'AwaitingReview',
  AlreadyApproved: 'AlreadyApproved',
  Closed: 'UnitPhaseClosed',
  WrongSubmissionKind: 'WrongSubmissionKind',
  NothingToReview: 'NothingToReview',
  ReasonRequired: 'ReasonRequired',
  NotSupervisor: 'NotSupervisor',
  InvalidExtension: 'InvalidExtension',
  /** Another submission of this unit is still being checked against the campaign registry. */
  SubmissionInProgress: 'SubmissionInProgress',
  InvalidStrike: 'InvalidStrike',
  /** Visiting: the unit has no approved applicant roster to pay against. */
  NoApprovedRoster: 'NoApprovedRoster',
  NotOnRoster: 'NotOnRoster',
  /** Visiting: the household was already paid (避免重複慰問). */
  AlreadyPaid: 'AlreadyPaid',
  OverApproved: 'OverApproved',
  /** Publicity: the unit cannot be approved while objections to its published roster await a decision. */
  ObjectionsOpen: 'ObjectionsOpen',
  /** Publicity: the objection names no entry of the published roster, or the roster has not been published. */
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
  phase: PhaseSpec;
  unit: Unit;
  supervisor: Person;
  coordinator: Person;
  /** Present when the plan has roster rules: applicant rosters are checked against them and the registry. */
  rosterRules?: RosterRules;
  registry?: RegistryLayout;
}

export interface SubmissionContent {
  kind: SubmissionKind;
  /** The report's text, or a note that goes with the roster. */
  report: string;
  /** Totals the unit declares (households visited, amount paid …). */
  figures?: Record<string, number>;
  /** An applicant roster's households (personal data: never logged). */
  households?: Household[];
}

export interface SubmitRequest {
  requestId: string;
  actor: string;
  content: SubmissionContent;
}

export interface SubmissionRecord {
  number: number;
  requestId: string;
  actor: string;
  submittedAt: string;
  content: SubmissionContent;
  reviewOverdueNotifiedAt?: string;
  reviewEscalatedAt?: string;
}

export interface SubmitResult {
  submissionNumber: number;
  status: UnitPhaseStatus;
  submittedAt: string;
}

export type ReviewDecision = 'approve' | 'reject';

export interface ReviewRequest {
  requestId: string;
  actor: string;
  decision: ReviewDecision;
  /** Required when rejecting: the unit is told why. */
  reason?: string;
}

export interface ReviewRecord {
  submissionNumber: number;
  requestId: string;
  actor: string;
  decision: ReviewDecision;
  reason?: string;
  reviewedAt: string;
}

export interface ReviewResult {
  status: UnitPhaseStatus;
  reviewedAt: string;
}

export interface ExtendCutoffRequest {
  requestId: string;
  actor: string;
  /** The new cutoff, later than the current one. */
  cutoff: string;
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
export interface StrikeRequest {
  requestId: string;
  actor: string;
  entries: { entry: number; reason: string }[];
}

export interface StrikeRecord {
  requestId: string;
  actor: string;
  submissionNumber: number;
  entries: { entry: number; reason: string }[];
  struckAt: string;
}

/** A visit or payment to one household of the approved roster (走訪慰問, 發放). */
export interface VisitRequest {
  requestId: string;
  actor: string;
  /** The household's entry on the approved applicant roster. */
  entry: number;
  amount: number;
  goods?: string;
  /** The day of the visit, YYYY-MM-DD. */
  visitedOn: string;
  recipientSigned: boolean;
  /** Who handed it over (經手人). */
  handler: string;
}

export interface VisitRecord extends VisitRequest {
  recordedAt: string;
}

/** 公示異議: a household left out, or one listed that does not qualify (which names its entry). */
export const OBJECTION_KINDS = ['missed-household', 'ineligible-household'] as const;
export type ObjectionKind = (typeof OBJECTION_KINDS)[number];
export const OBJECTION_OUTCOMES = ['uphold', 'dismiss'] as const;
export type ObjectionOutcome = (typeof OBJECTION_OUTCOMES)[number];

/** Filed by anyone holding the notice link; the actor is the link ("notice"), never the objector's identity. */
export interface FileObjectionRequest {
  requestId: string;
  actor: string;
  kind: ObjectionKind;
  /** ineligible-household: the entry on the published roster. */
  entry?: number;
  /** What the objector says (may name a household: kept in the encrypted workflow state, never in notifications or logs). */
  statement: string;
}

export interface AnswerObjectionRequest {
  requestId: string;
  actor: string;
  objection: number;
  answer: string;
}

export interface DecideObjectionRequest {
  requestId: string;
  actor: string;
  objection: number;
  outcome: ObjectionOutcome;
  reason: string;
}

/** The unit adds the household an upheld missed-household objection asked for (personal data: never logged). */
export interface AddHouseholdRequest {
  requestId: string;
  actor: string;
  objection: number;
  household: Household;
}

export interface ObjectionRecord {
  number: number;
  requestId: string;
  actor: string;
  kind: ObjectionKind;
  entry?: number;
  statement: string;
  filedAt: string;
  answer?: { requestId: string; actor: string; answer: string; answeredAt: string };
  /**
   * rosterChange: an upheld ineligible-household objection strikes its entry (released in the registry);
   * an upheld missed-household one is recorded as a request to add the household, which the unit
   * and its supervisor are told of (the unit adds it: its identity is not on the notice).
   */
  decision?: { requestId: string; actor: string; outcome: ObjectionOutcome; reason: string; decidedAt: string; rosterChange?: 'entry-struck' | 'addition-requested' };
  /** The household the unit added on this objection, as an entry numbered after the published roster's. */
  addition?: { requestId: string; actor: string; addedAt: string; entry: number; household: Household };
  remindedAt?: string;
  escalatedAt?: string;
}

export interface NoticeRecord {
  notificationId: string;
  kind: string;
  to: string;
  at: string;
}

export interface UnitPhaseState {
  campaignId: string;
  phase: PhaseName;
  /** What this phase takes from a unit. */
  expects: SubmissionKind;
  unitId: string;
  unitName: string;
  supervisor: string;
  status: UnitPhaseStatus;
  opensAt: string;
  cutoff: string;
  submissions: SubmissionRecord[];
  reviews: ReviewRecord[];
  extensions: ExtensionRecord[];
  strikes: StrikeRecord[];
  /** Visiting under roster rules: the approved roster loaded when the phase opened, and the visits against it. */
  approvedRoster?: ApprovedEntry[];
  visits: VisitRecord[];
  /** Publicity under roster rules: the roster as the public notice shows it, loaded when the phase opens. */
  publishedRoster?: PublishedEntry[];
  objections: ObjectionRecord[];
  reminders: NoticeRecord[];
  escalations: NoticeRecord[];
  forfeitedAt?: string;
  approvedAt?: string;
  cancelledAt?: string;
}

/** Why a submission is refused: the failure type, and words for the unit clerk. */
export interface Refusal {
  type: UnitPhaseFailureType;
  message: string;
  details?: Record<string, unknown>;
}

/**
 * Why a unit in this state may not submit now, or undefined if it may. The workflow's validator
 * uses it, and so does the API when the unit's workflow has already closed (a forfeited unit's
 * workflow ends at its cutoff, and a closed workflow takes no updates): the refusal is the same.
 */
export function submissionRefusal(state: UnitPhaseState, now: number, kind: SubmissionKind): Refusal | undefined {
  const cutoffPassed: Refusal = {
    type: UnitPhaseFailure.CutoffPassed,
    message: `the cutoff ${state.cutoff} has passed: unit ${state.unitId}'s ${state.phase} submission is forfeited (逾期不接收)`,
    details: { cutoff: state.cutoff, forfeited: true },
  };
  switch (state.status) {
    case 'scheduled':
      return { type: UnitPhaseFailure.NotOpenYet, message: `the ${state.phase} phase opens at ${state.opensAt}`, details: { opensAt: state.opensAt } };
    case 'submitted':
      return { type: UnitPhaseFailure.AwaitingReview, message: `submission ${state.submissions.length} is awaiting review` };
    case 'approved':
      return { type: UnitPhaseFailure.AlreadyApproved, message: `unit ${state.unitId} is already approved for ${state.phase}` };
    case 'cancelled':
      return { type: UnitPhaseFailure.Closed, message: 'the campaign was cancelled' };
    case 'forfeited':
      return cutoffPassed;
    case 'open':
    case 'rejected':
      if (now >= Date.parse(state.cutoff)) return cutoffPassed;
  }
  if (kind !== state.expects) {
    return { type: UnitPhaseFailure.WrongSubmissionKind, message: `the ${state.phase} phase takes a ${state.expects}, not a ${kind}` };
  }
  return undefined;
}

/** The latest roster as it stands: its entries (1-based) less those struck by the reviewer. */
export function currentRoster(state: UnitPhaseState): { entry: number; household: Household }[] {
  const last = state.submissions.at(-1);
  if (!last?.content.households) return [];
  const struck = new Set(state.strikes.filter((s) => s.submissionNumber === last.number).flatMap((s) => s.entries.map((e) => e.entry)));
  return last.content.households.map((household, i) => ({ entry: i + 1, household })).filter(({ entry }) => !struck.has(entry));
}

/** Entries struck from the published roster by upheld objections. */
export const entriesStruckByObjections = (state: Pick<UnitPhaseState, 'objections'>): Set<number> =>
  new Set(state.objections.flatMap((o) => (o.decision?.rosterChange === 'entry-struck' && o.entry !== undefined ? [o.entry] : [])));

/** Households the unit added on upheld missed-household objections. */
export const addedHouseholds = (state: Pick<UnitPhaseState, 'objections'>): { entry: number; household: Household }[] =>
  state.objections.flatMap((o) => (o.addition ? [{ entry: o.addition.entry, household: o.addition.household }] : []));

/** The public notice: the published roster and the added households, less the entries struck by upheld objections. */
export const standingNotice = (state: Pick<UnitPhaseState, 'objections' | 'publishedRoster'>): PublishedEntry[] => {
  const struck = entriesStruckByObjections(state);
  return [...(state.publishedRoster ?? []), ...addedHouseholds(state).map(publishedEntry)].filter((e) => !struck.has(e.entry));
};

export const openObjections = (state: Pick<UnitPhaseState, 'objections'>): ObjectionRecord[] => state.objections.filter((o) => !o.decision);

export type UnitPhaseOutcome = Extract<UnitPhaseStatus, 'approved' | 'forfeited' | 'cancelled'>;

export const submit = defineUpdate<SubmitResult, [SubmitRequest]>('submit');
export const review = defineUpdate<ReviewResult, [ReviewRequest]>('review');
export const strikeEntries = defineUpdate<StrikeRecord, [StrikeRequest]>('strikeEntries');
export const recordVisit = defineUpdate<VisitRecord, [VisitRequest]>('recordVisit');
export const fileObjection = defineUpdate<ObjectionRecord, [FileObjectionRequest]>('fileObjection');
export const answerObjection = defineUpdate<ObjectionRecord, [AnswerObjectionRequest]>('answerObjection');
export const decideObjection = defineUpdate<ObjectionRecord, [DecideObjectionRequest]>('decideObjection');
export const addHousehold = defineUpdate<ObjectionRecord, [AddHouseholdRequest]>('addHousehold');
export const extendCutoff = defineUpdate<ExtensionRecord, [ExtendCutoffRequest]>('extendCutoff');
export const getUnitPhaseState = defineQuery<UnitPhaseState>('getUnitPhaseState');

export const unitPhaseWorkflowId = (campaignId: string, phase: PhaseName, unitId: string): string =>
  `campaign:${campaignId}:${phase}:unit:${unitId}`;
