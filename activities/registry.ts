import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { RosterFailure, yuan, type RegistryLayout } from '../domain/roster';
import {
  budgetLedgerWorkflowId,
  claimHouseholds,
  householdShardWorkflowId,
  releaseHouseholds,
  reserveBudget,
  type BudgetLedgerState,
  type HouseholdShardState,
} from '../workflows/registry/messages';
import { noticedHouseholds } from './rosters';

// The unit workflows' way into the campaign-wide registry. ID numbers arrive here and leave only
// as keyed hashes (HMAC with a key the workflows never see); a refusal names entries and units.

/**
 * The HMAC key for ID numbers, derived from a deployment secret the worker already has (so no new
 * setting); labelled, so it is never the secret itself. Rotating that secret mid-campaign would
 * make the registry miss duplicates listed before the rotation.
 */
export const householdKeyFrom = (secret: string): Buffer => createHmac('sha256', secret).update('relief-campaigns/household-registry/v1').digest();

export interface RegistryDeps {
  client: Client;
  taskQueue: string;
  /** HMAC key for household ID numbers. */
  householdKey: Buffer;
}

export interface RegistryTarget {
  campaignId: string;
  unitId: string;
  /** The unit workflow's id: with the version it makes each Update's id. */
  unitWorkflowId: string;
  version: number;
  layout: RegistryLayout;
}

export interface ClaimRosterInput extends RegistryTarget {
  /** The roster's ID numbers, in entry order (entry = index + 1). */
  idNumbers: string[];
  amounts: Record<string, number>;
  /** What the unit held before this claim, restored if it is refused (nothing for a whole roster). */
  heldBefore?: Record<string, number>;
  /** A household this unit already lists is refused too: an addition to a standing roster must be new to it. */
  exclusive?: boolean;
  /** The entry number of the first ID number (1 for a whole roster), so a refusal names the right entries. */
  firstEntry?: number;
}

export interface ReleaseInput extends RegistryTarget {
  /** ID numbers no longer listed. */
  idNumbers: string[];
  /** What the unit's roster still holds per funding source afterwards. */
  amounts: Record<string, number>;
}

export type ClaimOutcome =
  | { ok: true }
  | { ok: false; type: typeof RosterFailure.DuplicateHousehold | typeof RosterFailure.BudgetExceeded; message: string; details: Record<string, unknown> };

