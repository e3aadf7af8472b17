import { isGrpcServiceError, ServiceError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import type { z } from 'zod';
import { CampaignFailure } from '../workflows/campaign/messages';
import type { UnitPhaseFailureType } from '../workflows/unit/messages';

// One error envelope for every answer that is not a success, and one place that maps what can go
// wrong (a bad request, a workflow refusing an update, Temporal being away) to an HTTP status.

export interface Issue {
  path: (string | number)[];
  message: string;
}

export interface ErrorEnvelope {
  error: { status: number; code: string; message: string; issues?: Issue[]; details?: Record<string, unknown> };
}

/** Seconds a client should wait before retrying when Temporal is unreachable. */
export const RETRY_AFTER_SECONDS = 5;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly extra: { issues?: Issue[]; details?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(message);
  }

  get envelope(): ErrorEnvelope {
    const { issues, details } = this.extra;
    return { error: { status: this.status, code: this.code, message: this.message, ...(issues ? { issues } : {}), ...(details ? { details } : {}) } };
  }
}

export function validationError(status: 400 | 404, where: string, error: z.ZodError): ApiError {
  const issues = error.issues.map((issue) => ({ path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: issue.message }));
  const listed = issues.map((i) => `${i.path.join('.') || '(whole)'}: ${i.message}`).join('; ');
  return status === 404
    ? new ApiError(404, 'not-found', `no such resource: ${listed}`, { issues })
    : new ApiError(400, 'invalid-request', `invalid ${where} (${issues.length} problem${issues.length === 1 ? '' : 's'}): ${listed}`, { issues });
}

export const temporalUnavailable = (): ApiError =>
  new ApiError(503, 'temporal-unavailable', `Temporal did not answer in time; retry in ${RETRY_AFTER_SECONDS} s (with the same Idempotency-Key for a POST)`, {
    headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
  });

export const databaseUnavailable = (): ApiError =>
  new ApiError(503, 'database-unavailable', `记录库 (PostgreSQL) 未响应,请 ${RETRY_AFTER_SECONDS} 秒后重试,POST 请用同一 Idempotency-Key (the record (PostgreSQL) did not answer; retry in ${RETRY_AFTER_SECONDS} s, with the same Idempotency-Key for a POST)`, {
    headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
  });

type FailureType = UnitPhaseFailureType | (typeof CampaignFailure)[keyof typeof CampaignFailure];

/** The codes the API answers by itself (not a workflow's refusal). */
type ApiCode =
  | 'invalid-request' | 'malformed-json' | 'invalid-idempotency-key' | 'invalid-cursor' | 'undecodable-payload' | 'bad-request'
  | 'body-too-large' | 'unsupported-encoding' | 'unsupported-charset' | 'unauthorized' | 'forbidden' | 'origin-not-allowed'
  | 'not-found' | 'campaign-not-found' | 'unit-not-found' | 'phase-not-started' | 'unit-not-taking-part' | 'request-not-found'
  | 'method-not-allowed' | 'campaign-exists' | 'idempotency-key-reused' | 'idempotency-key-in-use' | 'refused-by-temporal'
  | 'temporal-unavailable' | 'database-unavailable' | 'no-worker' | 'internal'
  | 'no-organization' | 'not-in-plan' | 'too-many-failures'
  | 'unsupported-media-type' | 'invalid-file' | 'no-roster-rules' | 'CampaignRunning'
  | 'roster-not-approved' | 'reviewer-not-found' | 'not-a-colleague' | 'substitution-not-found';

export type ErrorCode = FailureType | ApiCode;

/** The status for every failure type a workflow update can raise; a new type will not compile until it is mapped. */
const FAILURE_STATUS: Record<FailureType, number> = {
  PhaseNotOpenYet: 409,
  // Sent again by the API within its wait (api/updates.ts); left over only if the new run never took it.
  ContinuingAsNew: 503,
  CutoffPassed: 409,
  AwaitingReview: 409,
  AlreadyApproved: 409,
  UnitPhaseClosed: 409,
  NothingToReview: 409,
  InvalidExtension: 409,
  WrongSubmissionKind: 422,
  ReasonRequired: 422,
  TooManyVisits: 422,
  InvalidStrike: 422,
  RosterRequired: 422,
  QuotaExceeded: 422,
  UnknownCategory: 422,
  AmountOutsideStandard: 422,
  UnknownFundingSource: 422,
  DuplicateInRoster: 422,
  DuplicateHousehold: 409,
  BudgetExceeded: 409,
  NoApprovedRoster: 409,
  NotOnRoster: 422,
  AlreadyPaid: 409,
  OverApproved: 422,
  ObjectionsOpen: 409,
  InvalidObjection: 422,
  UnknownObjection: 404,
  ObjectionDecided: 409,
  AdditionNotRequested: 409,
  NotAwaitingSignOff: 409,
  CampaignClosed: 409,
  UnitNotForfeited: 409,
  UnknownUnit: 404,
};

