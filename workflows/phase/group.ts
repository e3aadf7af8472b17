import { CancellationScope, condition, executeChild, isCancellation, patched, proxyActivities, setHandler, sleep, startChild, type ChildWorkflowOptions } from '@temporalio/workflow';
import type { Records } from '../../store/records';
import { CampaignCutoff, CampaignId, CampaignPhase, CampaignStatus, CampaignUnit } from '../../domain/search-attributes';
import { UNACTED_UNITS_START_AHEAD_MS, unitPhaseWorkflowId } from '../../domain/unit-phase';
import type { Unit } from '../../domain/plan';
import { notify } from '../notification/workflow';
import type { UnitOpening, UnitPhaseInput, UnitPhaseOutcome } from '../unit/messages';
import { firstClockInstant, initialState, openingReminders, phaseOpenedNotice } from '../unit/opening';
import { unitPhaseWorkflow } from '../unit/workflow';
import { wakeUnit, type GroupInput, type PhaseResult } from './messages';

const store = proxyActivities<Records>({ startToCloseTimeout: '1 minute', retry: { initialInterval: '1 second', maximumInterval: '30 seconds' } });

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Runs one group of units to their ends, loading its units from the record (see unitsPerGroup).
 * At the opening it opens every unit that has not acted yet in one write to the record and sends
 * each its notice; a unit's workflow starts when the unit acts (wakeUnit, from the API) or shortly
 * before its clock first needs it, so a phase opens without a workflow start per unit.
 */
export async function unitGroupWorkflow(input: GroupInput): Promise<PhaseResult> {
  const { phase, campaignId } = input;
  const units = (await store.loadParticipants({ campaignId, phase: phase.name, offset: input.offset, limit: input.limit, stride: input.stride })).map((unit) => unitInput(input, unit));
  // Before, every unit's workflow started at once and opened itself.
  if (!patched('units-start-when-needed')) return countOutcomes(await Promise.all(units.map((unit) => executeChild(unitPhaseWorkflow, childOptions(unit)))));

  const byId = new Map(units.map((unit) => [unit.unit.id, unit]));
  const openings = new Map<string, UnitOpening>();
  const started = new Map<string, Promise<void>>();
  const ended = new Set<string>();
  const outcomes: Promise<UnitPhaseOutcome>[] = [];
  let openingUnderWay = false;

  const start = (unit: UnitPhaseInput): Promise<void> => {
    const id = unit.unit.id;
    let starting = started.get(id);
    if (!starting) {
      const opened = openings.get(id);
      starting = startChild(unitPhaseWorkflow, childOptions(opened ? { ...unit, opened } : unit)).then((child) => {
        outcomes.push(child.result().then((outcome) => (ended.add(id), outcome)));
      });
      started.set(id, starting);
    }
    return starting;
  };

  setHandler(wakeUnit, async ({ unitId }) => {
    const unit = byId.get(unitId);
    if (!unit) return false;
    // A unit that acts while the group opens the others starts once it is opened with them.
    await condition(() => !openingUnderWay);
    // Answered as the start is asked for, not once the child has started (a second task of the
    // group): the server creates the child right after this task, and the API sends its Update
    // again until it arrives. A failed start fails the group's await of every start below.
    void start(unit);
    return !ended.has(unitId);
  });

  try {
    const opensAt = Date.parse(phase.opensAt);
    if (Date.now() < opensAt) await sleep(opensAt - Date.now(), { summary: `${phase.name} opens` });
    // A unit woken before the opening opened itself; the rest open here, together.
    const unopened = units.filter((unit) => !started.has(unit.unit.id));
    if (unopened.length) {
      openingUnderWay = true;
      const at = iso(Date.now());
      const cutoff = initialState(unopened[0]!).cutoff;
      const { rosterSizes, reminderInstants } = await store.openUnitPhases({ campaignId, phase: phase.name, unitIds: unopened.map((unit) => unit.unit.id), at, reminders: openingReminders(unopened[0]!, cutoff) });
      for (const unit of unopened) openings.set(unit.unit.id, { at, rosterSize: rosterSizes[unit.unit.id]!, ...(reminderInstants ? { reminderInstants } : {}) });
      openingUnderWay = false;
      await Promise.all(unopened.map((unit) => notify(campaignId, phaseOpenedNotice(unit, cutoff), 'notice', unitPhaseWorkflowId(campaignId, phase.name, unit.unit.id))));
      const needed = Math.min(...unopened.map((unit) => firstClockInstant(unit, openings.get(unit.unit.id)!))) - UNACTED_UNITS_START_AHEAD_MS;
      if (needed > Date.now()) await condition(() => started.size === units.length, needed - Date.now(), { summary: 'start the units that have not acted' });
    }
    await Promise.all(units.map(start));
    return countOutcomes(await Promise.all(outcomes));
  } catch (err) {
    if (isCancellation(err)) {
      const at = iso(Date.now());
      const unstarted = units.filter((unit) => !started.has(unit.unit.id));
      await CancellationScope.nonCancellable(async () => {
        // The units never started have nobody to record their cancellation but the group.
        await Promise.all(unstarted.map(({ unit }) => store.recordUnitStatus({ campaignId, phase: phase.name, unitId: unit.id, status: 'cancelled', at, requestId: `${unitPhaseWorkflowId(campaignId, phase.name, unit.id)}:cancelled`, detail: 'the campaign was cancelled' })));
        // The started ones record theirs as they end: the group waits for them, or closing it would terminate them first.
        await Promise.allSettled([...started.values()]);
        await Promise.allSettled(outcomes);
      });
    }
    throw err;
  }
}

function unitInput(group: GroupInput, unit: Unit): UnitPhaseInput {
  const supervisor = group.reviewers.find((r) => r.id === unit.supervisor);
  if (!supervisor) throw new Error(`unit ${unit.id}: supervisor ${unit.supervisor} is not in the plan`);
  return { campaignId: group.campaignId, campaignTitle: group.campaignTitle, timeZone: group.timeZone, phase: group.phase, unit, supervisor, coordinator: group.coordinator, rosterRules: group.rosterRules };
}

function childOptions(input: UnitPhaseInput): Omit<ChildWorkflowOptions, 'typeInfo'> & { args: [UnitPhaseInput] } {
  const { campaignId, phase, unit } = input;
  return {
    workflowId: unitPhaseWorkflowId(campaignId, phase.name, unit.id),
    args: [input],
    typedSearchAttributes: [
      { key: CampaignId, value: campaignId },
      { key: CampaignPhase, value: phase.name },
      { key: CampaignUnit, value: unit.id },
      { key: CampaignStatus, value: input.opened ? 'open' : 'scheduled' },
      { key: CampaignCutoff, value: new Date(phase.cutoff) },
    ],
    staticSummary: `${input.campaignTitle} · ${phase.name} · ${unit.name} · cutoff ${phase.cutoff}`,
  };
}

const countOutcomes = (outcomes: UnitPhaseOutcome[]): PhaseResult => ({
  participants: outcomes.length,
  approved: outcomes.filter((o) => o === 'approved').length,
  forfeited: outcomes.filter((o) => o === 'forfeited').length,
});
