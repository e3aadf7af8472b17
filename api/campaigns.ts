import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import { campaignStartOptions } from '../domain/campaign-start';
import type { Household } from '../domain/household';
import type { CampaignPlan, PhaseName, Unit } from '../domain/plan';
import type { PlanOutline } from '../domain/plan-outline';
import { compileReport, type UpwardReport } from '../domain/report';
import { submissionRefusal } from '../domain/unit-phase';
import { campaignWorkflowId, unitGroupIndex, unitGroupWorkflowId, unitPhaseWorkflowId } from '../domain/workflow-ids';
import { planOutline, type Records } from '../store/records';
import { NotFound, type ApprovedEntry, type CampaignRecord, type UnitPhaseRecord, type Views } from '../store/views';
import type { CampaignStatus as CampaignStatusName } from '../workflows/campaign/messages';
import type { campaignWorkflow } from '../workflows/campaign/workflow';
import { wakeUnit } from '../workflows/phase/messages';
import { UnitPhaseFailure } from '../workflows/unit/messages';
import type { Principal } from './access';
import { type AuditTrail } from './audit';
import { ApiError, fromRefusal } from './errors';
import { unitRequestPath, type Updates } from './updates';
import type { campaignListSchema, phaseViewSchema, unitViewSchema } from './schemas';

// The API's side of a campaign: start it (record first, then the workflow), send Updates to its
// workflows by business-key ids, and read everything back from the record (SQL), never from a
// workflow: closed workflows are deleted when their namespace's retention ends.

/** Who asks, the request id the workflows dedupe on (from the Idempotency-Key when there is one), and when it arrived. */
export interface Caller {
  /** A token's grant, or for a notice-link operation just the actor (api/access.ts NOTICE_ACTOR). */
  principal: Pick<Principal, 'subject'>;
  requestId: string;
  /** The postmark: when the API first received this request (ISO-8601), kept across retries with its key; on-time is decided by it. */
  receivedAt: string;
}

interface ActorRequest {
  requestId: string;
  actor: string;
  receivedAt: string;
}

/** What an update answers when its workflow has already ended: the original answer to a retried request, or a refusal. */
type WhenEnded<Ret> = (requestId: string) => Promise<Ret>;

export class Campaigns {
  private readonly cursorKey: Buffer;

  constructor(
    private readonly temporal: Client,
    private readonly taskQueue: string,
    private readonly updates: Updates,
    private readonly records: Pick<Records, 'startCampaign' | 'stageHouseholds' | 'nextEntry' | 'eraseHousehold' | 'eraseCampaignPersonalData'>,
    private readonly views: Views,
    /** Without one, cursors are good for this process's life only. */
    cursorSecret?: string,
  ) {
    this.cursorKey = cursorSecret ? Buffer.from(cursorSecret) : randomBytes(32);
  }

