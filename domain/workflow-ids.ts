import type { PhaseName } from './plan';

// Business-key workflow ids: one campaign, one phase, one group of units, one unit in one phase.

export const campaignWorkflowId = (campaignId: string): string => `campaign:${campaignId}`;
export const phaseWorkflowId = (campaignId: string, phase: PhaseName): string => `campaign:${campaignId}:${phase}`;
export const unitGroupWorkflowId = (campaignId: string, phase: PhaseName, group: number): string => `campaign:${campaignId}:${phase}:group:${group}`;
export { unitPhaseWorkflowId } from './unit-phase';

/**
 * Units per group workflow. A phase starts one child per group and a group one child per unit, so
 * no execution holds more than this many pending children (Temporal's limit is 2,000) and each
 * group's history stays near a few thousand events whatever the campaign's size.
 */
export const UNITS_PER_GROUP = 500;
