import { executeChild, patched, proxyActivities, setHandler, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import type { Records } from '../../store/records';
import { CampaignCutoff, CampaignId, CampaignPhase, CampaignStatus, CampaignUnit } from '../../domain/search-attributes';
import { UNITS_PER_GROUP_BEFORE, unitGroupWorkflowId, unitPhaseWorkflowId, unitsPerGroup } from '../../domain/workflow-ids';
import type { UnitPhaseOutcome } from '../unit/messages';
import { unitPhaseWorkflow } from '../unit/workflow';
import { getPhaseState, type GroupInput, type PhaseInput, type PhaseResult, type PhaseState } from './messages';

const { loadParticipants } = proxyActivities<Records>({ startToCloseTimeout: '1 minute', retry: { initialInterval: '1 second', maximumInterval: '30 seconds' } });

/** One phase of a campaign: its units' workflows, in groups, from opening until each has ended. */
export async function phaseWorkflow(input: PhaseInput): Promise<PhaseResult> {
  const { phase, campaignId } = input;
  const perGroup = patched('groups-of-root-n') ? unitsPerGroup(input.unitCount) : UNITS_PER_GROUP_BEFORE;
  const groups: GroupInput[] = [];
  for (let offset = 0; offset < input.unitCount; offset += perGroup) groups.push({ ...input, offset, limit: Math.min(perGroup, input.unitCount - offset) });

  const state: PhaseState = { campaignId, phase: phase.name, status: 'scheduled', opensAt: phase.opensAt, cutoff: phase.cutoff, groupsClosed: 0, groups: groups.length, participants: 0, approved: 0, forfeited: 0 };
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

  async function runGroup(group: GroupInput, index: number) {
    const result = await executeChild(unitGroupWorkflow, {
      workflowId: unitGroupWorkflowId(campaignId, phase.name, index),
      args: [group],
      typedSearchAttributes: [
        { key: CampaignId, value: campaignId },
        { key: CampaignPhase, value: phase.name },
      ],
      staticSummary: `${input.campaignTitle} · ${phase.name} · units ${group.offset + 1}–${group.offset + group.limit}`,
    });
    state.participants += result.participants;
    state.approved += result.approved;
    state.forfeited += result.forfeited;
    state.groupsClosed++;
  }

  await Promise.all([markOpenOnTime(), ...groups.map(runGroup)]);
  setStatus('closed');
  return { participants: state.participants, approved: state.approved, forfeited: state.forfeited };
}

/** Runs one group of units' workflows to their ends, loading its units from the record; see unitsPerGroup. */
export async function unitGroupWorkflow(input: GroupInput): Promise<PhaseResult> {
  const { phase, campaignId } = input;
  const units = await loadParticipants({ campaignId, phase: phase.name, offset: input.offset, limit: input.limit });
  const reviewerById = new Map(input.reviewers.map((r) => [r.id, r]));
  const outcomes = await Promise.all(
    units.map(async (unit): Promise<UnitPhaseOutcome> => {
      const supervisor = reviewerById.get(unit.supervisor);
      if (!supervisor) throw new Error(`unit ${unit.id}: supervisor ${unit.supervisor} is not in the plan`);
      return executeChild(unitPhaseWorkflow, {
        workflowId: unitPhaseWorkflowId(campaignId, phase.name, unit.id),
        args: [{ campaignId, campaignTitle: input.campaignTitle, timeZone: input.timeZone, phase, unit, supervisor, coordinator: input.coordinator, rosterRules: input.rosterRules }],
        typedSearchAttributes: [
          { key: CampaignId, value: campaignId },
          { key: CampaignPhase, value: phase.name },
          { key: CampaignUnit, value: unit.id },
          { key: CampaignStatus, value: 'scheduled' },
          { key: CampaignCutoff, value: new Date(phase.cutoff) },
        ],
        staticSummary: `${input.campaignTitle} · ${phase.name} · ${unit.name} · cutoff ${phase.cutoff}`,
      });
    }),
  );
  return { participants: units.length, approved: outcomes.filter((o) => o === 'approved').length, forfeited: outcomes.filter((o) => o === 'forfeited').length };
}
