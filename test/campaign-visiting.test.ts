import type { Household } from '../domain/roster';
import type { CampaignPlan } from '../domain/plan';
import { UnitPhaseFailure } from '../workflows/unit/messages';
import { CampaignDriver, refusal } from './harness/campaign-driver';
import { recordHistories } from './harness/histories';
import { healthOutreachPlan, household, subDistrictSpringPlan } from './harness/plans';
import { createTestWorker, uniqueId } from './harness/temporal';
import { timeSkippingPerTest } from './harness/per-test';

// Visiting against the approved roster (plan 1: no household paid twice or more than approved)
// and coverage milestones (plan 6: 30% of households by 10/31, all by 11/30), under time skipping.

const HOUR = 3_600_000;

const t = timeSkippingPerTest();

/** Runs the campaign to its visiting phase: each unit's roster approved (with the given strikes), publicity approved. */
async function toVisiting(c: CampaignDriver, rosters: Record<string, Household[]>, strikes: Record<string, number[]> = {}) {
  await c.until(Date.parse(c.phase('preparation').opensAt) + HOUR);
  for (const [unitId, households] of Object.entries(rosters)) {
    await c.submitContent('preparation', unitId, { report: '入戶走訪名冊', households });
    if (strikes[unitId]) await c.strike('preparation', unitId, strikes[unitId].map((entry) => ({ entry, reason: '經入戶核實不符條件' })));
    await c.approve('preparation', unitId);
  }
  if (c.phase('preparation').advance === 'sign-off') {
    await c.waitForState((s) => s.status === 'awaiting-sign-off');
    await c.signOff('preparation');
  }
  await c.until(Date.parse(c.phase('publicity').opensAt) + HOUR);
  for (const unitId of Object.keys(rosters)) {
    await c.submit('publicity', unitId);
    await c.approve('publicity', unitId);
  }
  await c.until(Date.parse(c.phase('visiting').opensAt) + HOUR);
}

async function run(plan: CampaignPlan, body: (c: CampaignDriver) => Promise<void>) {
  const { worker, taskQueue } = await createTestWorker(t.env);
  await worker.runUntil(async () => body(await CampaignDriver.start(t.env, taskQueue, plan)));
}

test('given an approved plan 1 roster with one entry struck, when the community records payments, paying a household twice, more than approved or off the roster should be refused', async () => {
  const plan = subDistrictSpringPlan({ id: uniqueId('spring'), webhook: (p) => t.receiver.url(p), units: 1 });
  const unit = plan.units[0]!.id;
  await run(plan, async (c) => {
    await toVisiting(c, { [unit]: [household(1, { category: 'key', amount: 800 }), household(2), household(3, { amount: 600 })] }, { [unit]: [2] });
    const state = await c.unitState('visiting', unit);
    expect(state.approvedRoster).toEqual([
      { entry: 1, category: 'key', amount: 800, goods: '米1袋、油1桶', fundingSource: 'sub-district' },
      { entry: 3, category: 'general', amount: 600, goods: '米1袋、油1桶', fundingSource: 'sub-district' },
    ]);
    // The approved roster in the visiting phase carries no personal data.
    expect(JSON.stringify(state.approvedRoster)).not.toContain(household(1).idNumber);

    const visit = { amount: 800, goods: '米1袋、油1桶', visitedOn: '2028-02-09', recipientSigned: true, handler: '民政專幹 王芳' };
    const paid = await c.visit(unit, { ...visit, entry: 1 }, 'visit-1');
    expect(await c.visit(unit, { ...visit, entry: 1 }, 'visit-1')).toEqual(paid);

    const twice = await refusal(c.visit(unit, { ...visit, entry: 1, visitedOn: '2028-02-10' }));
    expect(twice).toMatchObject({ type: UnitPhaseFailure.AlreadyPaid, message: 'entry 1 was already paid on 2028-02-09 by 民政專幹 王芳 (避免重複慰問)' });
    const more = await refusal(c.visit(unit, { ...visit, entry: 3, amount: 1_000 }));
    expect(more).toMatchObject({ type: UnitPhaseFailure.OverApproved, message: 'entry 3: 1,000 is more than the approved 600' });
    const struck = await refusal(c.visit(unit, { ...visit, entry: 2, amount: 400 }));
    expect(struck).toMatchObject({ type: UnitPhaseFailure.NotOnRoster, message: `entry 2 is not on unit ${unit}'s approved roster` });

    await c.visit(unit, { ...visit, entry: 3, amount: 600 });
    expect((await c.unitState('visiting', unit)).visits.map((v) => [v.entry, v.amount])).toEqual([
      [1, 800],
      [3, 600],
    ]);
    await recordHistories(t.env.client, 'visiting', [c.unit('visiting', unit).workflowId]);
  });
});

test('given plan 6 milestones (30% by 10/31, 100% by 11/30), when one health centre keeps pace and the other falls behind, only the one behind should be reminded and escalated at each milestone', async () => {
  const plan = healthOutreachPlan({ id: uniqueId('health'), webhook: (p) => t.receiver.url(p) });
  const [ahead, behind] = plan.units.map((u) => u.id) as [string, string];
  const households = (first: number) => Array.from({ length: 10 }, (_, i) => household(first + i, { category: 'bedridden', amount: 0, goods: '健康服務包', fundingSource: 'county-health', reason: '臥病在家不方便就醫' }));
  const [firstMilestone, lastMilestone] = milestoneInstants(plan);
  await run(plan, async (c) => {
    await toVisiting(c, { [ahead]: households(1), [behind]: households(101) });
    const visit = (unitId: string, entry: number) => c.visit(unitId, { entry, amount: 0, goods: '健康服務包', visitedOn: '2028-10-25', recipientSigned: true, handler: '鄉村醫生 李明' });
    for (const entry of [1, 2, 3]) await visit(ahead, entry);
    await visit(behind, 1);

    await c.until(firstMilestone + HOUR);
    await t.receiver.waitFor(() => t.receiver.notifications({ kind: 'coverage-escalated' }).length === 2);
    expect(t.receiver.notifications({ kind: 'coverage-behind' }).map((n) => [n.unitId, n.data?.visited, n.data?.required])).toEqual([[behind, 1, 3]]);
    expect(t.receiver.notifications({ kind: 'coverage-escalated' }).map((n) => `${n.unitId}→${n.recipient.role}:${n.recipient.id}`).sort()).toEqual(
      [`${behind}→coordinator:county-health-bureau`, `${behind}→reviewer:medical-affairs`],
    );

    for (let entry = 4; entry <= 10; entry++) await visit(ahead, entry);
    for (const entry of [2, 3, 4, 5]) await visit(behind, entry);
    await c.submit('visiting', ahead);
    await c.until(lastMilestone - HOUR);
    expect((await c.unitState('visiting', ahead)).status).toBe('submitted');
    await c.until(lastMilestone + HOUR);
    await t.receiver.waitFor(() => t.receiver.notifications({ kind: 'coverage-behind' }).length === 2);
    expect(t.receiver.notifications({ kind: 'coverage-behind' }).map((n) => [n.unitId, n.data?.milestone, n.data?.visited, n.data?.required])).toEqual([
      [behind, plan.phases[2]!.milestones![0]!.at, 1, 3],
      [behind, plan.phases[2]!.milestones![1]!.at, 5, 10],
    ]);
    expect((await c.unitState('visiting', behind)).escalations.filter((e) => e.kind === 'coverage-escalated')).toHaveLength(4);
  });
});

const milestoneInstants = (plan: CampaignPlan) => plan.phases[2]!.milestones!.map((m) => Date.parse(m.at)) as [number, number];
