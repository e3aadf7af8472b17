import { isGrpcServiceError, ServiceError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { UnitPhaseFailure } from '../workflows/unit/messages';
import type { UpdateDefinition } from '@temporalio/common';
import { temporalUnavailable } from './errors';

// Every write is a Temporal Update, and its answer is true or says it does not know yet:
// - Temporal not reached (the connection never became ready): 503, and the request is known not
//   to have left this process, so it did not take effect;
// - otherwise the API waits up to API_UPDATE_WAIT_MS for the outcome (long enough to outlast a
//   busy moment) and answers it;
// - past that the outcome is unknown: UpdatePending, answered 202 with where to read it. The
//   request id is the Update id, so the Update can be found again, and a retry with the same key
//   attaches to the same Update instead of sending a second one.

/** The outcome was still unknown at the deadline; `readAt` is the API path where it can be read. */
export class UpdatePending extends Error {
  constructor(
    readonly workflowId: string,
    readonly updateId: string,
    readonly readAt: string,
  ) {
    super(`update ${updateId} of ${workflowId} has no outcome yet`);
  }
}

/** gRPC codes after which a sent request may still have reached the server (grpc-js is the client's dependency). */
const UNKNOWN_OUTCOME_CODES = new Set([1 /* CANCELLED */, 4 /* DEADLINE_EXCEEDED */, 8 /* RESOURCE_EXHAUSTED */, 14 /* UNAVAILABLE */]);

function outcomeUnknown(err: unknown): boolean {
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  const grpc = isGrpcServiceError(err) ? err : err instanceof ServiceError && isGrpcServiceError(err.cause) ? err.cause : undefined;
  return grpc !== undefined && UNKNOWN_OUTCOME_CODES.has(grpc.code);
}

/** The run that refused an Update because it is draining to continue as new, if that was the refusal. */
const drainingRun = (err: unknown): string | undefined =>
  err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === UnitPhaseFailure.ContinuingAsNew ? String(err.cause.details?.[0]) : undefined;

const NEXT_RUN_POLL_MS = 100;
/** A child its parent has just started exists within moments (the server creates it right after the parent's task). */
const STARTING_WAIT_MS = 5_000;
const STARTING_POLL_MS = 20;

/** What `Connection.untilReady` does; it is protected in the SDK's types, but every Connection has it. */
type ReadyWaiter = { untilReady?: (deadline: number) => Promise<void> };

export class Updates {
  constructor(
    private readonly temporal: Client,
    /** How long to wait for an outcome (API_UPDATE_WAIT_MS). */
    private readonly waitMs: number,
    /** How long to wait for Temporal to be reached at all (API_TEMPORAL_TIMEOUT_MS). */
    private readonly connectMs: number,
  ) {}

  /**
   * Runs the Update and answers its result or refusal; UpdatePending when it is not known in time.
   * `notFound` says what an unknown workflow id means: perhaps a run that just continued as new
   * (`check-run`, the default); nothing more to learn here, since the caller can start it (`final`);
   * or a workflow its parent is starting now (`starting`), so the Update is sent again for a moment.
   */
  async execute<Ret, Arg>(workflowId: string, update: UpdateDefinition<Ret, [Arg]>, arg: Arg, updateId: string, readAt: string, notFound: 'check-run' | 'final' | 'starting' = 'check-run'): Promise<Ret> {
    const startingUntil = notFound === 'starting' ? Date.now() + STARTING_WAIT_MS : 0;
    return this.waitFor(workflowId, updateId, readAt, async () => {
      for (;;) {
        try {
          // One call: the server answers once the Update has completed (accepting it first would cost a second call).
          return await this.temporal.workflow.getHandle(workflowId).executeUpdate(update, { args: [arg], updateId });
        } catch (err) {
          // Refused by a run that is draining to continue as new (nothing of it was kept, so the same
          // Update id is free): sent again once the next run has begun, not to the draining run,
          // whose drain each refusal would only prolong. Or sent to the run that has just continued
          // as new: sent again, it reaches the next run.
          const draining = drainingRun(err);
          if (draining) await this.nextRunThan(workflowId, draining);
          else if (err instanceof WorkflowNotFoundError && Date.now() < startingUntil) await new Promise((resolve) => setTimeout(resolve, STARTING_POLL_MS));
          else if (err instanceof WorkflowNotFoundError && notFound === 'check-run' && (await this.running(workflowId))) await new Promise((resolve) => setTimeout(resolve, NEXT_RUN_POLL_MS));
          else throw err;
        }
      }
    });
  }

  /** The outcome of an Update sent before (a WorkflowNotFoundError when Temporal knows no such Update). */
  async outcome<Ret>(workflowId: string, updateId: string, readAt: string): Promise<Ret> {
    return this.waitFor(workflowId, updateId, readAt, () => this.temporal.workflow.getHandle(workflowId).getUpdateHandle<Ret>(updateId).result());
  }

  /** The workflow's result, once it has one (e.g. a cancelled campaign's final state); UpdatePending when not in time. */
  async workflowResult<Ret>(workflowId: string, updateId: string, readAt: string): Promise<Ret> {
    return this.waitFor(workflowId, updateId, readAt, () => this.temporal.workflow.getHandle(workflowId).result() as Promise<Ret>);
  }

  /**
   * Runs a call to Temporal with a deadline of its own, API_TEMPORAL_TIMEOUT_MS from now: for one
   * that follows slower work of the same request (a campaign's start follows the record of its plan).
   */
  withOwnDeadline<T>(call: () => Promise<T>): Promise<T> {
    return this.temporal.connection.withDeadline(Date.now() + this.connectMs, call);
  }

  /** Whether the workflow id's current run is running (a run that continued as new has a successor). */
  private async running(workflowId: string): Promise<boolean> {
    const { status } = await this.temporal.workflow.getHandle(workflowId).describe();
    return status.name === 'RUNNING';
  }

  /** Returns once the workflow id's current run is another than `runId` (or has ended); describe reads touch no history. */
  private async nextRunThan(workflowId: string, runId: string): Promise<void> {
    const handle = this.temporal.workflow.getHandle(workflowId);
    for (;;) {
      const { runId: current, status } = await handle.describe();
      if (current !== runId || status.name !== 'RUNNING') return;
      await new Promise((resolve) => setTimeout(resolve, NEXT_RUN_POLL_MS));
    }
  }

  private async waitFor<Ret>(workflowId: string, updateId: string, readAt: string, run: () => Promise<Ret>): Promise<Ret> {
    await this.reached();
    try {
      return await this.temporal.connection.withDeadline(Date.now() + this.waitMs, run);
    } catch (err) {
      if (outcomeUnknown(err)) throw new UpdatePending(workflowId, updateId, readAt);
      throw err;
    }
  }

  /** 503 unless the connection to Temporal is (or becomes, within connectMs) ready: nothing is sent before. */
  private async reached(): Promise<void> {
    const connection = this.temporal.connection as unknown as ReadyWaiter;
    if (typeof connection.untilReady !== 'function') return;
    await connection.untilReady(Date.now() + this.connectMs).catch(() => {
      throw temporalUnavailable();
    });
  }
}

/** Where a unit phase's request can be read (the route readUnitRequest). */
export const unitRequestPath = (target: { campaignId: string; phase: string; unitId: string }, requestId: string): string =>
  `/campaigns/${target.campaignId}/phases/${target.phase}/units/${target.unitId}/requests/${encodeURIComponent(requestId)}`;