/**
 * What a retry with the same Idempotency-Key gets after each answer (docs/api.md, "Idempotency"):
 * - `replay`: the answer is final for that request: it was executed, or it breaks a rule that
 *   will not change for it (its body, the plan, a passed cutoff, an ended phase). Stored and
 *   replayed as it was, so a retry changes nothing.
 * - `afresh`: the answer depends on time or on the campaign's state, which may change (not open
 *   yet, awaiting review, nothing to review yet…). Not stored; a retry is a new request, with a
 *   new receipt instant.
 * - `resume`: the request did not get a verdict, through no fault of its own: Temporal not
 *   reached (503), outcome still unknown (202), a roster check in progress. Not stored; a retry
 *   continues the same request and keeps its first receipt instant (the postmark).
 * A success is `replay`, a 202 whose outcome is unknown `resume`. A new code will not compile until it is here.
 */
export type Replay = 'replay' | 'afresh' | 'resume';

export const REPLAY: Record<ErrorCode, Replay> = {
  // The request itself: final.
  'invalid-request': 'replay',
  'malformed-json': 'replay',
  'invalid-idempotency-key': 'replay',
  'invalid-cursor': 'replay',
  'undecodable-payload': 'replay',
  'bad-request': 'replay',
  'body-too-large': 'replay',
  'unsupported-encoding': 'replay',
  'unsupported-charset': 'replay',
  'unauthorized': 'replay',
  'forbidden': 'replay',
  'origin-not-allowed': 'replay',
  'method-not-allowed': 'replay',
  'idempotency-key-reused': 'replay',
  'not-in-plan': 'replay',
  // An uploaded file in a type not taken, or with rows the plan refuses: the same bytes meet the same answer.
  'unsupported-media-type': 'replay',
  'invalid-file': 'replay',
  // A plan's rules never change.
  'no-roster-rules': 'replay',
  // A roster to print may be approved later.
  'roster-not-approved': 'afresh',
  // The administrator's organization is named once; and failed sign-ins are counted in time.
  'no-organization': 'afresh',
  'too-many-failures': 'afresh',
  WrongSubmissionKind: 'replay',
  ReasonRequired: 'replay',
  RosterRequired: 'replay',
  QuotaExceeded: 'replay',
  UnknownCategory: 'replay',
  AmountOutsideStandard: 'replay',
  UnknownFundingSource: 'replay',
  DuplicateInRoster: 'replay',
  OverApproved: 'replay',
  TooManyVisits: 'replay',
  // Fixed by the plan (units, supervisors never change) or by the past.
  'unit-not-found': 'replay',
  'reviewer-not-found': 'replay',
  'substitution-not-found': 'replay',
  // A substitute: the colleague may be added to the organization before the retry.
  'not-a-colleague': 'afresh',
  UnknownUnit: 'replay',
  'campaign-exists': 'replay',
  CutoffPassed: 'replay',
  AlreadyApproved: 'replay',
  AlreadyPaid: 'replay',
  ObjectionDecided: 'replay',
  UnitPhaseClosed: 'replay',
  CampaignClosed: 'replay',
  // Executed, and refused while it ran: Temporal keeps that outcome for the Update id too.
  DuplicateHousehold: 'replay',
  BudgetExceeded: 'replay',
  // Refused by the server for good (e.g. the workflow's Update limit).
  'refused-by-temporal': 'replay',
  // Depends on time or state.
  PhaseNotOpenYet: 'afresh',
  ContinuingAsNew: 'afresh',
  AwaitingReview: 'afresh',
  NothingToReview: 'afresh',
  InvalidExtension: 'afresh',
  InvalidStrike: 'afresh',
  NoApprovedRoster: 'afresh',
  NotOnRoster: 'afresh',
  ObjectionsOpen: 'afresh',
  InvalidObjection: 'afresh',
  UnknownObjection: 'afresh',
  AdditionNotRequested: 'afresh',
  NotAwaitingSignOff: 'afresh',
  UnitNotForfeited: 'afresh',
  'not-found': 'afresh',
  'campaign-not-found': 'afresh',
  'phase-not-started': 'afresh',
  'unit-not-taking-part': 'afresh',
  // Personal data is erased once the campaign has ended, which it will.
  CampaignRunning: 'afresh',
  'request-not-found': 'afresh',
  'idempotency-key-in-use': 'afresh',
  // A bug: once mended, a retry should run.
  'internal': 'afresh',
  // No verdict yet.
  'database-unavailable': 'resume',
  'temporal-unavailable': 'resume',
  'no-worker': 'resume',
};

const isFailureType = (type: string | undefined | null): type is FailureType => type != null && Object.hasOwn(FAILURE_STATUS, type);

