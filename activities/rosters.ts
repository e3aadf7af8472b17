import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { ApprovedEntry } from '../domain/roster';
import { currentRoster, getUnitPhaseState, unitPhaseWorkflowId } from '../workflows/unit/messages';

// Hands a unit's approved applicant roster to its later phases: read from the preparation
// workflow (closed by then; Temporal answers queries on closed workflows), stripped of personal data.

export function createRosterActivities({ client }: { client: Client }) {
  return {
    async approvedRoster({ campaignId, unitId }: { campaignId: string; unitId: string }): Promise<ApprovedEntry[]> {
      let state;
      try {
        state = await client.workflow.getHandle(unitPhaseWorkflowId(campaignId, 'preparation', unitId)).query(getUnitPhaseState);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return [];
        throw err;
      }
      // A unit reinstated after forfeiting preparation has no approved roster.
      if (state.status !== 'approved') return [];
      return currentRoster(state).map(({ entry, household: { category, amount, goods, fundingSource } }) => ({ entry, category, amount, goods, fundingSource }));
    },
  };
}

export type RosterActivities = ReturnType<typeof createRosterActivities>;
