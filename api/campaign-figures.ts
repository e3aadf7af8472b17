import type { Client } from '@temporalio/client';

export interface CampaignFigures {
  /** Units that let a cutoff pass without an on-time submission. */
  unitsForfeited: number;
  /** Submissions still waiting for their reviewer after the phase's cutoff: they hold the phase open. */
  reviewsOverdue: number;
  /** Notifications whose webhook has not taken them yet (delivery retries for up to two weeks). */
  notificationsPending: number;
}

/**
 * The campaign figures the metrics endpoint shows, counted in Temporal's visibility store for now.
 * The campaign database will answer them later; this function is the one place that changes then.
 */
export async function campaignFigures(client: Client, now: Date = new Date()): Promise<CampaignFigures> {
  const count = async (query: string) => (await client.workflow.count(query)).count;
  const [unitsForfeited, reviewsOverdue, notificationsPending] = await Promise.all([
    count('WorkflowType="unitPhaseWorkflow" AND CampaignStatus="forfeited"'),
    count(`WorkflowType="unitPhaseWorkflow" AND ExecutionStatus="Running" AND CampaignStatus="submitted" AND CampaignCutoff < "${now.toISOString()}"`),
    count('WorkflowType="deliverNotification" AND ExecutionStatus="Running"'),
  ]);
  return { unitsForfeited, reviewsOverdue, notificationsPending };
}
