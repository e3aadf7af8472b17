import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { CampaignPlan, PhaseName } from '../../domain/plan';
import { CampaignId, CampaignOrganizer, CampaignPhase, CampaignStatus as CampaignStatusKey } from '../../domain/search-attributes';

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

export interface CampaignPhaseSummary {
  name: PhaseName;
  status: CampaignPhaseStatus;
  startedAt?: string;
  closedAt?: string;
  participants: string[];
  approved: string[];
  forfeited: string[];
  signOff?: ActorRecord & { note?: string };
  signOffReminders: string[];
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
  /** Units out of the campaign, with the phase they forfeited. */
  excluded: { unitId: string; forfeitedIn: PhaseName }[];
  reinstatements: ReinstatementRecord[];
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
/** The plan the campaign runs, for the upward report (its standards, sources, budgets and cost splits). */
export const getCampaignPlan = defineQuery<CampaignPlan>('getCampaignPlan');

export const campaignWorkflowId = (campaignId: string): string => `campaign:${campaignId}`;

/** How every client starts a campaign: its business-key id, the plan, what managers filter on, a readable summary. */
export function campaignStartOptions(plan: CampaignPlan) {
  return {
    workflowId: campaignWorkflowId(plan.id),
    args: [plan] as [CampaignPlan],
    typedSearchAttributes: [
      { key: CampaignId, value: plan.id },
      { key: CampaignOrganizer, value: plan.organizer },
      { key: CampaignStatusKey, value: 'running' },
      { key: CampaignPhase, value: plan.phases[0]!.name },
    ],
    staticSummary: `${plan.title} · ${plan.organizer}`,
  };
}
