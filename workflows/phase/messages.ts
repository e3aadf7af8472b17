import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Person, PhaseName, PhaseSpec, RosterRules } from '../../domain/plan';

export const PHASE_STATUSES = ['scheduled', 'open', 'closed'] as const;
export type PhaseStatus = (typeof PHASE_STATUSES)[number];

export interface PhaseInput {
  campaignId: string;
  campaignTitle: string;
  timeZone: string;
  phase: PhaseSpec;
  /** Units are rows in the database, numbered 0…unitCount-1; groups load theirs by position. */
  unitCount: number;
  reviewers: Person[];
  coordinator: Person;
  rosterRules?: RosterRules;
}

export interface GroupInput extends PhaseInput {
  offset: number;
  limit: number;
  /** With a stride the group's units are at positions offset, offset + stride, … (unitGroupIndex says why); without, offset … offset + limit − 1. */
  stride?: number;
}

/** Counts only: which units approved or forfeited is in the record (unit_phases). */
export interface PhaseResult {
  participants: number;
  approved: number;
  forfeited: number;
}

export interface PhaseState extends PhaseResult {
  campaignId: string;
  phase: PhaseName;
  status: PhaseStatus;
  opensAt: string;
  cutoff: string;
  /** Groups of units whose workflows have all ended, out of `groups`. */
  groupsClosed: number;
  groups: number;
}

export const getPhaseState = defineQuery<PhaseState>('getPhaseState');

/**
 * A unit whose group has not started its workflow yet (it has not acted since its phase opened)
 * is about to act: the group starts it. True once the unit's workflow runs or its start is asked
 * for (it exists moments later); false when it has ended, or the unit takes no part in this group.
 */
export const wakeUnit = defineUpdate<boolean, [{ unitId: string }]>('wakeUnit');
