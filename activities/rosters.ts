import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { maskName, type ApprovedEntry, type Household, type PublishedEntry } from '../domain/roster';
import { currentRoster, entriesStruckByObjections, getUnitPhaseState, unitPhaseWorkflowId, type UnitPhaseState } from '../workflows/unit/messages';
import type { PhaseName } from '../domain/plan';

// Hands a unit's approved applicant roster to its later phases: read from the preparation
// workflow (closed by then; Temporal answers queries on closed workflows), stripped of personal data.

/** A unit phase's state, or undefined when the unit has no workflow for that phase. */
export async function unitPhaseStateIfAny(client: Client, campaignId: string, phase: PhaseName, unitId: string): Promise<UnitPhaseState | undefined> {
  try {
    return await client.workflow.getHandle(unitPhaseWorkflowId(campaignId, phase, unitId)).query(getUnitPhaseState);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** The preparation roster as approved (a unit reinstated after forfeiting preparation has none). */
export async function approvedHouseholds(client: Client, campaignId: string, unitId: string): Promise<{ entry: number; household: Household }[]> {
  const state = await unitPhaseStateIfAny(client, campaignId, 'preparation', unitId);
  return state?.status === 'approved' ? currentRoster(state) : [];
}

const approvedEntry = ({ entry, household: { category, amount, goods, fundingSource } }: { entry: number; household: Household }): ApprovedEntry => ({ entry, category, amount, goods, fundingSource });

export function createRosterActivities({ client }: { client: Client }) {
  return {
    /** For visiting: the approved roster less the entries struck by upheld publicity objections. */
    async approvedRoster({ campaignId, unitId }: { campaignId: string; unitId: string }): Promise<ApprovedEntry[]> {
      const publicity = await unitPhaseStateIfAny(client, campaignId, 'publicity', unitId);
      const struck = publicity ? entriesStruckByObjections(publicity) : new Set<number>();
      return (await approvedHouseholds(client, campaignId, unitId)).filter((r) => !struck.has(r.entry)).map(approvedEntry);
    },

    /** For the publicity notice (公示): what a notice board shows, the name masked. */
    async publishedRoster({ campaignId, unitId }: { campaignId: string; unitId: string }): Promise<PublishedEntry[]> {
      return (await approvedHouseholds(client, campaignId, unitId)).map((r) => ({ ...approvedEntry(r), maskedName: maskName(r.household.name) }));
    },
  };
}

export type RosterActivities = ReturnType<typeof createRosterActivities>;
