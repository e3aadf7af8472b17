import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { approvedEntry, publishedEntry, type ApprovedEntry, type Household, type PublishedEntry } from '../domain/roster';
import { addedHouseholds, currentRoster, entriesStruckByObjections, getUnitPhaseState, unitPhaseWorkflowId, type UnitPhaseState } from '../workflows/unit/messages';
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

/**
 * The approved roster and the households the unit added on upheld objections during publicity
 * (before any entry struck by one), with the publicity state when the unit has that phase.
 */
export async function noticedHouseholds(client: Client, campaignId: string, unitId: string) {
  const [approved, publicity] = await Promise.all([approvedHouseholds(client, campaignId, unitId), unitPhaseStateIfAny(client, campaignId, 'publicity', unitId)]);
  return { publicity, households: [...approved, ...(publicity ? addedHouseholds(publicity) : [])] };
}

export function createRosterActivities({ client }: { client: Client }) {
  return {
    /** For visiting: the approved roster with the households added in publicity, less the entries struck by upheld objections. */
    async approvedRoster({ campaignId, unitId }: { campaignId: string; unitId: string }): Promise<ApprovedEntry[]> {
      const { publicity, households } = await noticedHouseholds(client, campaignId, unitId);
      const struck = publicity ? entriesStruckByObjections(publicity) : new Set<number>();
      return households.filter((r) => !struck.has(r.entry)).map(approvedEntry);
    },

    /** For the publicity notice (公示): what a notice board shows, the name masked. */
    async publishedRoster({ campaignId, unitId }: { campaignId: string; unitId: string }): Promise<PublishedEntry[]> {
      return (await approvedHouseholds(client, campaignId, unitId)).map(publishedEntry);
    },
  };
}

export type RosterActivities = ReturnType<typeof createRosterActivities>;
