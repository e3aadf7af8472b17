import { createRegistryActivities, householdKeyFrom } from '../activities/registry';
import { RosterFailure, type RegistryLayout } from '../domain/roster';
import { REGISTRY_UPDATES_PER_RUN, budgetLedgerWorkflowId, getBudgetLedger, getHouseholdShard, householdShardWorkflowId } from '../workflows/registry/messages';
import { recordHistories } from './harness/histories';
import { timeSkippingPerTest } from './harness/per-test';
import { createTestWorker, uniqueId, WEBHOOK_SECRET } from './harness/temporal';

// The registry past one run: after REGISTRY_UPDATES_PER_RUN Updates a shard and the ledger continue
// as new, and what they hold (households by keyed hash, reservations per unit) carries over.

const t = timeSkippingPerTest();

test('given more claims than one registry run takes, when the shard and ledger continue as new, a later duplicate and the budget totals should still be seen', async () => {
  const campaignId = uniqueId('registry');
  const { worker, taskQueue } = await createTestWorker(t.env);
  const registry = createRegistryActivities({ client: t.env.client, taskQueue, householdKey: householdKeyFrom(WEBHOOK_SECRET) });
  const layout: RegistryLayout = { shards: 1, retainUntil: new Date((await t.env.currentTimeMs()) + 30 * 86_400_000).toISOString(), budgets: { 'sub-district': 1_000_000 } };
  const units = REGISTRY_UPDATES_PER_RUN + 10;
  const claim = (unit: number, idNumber: string, version = 1) =>
    registry.claimRoster({ campaignId, unitId: `unit-${unit}`, unitWorkflowId: `wf-${unit}`, version, layout, idNumbers: [idNumber], amounts: { 'sub-district': 100 } });
  const idNumber = (n: number) => `3201021950${String(n).padStart(7, '0')}X`;

  await worker.runUntil(async () => {
    for (let unit = 1; unit <= units; unit++) expect(await claim(unit, idNumber(unit))).toEqual({ ok: true });

    const shard = t.env.client.workflow.getHandle(householdShardWorkflowId(campaignId, 0));
    const ledger = t.env.client.workflow.getHandle(budgetLedgerWorkflowId(campaignId));
    expect(await shard.query(getHouseholdShard)).toEqual({ households: units, units });
    expect(await ledger.query(getBudgetLedger)).toMatchObject({ totals: { 'sub-district': units * 100 } });

    const duplicate = await claim(units + 1, idNumber(1));
    expect(duplicate).toMatchObject({ ok: false, type: RosterFailure.DuplicateHousehold, message: 'entry 1: this household is already listed by unit unit-1 (避免重複慰問)' });
    // The refused claim left nothing behind.
    expect(await ledger.query(getBudgetLedger)).toMatchObject({ totals: { 'sub-district': units * 100 } });
  });
  // The current runs were continued from earlier ones, and each stays small.
  for (const workflowId of [householdShardWorkflowId(campaignId, 0), budgetLedgerWorkflowId(campaignId)]) {
    const { events } = await t.env.client.workflow.getHandle(workflowId).fetchHistory();
    expect(events![0]!.workflowExecutionStartedEventAttributes?.continuedExecutionRunId).toBeTruthy();
    expect(events!.length).toBeLessThan(5 * REGISTRY_UPDATES_PER_RUN);
  }
  await recordHistories(t.env.client, 'registry-continued', [householdShardWorkflowId(campaignId, 0), budgetLedgerWorkflowId(campaignId)]);
}, 300_000);
