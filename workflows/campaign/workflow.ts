import { ActivityFailure, ApplicationFailure, CancellationScope, allHandlersFinished, condition, executeChild, isCancellation, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { Audit, Records } from '../../store/records';
import { isoDurationMs } from '../../domain/duration';
import type { PhaseSpec } from '../../domain/plan';
import type { PlanOutline } from '../../domain/plan-outline';
import { CampaignCutoff, CampaignId, CampaignPhase, CampaignStatus } from '../../domain/search-attributes';
import { phaseWorkflowId } from '../../domain/workflow-ids';
import { notify } from '../notification/workflow';
import type { Recipient } from '../notification/messages';
import { phaseWorkflow } from '../phase/workflow';
import { CampaignFailure, cancelCampaign, getCampaignState, reinstateUnit, signOffPhase, type CampaignPhaseSummary, type CampaignState, type ReinstateRequest, type ReinstatementRecord } from './messages';

const store = proxyActivities<Records>({ startToCloseTimeout: '30 seconds', retry: { initialInterval: '500 milliseconds', maximumInterval: '30 seconds' } });

const iso = (ms: number) => new Date(ms).toISOString();
const fail = (type: string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });

/** A campaign: its four phases in order, each gated by the coordinator's sign-off where the plan says so. */
export async function campaignWorkflow(plan: PlanOutline): Promise<CampaignState> {
  const coordinator: Recipient = { role: 'coordinator', id: plan.coordinator.id, webhook: plan.coordinator.notify.webhook };
  const state: CampaignState = {
    campaignId: plan.id,
    title: plan.title,
    organizer: plan.organizer,
    status: 'running',
    phases: plan.phases.map((p) => ({ name: p.name, status: 'pending', participants: 0, approved: 0, forfeited: 0, signOffReminders: 0 })),
    startedAt: iso(Date.now()),
  };
  const phaseScope = new CancellationScope();
  const summaryOf = (name: string) => state.phases.find((p) => p.name === name)!;
  const isClosed = () => state.status === 'completed' || state.status === 'cancelled';
  const setStatus = (status: CampaignState['status']) => {
    state.status = status;
    upsertSearchAttributes([{ key: CampaignStatus, value: status }]);
  };
  const system = (action: string, key: string, detail: string, phase?: PhaseSpec['name']): Audit => ({ at: iso(Date.now()), actor: 'system', requestId: `campaign:${plan.id}:${key}`, action, phase, detail });
  /** The campaign's live status into the record, with the audit row of what changed it. */
  const record = (phase: CampaignPhaseSummary | undefined, audit?: Audit) =>
    store.recordCampaignProgress({ campaignId: plan.id, status: state.status, currentPhase: state.currentPhase, closedAt: state.closedAt, cancellation: state.cancellation, phase, audit });
  const notifyCoordinator = (kind: 'sign-off-needed' | 'sign-off-reminder' | 'campaign-cancelled', key: string, data: Record<string, string | number>, phase?: PhaseSpec['name']) =>
    notify(plan.id, { kind, key, phase, recipient: coordinator, timeZone: plan.timezone, data: { campaignTitle: plan.title, ...data } });

  setHandler(getCampaignState, () => state);

  setHandler(
    signOffPhase,
    async (request) => {
      const summary = summaryOf(request.phase);
      if (summary.signOff?.requestId === request.requestId) return state;
      summary.signOff = { requestId: request.requestId, actor: request.actor, at: iso(Date.now()), note: request.note };
      await record(summary, { ...summary.signOff, action: 'phase-signed-off', phase: summary.name, detail: request.note ?? '' });
      return state;
    },
    {
      validator: (request) => {
        const summary = summaryOf(request.phase);
        if (summary.signOff?.requestId === request.requestId) return;
        if (summary.status !== 'awaiting-sign-off') throw fail(CampaignFailure.NotAwaitingSignOff, `the ${request.phase} phase is ${summary.status}, not awaiting sign-off`);
      },
    },
  );

  setHandler(
    reinstateUnit,
    async (request): Promise<ReinstatementRecord> => {
      const outcome = await store.reinstateUnit({ campaignId: plan.id, unitId: request.unitId, requestId: request.requestId, actor: request.actor, reason: request.reason, at: iso(Date.now()) }).catch((err: unknown) => {
        throw err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : err;
      });
      if (!outcome.ok) throw fail(outcome.refusal.type, outcome.refusal.message);
      // The record's shape: the request's postmark (receivedAt) is not part of it.
      return { requestId: request.requestId, actor: request.actor, unitId: request.unitId, reason: request.reason, forfeitedIn: outcome.forfeitedIn, at: outcome.at };
    },
    {
      validator: (_request: ReinstateRequest) => {
        if (isClosed()) throw fail(CampaignFailure.CampaignClosed, `the campaign is ${state.status}`);
      },
    },
  );

  let cancellationRecorded = false;
  setHandler(
    cancelCampaign,
    async (request) => {
      if (!state.cancellation) {
        state.cancellation = { requestId: request.requestId, actor: request.actor, at: iso(Date.now()), reason: request.reason };
        phaseScope.cancel();
      }
      // Answered once the record says cancelled, so whoever cancelled reads the final status.
      await condition(() => cancellationRecorded);
      return state;
    },
    {
      validator: (request) => {
        if (state.cancellation?.requestId === request.requestId) return;
        if (isClosed()) throw fail(CampaignFailure.CampaignClosed, `the campaign is already ${state.status}`);
      },
    },
  );

  async function runPhase(spec: PhaseSpec, summary: CampaignPhaseSummary) {
    state.currentPhase = spec.name;
    summary.status = 'running';
    summary.startedAt = iso(Date.now());
    upsertSearchAttributes([
      { key: CampaignPhase, value: spec.name },
      { key: CampaignCutoff, value: new Date(spec.cutoff) },
    ]);
    await record(summary, system('phase-started', `${spec.name}:started`, 'the phase started', spec.name));

    const result = await executeChild(phaseWorkflow, {
      workflowId: phaseWorkflowId(plan.id, spec.name),
      args: [{ campaignId: plan.id, campaignTitle: plan.title, timeZone: plan.timezone, phase: spec, unitCount: plan.unitCount, reviewers: plan.reviewers, coordinator: plan.coordinator, rosterRules: plan.rules }],
      typedSearchAttributes: [
        { key: CampaignId, value: plan.id },
        { key: CampaignPhase, value: spec.name },
        { key: CampaignStatus, value: 'scheduled' },
        { key: CampaignCutoff, value: new Date(spec.cutoff) },
      ],
      staticSummary: `${plan.title} · ${spec.name} · ${spec.opensAt} → cutoff ${spec.cutoff}`,
    });
    Object.assign(summary, result, { closedAt: iso(Date.now()) });
    if (spec.advance === 'sign-off') await awaitSignOff(spec, summary);
    summary.status = 'completed';
    await record(summary, system('phase-closed', `${spec.name}:closed`, `${result.participants} units taking part: ${result.approved} approved, ${result.forfeited} forfeited`, spec.name));
  }

  async function awaitSignOff(spec: PhaseSpec, summary: CampaignPhaseSummary) {
    summary.status = 'awaiting-sign-off';
    setStatus('awaiting-sign-off');
    await record(summary);
    const counts = { approved: summary.approved, forfeited: summary.forfeited, phase: spec.name };
    await notifyCoordinator('sign-off-needed', spec.name, counts, spec.name);
    const every = isoDurationMs(spec.signOffReminderEvery);
    while (!(await condition(() => summary.signOff !== undefined, every, { summary: `sign-off reminder every ${spec.signOffReminderEvery}` }))) {
      summary.signOffReminders++;
      await notifyCoordinator('sign-off-reminder', `${spec.name}-${summary.signOffReminders}`, counts, spec.name);
      await record(summary, system('sign-off-reminded', `${spec.name}:sign-off-reminder-${summary.signOffReminders}`, 'the coordinator was reminded', spec.name));
    }
    setStatus('running');
  }

  try {
    await phaseScope.run(async () => {
      for (const spec of plan.phases) await runPhase(spec, summaryOf(spec.name));
    });
    state.currentPhase = undefined;
    setStatus('completed');
  } catch (err) {
    if (!isCancellation(err) || !state.cancellation) throw err;
    for (const summary of state.phases) if (summary.status === 'running' || summary.status === 'awaiting-sign-off') summary.status = 'cancelled';
    setStatus('cancelled');
    const cancelled = state.phases.find((p) => p.status === 'cancelled');
    await record(cancelled, { ...state.cancellation, action: 'campaign-cancelled', detail: state.cancellation.reason });
    cancellationRecorded = true;
    await notifyCoordinator('campaign-cancelled', 'cancelled', { cancelledBy: state.cancellation.actor, reason: state.cancellation.reason });
  }
  state.closedAt = iso(Date.now());
  await record(undefined, system('campaign-closed', 'closed', state.status));
  await condition(allHandlersFinished);
  return state;
}
