import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Person, PhaseName, PhaseSpec, SubmissionKind, Unit } from '../../domain/plan';

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
} as const;

export interface UnitPhaseInput {
  campaignId: string;
  campaignTitle: string;
  phase: PhaseSpec;
  unit: Unit;
  supervisor: Person;
  coordinator: Person;
}

export interface SubmissionContent {
  kind: SubmissionKind;
  /** The report's text, or a note that goes with the roster. */
  report: string;
  /** Totals the unit declares (households visited, amount paid …). */
  figures?: Record<string, number>;
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

export interface NoticeRecord {
  notificationId: string;
  kind: string;
  to: string;
  at: string;
}

export interface UnitPhaseState {
  campaignId: string;
  phase: PhaseName;
  unitId: string;
  unitName: string;
  supervisor: string;
  status: UnitPhaseStatus;
  opensAt: string;
  cutoff: string;
  submissions: SubmissionRecord[];
  reviews: ReviewRecord[];
  extensions: ExtensionRecord[];
  reminders: NoticeRecord[];
  escalations: NoticeRecord[];
  forfeitedAt?: string;
  approvedAt?: string;
  cancelledAt?: string;
}

export type UnitPhaseOutcome = Extract<UnitPhaseStatus, 'approved' | 'forfeited' | 'cancelled'>;

export const submit = defineUpdate<SubmitResult, [SubmitRequest]>('submit');
export const review = defineUpdate<ReviewResult, [ReviewRequest]>('review');
export const extendCutoff = defineUpdate<ExtensionRecord, [ExtendCutoffRequest]>('extendCutoff');
export const getUnitPhaseState = defineQuery<UnitPhaseState>('getUnitPhaseState');

export const unitPhaseWorkflowId = (campaignId: string, phase: PhaseName, unitId: string): string =>
  `campaign:${campaignId}:${phase}:unit:${unitId}`;
