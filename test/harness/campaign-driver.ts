import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { campaignStartOptions } from '../../domain/campaign-start';
import type { Household } from '../../domain/household';
import type { CampaignPlan, PhaseName } from '../../domain/plan';
import type { VisitInput } from '../../domain/visits';
import { campaignWorkflowId, unitGroupIndex, unitGroupWorkflowId, unitPhaseWorkflowId } from '../../domain/workflow-ids';
import { wakeUnit } from '../../workflows/phase/messages';
import { planOutline } from '../../store/records';
import type { campaignWorkflow } from '../../workflows/campaign/workflow';
import { cancelCampaign, getCampaignState, reinstateUnit, signOffPhase } from '../../workflows/campaign/messages';
import { extendCutoff, getUnitPhaseState, recordVisits, review, strikeEntries, submit, type ReviewDecision, type StrikeRequest } from '../../workflows/unit/messages';
import { eventually } from './api';
import type { TestStore } from './postgres';

/** What a unit submits, as the API takes it: a report, figures, and for a roster its households. */
export interface SubmissionContent {
  report: string;
  figures?: Record<string, number>;
  households?: Household[];
}

/** What the driver needs of a server: a client and its clock (a time-skipping server's, or real time). */
export type DriverEnv = Pick<TestWorkflowEnvironment, 'client' | 'currentTimeMs' | 'sleep'>;

/** Drives one campaign on a test server the way its coordinator, units and reviewers would, the record written as the API writes it. */
export class CampaignDriver {
  readonly campaign: WorkflowHandle<typeof campaignWorkflow>;
  private readonly woken = new Set<string>();

  constructor(
    private readonly env: DriverEnv,
    readonly plan: CampaignPlan,
    readonly store: TestStore,
  ) {
    this.campaign = env.client.workflow.getHandle(campaignWorkflowId(plan.id));
  }

  static async start(env: DriverEnv, taskQueue: string, plan: CampaignPlan, store: TestStore): Promise<CampaignDriver> {
    await store.records.startCampaign(plan, { requestId: `start:${plan.id}`, actor: plan.coordinator.id });
    await env.client.workflow.start<typeof campaignWorkflow>('campaignWorkflow', { ...campaignStartOptions(planOutline(plan)), taskQueue });
    return new CampaignDriver(env, plan, store);
  }

  /** Skips server time forward to an instant (no-op if it has passed). */
  async until(instant: string | number): Promise<void> {
    const target = typeof instant === 'number' ? instant : Date.parse(instant);
    const now = await this.env.currentTimeMs();
    if (target > now) await this.env.sleep(target - now);
  }

  phase(name: PhaseName) {
    return this.plan.phases.find((p) => p.name === name)!;
  }

  unit(phase: PhaseName, unitId: string) {
    return this.env.client.workflow.getHandle(unitPhaseWorkflowId(this.plan.id, phase, unitId));
  }

  /**
   * A unit's workflow starts when the unit first acts, or shortly before its clock needs it: as the
   * API does, ask its group to start it, once the phase has started (wait for that); once per unit, as the API.
   */
  async started(phase: PhaseName, unitId: string): Promise<boolean> {
    if (this.woken.has(`${phase}:${unitId}`)) return true;
    const running = await eventually(() => wakeUnitWorkflow(this.env.client, this.plan, phase, unitId), 10_000);
    // Its group asked for the start; the server creates the workflow moments later.
    if (running) await eventually(() => this.unit(phase, unitId).describe(), 10_000);
    this.woken.add(`${phase}:${unitId}`);
    return running;
  }

  /** The unit's live state, its workflow started first. */
  async unitState(phase: PhaseName, unitId: string) {
    await this.started(phase, unitId);
    return this.unit(phase, unitId).query(getUnitPhaseState);
  }

  /** The unit's part in a phase as the record keeps it (what the API answers). */
  async record(phase: PhaseName, unitId: string) {
    const record = await this.store.views.unitPhase(this.plan.id, phase, unitId);
    if (!record) throw new Error(`unit ${unitId} has no ${phase} record`);
    return record;
  }

  /** The server's current time, as the API would stamp a request it receives now. */
  private async receivedAt(): Promise<string> {
    return new Date(await this.env.currentTimeMs()).toISOString();
  }

  submit(phase: PhaseName, unitId: string, requestId: string = randomUUID()) {
    return this.submitContent(phase, unitId, { report: `${unitId} ${phase} 報送`, figures: { households: 20 } }, requestId);
  }

