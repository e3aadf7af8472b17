import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  executeChild,
  isCancellation,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { isoDurationMs } from '../../domain/duration';
import type { CampaignPlan, PhaseSpec } from '../../domain/plan';
import { registryLayout } from '../../domain/roster';
import { CampaignCutoff, CampaignId, CampaignPhase, CampaignStatus } from '../../domain/search-attributes';
import { notify } from '../notification/workflow';
import type { Recipient } from '../notification/messages';
import { phaseWorkflowId } from '../phase/messages';
import { phaseWorkflow } from '../phase/workflow';
import {
  CampaignFailure,
  cancelCampaign,
  getCampaignPlan,
  getCampaignState,
  reinstateUnit,
  signOffPhase,
  type CampaignPhaseSummary,
  type CampaignState,
  type ReinstatementRecord,
} from './messages';

const iso = (ms: number) => new Date(ms).toISOString();
const fail = (type: string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });

/** A campaign: its four phases in order, each gated by the coordinator's sign-off where the plan says so. */
export async function campaignWorkflow(plan: CampaignPlan): Promise<CampaignState> {
  const coordinator: Recipient = { role: 'coordinator', id: plan.coordinator.id, webhook: plan.coordinator.notify.webhook };
  const state: CampaignState = {
    campaignId: plan.id,
    title: plan.title,
    organizer: plan.organizer,
    status: 'running',
    phases: plan.phases.map((p) => ({ name: p.name, status: 'pending', participants: [], approved: [], forfeited: [], signOffReminders: [] })),
    excluded: [],
    reinstatements: [],
    startedAt: iso(Date.now()),
  };
  const phaseScope = new CancellationScope();
  const summaryOf = (name: string) => state.phases.find((p) => p.name === name)!;
  const isClosed = () => state.status === 'completed' || state.status === 'cancelled';
  const setStatus = (status: CampaignState['status']) => {
    state.status = status;
    upsertSearchAttributes([{ key: CampaignStatus, value: status }]);
  };

  setHandler(getCampaignState, () => state);
  setHandler(getCampaignPlan, () => plan);

  setHandler(
    signOffPhase,
    (request) => {
      const summary = summaryOf(request.phase);
      if (summary.signOff?.requestId === request.requestId) return state;
      summary.signOff = { requestId: request.requestId, actor: request.actor, at: iso(Date.now()), note: request.note };
      return state;
    },
    {
      validator: (request) => {
        const summary = summaryOf(request.phase);
        if (summary.signOff?.requestId === request.requestId) return;
        if (summary.status !== 'awaiting-sign-off') {
          throw fail(CampaignFailure.NotAwaitingSignOff, `the ${request.phase} phase is ${summary.status}, not awaiting sign-off`);
        }
      },
    },
  );

  setHandler(
    reinstateUnit,
    (request): ReinstatementRecord => {
      const earlier = state.reinstatements.find((r) => r.requestId === request.requestId);
      if (earlier) return earlier;
      const exclusion = state.excluded.find((e) => e.unitId === request.unitId)!;
      state.excluded = state.excluded.filter((e) => e !== exclusion);
      const record: ReinstatementRecord = { ...request, forfeitedIn: exclusion.forfeitedIn, at: iso(Date.now()) };
      state.reinstatements.push(record);
      return record;
    },
    {
      validator: (request) => {
        if (state.reinstatements.some((r) => r.requestId === request.requestId)) return;
        if (isClosed()) throw fail(CampaignFailure.CampaignClosed, `the campaign is ${state.status}`);
        if (!plan.units.some((u) => u.id === request.unitId)) throw fail(CampaignFailure.UnknownUnit, `no unit ${request.unitId} in this campaign`);
        if (!state.excluded.some((e) => e.unitId === request.unitId)) {
          throw fail(CampaignFailure.NotForfeited, `unit ${request.unitId} has not forfeited a finished phase, so there is nothing to reinstate`);
        }
      },
    },
  );

  setHandler(
    cancelCampaign,
    (request) => {
      if (!state.cancellation) {
        state.cancellation = { requestId: request.requestId, actor: request.actor, at: iso(Date.now()), reason: request.reason };
        phaseScope.cancel();
      }
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
    const excluded = new Set(state.excluded.map((e) => e.unitId));
    const units = plan.units.filter((u) => !excluded.has(u.id));
    state.currentPhase = spec.name;
    summary.status = 'running';
    summary.startedAt = iso(Date.now());
    summary.participants = units.map((u) => u.id);
    upsertSearchAttributes([
      { key: CampaignPhase, value: spec.name },
      { key: CampaignCutoff, value: new Date(spec.cutoff) },
    ]);

    const result = await executeChild(phaseWorkflow, {
      workflowId: phaseWorkflowId(plan.id, spec.name),
      args: [{ campaignId: plan.id, campaignTitle: plan.title, phase: spec, units, reviewers: plan.reviewers, coordinator: plan.coordinator, rosterRules: plan.rules, registry: registryLayout(plan) }],
      typedSearchAttributes: [
        { key: CampaignId, value: plan.id },
        { key: CampaignPhase, value: spec.name },
        { key: CampaignStatus, value: 'scheduled' },
        { key: CampaignCutoff, value: new Date(spec.cutoff) },
      ],
      staticSummary: `${plan.title} · ${spec.name} · ${spec.opensAt} → cutoff ${spec.cutoff}`,
    });
    summary.approved = result.approved;
    summary.forfeited = result.forfeited;
    summary.closedAt = iso(Date.now());
    state.excluded.push(...result.forfeited.map((unitId) => ({ unitId, forfeitedIn: spec.name })));

    if (spec.advance === 'sign-off') await awaitSignOff(spec, summary);
    summary.status = 'completed';
  }

  async function awaitSignOff(spec: PhaseSpec, summary: CampaignPhaseSummary) {
    summary.status = 'awaiting-sign-off';
    setStatus('awaiting-sign-off');
    const counts = `${summary.approved.length} approved, ${summary.forfeited.length} forfeited`;
    await notify(plan.id, { kind: 'sign-off-needed', key: spec.name, phase: spec.name, recipient: coordinator, message: `${plan.title}: the ${spec.name} phase has closed (${counts}) and awaits your sign-off.`, data: { approved: summary.approved.length, forfeited: summary.forfeited.length } });
    const every = isoDurationMs(spec.signOffReminderEvery);
    while (!(await condition(() => summary.signOff !== undefined, every, { summary: `sign-off reminder every ${spec.signOffReminderEvery}` }))) {
      const sent = await notify(plan.id, { kind: 'sign-off-reminder', key: `${spec.name}-${summary.signOffReminders.length + 1}`, phase: spec.name, recipient: coordinator, message: `Reminder: ${plan.title}'s ${spec.name} phase still awaits your sign-off (${counts}).` });
      summary.signOffReminders.push(sent.occurredAt);
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
    await notify(plan.id, { kind: 'campaign-cancelled', key: 'cancelled', recipient: coordinator, message: `${plan.title} was cancelled by ${state.cancellation.actor}: ${state.cancellation.reason}` });
  }
  state.closedAt = iso(Date.now());
  await condition(allHandlersFinished);
  return state;
}
