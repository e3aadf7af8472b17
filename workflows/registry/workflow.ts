import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  REGISTRY_UPDATES_PER_RUN,
  claimHouseholds,
  getBudgetLedger,
  getHouseholdShard,
  releaseHouseholds,
  reserveBudget,
  type BudgetLedgerState,
  type HouseholdShardState,
  type RegistryRequest,
} from './messages';

/** True when the request is older than the last one applied for its unit (a retry or a late duplicate). */
function isStale(versions: Record<string, number>, request: RegistryRequest): boolean {
  return request.version < (versions[request.unitId] ?? 0);
}

/**
 * Serves Updates until the registry's retention ends (it then completes) or the run has taken its
 * share of Updates (it then continues as new, carrying `state`).
 */
async function serve<S>(state: S & { retainUntil: string }, handled: () => number, next: (state: S) => Promise<never>): Promise<void> {
  const full = () => handled() >= REGISTRY_UPDATES_PER_RUN || workflowInfo().continueAsNewSuggested;
  const retained = await condition(full, Math.max(1, Date.parse(state.retainUntil) - Date.now()), { summary: `kept until ${state.retainUntil}` });
  await condition(allHandlersFinished);
  if (retained) await next(state);
}

/** One shard of a campaign's households: which unit lists each (by keyed hash). */
export async function householdShardWorkflow(state: HouseholdShardState): Promise<void> {
  let handled = 0;
  setHandler(getHouseholdShard, () => ({ households: Object.keys(state.holders).length, units: Object.keys(state.versions).length }));

  setHandler(claimHouseholds, (request) => {
    handled++;
    if (isStale(state.versions, request)) return { conflicts: [] };
    const conflicts = request.hashes.flatMap((hash) => {
      const holder = state.holders[hash];
      return holder !== undefined && (holder !== request.unitId || request.exclusive) ? [{ hash, unitId: holder }] : [];
    });
    state.versions[request.unitId] = request.version;
    if (conflicts.length === 0) for (const hash of request.hashes) state.holders[hash] = request.unitId;
    return { conflicts };
  });

  setHandler(releaseHouseholds, (request) => {
    handled++;
    if (isStale(state.versions, request)) return;
    state.versions[request.unitId] = request.version;
    for (const hash of request.hashes) if (state.holders[hash] === request.unitId) delete state.holders[hash];
  });

  await serve(state, () => handled, (s) => continueAsNew<typeof householdShardWorkflow>(s));
}

/** A campaign's funding budgets and what each unit's roster holds against them. */
export async function budgetLedgerWorkflow(state: BudgetLedgerState): Promise<void> {
  let handled = 0;
  const sources = Object.keys(state.budgets);
  const totals = sources.map((_, i) => Object.values(state.reservations).reduce((sum, amounts) => sum + (amounts[i] ?? 0), 0));

  setHandler(getBudgetLedger, () => ({ budgets: state.budgets, totals: Object.fromEntries(sources.map((source, i) => [source, totals[i]!]).filter(([, t]) => t)) }));

  setHandler(reserveBudget, (request) => {
    handled++;
    if (isStale(state.versions, request)) return { over: [] };
    state.versions[request.unitId] = request.version;
    const held = state.reservations[request.unitId] ?? [];
    const wanted = sources.map((source) => request.amounts[source] ?? 0);
    const over = sources.flatMap((source, i) => {
      const heldByOthers = totals[i]! - (held[i] ?? 0);
      return heldByOthers + wanted[i]! > state.budgets[source]! ? [{ source, budget: state.budgets[source]!, requested: wanted[i]!, heldByOthers }] : [];
    });
    if (over.length === 0) {
      sources.forEach((_, i) => (totals[i]! += wanted[i]! - (held[i] ?? 0)));
      if (wanted.some((a) => a > 0)) state.reservations[request.unitId] = wanted;
      else delete state.reservations[request.unitId];
    }
    return { over };
  });

  await serve(state, () => handled, (s) => continueAsNew<typeof budgetLedgerWorkflow>(s));
}
