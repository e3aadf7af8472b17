import type { PhaseName } from './plan';

// Business-key workflow ids: one campaign, one phase, one group of units, one unit in one phase.

export const campaignWorkflowId = (campaignId: string): string => `campaign:${campaignId}`;
export const phaseWorkflowId = (campaignId: string, phase: PhaseName): string => `campaign:${campaignId}:${phase}`;
export const unitGroupWorkflowId = (campaignId: string, phase: PhaseName, group: number): string => `campaign:${campaignId}:${phase}:group:${group}`;
export { unitPhaseWorkflowId } from './unit-phase';

/**
 * Units per group workflow, for a phase of `unitCount` units: about √n, so the phase starts about
 * √n groups and each group about √n units. A parent's child starts are applied to it one by one
 * (each is an event on it and wakes it), so a parent with many children starts them slowly: 500
 * children of one group took 171 s to start on a loaded 2-core dev server, 25 groups of 20 took
 * 23 s. At least MIN_UNITS_PER_GROUP, so a small campaign keeps few groups; 100,000 units make 316
 * groups of 317, well under Temporal's 2,000 pending children per execution.
 */
export const unitsPerGroup = (unitCount: number): number => Math.max(MIN_UNITS_PER_GROUP, Math.ceil(Math.sqrt(unitCount)));
export const MIN_UNITS_PER_GROUP = 20;
/** How many groups a phase of `unitCount` units has. */
export const groupCount = (unitCount: number): number => Math.ceil(unitCount / unitsPerGroup(unitCount));
/**
 * The group of the unit at `position` (0-based): groups are interleaved, the unit at position p in
 * group p mod groupCount, so units next to each other in the plan (one township's villages, which
 * tend to act together) wake different groups instead of queueing behind one.
 */
export const unitGroupIndex = (position: number, unitCount: number): number => position % groupCount(unitCount);
/** The fixed group size of phases started before groups were sized by unitsPerGroup. */
export const UNITS_PER_GROUP_BEFORE = 500;
