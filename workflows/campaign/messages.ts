import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { PhaseName } from '../../domain/plan';

export const CAMPAIGN_STATUSES = ['running', 'awaiting-sign-off', 'completed', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const CAMPAIGN_PHASE_STATUSES = ['pending', 'running', 'awaiting-sign-off', 'completed', 'cancelled'] as const;
export type CampaignPhaseStatus = (typeof CAMPAIGN_PHASE_STATUSES)[number];

export const CampaignFailure = {
  NotAwaitingSignOff: 'NotAwaitingSignOff',
  CampaignClosed: 'CampaignClosed',
  NotForfeited: 'UnitNotForfeited',
  UnknownUnit: 'UnknownUnit',
} as const;

export interface ActorRecord {
  requestId: string;
  actor: string;
  at: string;
}

/** A phase as the campaign sees it: counts, not unit lists (those are in the record). */
export interface CampaignPhaseSummary {
  name: PhaseName;
  status: CampaignPhaseStatus;
  startedAt?: string;
  closedAt?: string;
  participants: number;
  approved: number;
  forfeited: number;
  signOff?: ActorRecord & { note?: string };
  signOffReminders: number;
}

export interface ReinstatementRecord extends ActorRecord {
  unitId: string;
  reason: string;
  /** The phase whose forfeiture is set aside: the unit takes part again from the next phase on. */
  forfeitedIn: PhaseName;
}

export interface CampaignState {
  campaignId: string;
  title: string;
  organizer: string;
  status: CampaignStatus;
  currentPhase?: PhaseName;
  phases: CampaignPhaseSummary[];
  cancellation?: ActorRecord & { reason: string };
  startedAt: string;
  closedAt?: string;
}

export interface SignOffRequest {
  requestId: string;
  actor: string;
  phase: PhaseName;
  note?: string;
}

export interface ReinstateRequest {
  requestId: string;
  actor: string;
  unitId: string;
  reason: string;
}

export interface CancelRequest {
  requestId: string;
  actor: string;
  reason: string;
}

export const signOffPhase = defineUpdate<CampaignState, [SignOffRequest]>('signOffPhase');
export const reinstateUnit = defineUpdate<ReinstatementRecord, [ReinstateRequest]>('reinstateUnit');
export const cancelCampaign = defineUpdate<CampaignState, [CancelRequest]>('cancelCampaign');
export const getCampaignState = defineQuery<CampaignState>('getCampaignState');