  /** Records the plan, then starts the campaign; a retry carrying the first start's request id is answered as that start was. */
  async start(plan: CampaignPlan, caller: Caller, organizationId: string | null): Promise<{ workflowId: string }> {
    const started = await this.records.startCampaign(plan, { requestId: caller.requestId, actor: caller.principal.subject, organizationId });
    if (started === 'exists') throw new ApiError(409, 'campaign-exists', `a campaign with id ${plan.id} already exists`);
    const workflowId = campaignWorkflowId(plan.id);
    try {
      // Its own deadline: recording a 500-unit plan can take most of the request's on a busy
      // machine, and a start then refused as "unavailable" would have been sent in time.
      await this.updates.withOwnDeadline(() =>
        this.temporal.workflow.start<typeof campaignWorkflow>('campaignWorkflow', {
          ...campaignStartOptions(planOutline(plan)),
          taskQueue: this.taskQueue,
          // Campaign ids are unique for good: a finished campaign's id is not reused.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      );
    } catch (err) {
      // The record says this request made the campaign: the workflow it started is its own.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    return { workflowId };
  }

  /** Stages households for a roster or an addition under an id made from the request id; the workflow learns only the count. */
  async stageHouseholds(target: { campaignId: string; unitId: string }, households: Household[], caller: Caller, firstEntry?: number): Promise<{ uploadId: string; entries: number }> {
    // An ended campaign takes no more households, and once its personal data is erased it has no key to seal them with.
    const { status } = await this.campaign(target.campaignId);
    if (status === 'completed' || status === 'cancelled') {
      throw new ApiError(409, 'CampaignClosed', `活动已结束(${status}),不再登记户 (campaign ${target.campaignId} is ${status}: it takes no more households)`);
    }
    const uploadId = `upload:${caller.requestId}`;
    await this.records.stageHouseholds({ ...target, uploadId, actor: caller.principal.subject, households, firstEntry });
    return { uploadId, entries: households.length };
  }

  /** Erases one household of the unit's approved roster: its sealed columns, masked name and key; its amounts stay counted. */
  async eraseHousehold(target: { campaignId: string; unitId: string; entry: number }, reason: string, caller: Caller): Promise<void> {
    const erased = await this.records.eraseHousehold({ ...target, reason, requestId: caller.requestId, actor: caller.principal.subject, at: new Date().toISOString() });
    // Only an approved entry is on the record as a household: anything else is not there to erase.
    if (!erased.ok) throw new ApiError(404, 'NotOnRoster', `第 ${target.entry} 户不在本单位已审定的名册中 (${erased.refusal.message})`);
  }

  /** Erases every household's personal data once the campaign has ended (its retention period is the office's to judge). */
  async eraseCampaignPersonalData(campaignId: string, reason: string, caller: Caller): Promise<{ households: number }> {
    const { status } = await this.campaign(campaignId);
    if (status !== 'completed' && status !== 'cancelled') {
      throw new ApiError(409, 'CampaignRunning', `活动尚未结束(${status}),结束或取消后才能删除个人信息 (campaign ${campaignId} is ${status}: personal data is erased once it is completed or cancelled)`);
    }
    return this.records.eraseCampaignPersonalData({ campaignId, reason, requestId: caller.requestId, actor: caller.principal.subject, at: new Date().toISOString() });
  }

  /** The standing notice (公示), names masked. */
  notice(campaignId: string, unitId: string) {
    return this.views.notice(campaignId, unitId);
  }

  nextEntry(campaignId: string, unitId: string): Promise<number> {
    return this.records.nextEntry(campaignId, unitId);
  }

  /** The campaigns the caller may see, newest first, from the record (a closed campaign's workflow may be long gone). */
  async list(filter: { status?: CampaignStatusName; phase?: PhaseName; limit: number; cursor?: string }, visible: { sql: string; params: unknown[] }): Promise<z.input<typeof campaignListSchema>> {
    const offset = filter.cursor ? Number(this.pageToken(filter.cursor).toString('utf8')) : 0;
    const rows = await this.views.listCampaigns({ visible, status: filter.status, phase: filter.phase, limit: filter.limit + 1, offset });
    const campaigns = rows.slice(0, filter.limit).map((c) => ({
      campaignId: c.campaignId,
      organizer: c.organizer,
      status: c.status,
      phase: c.currentPhase,
      execution: c.closedAt ? 'COMPLETED' : 'RUNNING',
      startedAt: c.startedAt,
      closedAt: c.closedAt,
    }));
    return { campaigns, ...(rows.length > filter.limit ? { nextCursor: this.cursor(Buffer.from(String(offset + filter.limit))) } : {}) };
  }

  // Cursors carry a MAC, so a forged one is a quick 400 and never reaches the query.
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

  campaign(campaignId: string): Promise<CampaignRecord> {
    return found(this.views.campaign(campaignId), 'campaign-not-found');
  }

  plan(campaignId: string): Promise<CampaignPlan> {
    return found(this.views.plan(campaignId), 'campaign-not-found');
  }

  /** The plan without its units, and the unit: for checking one unit's request without reading every unit. */
  planFor(campaignId: string, unitId: string): Promise<{ plan: PlanOutline; unit: Unit | undefined }> {
    return found(this.views.planFor(campaignId, unitId), 'campaign-not-found');
  }

  /** The unit's supervisor, for authorizing a reviewer: one indexed row. */
  async supervisorOf(campaignId: string, unitId: string): Promise<string> {
    const supervisor = await this.views.supervisorOf(campaignId, unitId);
    if (supervisor === undefined) throw (await this.views.exists(campaignId)) ? unitNotInCampaign(campaignId, unitId) : new ApiError(404, 'campaign-not-found', `no campaign ${campaignId}`);
    return supervisor;
  }

  async phaseView(campaignId: string, phase: PhaseName, page: { limit: number; offset: number }): Promise<z.input<typeof phaseViewSchema>> {
    const campaign = await this.campaign(campaignId);
    const summary = campaign.phases.find((p) => p.name === phase)!;
    const { units, total } = await this.views.phaseUnits(campaignId, phase, page);
    const nextOffset = page.offset + units.length < total ? page.offset + units.length : undefined;
    return { campaignId, phase, status: summary.status, summary, units, page: { ...page, total, nextOffset } };
  }

  /** The upward report: one aggregate query over the record, whatever the campaign's size. */
  async report(campaignId: string): Promise<UpwardReport> {
    const [campaign, plan, lines] = await Promise.all([this.campaign(campaignId), this.plan(campaignId), this.views.reportLines(campaignId)]);
    const forfeitedIn = new Map<string, PhaseName>(campaign.excluded.map((e) => [e.unitId, e.forfeitedIn]));
    return compileReport(plan, lines, forfeitedIn);
  }

  /** The unit's approved roster, names opened: for the signed roster (慰问名册) of a caller allowed to read it. */
  approvedRoster(campaignId: string, unitId: string): Promise<ApprovedEntry[]> {
    return this.views.approvedRoster(campaignId, unitId);
  }

  /** The audit trail, as the record wrote it: one row per state change, in the order they happened. */
  async audit(campaignId: string): Promise<AuditTrail> {
    const campaign = await this.campaign(campaignId);
    return { campaignId, title: campaign.title, organizer: campaign.organizer, rows: await this.views.audit(campaignId) };
  }

  /** The unit across all four phases; `authorize` gets the unit's supervisor to check a reviewer's reach. */
  async unitView(campaignId: string, unitId: string, authorize: (supervisorOf: () => Promise<string>) => Promise<void>): Promise<z.input<typeof unitViewSchema>> {
    // Looked up once: for the reviewer's reach, and for everyone, so an unknown unit is a 404.
    let supervisor: Promise<string> | undefined;
    const supervisorOf = () => (supervisor ??= this.supervisorOf(campaignId, unitId));
    await authorize(supervisorOf);
    await supervisorOf();
    const campaign = await this.campaign(campaignId);
    const phases = await Promise.all(
      campaign.phases.map(async (summary) => {
        if (summary.status === 'pending') return { phase: summary.name, participation: 'not-started' as const };
        const state = await this.views.unitPhase(campaignId, summary.name, unitId);
        if (state) return { phase: summary.name, participation: 'taking-part' as const, state };
        return { phase: summary.name, participation: outOfPhase(campaign, summary, unitId) ? ('not-taking-part' as const) : ('not-started' as const) };
      }),
    );
    return { campaignId, unitId, phases };
  }

  /** One unit's record in one phase; a 404 says why there is none (no campaign, phase not started, unit not taking part). */
  async unitPhase(campaignId: string, phase: PhaseName, unitId: string): Promise<UnitPhaseRecord> {
    const state = await this.views.unitPhase(campaignId, phase, unitId);
    if (state) return state;
    throw await this.explainMissingUnitPhase(campaignId, phase, unitId);
  }

  /**
   * Runs an update on a unit's phase workflow. The request id is also the update id, so the server
   * dedupes a retry, and the workflow dedupes it too (by request id) if the server has forgotten.
   * Once the workflow has ended, the record answers: the original outcome, or the refusal it would give.
   */
  updateUnitPhase<Ret, Req extends ActorRequest>(
    target: { campaignId: string; phase: PhaseName; unitId: string },
    update: UpdateDefinition<Ret, [Req]>,
    request: Omit<Req, keyof ActorRequest>,
    caller: Caller,
    replay: (state: UnitPhaseRecord, requestId: string) => Ret | undefined,
  ): Promise<Ret> {
    const readAt = unitRequestPath(target, caller.requestId);
    const whenEnded = async (requestId: string) => {
      const state = await this.unitPhase(target.campaignId, target.phase, target.unitId);
      const original = replay(state, requestId);
      if (original !== undefined) return original;
      throw endedUnitPhase(state, Date.parse(caller.receivedAt));
    };
    return this.runUpdate(unitPhaseWorkflowId(target.campaignId, target.phase, target.unitId), readAt, update, request, caller, whenEnded, () => this.wakeUnit(target, caller.requestId, readAt));
  }

  /** Asks the unit's group to start its workflow (a unit that has not acted since its phase opened has none yet); true once it runs or is being started. */
  private async wakeUnit(target: { campaignId: string; phase: PhaseName; unitId: string }, requestId: string, readAt: string): Promise<boolean> {
    const place = await this.views.unitPlace(target.campaignId, target.unitId);
    if (!place) return false;
    const group = unitGroupWorkflowId(target.campaignId, target.phase, unitGroupIndex(place.position, place.unitCount));
    return this.updates.execute(group, wakeUnit, { unitId: target.unitId }, requestId, readAt).catch((err: unknown) => {
      // No such group (the phase has not started or has ended), or one whose units all started at once (no wakeUnit).
      if (err instanceof WorkflowNotFoundError || err instanceof WorkflowUpdateFailedError) return false;
      throw err;
    });
  }

  updateCampaign<Ret, Req extends Omit<ActorRequest, 'receivedAt'>>(
    campaignId: string,
    update: UpdateDefinition<Ret, [Req]>,
    request: Omit<Req, keyof ActorRequest>,
    caller: Caller,
    replay: (state: CampaignRecord, requestId: string) => Ret | undefined,
  ): Promise<Ret> {
    return this.runUpdate(campaignWorkflowId(campaignId), `/campaigns/${campaignId}`, update, request, caller, async (requestId) => {
      const state = await this.campaign(campaignId);
      const original = replay(state, requestId);
      if (original !== undefined) return original;
      throw new ApiError(409, 'CampaignClosed', `campaign ${campaignId} is ${state.status} and takes no more requests`);
    });
  }

  private async runUpdate<Ret, Req>(
    workflowId: string,
    /** Where the outcome can be read when it is not known in time (api/updates.ts). */
    readAt: string,
    update: UpdateDefinition<Ret, [Req]>,
    request: object,
    caller: Caller,
    whenEnded: WhenEnded<Ret>,
    /** Starts a workflow that has not started yet; true when it runs or is being started. */
    wake?: () => Promise<boolean>,
  ): Promise<Ret> {
    // Every request carries the postmark; campaign-level ones simply do not read it.
    const args = { ...request, requestId: caller.requestId, actor: caller.principal.subject, receivedAt: caller.receivedAt } as Req;
    const send = (notFound?: 'final' | 'starting') =>
      this.updates.execute(workflowId, update, args, caller.requestId, readAt, notFound).then(
        (answer) => ({ answer }),
        (err: unknown) => {
          if (err instanceof WorkflowNotFoundError) return undefined;
          throw err;
        },
      );
    const sent = wake ? ((await send('final')) ?? ((await wake()) ? await send('starting') : undefined)) : await send();
    // An update to an ended workflow is refused as "not found": say what really happened.
    return sent ? sent.answer : whenEnded(caller.requestId);
  }

  private async explainMissingUnitPhase(campaignId: string, phase: PhaseName, unitId: string): Promise<ApiError> {
    const campaign = await this.campaign(campaignId);
    if (!(await this.views.unit(campaignId, unitId))) return unitNotInCampaign(campaignId, unitId);
    const summary = campaign.phases.find((p) => p.name === phase)!;
    if (summary.status === 'pending') {
      return new ApiError(404, 'phase-not-started', `the ${phase} phase of campaign ${campaignId} has not started yet, so unit ${unitId} has no part in it yet: a unit's phase begins when its phase starts`);
    }
    const forfeitedIn = outOfPhase(campaign, summary, unitId);
    if (forfeitedIn) return new ApiError(404, 'unit-not-taking-part', `unit ${unitId} is not taking part in the ${phase} phase of campaign ${campaignId}: it forfeited the ${forfeitedIn} phase`);
    return new ApiError(404, 'phase-not-started', `unit ${unitId}'s ${phase} phase is still being started; retry shortly`);
  }
}

async function found<T>(read: Promise<T>, code: 'campaign-not-found'): Promise<T> {
  try {
    return await read;
  } catch (err) {
    if (err instanceof NotFound) throw new ApiError(404, code, err.message);
    throw err;
  }
}

/** The phase a unit forfeited, when that keeps it out of this phase: still excluded, or reinstated only after this phase had started. */
function outOfPhase(campaign: CampaignRecord, phase: CampaignRecord['phases'][number], unitId: string): PhaseName | undefined {
  const excluded = campaign.excluded.find((e) => e.unitId === unitId);
  if (excluded) return excluded.forfeitedIn;
  return campaign.reinstatements.find((r) => r.unitId === unitId && phase.startedAt !== undefined && r.at > phase.startedAt)?.forfeitedIn;
}

export const unitNotInCampaign = (campaignId: string, unitId: string) => new ApiError(404, 'unit-not-found', `no unit ${unitId} in campaign ${campaignId}`);

/** An ended unit phase refuses as its workflow would have: the same failure type and words (逾期不接收 names the cutoff). */
function endedUnitPhase(state: UnitPhaseRecord, receivedAt: number): ApiError {
  // Not ended: its workflow is still being started (a large phase, a busy moment).
  if (state.status === 'scheduled') return new ApiError(404, 'phase-not-started', `该单位本阶段仍在启动中,请稍后重试 (unit ${state.unitId}'s ${state.phase} phase is still being started; retry shortly)`);
  const refusal = submissionRefusal({ ...state, submissions: state.submissions.length }, receivedAt, state.expects);
  return refusal
    ? fromRefusal(refusal)
    : new ApiError(409, UnitPhaseFailure.Closed, `unit ${state.unitId}'s ${state.phase} phase has ended (${state.status}) and takes no more requests`);
}