  async submitContent(phase: PhaseName, unitId: string, { households, ...content }: SubmissionContent, requestId: string = randomUUID()) {
    const kind = this.phase(phase).submission.kind;
    await this.unitState(phase, unitId);
    const uploadId = `upload:${requestId}`;
    if (households) await this.store.records.stageHouseholds({ campaignId: this.plan.id, unitId, uploadId, actor: unitId, households });
    const roster = households ? { uploadId, entries: households.length } : undefined;
    return this.unit(phase, unitId).executeUpdate(submit, { updateId: requestId, args: [{ requestId, actor: unitId, receivedAt: await this.receivedAt(), kind, ...content, ...(roster ? { roster } : {}) }] });
  }

  async strike(phase: PhaseName, unitId: string, entries: StrikeRequest['entries'], requestId: string = randomUUID()) {
    const supervisor = this.plan.units.find((u) => u.id === unitId)!.supervisor;
    return this.unit(phase, unitId).executeUpdate(strikeEntries, { updateId: requestId, args: [{ requestId, actor: supervisor, receivedAt: await this.receivedAt(), entries }] });
  }

  async review(phase: PhaseName, unitId: string, decision: ReviewDecision, reason?: string, requestId: string = randomUUID()) {
    const supervisor = this.plan.units.find((u) => u.id === unitId)!.supervisor;
    return this.unit(phase, unitId).executeUpdate(review, { updateId: requestId, args: [{ requestId, actor: supervisor, receivedAt: await this.receivedAt(), decision, reason }] });
  }

  approve(phase: PhaseName, unitId: string) {
    return this.review(phase, unitId, 'approve');
  }

  async visit(unitId: string, visit: VisitInput, requestId: string = randomUUID()) {
    return this.visits(unitId, [visit], requestId);
  }

  async visits(unitId: string, visits: VisitInput[], requestId: string = randomUUID()) {
    await this.unitState('visiting', unitId);
    return this.unit('visiting', unitId).executeUpdate(recordVisits, { updateId: requestId, args: [{ requestId, actor: unitId, receivedAt: await this.receivedAt(), visits }] });
  }

  async extend(phase: PhaseName, unitId: string, cutoff: string, reason = '村委換屆,延後報送') {
    const requestId = randomUUID();
    await this.started(phase, unitId);
    return this.unit(phase, unitId).executeUpdate(extendCutoff, { updateId: requestId, args: [{ requestId, actor: this.plan.coordinator.id, receivedAt: await this.receivedAt(), cutoff, reason }] });
  }

  signOff(phase: PhaseName, requestId: string = randomUUID()) {
    return this.campaign.executeUpdate(signOffPhase, { updateId: requestId, args: [{ requestId, actor: this.plan.coordinator.id, phase, note: '同意進入下一階段' }] });
  }

  reinstate(unitId: string, reason: string) {
    const requestId = randomUUID();
    return this.campaign.executeUpdate(reinstateUnit, { updateId: requestId, args: [{ requestId, actor: this.plan.coordinator.id, unitId, reason }] });
  }

  cancel(reason: string) {
    const requestId = randomUUID();
    return this.campaign.executeUpdate(cancelCampaign, { updateId: requestId, args: [{ requestId, actor: this.plan.coordinator.id, reason }] });
  }

  state() {
    return this.campaign.query(getCampaignState);
  }

  /** The campaign as the record keeps it (what the API answers). */
  campaignRecord() {
    return this.store.views.campaign(this.plan.id);
  }

  /** Waits (real time) until the campaign's state satisfies the predicate. */
  async waitForState(predicate: (s: Awaited<ReturnType<CampaignDriver['state']>>) => boolean, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.state();
      if (predicate(s)) return s;
      if (Date.now() > deadline) throw new Error(`campaign state never matched; last: ${JSON.stringify({ status: s.status, phase: s.currentPhase, phases: s.phases.map((p) => `${p.name}:${p.status}`) })}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Asks a unit's group to start the unit's workflow, as the API does when the unit first acts; true once it runs. */
export function wakeUnitWorkflow(client: Client, plan: Pick<CampaignPlan, 'id' | 'units'>, phase: PhaseName, unitId: string): Promise<boolean> {
  const group = unitGroupIndex(plan.units.findIndex((u) => u.id === unitId), plan.units.length);
  return client.workflow.getHandle(unitGroupWorkflowId(plan.id, phase, group)).executeUpdate(wakeUnit, { args: [{ unitId }] });
}

/** The typed failure with which a workflow refused an update (fails the test if it did not refuse). */
export async function refusal(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}
