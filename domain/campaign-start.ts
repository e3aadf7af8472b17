import type { PlanOutline } from './plan-outline';
import { CampaignId, CampaignOrganizer, CampaignPhase, CampaignStatus } from './search-attributes';
import { campaignWorkflowId } from './workflow-ids';

/** How every client starts a campaign: its business-key id, the plan outline, what managers filter on, a readable summary. */
export function campaignStartOptions(plan: PlanOutline) {
  return {
    workflowId: campaignWorkflowId(plan.id),
    args: [plan] as [PlanOutline],
    typedSearchAttributes: [
      { key: CampaignId, value: plan.id },
      { key: CampaignOrganizer, value: plan.organizer },
      { key: CampaignStatus, value: 'running' },
      { key: CampaignPhase, value: plan.phases[0]!.name },
    ],
    staticSummary: `${plan.title} · ${plan.organizer}`,
  };
}