/** A workflow's refusal (a failure type, its words and details) as the API's error. */
export function fromRefusal(refusal: { type: FailureType; message: string; details?: Record<string, unknown> }): ApiError {
  return new ApiError(FAILURE_STATUS[refusal.type], refusal.type, refusal.message, refusal.details ? { details: refusal.details } : {});
}

function fromApplicationFailure(failure: ApplicationFailure): ApiError | undefined {
  if (!isFailureType(failure.type)) return undefined;
  const [first] = failure.details ?? [];
  const details = first && typeof first === 'object' ? (first as Record<string, unknown>) : undefined;
  return fromRefusal({ type: failure.type, message: failure.message, details });
}

/** gRPC status codes (grpc-js is the client's dependency, not ours). */
const grpcStatus = { CANCELLED: 1, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, UNAVAILABLE: 14 } as const;
const UNAVAILABLE_CODES = new Set<number>([grpcStatus.UNAVAILABLE, grpcStatus.DEADLINE_EXCEEDED, grpcStatus.CANCELLED, grpcStatus.RESOURCE_EXHAUSTED]);

function fromGrpcCode(code: number, details: string): ApiError | undefined {
  if (UNAVAILABLE_CODES.has(code)) return temporalUnavailable();
  if (code === grpcStatus.NOT_FOUND) return new ApiError(404, 'not-found', details);
  if (code === grpcStatus.INVALID_ARGUMENT) return new ApiError(400, 'invalid-request', details);
  // Permanent for this request (e.g. the workflow took its 2,000 Updates): retrying cannot help.
  if (code === grpcStatus.FAILED_PRECONDITION) return new ApiError(409, 'refused-by-temporal', `Temporal 拒绝了该请求,重试无效 (Temporal refused this request for good): ${details}`);
  return undefined;
}

/** Errors the JSON body parser raises, by their `type`. */
const BODY_ERRORS: Record<string, [number, ErrorCode, string]> = {
  'entity.parse.failed': [400, 'malformed-json', 'the request body is not valid JSON'],
  'entity.too.large': [413, 'body-too-large', 'the request body is larger than this server accepts'],
  'encoding.unsupported': [415, 'unsupported-encoding', 'the request body has a content encoding this server does not accept'],
  'charset.unsupported': [415, 'unsupported-charset', 'the request body has a charset this server does not accept'],
};

/** Maps anything thrown while answering a request to an ApiError; only genuine bugs become 500. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const mapped = fromApplicationFailure(err.cause);
    if (mapped) return mapped;
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return temporalUnavailable();
  if (err instanceof WorkflowNotFoundError) return new ApiError(404, 'not-found', err.message);
  const grpc = isGrpcServiceError(err) ? err : err instanceof ServiceError && isGrpcServiceError(err.cause) ? err.cause : undefined;
  const fromGrpc = grpc && fromGrpcCode(grpc.code, grpc.details);
  if (fromGrpc) return fromGrpc;
  if (isDatabaseUnavailable(err)) return databaseUnavailable();
  if (err instanceof ServiceError || isConnectionError(err)) return temporalUnavailable();
  if (isBodyParserError(err)) {
    const known = BODY_ERRORS[err.type];
    if (known) return new ApiError(known[0], known[1], known[2]);
    if (err.status >= 400 && err.status < 500) return new ApiError(err.status, 'bad-request', err.expose ? err.message : 'the request could not be read');
  }
  return new ApiError(500, 'internal', 'an unexpected error; it has been logged');
}

/** http-errors as raised by body-parser and the router (e.g. a malformed %-escape in the path). */
function isBodyParserError(err: unknown): err is { type: string; status: number; expose: boolean; message: string } {
  return err instanceof Error && typeof (err as { status?: unknown }).status === 'number';
}

/** Socket failures as Node raises them (a string code, a syscall): only pg surfaces these; the Temporal client wraps its own in gRPC errors. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);

/** PostgreSQL down, restarting or refusing connections: SQLSTATE class 08 (connection), 57P01–03 (shutdown), its socket failing, or pg's own words for a dropped connection. */
function isDatabaseUnavailable(err: unknown): boolean {
  // Not `instanceof Error`: Node's socket errors come from another realm under jest's sandbox.
  if (typeof err !== 'object' || err === null) return false;
  const { code, syscall, message } = err as { code?: unknown; syscall?: unknown; message?: unknown };
  if (typeof code === 'string' && /^08...$|^57P0[1-3]$/.test(code)) return true;
  if (typeof code === 'string' && typeof syscall === 'string' && SOCKET_CODES.has(code)) return true;
  return typeof message === 'string' && /^Connection terminated|^timeout exceeded when trying to connect/.test(message);
}

/** The client throws plain Errors when it cannot reach the server at all (e.g. connection refused at connect time). */
function isConnectionError(err: unknown): boolean {
  return err instanceof Error && /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|Failed to connect|deadline|TransportError/i.test(`${err.name} ${err.message}`);
}
