import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowExecutionStatusName } from '@temporalio/client';
import { defaultPayloadConverter, WorkflowNotFoundError, type Payload } from '@temporalio/common';
import type { QueryDefinition, UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import type { CampaignPlan, PhaseName } from '../domain/plan';
import { CampaignId, CampaignOrganizer, CampaignPhase, CampaignStatus } from '../domain/search-attributes';
import { compileReport, type UnitFigures, type UpwardReport } from '../domain/report';
import { campaignStartOptions, campaignWorkflowId, getCampaignPlan, getCampaignState, type CampaignState, type CampaignStatus as CampaignStatusName } from '../workflows/campaign/messages';
import type { campaignWorkflow } from '../workflows/campaign/workflow';
import { getPhaseState, phaseWorkflowId, type PhaseState } from '../workflows/phase/messages';
import { UnitPhaseFailure, getUnitPhaseState, submissionRefusal, unitPhaseWorkflowId, type UnitPhaseState } from '../workflows/unit/messages';
import type { Principal } from './access';
import { compileAudit, type AuditTrail } from './audit';
import { ApiError, fromRefusal } from './errors';
import { unitRequestPath, type Updates } from './updates';
import type { campaignListSchema, phaseViewSchema, unitSummarySchema, unitViewSchema } from './schemas';

// The API's whole conversation with Temporal: start, list, query and update the campaign's
// workflows by their business-key ids. Routes hold the HTTP side; this holds the Temporal side.

/** Who asks, and the request id the workflows dedupe on (from the Idempotency-Key when there is one). */
export interface Caller {
  /** A token's grant, or for a notice-link operation just the actor (api/access.ts NOTICE_ACTOR). */
  principal: Pick<Principal, 'subject'>;
  requestId: string;
  /** The postmark: when the API first received this request (ISO-8601), kept across retries with its key. */
  receivedAt: string;
}

interface ActorRequest {
  requestId: string;
  actor: string;
}

/** What the API adds to every Update request; `receivedAt` is for the workflows' on-time check (the postmark). */
type StampedRequest<Req> = Req & { receivedAt: string };

/** What an update answers when its workflow has already ended: the original answer to a retried request, or a refusal. */
type WhenEnded<Ret> = (requestId: string) => Promise<Ret>;

const PHASE_VIEW_CONCURRENCY = 16;
/** Campaigns whose supervisor maps the API keeps (oldest dropped first). */
const SUPERVISOR_CACHE_CAMPAIGNS = 100;

export class Campaigns {
  private readonly cursorKey: Buffer;
  private readonly supervisorsByCampaign = new Map<string, Promise<Map<string, string>>>();

  constructor(
    private readonly temporal: Client,
    private readonly taskQueue: string,
    private readonly updates: Updates,
    /** Without one, cursors are good for this process's life only. */
    cursorSecret?: string,
  ) {
    this.cursorKey = cursorSecret ? Buffer.from(cursorSecret) : randomBytes(32);
  }

  /** Starts the campaign; a retry carrying the first start's request id is answered as that start was. */
  async start(plan: CampaignPlan, caller: Caller): Promise<{ workflowId: string }> {
    const workflowId = campaignWorkflowId(plan.id);
    try {
      await this.temporal.workflow.start<typeof campaignWorkflow>('campaignWorkflow', {
        ...campaignStartOptions(plan),
        taskQueue: this.taskQueue,
        // Campaign ids are unique for good: a finished campaign's id is not reused.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        // Lets a retry after an API restart recognise its own start, and the audit trail name who
        // started it (ids only, no personal data).
        memo: { requestId: caller.requestId, actor: caller.principal.subject },
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const { memo } = await this.temporal.workflow.getHandle(workflowId).describe();
      if (memo?.requestId !== caller.requestId) throw new ApiError(409, 'campaign-exists', `a campaign with id ${plan.id} already exists`);
    }
    return { workflowId };
  }

  async list(filter: { status?: CampaignStatusName; phase?: PhaseName; limit: number; cursor?: string }): Promise<z.input<typeof campaignListSchema>> {
    // The filter values come from closed enums (validated by the route), never from raw input.
    const clauses = [`WorkflowType = 'campaignWorkflow'`];
    if (filter.status) clauses.push(`${CampaignStatus.name} = '${filter.status}'`);
    if (filter.phase) clauses.push(`${CampaignPhase.name} = '${filter.phase}'`);
    const response = await this.temporal.workflowService.listWorkflowExecutions({
      namespace: this.temporal.options.namespace,
      query: clauses.join(' AND '),
      pageSize: filter.limit,
      nextPageToken: filter.cursor ? this.pageToken(filter.cursor) : undefined,
    });
    const campaigns = response.executions.map((execution) => {
      const fields = execution.searchAttributes?.indexedFields ?? {};
      return {
        campaignId: keyword(fields, CampaignId) ?? execution.execution!.workflowId!,
        organizer: keyword(fields, CampaignOrganizer),
        status: keyword(fields, CampaignStatus) as CampaignStatusName | undefined,
        phase: keyword(fields, CampaignPhase) as PhaseName | undefined,
        execution: executionStatusName(execution.status ?? 0),
        startedAt: timestamp(execution.startTime)!,
        closedAt: timestamp(execution.closeTime),
      };
    });
    const token = response.nextPageToken;
    return { campaigns, ...(token?.length ? { nextCursor: this.cursor(Buffer.from(token)) } : {}) };
  }

  // Temporal answers a forged page token with an error it retries until the deadline, so cursors
  // carry a MAC and a forged one is a quick 400.
  private cursor(pageToken: Buffer): string {
    return `${pageToken.toString('base64url')}.${createHmac('sha256', this.cursorKey).update(pageToken).digest('base64url')}`;
  }

  private pageToken(cursor: string): Buffer {
    const pageToken = Buffer.from(cursor.split('.')[0]!, 'base64url');
    const expected = Buffer.from(this.cursor(pageToken));
    const given = Buffer.from(cursor);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new ApiError(400, 'invalid-cursor', 'this cursor was not issued by this API (or has expired): list again from the first page');
    }
    return pageToken;
  }

  async campaign(campaignId: string): Promise<CampaignState> {
    return this.campaignQuery(campaignId, getCampaignState);
  }

  /**
   * The unit's supervisor, for authorizing a reviewer. A plan's supervisors never change, so one
   * plan query per campaign serves every review after it (a review is then one round trip, not two).
   */
  async supervisorOf(campaignId: string, unitId: string): Promise<string> {
    let supervisors = this.supervisorsByCampaign.get(campaignId);
    if (!supervisors) {
      // A Map, not an object: a unit id such as "constructor" must find nothing, not Object.prototype's.
      supervisors = this.campaignQuery(campaignId, getCampaignPlan).then((plan) => new Map(plan.units.map((u) => [u.id, u.supervisor])));
      // Failures (a missing campaign, Temporal down) are not remembered.
      supervisors.catch(() => this.supervisorsByCampaign.delete(campaignId));
      this.supervisorsByCampaign.set(campaignId, supervisors);
      if (this.supervisorsByCampaign.size > SUPERVISOR_CACHE_CAMPAIGNS) this.supervisorsByCampaign.delete(this.supervisorsByCampaign.keys().next().value!);
    }
    const supervisor = (await supervisors).get(unitId);
    if (!supervisor) throw new ApiError(404, 'unit-not-found', `no unit ${unitId} in campaign ${campaignId}`);
    return supervisor;
  }

  private async campaignQuery<T>(campaignId: string, query: QueryDefinition<T>): Promise<T> {
    try {
      return await this.temporal.workflow.getHandle(campaignWorkflowId(campaignId)).query(query);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ApiError(404, 'campaign-not-found', `no campaign ${campaignId}`);
      throw err;
    }
  }

  async phaseView(campaignId: string, phase: PhaseName, page: { limit: number; offset: number }): Promise<z.input<typeof phaseViewSchema>> {
    const campaign = await this.campaign(campaignId);
    const summary = campaign.phases.find((p) => p.name === phase)!;
    const state = summary.status === 'pending' ? undefined : await this.queryIfExists(phaseWorkflowId(campaignId, phase), getPhaseState);
    const unitIds = state?.unitIds ?? [];
    const ids = unitIds.slice(page.offset, page.offset + page.limit);
    const units = await mapConcurrently(ids, PHASE_VIEW_CONCURRENCY, async (unitId) => {
      const unit = await this.queryIfExists(unitPhaseWorkflowId(campaignId, phase, unitId), getUnitPhaseState);
      return unit ? unitSummary(unit) : notYetStarted(unitId, state!);
    });
    const nextOffset = page.offset + ids.length < unitIds.length ? page.offset + ids.length : undefined;
    return { campaignId, phase, status: summary.status, state, units, page: { ...page, total: unitIds.length, nextOffset } };
  }

  /**
   * The upward report, compiled from the plan and each visiting unit's approved roster and visits
   * (queried, 16 at a time); before visiting starts every figure is zero.
   */
  async report(campaignId: string): Promise<UpwardReport> {
    const campaign = await this.campaign(campaignId);
    const plan = await this.campaignQuery(campaignId, getCampaignPlan);
    const visiting = campaign.phases.find((p) => p.name === 'visiting')!;
    const forfeitedIn = new Map<string, PhaseName>(campaign.excluded.map((e) => [e.unitId, e.forfeitedIn]));
    for (const unitId of visiting.forfeited) forfeitedIn.set(unitId, 'visiting');
    const units = await mapConcurrently(plan.units, PHASE_VIEW_CONCURRENCY, async ({ id: unitId }): Promise<UnitFigures> => {
      const state = visiting.participants.includes(unitId) ? await this.queryIfExists(unitPhaseWorkflowId(campaignId, 'visiting', unitId), getUnitPhaseState) : undefined;
      return { unitId, approvedRoster: state?.approvedRoster ?? [], paid: state?.visits ?? [], forfeitedIn: forfeitedIn.get(unitId) };
    });
    return compileReport(plan, units);
  }

  /** The audit trail: the campaign's state and every started unit phase's records (queried, 16 at a time). */
  async audit(campaignId: string): Promise<AuditTrail> {
    const campaign = await this.campaign(campaignId);
    const { memo } = await this.temporal.workflow.getHandle(campaignWorkflowId(campaignId)).describe();
    const targets = campaign.phases.flatMap((p) => (p.status === 'pending' ? [] : p.participants.map((unitId) => unitPhaseWorkflowId(campaignId, p.name, unitId))));
    const units = await mapConcurrently(targets, PHASE_VIEW_CONCURRENCY, (workflowId) => this.queryIfExists(workflowId, getUnitPhaseState));
    const start = { requestId: stringOf(memo?.requestId), actor: stringOf(memo?.actor) };
    return compileAudit(campaign, start, units.filter((u) => u !== undefined));
  }

  /** The unit across all four phases; `authorize` gets the unit's supervisor to check a reviewer's reach. */
  async unitView(campaignId: string, unitId: string, authorize: (supervisorOf: () => Promise<string>) => Promise<void>): Promise<z.input<typeof unitViewSchema>> {
    const campaign = await this.campaign(campaignId);
    if (!campaign.phases.some((p) => p.participants.includes(unitId))) throw unitNotInCampaign(campaignId, unitId);
    const phases = await Promise.all(
      campaign.phases.map(async (summary) => {
        if (summary.status === 'pending') return { phase: summary.name, participation: 'not-started' as const };
        if (!summary.participants.includes(unitId)) return { phase: summary.name, participation: 'not-taking-part' as const };
        const state = await this.queryIfExists(unitPhaseWorkflowId(campaignId, summary.name, unitId), getUnitPhaseState);
        return state ? { phase: summary.name, participation: 'taking-part' as const, state } : { phase: summary.name, participation: 'not-started' as const };
      }),
    );
    await authorize(async () => phases.find((p) => p.state)?.state?.supervisor ?? '');
    return { campaignId, unitId, phases };
  }

  /** One unit's state in one phase; a 404 says why there is none (no campaign, phase not started, unit not taking part). */
  async unitPhase(campaignId: string, phase: PhaseName, unitId: string): Promise<UnitPhaseState> {
    const state = await this.queryIfExists(unitPhaseWorkflowId(campaignId, phase, unitId), getUnitPhaseState);
    if (state) return state;
    throw await this.explainMissingUnitPhase(campaignId, phase, unitId);
  }

  /**
   * Runs an update on a unit's phase workflow. The request id is also the update id, so the server
   * dedupes a retry, and the workflow dedupes it too (by request id) if the server has forgotten.
   */
  updateUnitPhase<Ret, Req extends ActorRequest>(
    target: { campaignId: string; phase: PhaseName; unitId: string },
    update: UpdateDefinition<Ret, [Req]>,
    request: Omit<Req, keyof ActorRequest>,
    caller: Caller,
    replay: (state: UnitPhaseState, requestId: string) => Ret | undefined,
  ): Promise<Ret> {
    const readAt = unitRequestPath(target, caller.requestId);
    return this.runUpdate(unitPhaseWorkflowId(target.campaignId, target.phase, target.unitId), readAt, update, request, caller, async (requestId) => {
      const state = await this.unitPhase(target.campaignId, target.phase, target.unitId);
      const original = replay(state, requestId);
      if (original !== undefined) return original;
      throw endedUnitPhase(state);
    });
  }

  updateCampaign<Ret, Req extends ActorRequest>(
    campaignId: string,
    update: UpdateDefinition<Ret, [Req]>,
    request: Omit<Req, keyof ActorRequest>,
    caller: Caller,
    replay: (state: CampaignState, requestId: string) => Ret | undefined,
  ): Promise<Ret> {
    return this.runUpdate(campaignWorkflowId(campaignId), `/campaigns/${campaignId}`, update, request, caller, async (requestId) => {
      const state = await this.campaign(campaignId);
      const original = replay(state, requestId);
      if (original !== undefined) return original;
      throw new ApiError(409, 'CampaignClosed', `campaign ${campaignId} is ${state.status} and takes no more requests`);
    });
  }

  private async runUpdate<Ret, Req extends ActorRequest>(
    workflowId: string,
    /** Where the outcome can be read when it is not known in time (api/updates.ts). */
    readAt: string,
    update: UpdateDefinition<Ret, [Req]>,
    request: Omit<Req, keyof ActorRequest>,
    caller: Caller,
    whenEnded: WhenEnded<Ret>,
  ): Promise<Ret> {
    const args = { ...request, requestId: caller.requestId, actor: caller.principal.subject, receivedAt: caller.receivedAt } as StampedRequest<Req>;
    try {
      return await this.updates.execute(workflowId, update, args, caller.requestId, readAt);
    } catch (err) {
      // An update to an ended workflow is refused as "not found": say what really happened.
      if (err instanceof WorkflowNotFoundError) return whenEnded(caller.requestId);
      throw err;
    }
  }

  private async queryIfExists<T>(workflowId: string, query: QueryDefinition<T>): Promise<T | undefined> {
    try {
      return await this.temporal.workflow.getHandle(workflowId).query(query);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  private async explainMissingUnitPhase(campaignId: string, phase: PhaseName, unitId: string): Promise<ApiError> {
    const campaign = await this.campaign(campaignId);
    const summary = campaign.phases.find((p) => p.name === phase)!;
    if (!campaign.phases.some((p) => p.participants.includes(unitId))) return unitNotInCampaign(campaignId, unitId);
    if (summary.status === 'pending') {
      return new ApiError(404, 'phase-not-started', `the ${phase} phase of campaign ${campaignId} has not started yet, so unit ${unitId} has no workflow for it: a unit's phase workflow exists from the start of its phase`);
    }
    const exclusion = campaign.excluded.find((e) => e.unitId === unitId);
    if (!summary.participants.includes(unitId)) {
      return new ApiError(404, 'unit-not-taking-part', `unit ${unitId} is not taking part in the ${phase} phase of campaign ${campaignId}${exclusion ? `: it forfeited the ${exclusion.forfeitedIn} phase` : ''}`);
    }
    return new ApiError(404, 'phase-not-started', `unit ${unitId}'s ${phase} workflow is still being started; retry shortly`);
  }
}

const unitNotInCampaign = (campaignId: string, unitId: string) => new ApiError(404, 'unit-not-found', `no unit ${unitId} in campaign ${campaignId}`);

/** Why an ended unit phase refuses a request; a forfeited unit's refusal names the cutoff (逾期不接收). */
/** An ended unit phase refuses as its workflow would have: the same failure type and words. */
function endedUnitPhase(state: UnitPhaseState): ApiError {
  const refusal = submissionRefusal(state, Date.now(), state.expects);
  return refusal
    ? fromRefusal(refusal)
    : new ApiError(409, UnitPhaseFailure.Closed, `unit ${state.unitId}'s ${state.phase} phase has ended (${state.status}) and takes no more requests`);
}

function unitSummary(state: UnitPhaseState): z.input<typeof unitSummarySchema> {
  return {
    unitId: state.unitId,
    unitName: state.unitName,
    supervisor: state.supervisor,
    status: state.status,
    cutoff: state.cutoff,
    submissions: state.submissions.length,
    lastDecision: state.reviews.at(-1)?.decision,
    approvedAt: state.approvedAt,
    forfeitedAt: state.forfeitedAt,
  };
}

/** A unit whose workflow the phase has not started yet (it starts them in groups). */
const notYetStarted = (unitId: string, phase: PhaseState): z.input<typeof unitSummarySchema> => ({
  unitId,
  status: 'scheduled',
  cutoff: phase.cutoff,
  submissions: 0,
});

function keyword(fields: Record<string, Payload>, key: { name: string }): string | undefined {
  const payload = fields[key.name];
  return payload ? defaultPayloadConverter.fromPayload<string>(payload) : undefined;
}

function timestamp(ts: { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined): string | undefined {
  if (!ts?.seconds) return undefined;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : ts.seconds.toNumber();
  return new Date(seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}

const stringOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const EXECUTION_STATUS: WorkflowExecutionStatusName[] = ['UNSPECIFIED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'CONTINUED_AS_NEW', 'TIMED_OUT'];
const executionStatusName = (code: number): string => EXECUTION_STATUS[code] ?? 'UNKNOWN';

/** Maps with at most `limit` calls in flight, keeping the order. */
async function mapConcurrently<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
