import { defineQuery, defineUpdate } from '@temporalio/workflow';

// The campaign-wide registry behind 避免重複慰問 and the funding budgets: household shards, keyed
// by a keyed hash (HMAC) of the ID number — never the number itself — and one budget ledger.
// Units reach them through activities (activities/registry.ts), one Update per shard touched.
//
// Every request carries the unit's registry version: a unit's operations are numbered, and an
// operation older than the last one applied for that unit is stale and changes nothing, so retries
// and late duplicates are harmless, and the same request applied twice has the same effect as once.

export interface RegistryRequest {
  /** `${unit workflow id}:v${version}`, also the Update id. */
  requestId: string;
  unitId: string;
  version: number;
}

export interface HouseholdsRequest extends RegistryRequest {
  /** Keyed hashes of the households' ID numbers that fall in this shard. */
  hashes: string[];
  /** Claim: a household this unit already lists is a conflict too (an addition must be new to its roster). */
  exclusive?: boolean;
}

export interface ClaimResult {
  /** Households another unit already lists: nothing was claimed when there are any. */
  conflicts: { hash: string; unitId: string }[];
}

export interface ReserveRequest extends RegistryRequest {
  /** The unit's whole reservation per funding source after this request (it replaces the previous one). */
  amounts: Record<string, number>;
}

export interface ReserveResult {
  /** Sources whose budget the reservation would exceed: nothing changed when there are any. */
  over: { source: string; budget: number; requested: number; heldByOthers: number }[];
}

export interface HouseholdShardState {
  campaignId: string;
  shard: number;
  retainUntil: string;
  /** hash → unit id */
  holders: Record<string, string>;
  /** unit id → the last version applied */
  versions: Record<string, number>;
}

export interface BudgetLedgerState {
  campaignId: string;
  retainUntil: string;
  budgets: Record<string, number>;
  /** unit id → its reservation per source, in the order of `budgets` (arrays keep 5,000 units near 300 KB). */
  reservations: Record<string, number[]>;
  versions: Record<string, number>;
}

export const claimHouseholds = defineUpdate<ClaimResult, [HouseholdsRequest]>('claimHouseholds');
export const releaseHouseholds = defineUpdate<void, [HouseholdsRequest]>('releaseHouseholds');
export const reserveBudget = defineUpdate<ReserveResult, [ReserveRequest]>('reserveBudget');
export const getHouseholdShard = defineQuery<{ households: number; units: number }>('getHouseholdShard');
export const getBudgetLedger = defineQuery<{ budgets: Record<string, number>; totals: Record<string, number> }>('getBudgetLedger');

/**
 * A run continues as new after this many Updates (Temporal allows 2,000 per run, and some 5 events
 * each keeps a run near 2,500 events), carrying its state.
 */
export const REGISTRY_UPDATES_PER_RUN = 500;

export const householdShardWorkflowId = (campaignId: string, shard: number): string => `campaign:${campaignId}:registry:households-${shard}`;
export const budgetLedgerWorkflowId = (campaignId: string): string => `campaign:${campaignId}:registry:budget`;