export function createRegistryActivities({ client, taskQueue, householdKey }: RegistryDeps) {
  /** Keyed per campaign, so one household's hashes in two campaigns cannot be linked. */
  const hashOf = (campaignId: string, idNumber: string) => createHmac('sha256', householdKey).update(`${campaignId}\n${idNumber}`).digest().subarray(0, 16);

  function byShard(target: RegistryTarget, idNumbers: string[]) {
    const shards = new Map<number, { hash: string; entry: number }[]>();
    idNumbers.forEach((idNumber, i) => {
      const digest = hashOf(target.campaignId, idNumber);
      const shard = digest.readUInt32BE(0) % target.layout.shards;
      shards.set(shard, [...(shards.get(shard) ?? []), { hash: digest.toString('base64url'), entry: i + 1 }]);
    });
    return shards;
  }

  /** Runs an Update on a registry workflow, starting it first if it has never run (registries start lazily). */
  async function update<Ret, Arg>(workflowId: string, workflowType: string, initial: object, def: UpdateDefinition<Ret, [Arg]>, arg: Arg, updateId: string): Promise<Ret> {
    const handle = client.workflow.getHandle(workflowId);
    try {
      return await handle.executeUpdate(def, { args: [arg], updateId });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    try {
      // A finished registry is not started afresh: that would forget every household it held.
      await client.workflow.start(workflowType, { workflowId, taskQueue, args: [initial], workflowIdReusePolicy: 'REJECT_DUPLICATE', staticSummary: 'campaign registry (hashes only)' });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    try {
      return await handle.executeUpdate(def, { args: [arg], updateId });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw ApplicationFailure.nonRetryable(`the registry ${workflowId} has closed (its campaign ended)`, 'RegistryClosed');
      throw err;
    }
  }

  const shardState = (t: RegistryTarget, shard: number): HouseholdShardState => ({ campaignId: t.campaignId, shard, retainUntil: t.layout.retainUntil, holders: {}, versions: {} });
  const ledgerState = (t: RegistryTarget): BudgetLedgerState => ({ campaignId: t.campaignId, retainUntil: t.layout.retainUntil, budgets: t.layout.budgets, reservations: {}, versions: {} });
  const request = (t: RegistryTarget, suffix: string) => ({ requestId: `${t.unitWorkflowId}:v${t.version}:${suffix}`, unitId: t.unitId, version: t.version });

  // The undo of a refused claim shares the claim's version, so it needs an Update id of its own.
  function reserve(t: RegistryTarget, amounts: Record<string, number>, suffix = 'budget') {
    const req = { ...request(t, suffix), amounts };
    return update(budgetLedgerWorkflowId(t.campaignId), 'budgetLedgerWorkflow', ledgerState(t), reserveBudget, req, req.requestId);
  }

  function release(t: RegistryTarget, shard: number, hashes: string[]) {
    const req = { ...request(t, `release-${shard}`), hashes };
    return update(householdShardWorkflowId(t.campaignId, shard), 'householdShardWorkflow', shardState(t, shard), releaseHouseholds, req, req.requestId);
  }

  const releaseIds = (t: RegistryTarget, idNumbers: string[], amounts: Record<string, number>) =>
    Promise.all([reserve(t, amounts), ...[...byShard(t, idNumbers)].map(([shard, entries]) => release(t, shard, entries.map((e) => e.hash)))]);

  return {
    /** Reserves the roster's amounts and claims its households; on any refusal undoes what it did and says why. */
    async claimRoster(input: ClaimRosterInput): Promise<ClaimOutcome> {
      const { over } = await reserve(input, input.amounts);
      if (over.length) {
        const lines = over.map((o) => `funding source ${o.source}: ${yuan(o.requested)} on this roster and ${yuan(o.heldByOthers)} on other units' would exceed its budget ${yuan(o.budget)}`);
        return { ok: false, type: RosterFailure.BudgetExceeded, message: lines.join('; '), details: { over } };
      }
      const shards = [...byShard(input, input.idNumbers)];
      const results = await Promise.all(
        shards.map(async ([shard, entries]) => {
          const req = { ...request(input, `claim-${shard}`), hashes: entries.map((e) => e.hash), exclusive: input.exclusive };
          const result = await update(householdShardWorkflowId(input.campaignId, shard), 'householdShardWorkflow', shardState(input, shard), claimHouseholds, req, req.requestId);
          return { shard, entries, conflicts: result.conflicts };
        }),
      );
      const duplicates = results
        .flatMap(({ entries, conflicts }) => conflicts.map((c) => ({ entry: entries.find((e) => e.hash === c.hash)!.entry + (input.firstEntry ?? 1) - 1, listedBy: c.unitId })))
        .sort((a, b) => a.entry - b.entry);
      if (!duplicates.length) return { ok: true };
      await Promise.all([
        reserve(input, input.heldBefore ?? {}, 'budget-undo'),
        ...results.filter((r) => !r.conflicts.length).map((r) => release(input, r.shard, r.entries.map((e) => e.hash))),
      ]);
      const lines = duplicates.map((d) => `entry ${d.entry}: this household is already listed by unit ${d.listedBy}`);
      return { ok: false, type: RosterFailure.DuplicateHousehold, message: `${lines.join('; ')} (避免重複慰問)`, details: { duplicates } };
    },

    /** Gives up households no longer listed (a rejected roster, struck entries) and sets what the roster still holds. */
    async releaseRoster(input: ReleaseInput): Promise<void> {
      await releaseIds(input, input.idNumbers, input.amounts);
    },

    /**
     * Publicity: gives up entries struck by upheld objections, approved or added in publicity.
     * The approved ID numbers are read here from the preparation workflow, so they never enter the publicity one.
     */
    async releaseApprovedEntries(input: RegistryTarget & { entries: number[]; amounts: Record<string, number> }): Promise<void> {
      const struck = new Set(input.entries);
      const households = (await noticedHouseholds(client, input.campaignId, input.unitId)).households.filter((r) => struck.has(r.entry));
      await releaseIds(input, households.map((r) => r.household.idNumber), input.amounts);
    },
  };
}

export type RegistryActivities = ReturnType<typeof createRegistryActivities>;
