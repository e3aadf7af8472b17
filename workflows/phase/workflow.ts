import { executeChild, setHandler, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import { CampaignCutoff, CampaignId, CampaignPhase, CampaignStatus, CampaignUnit } from '../../domain/search-attributes';
import { unitPhaseWorkflowId, type UnitPhaseOutcome } from '../unit/messages';
import { unitPhaseWorkflow } from '../unit/workflow';
import { UNITS_PER_GROUP, getPhaseState, unitGroupWorkflowId, type PhaseInput, type PhaseResult, type PhaseState } from './messages';

/** One phase of a campaign: its units' workflows, in groups, from opening until each has ended. */
export async function phaseWorkflow(input: PhaseInput): Promise<PhaseResult> {
  const { phase, campaignId } = input;
  const groups: PhaseInput[] = [];
  for (let i = 0; i < input.units.length; i += UNITS_PER_GROUP) groups.push({ ...input, units: input.units.slice(i, i + UNITS_PER_GROUP) });

  const state: PhaseState = {
    campaignId,
    phase: phase.name,
    status: 'scheduled',
    opensAt: phase.opensAt,
    cutoff: phase.cutoff,
    unitIds: input.units.map((u) => u.id),
    groupsClosed: 0,
    groups: groups.length,
    approved: [],
    forfeited: [],
  };
  setHandler(getPhaseState, () => state);

  const setStatus = (status: PhaseState['status']) => {
    state.status = status;
    upsertSearchAttributes([{ key: CampaignStatus, value: status }]);
  };

  async function markOpenOnTime() {
    const wait = Date.parse(phase.opensAt) - Date.now();
    if (wait > 0) await sleep(wait, { summary: `${phase.name} opens` });
    if (state.status === 'scheduled') setStatus('open');
  }

  async function runGroup(group: PhaseInput, index: number) {
    const result = await executeChild(unitGroupWorkflow, {
      workflowId: unitGroupWorkflowId(campaignId, phase.name, index),
      args: [group],
      typedSearchAttributes: [
        { key: CampaignId, value: campaignId },
        { key: CampaignPhase, value: phase.name },
      ],
      staticSummary: `${input.campaignTitle} · ${phase.name} · units ${index * UNITS_PER_GROUP + 1}–${index * UNITS_PER_GROUP + group.units.length}`,
    });
    state.approved.push(...result.approved);
    state.forfeited.push(...result.forfeited);
    state.groupsClosed++;
  }

  await Promise.all([markOpenOnTime(), ...groups.map(runGroup)]);
  setStatus('closed');
  return { approved: state.approved, forfeited: state.forfeited };
}

/** Runs one group of units' workflows to their ends; see UNITS_PER_GROUP for why groups exist. */
export async function unitGroupWorkflow(input: PhaseInput): Promise<PhaseResult> {
  const { phase, campaignId } = input;
  const reviewerById = new Map(input.reviewers.map((r) => [r.id, r]));
  const outcomes = await Promise.all(
    input.units.map(async (unit): Promise<[string, UnitPhaseOutcome]> => {
      const supervisor = reviewerById.get(unit.supervisor);
      if (!supervisor) throw new Error(`unit ${unit.id}: supervisor ${unit.supervisor} is not in the plan`);
      const outcome = await executeChild(unitPhaseWorkflow, {
        workflowId: unitPhaseWorkflowId(campaignId, phase.name, unit.id),
        args: [{ campaignId, campaignTitle: input.campaignTitle, phase, unit, supervisor, coordinator: input.coordinator, rosterRules: input.rosterRules, registry: input.registry }],
        typedSearchAttributes: [
          { key: CampaignId, value: campaignId },
          { key: CampaignPhase, value: phase.name },
          { key: CampaignUnit, value: unit.id },
          { key: CampaignStatus, value: 'scheduled' },
          { key: CampaignCutoff, value: new Date(phase.cutoff) },
        ],
        staticSummary: `${input.campaignTitle} · ${phase.name} · ${unit.name} · cutoff ${phase.cutoff}`,
      });
      return [unit.id, outcome];
    }),
  );
  return {
    approved: outcomes.filter(([, o]) => o === 'approved').map(([id]) => id),
    forfeited: outcomes.filter(([, o]) => o === 'forfeited').map(([id]) => id),
  };
}
