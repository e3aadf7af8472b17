import { defineQuery } from '@temporalio/workflow';
import type { Person, PhaseName, PhaseSpec, RosterRules, Unit } from '../../domain/plan';
import type { RegistryLayout } from '../../domain/roster';

export const PHASE_STATUSES = ['scheduled', 'open', 'closed'] as const;
export type PhaseStatus = (typeof PHASE_STATUSES)[number];

export interface PhaseInput {
  campaignId: string;
  campaignTitle: string;
  phase: PhaseSpec;
  /** The units taking part: those that have not forfeited an earlier phase, or were reinstated. */
  units: Unit[];
  reviewers: Person[];
  coordinator: Person;
  rosterRules?: RosterRules;
  registry?: RegistryLayout;
}

export interface PhaseResult {
  approved: string[];
  forfeited: string[];
}

export interface PhaseState {
  campaignId: string;
  phase: PhaseName;
  status: PhaseStatus;
  opensAt: string;
  cutoff: string;
  unitIds: string[];
  /** Groups of units whose workflows have all ended, out of `groups`. */
  groupsClosed: number;
  groups: number;
  approved: string[];
  forfeited: string[];
}

export const getPhaseState = defineQuery<PhaseState>('getPhaseState');

export const phaseWorkflowId = (campaignId: string, phase: PhaseName): string => `campaign:${campaignId}:${phase}`;
export const unitGroupWorkflowId = (campaignId: string, phase: PhaseName, group: number): string =>
  `campaign:${campaignId}:${phase}:group:${group}`;

/**
 * Units per group workflow. A phase starts one child per group and a group one child per unit, so
 * no execution holds more than this many pending children (Temporal's limit is 2,000) and each
 * group's history stays near a few thousand events whatever the campaign's size.
 */
export const UNITS_PER_GROUP = 500;
