import type { CampaignPlan } from './plan';

/**
 * The plan as workflows carry it: everything but the units, which live in the database and are
 * loaded a group at a time (a 100,000-unit plan is far past Temporal's 2 MB payload limit).
 */
export type PlanOutline = Omit<CampaignPlan, 'units'> & { unitCount: number };
