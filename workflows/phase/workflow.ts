import { executeChild, patched, setHandler, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import { CampaignId, CampaignPhase, CampaignStatus } from '../../domain/search-attributes';
import { UNITS_PER_GROUP_BEFORE, groupCount, unitGroupWorkflowId, unitsPerGroup } from '../../domain/workflow-ids';
import { unitGroupWorkflow } from './group';
import { getPhaseState, type GroupInput, type PhaseInput, type PhaseResult, type PhaseState } from './messages';

/** One phase of a campaign: its units' workflows, in groups, from opening until each has ended. */
export async function phaseWorkflow(input: PhaseInput): Promise<PhaseResult> {
  const { phase, campaignId } = input;
  const perGroup = patched('groups-of-root-n') ? unitsPerGroup(input.unitCount) : UNITS_PER_GROUP_BEFORE;
  const groups: GroupInput[] = [];
  if (patched('interleaved-groups')) {
    const count = groupCount(input.unitCount);
    for (let index = 0; index < count; index++) groups.push({ ...input, offset: index, limit: Math.ceil((input.unitCount - index) / count), stride: count });
  } else for (let offset = 0; offset < input.unitCount; offset += perGroup) groups.push({ ...input, offset, limit: Math.min(perGroup, input.unitCount - offset) });

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
      staticSummary: `${input.campaignTitle} · ${phase.name} · ${group.stride ? `${group.limit} units: ${group.offset + 1}, ${group.offset + 1 + group.stride}, …` : `units ${group.offset + 1}–${group.offset + group.limit}`}`,
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
